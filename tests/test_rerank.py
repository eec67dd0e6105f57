"""Second-stage features: one sentence carrying the question beats words scattered over an
article; a passage stating the asked-for kind of value beats one that does not."""
import pytest

from retrieval.answer_types import AnswerType
from retrieval.models import Passage
from retrieval.rerank import PassageText, RerankWeights, rerank_bonus

W = RerankWeights(sentence=1.0, caption=0.5, answer_value=0.3)
TERMS = [("育児休業", 2.0), ("期間", 1.0)]
TOTAL = 3.0


def passage(text: str, caption: str | None = None) -> Passage:
    return Passage(doc="d", seq=0, title="t", text=text, article="第一条", caption=caption)


def bonus(p: Passage, answer_type=AnswerType.OTHER, terms=TERMS) -> float:
    return rerank_bonus(0, p, terms, TOTAL, answer_type, W, PassageText())


def test_terms_in_one_sentence_beat_terms_scattered_over_sentences():
    together = passage("育児休業の期間は三歳に達する日までとする。職員は届け出る。")
    scattered = passage("育児休業は承認による。給与の支給の期間は別に定める。")
    assert bonus(together) > bonus(scattered)
    assert bonus(together) == pytest.approx(W.sentence)  # every term in one sentence: the full share


def test_passage_stating_the_asked_for_value_gets_the_answer_type_bonus():
    states = passage("育児休業の期間は三歳に達する日までとする。")
    silent = passage("育児休業の期間については任命権者が定める。")
    assert bonus(states, AnswerType.DEADLINE) - bonus(silent, AnswerType.DEADLINE) == pytest.approx(W.answer_value)
    # an open question (yes/no) does not reward values
    assert bonus(states, AnswerType.PERMISSION) == bonus(silent, AnswerType.PERMISSION)


def test_caption_naming_the_topic_adds_its_share():
    text = "育児休業の期間は三歳に達する日までとする。"
    assert bonus(passage(text, caption="育児休業の期間")) - bonus(passage(text)) == pytest.approx(W.caption * (6 / 7) ** 2)


def test_no_question_terms_no_bonus():
    assert rerank_bonus(0, passage("何か。"), [], 0.0, AnswerType.OTHER, W, PassageText()) == 0.0


def test_reranker_moves_the_value_stating_article_first_within_one_law(tmp_path):
    """End to end through LocalSearcher on a real SQLite index."""
    from retrieval.analysis import Analyzer
    from retrieval.local_index import LocalIndex
    from retrieval.local_search import LocalSearcher
    from retrieval.models import Question
    from indexer.build import Indexer
    from retrieval.tokens import TokenCounter

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "育児休業条例.txt").write_text(
        "育児休業条例\n"
        "（育児休業の承認）\n第二条　育児休業の承認の請求があったときは、任命権者は承認しなければならない。"
        "育児休業をしている職員の期間の延長は別に定める。\n"
        "（育児休業の期間）\n第三条　育児休業の期間は、子が三歳に達する日までとする。\n",
        encoding="utf-8")
    analyzer = Analyzer()
    index = LocalIndex(tmp_path / "i.sqlite")
    Indexer(index=index, analyzer=analyzer, tokens=TokenCounter(), max_tokens=400).run(corpus)
    searcher = LocalSearcher(index=index, analyzer=analyzer)
    top = searcher.rank(Question(text="育児休業の期間はいつまで？", language="ja"), 2)
    assert top[0].passage.article == "第三条"


def test_caption_that_names_exactly_the_topic_beats_a_longer_caption():
    text = "育児休業の期間は別に定める。"
    exact = bonus(passage(text, caption="育児休業の期間"))
    longer = bonus(passage(text, caption="育児休業の期間の延長"))
    assert exact > longer > bonus(passage(text))


def test_a_caption_naming_only_what_was_asked_beats_one_that_names_more_besides():
    terms = [("出張", 1.0), ("日当", 2.0), ("満額", 1.0)]
    text = "旅費は別に定める。"
    only_asked = rerank_bonus(0, passage(text, caption="日当"), terms, 4.0, AnswerType.OTHER, W, PassageText())
    more_besides = rerank_bonus(0, passage(text, caption="出張日当満額の特例"), terms, 4.0, AnswerType.OTHER, W,
                                PassageText())
    # The longer caption holds every asked word (share 1, precision 2/3); the short one half the
    # weight, and nothing else.
    assert only_asked > more_besides > 0


def test_a_count_question_rewards_only_a_number_in_the_asked_unit():
    """定年は何歳？ is answered by 年齢六十年, not by the three years an extension may last."""
    age = passage("定年は、年齢六十年とする。")
    years = passage("定年に達した職員の勤務は、三年を超えない範囲内で延長できる。")
    asks_age = dict(answer_type=AnswerType.QUANTITY, terms=[("定年", 2.0)])
    with_unit = [rerank_bonus(0, p, asks_age["terms"], TOTAL, AnswerType.QUANTITY, W, PassageText(), unit="歳")
                 for p in (age, years)]
    assert with_unit[0] - with_unit[1] == pytest.approx(W.answer_value)
    # without an asked unit, any number of the kind counts
    assert bonus(age, **asks_age) == bonus(years, **asks_age)


def test_a_near_tied_second_law_is_re_ordered_too(tmp_path):
    """When two laws are near-tied on the first stage, the article of the second law that states
    the asked-for period is not left behind the leader's article that states none."""
    import dataclasses

    from indexer.build import Indexer
    from retrieval.analysis import Analyzer
    from retrieval.local_index import LocalIndex
    from retrieval.local_search import LocalSearcher
    from retrieval.models import Question
    from retrieval.tokens import TokenCounter

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "甲法.txt").write_text(
        "甲法\n（審査）\n第一条　行政の処分に不服がある者は、審査請求をすることができる。\n", encoding="utf-8")
    (corpus / "乙法.txt").write_text(
        "乙法\n（期間）\n第二条　行政の処分の審査請求は、六十日以内にしなければならない。ただし、正当な理由があるときは、"
        "この限りでない。その他の手続は、別に定める。\n", encoding="utf-8")
    analyzer = Analyzer()
    index = LocalIndex(tmp_path / "i.sqlite")
    Indexer(index=index, analyzer=analyzer, tokens=TokenCounter(), max_tokens=400).run(corpus)
    searcher = LocalSearcher(index=index, analyzer=analyzer)
    question = Question(text="行政の処分の審査請求はいつまでにする？", language="ja")
    assert searcher.rank(question, 2)[0].passage.article == "第二条"
    searcher.rerank_weights = dataclasses.replace(searcher.rerank_weights, document_margin=0.0)
    assert searcher.rank(question, 2)[0].passage.article == "第一条"  # the leader's document only


def test_a_question_for_a_limit_rewards_the_bounded_number():
    capped = passage("病気休暇は、連続して九十日を超えることはできない。")
    counted = passage("病気休暇の日数は、九十日の期間から除外日を除いて数える。")
    weights = RerankWeights(sentence=0.0, caption=0.0, answer_value=0.3, bound=0.1)
    scores = [rerank_bonus(0, p, [("病気休暇", 2.0)], TOTAL, AnswerType.QUANTITY, weights, PassageText(),
                           unit="日", bound="max") for p in (capped, counted)]
    assert scores[0] - scores[1] == pytest.approx(0.1)
