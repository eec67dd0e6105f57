"""The naive retrieval baselines reported beside our retriever (eval/naive.py)."""
import shutil
import threading

import pytest

from eval.naive import NAIVE_KINDS, NaiveSearcher, bigrams, read_passages, trigrams
from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.local_index import LocalIndex
from retrieval.models import Passage, Question
from retrieval.tokens import TokenCounter
from tests.conftest import FIXTURE_CORPUS

ANALYZER = Analyzer()

PASSAGES = [
    Passage(doc="kyuka.md", seq=0, title="休暇規程", article="第二条",
            text="年次休暇は、一の年において二十日とする。"),
    Passage(doc="kyuka.md", seq=1, title="休暇規程", article="第三条",
            text="職員は、子が三歳に達する日まで育休をすることができる。"),
    Passage(doc="kyuka.md", seq=2, title="休暇規程", article="第四条",
            text="病気休暇の期間は、療養のため必要最小限度の期間とする。"),
    Passage(doc="ryohi.txt", seq=0, title="旅費規則", article="第五条",
            text="旅費は、出張の終了後速やかに精算しなければならない。"),
    Passage(doc="handbook.md", seq=0, title="Employee Handbook",
            text="Employees accrue paid time off every month and may carry it over."),
    Passage(doc="secret.md", seq=0, title="人事秘規程", text="懲戒休暇の手続は非公開とする。",
            allowed_groups=("hr",)),
]


def ask(searcher, text, k=5, groups=()):
    return [hit.passage.passage_id for hit in searcher.rank(Question(text, "ja", groups=groups), k)]


@pytest.fixture(scope="module")
def searchers():
    built = {kind: NaiveSearcher(kind, PASSAGES, analyzer=ANALYZER) for kind in NAIVE_KINDS}
    yield built
    for searcher in built.values():
        searcher.close()


def test_tokenisers():
    assert bigrams("育休（育児）を２日 Paid Leave") == ["育休", "育児", "を", "2", "日", "paid", "leave"]
    assert trigrams("休暇、 。とは") == ["休暇、", "暇、 ", " 。と", "。とは"]  # "、 。" is skipped
    assert trigrams("休暇") == []


def test_trigram_finds_long_terms_but_not_two_character_words(searchers):
    assert ask(searchers["trigram"], "出張の終了後は？")[0] == "ryohi.txt#0"
    assert ask(searchers["trigram"], "病気休暇")[0] == "kyuka.md#2"
    assert ask(searchers["trigram"], "休暇") == []  # the documented weakness: no 3-character piece


def test_bigram_finds_two_character_words(searchers):
    assert set(ask(searchers["bigram"], "休暇")) == {"kyuka.md#0", "kyuka.md#2"}
    assert ask(searchers["bigram"], "育休") == ["kyuka.md#1"]
    assert ask(searchers["bigram"], "paid leave")[0] == "handbook.md#0"


def test_sudachi_finds_two_character_words(searchers):
    assert set(ask(searchers["sudachi"], "休暇について")) == {"kyuka.md#0", "kyuka.md#2"}
    assert ask(searchers["sudachi"], "paid time off")[0] == "handbook.md#0"


@pytest.mark.parametrize("kind", NAIVE_KINDS)
def test_more_matching_terms_rank_first(searchers, kind):
    hits = searchers[kind].rank(Question("病気休暇の療養期間", "ja"), 5)
    assert hits[0].passage.passage_id == "kyuka.md#2"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.confidence is None for h in hits)


@pytest.mark.parametrize("kind", NAIVE_KINDS)
def test_empty_query_k_and_acl(searchers, kind):
    assert ask(searchers[kind], "、。 ？") == []
    assert len(ask(searchers[kind], "休暇の期間", k=1)) == 1
    assert "secret.md#0" not in ask(searchers[kind], "懲戒休暇の手続")
    assert "secret.md#0" in ask(searchers[kind], "懲戒休暇の手続", groups=("hr",))


def test_quotes_in_the_question_are_escaped(searchers):
    for searcher in searchers.values():
        searcher.rank(Question('"paid" leave ""', "en"), 3)  # must not raise an FTS5 syntax error


def test_search_from_another_thread(searchers):
    result = []
    worker = threading.Thread(target=lambda: result.extend(ask(searchers["bigram"], "育休")))
    worker.start()
    worker.join()
    assert result == ["kyuka.md#1"]


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown naive baseline"):
        NaiveSearcher("vector", PASSAGES)


def test_db_path_is_rebuilt_not_appended(tmp_path):
    for _ in range(2):
        searcher = NaiveSearcher("bigram", PASSAGES, db_path=tmp_path / "naive.sqlite")
        assert ask(searcher, "育休") == ["kyuka.md#1"]
        searcher.close()


def test_read_passages_round_trips_the_real_index(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    index = LocalIndex(tmp_path / "i.sqlite")
    Indexer(index=index, analyzer=ANALYZER, tokens=TokenCounter()).run(corpus)
    stored = [hit.passage for hit in index.search_terms(ANALYZER.terms("育休 旅費 休暇"), limit=100)]
    index.close()

    passages = read_passages(tmp_path / "i.sqlite")
    assert len(passages) == index.passage_count() and stored
    assert set(stored) <= set(passages)  # field-for-field equal to what LocalIndex itself returns
    assert [(p.doc, p.seq) for p in passages] == sorted((p.doc, p.seq) for p in passages)
    assert ask(NaiveSearcher("sudachi", passages, analyzer=ANALYZER), "育休")[0].startswith("kyuka.md#")
    with pytest.raises(FileNotFoundError):
        read_passages(tmp_path / "missing.sqlite")
