"""Query planning: the reviewed vocabulary files and what the planner makes of a question."""
import pytest
import yaml

from retrieval.analysis import Analyzer, normalize
from retrieval.document_names import document_names
from retrieval.models import Passage
from retrieval.query import DATA_DIR, ArticleRef, QueryPlanner

PLANNER = QueryPlanner(Analyzer())


@pytest.mark.parametrize("name", ["synonyms.yaml", "law_aliases.yaml", "glossary_en.yaml"])
def test_vocabulary_files_are_well_formed(name):
    data = yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data
    for key, value in data.items():
        assert isinstance(key, str) and key.strip() == key and key
        values = [value] if isinstance(value, str) else value
        assert values and all(isinstance(v, str) and v for v in values), key


def test_glossary_keys_are_lowercase_english():
    data = yaml.safe_load((DATA_DIR / "glossary_en.yaml").read_text(encoding="utf-8"))
    assert all(key == key.lower() and key.isascii() for key in data)


@pytest.mark.parametrize("name", ["glossary_en.yaml", "synonyms.yaml"])
def test_vocabulary_keys_appear_once(name):
    # yaml.safe_load keeps the last of two equal keys silently: a second entry would hide the first.
    # Compared as the planner loads them (NFKC, lowercased), so "ID" and "id" are one key too.
    keys = [normalize(line.split(":", 1)[0]).lower()
            for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    assert len(keys) == len(set(keys)), sorted(k for k in set(keys) if keys.count(k) > 1)


@pytest.mark.parametrize("question, expected", [
    # entries chosen from the corpus's frequent statutory terms (bench/glossary_candidates.py)
    ("What are the prescribed working hours?", {"所定", "労働", "時間", "正規", "勤務"}),
    ("Can retained personal information be given to a third party?", {"保有", "個人", "情報", "第", "三", "者"}),
    ("What is the penalty for a false report at an on-site inspection?", {"虚偽", "報告", "立ち入り", "検査"}),
    ("Who gets the end-of-term allowance and the housing allowance?", {"期末", "手当", "住居"}),
    ("Is a labor-management agreement needed?", {"労使", "協定"}),
    ("What is the standard processing period for an application?", {"標準", "処理", "期間", "申請"}),
])
def test_multi_word_english_keys_expand_to_statutory_terms(question, expected):
    assert expected <= set(PLANNER.plan(question).expansions)


def test_a_longer_key_takes_its_words_from_a_shorter_one():
    # "break time" is 休憩時間 as a whole (not "break" alone: 休憩); "lost" is the corpus's 紛失
    # (of a card or a device), a word the general-language dictionary does not offer for it.
    assert {"休憩", "時間"} <= set(PLANNER.plan("How long is the break time?").expansions)
    assert "紛失" in PLANNER.plan("I lost my My Number card").expansions


@pytest.mark.parametrize("question, expected", [
    ("育休はいつまで？", {"育児", "休業"}),
    ("年休って何日？", {"年次", "有給", "休暇"}),
    ("残業代は出る？", {"割り増し", "賃金"}),
    ("育短は子がいくつまで？", {"育児", "時間", "勤務"}),  # personnel shorthand Sudachi splits (育 + 短)
    ("時間外の手当は何割増し？", {"超過", "勤務"}),  # 時間外勤務 is the 超過勤務 of the pay laws
])
def test_colloquial_words_add_statutory_terms(question, expected):
    assert expected <= set(PLANNER.plan(question).expansions)


@pytest.mark.parametrize("question, expected", [
    # entries chosen from the corpus's frequent statutory terms (bench/synonym_candidates.py)
    ("通勤途中のけがの治療費は出る？", {"療養", "補償"}),
    ("業者に前払いしてもいい？", {"前金", "払い", "概算"}),
    ("処分の前に本人の言い分を聞く必要は？", {"弁明", "聴聞"}),
    ("窓口で申請書を突っ返していい？", {"返戻", "却下"}),
    ("体育館の運営を民間に任せるには？", {"指定", "管理", "委託"}),
    ("夜中に働いた分の手当は？", {"深夜", "業"}),
    ("給料日はいつ？", {"支給", "支払い"}),
    ("USBメモリをなくしたら？", {"紛失", "漏洩"}),
    ("集めた情報を他の目的に使える？", {"外", "以外", "利用"}),  # 目的 is the user's own word
    ("議会を通さずに決められる？", {"専決", "処分"}),
    ("この通知、オンラインで送ってもいい？", {"電子", "情報", "処理", "組織"}),
])
def test_everyday_words_reach_corpus_statutory_terms(question, expected):
    assert expected <= set(PLANNER.plan(question).expansions)


@pytest.mark.parametrize("question, paragraph", [("労基法39条1項の年休", 1), ("労基法第39条7項", 7),
                                                ("労基法36条6項2号の上限", 6), ("労基法第39条第4項", 4)])
def test_a_paragraph_typed_without_dai_is_read(question, paragraph):
    plan = PLANNER.plan(question)
    assert plan.articles[0].paragraph == paragraph
    assert not {"二号", "号", "項"} & set(plan.terms)


def test_law_abbreviation_and_article_reference():
    plan = PLANNER.plan("地公法38条の許可の基準は？")
    assert plan.laws == ("地方公務員法",)
    assert plan.articles == (ArticleRef("地方公務員法", "38", None),)
    # the law name and article number are matched structurally, not searched as words
    assert "38" not in plan.terms and "地公" not in plan.terms


@pytest.mark.parametrize("question, title", [
    # an ordinance named after the law it implements is that ordinance, not the law
    ("東京都の個人情報保護法施行条例では手数料はいくら？", "個人情報の保護に関する法律施行条例"),
    ("自治令167条の2の随意契約", "地方自治法施行令"),
    ("番号法ガイドラインだと削除はどうする？", "特定個人情報の適正な取扱いに関するガイドライン（行政機関等編）"),
    ("個人情報保護法ガイドライン（通則編）の漏えい報告", "個人情報の保護に関する法律についてのガイドライン（通則編）"),
    ("デジタル手続法で通知を電子にできる？", "行政手続等における情報通信の技術の利用に関する法律"),
])
def test_a_longer_abbreviation_names_its_own_document(question, title):
    titles = ["個人情報の保護に関する法律", "個人情報の保護に関する法律施行条例", "地方自治法", "地方自治法施行令",
              "行政手続における特定の個人を識別するための番号の利用等に関する法律",
              "特定個人情報の適正な取扱いに関するガイドライン（行政機関等編）",
              "個人情報の保護に関する法律についてのガイドライン（通則編）",
              "行政手続等における情報通信の技術の利用に関する法律"]
    assert PLANNER.plan(question, titles).laws == (title,)


@pytest.mark.parametrize("question, expected", [
    ("What does Article 39 of the Labor Standards Act say?", (ArticleRef("労働基準法", "39", None),)),
    ("Labor Standards Act, Article 39, paragraph 4", (ArticleRef("労働基準法", "39", 4),)),
    ("Labor Standards Act Art. 39: how many days?", (ArticleRef("労働基準法", "39", None),)),
    ("Is Article 26-5(2) of the Local Public Service Act about leave?", (ArticleRef("地方公務員法", "26-5", 2),)),
    ("Compare Article 38 of the Local Public Service Act and Article 103 of the National Public Service Act",
     (ArticleRef("地方公務員法", "38", None), ArticleRef("国家公務員法", "103", None))),
])
def test_an_english_article_reference_names_the_article_and_its_law(question, expected):
    titles = ["労働基準法", "地方公務員法", "国家公務員法"]
    plan = PLANNER.plan(question, titles)
    assert plan.articles == expected
    assert not {"39", "38", "103", "26", "5"} & set(plan.terms)  # matched structurally, not as words
    assert "条" not in plan.expansions  # nor is "Article" the glossary's 条


def test_an_abbreviation_followed_by_its_order_names_the_order():
    titles = ["地方自治法", "地方自治法施行令"]
    plan = PLANNER.plan("自治法施行令162条の概算払って補助金にも使える？", titles)
    assert plan.laws == ("地方自治法施行令",)
    assert plan.articles == (ArticleRef("地方自治法施行令", "162", None),)
    assert not {"施行", "令", "自治"} & set(plan.terms)
    # the law itself, when no order of it is indexed or the order is not named
    assert PLANNER.plan("自治法施行令162条", ["地方自治法"]).laws == ("地方自治法",)
    assert PLANNER.plan("自治法で専決処分の報告は？", titles).laws == ("地方自治法",)


def test_kanji_article_and_paragraph_reference():
    plan = PLANNER.plan("金融商品取引法第二十七条の二第三項について", ["金融商品取引法"])
    assert plan.articles == (ArticleRef("金融商品取引法", "27-2", 3),)


def test_english_question_gets_japanese_terms():
    plan = PLANNER.plan("How many days of annual paid leave can a local public employee take?")
    assert {"年次", "有給", "休暇", "地方", "公務"} <= set(plan.expansions)


@pytest.mark.parametrize("question, old, current", [
    ("2013年版の労基法で残業の上限は？", True, False),
    ("今の労基法だと？", False, True),
    ("労基法の休憩時間は？", False, False),
])
def test_version_hints(question, old, current):
    plan = PLANNER.plan(question)
    assert (plan.wants_old_version, plan.wants_current_version) == (old, current)
    assert "2013" not in plan.terms


def test_document_file_names_are_names_too():
    passages = [Passage(doc="Northwind_Standard_Benefits_Details.pdf", seq=0, title="Northwind Standard Plan", text="x"),
                Passage(doc="laws/content.xml", seq=0, title="労働基準法", text="x"),
                Passage(doc="001_金融商品取引法_第5条.md", seq=0, title="金融商品取引法", text="x")]
    names = document_names(passages)
    assert names["Northwind Standard Benefits Details"] == "Northwind Standard Plan"
    assert "content" not in names and len(names) == 4
    plan = PLANNER.plan("What does the Northwind Standard Benefits Details say about copays?", names)
    assert plan.laws == ("Northwind Standard Plan",)


def test_english_document_named_by_distinctive_title_words():
    from retrieval.document_names import distinctive_title_words, titles_named_by_words

    words = distinctive_title_words(["Contoso Electronics Northwind Health Standard Plan",
                                     "Contoso Electronics Northwind Health Plus Plan", "地方公務員法"])
    assert titles_named_by_words("Does Northwind Standard cover eye exams?", words) == (
        "Contoso Electronics Northwind Health Standard Plan",)
    assert titles_named_by_words("What does Northwind Health cover?", words) == ()  # not distinctive
    assert titles_named_by_words("Is the plus plan better?", words) == ()  # one title word only


@pytest.mark.parametrize("question, unwanted", [
    ("ストレスチェックは義務？", "争議"),   # スト must not fire inside ストレス
    ("首長の任期は？", "免職"),            # 首 must not fire inside 首長
    ("アパートの家賃補助は？", "短時間"),    # パート must not fire inside アパート
    ("サボテンを窓口に置いていい？", "専念"),  # only サボる/サボり/サボっ, not サボ
    ("勤務時間を少なくしたい", "紛失"),       # をなくし, not なくし inside 少なくし
])
def test_short_synonym_keys_do_not_fire_inside_other_words(question, unwanted):
    assert not any(unwanted in term for term in PLANNER.plan(question).expansions)


def test_misspelt_english_words_map_to_indexed_terms():
    from retrieval.term_matrix import TermMatrix

    passages = [Passage(doc="a.pdf", seq=0, title="Plan", text="x"), Passage(doc="a.pdf", seq=1, title="Plan", text="y")]
    matrix = TermMatrix(passages, [("health cover hear servic", "plan", ""), ("gender affirm care", "plan", "")])
    assert matrix.closest_english_term("helth") == "health"
    assert matrix.closest_english_term("gendr") == "gender"
    assert matrix.closest_english_term("zebra") is None
    assert matrix.closest_english_term("年休") is None and matrix.closest_english_term("abc") is None


def test_regulations_called_by_subject_and_kind():
    titles = ["みどり区職員の勤務時間、休日及び休暇に関する条例", "みどり区職員服務規程", "みどり区職員テレワーク実施要綱",
              "地方公務員の育児休業等に関する法律"]
    assert PLANNER.plan("勤務時間条例の第14条", titles).articles == (
        ArticleRef("みどり区職員の勤務時間、休日及び休暇に関する条例", "14", None),)
    assert PLANNER.plan("テレワーク要綱の対象者は？", titles).laws == ("みどり区職員テレワーク実施要綱",)
    assert PLANNER.plan("法律上できる？", titles).laws == ()


@pytest.mark.parametrize("text, language", [("年休は？", "ja"), ("annual leave?", "en"), ("😀？？", "ja"),
                                            ("USBメモリ", "ja")])
def test_language_detection(text, language):
    from retrieval.analysis import detect_language

    assert detect_language(text) == language


def test_english_law_names_resolve():
    plan = PLANNER.plan("What does the Local Public Service Act say about strikes?")
    assert plan.laws == ("地方公務員法",)
    assert {"争議", "行為"} <= set(plan.expansions)


def test_synonym_keys_match_regardless_of_case():
    assert {"外部", "記録", "媒体"} <= set(PLANNER.plan("USBメモリを使っていい？").expansions)


def test_alternative_wordings_of_one_concept_are_grouped():
    plan = QueryPlanner(Analyzer()).plan("How many days of annual leave do I get?")
    annual = [c for c in plan.concepts if any("年次" in alt for alt in c)]
    assert annual and len(annual[0]) == 2  # 年次有給休暇 | 年次休暇: one concept, two wordings


def test_one_wording_of_a_concept_covers_it_fully_for_confidence():
    import numpy as np

    from retrieval.local_search import _concept_share
    from retrieval.term_matrix import TermMatrix

    passages = [Passage(doc="a", seq=0, title="t", text="x"), Passage(doc="b", seq=0, title="t", text="y"),
                Passage(doc="c", seq=0, title="t", text="z")]
    matrix = TermMatrix(passages, [("年次 休暇 日数", "", ""), ("年次 有給 休暇", "", ""), ("給与", "", "")])
    concepts = ((("年次", "有給", "休暇"), ("年次", "休暇")),)
    share = _concept_share(matrix, concepts)
    assert np.allclose(share, [1.0, 1.0, 0.0])  # either wording is the whole concept; none is nothing


def test_concepts_all_weighted_zero_share_nothing_rather_than_fail():
    # RankWeights.loose_concept = 0 with every concept a JMdict translation weighs them all 0: the
    # share is none, not a ZeroDivisionError in the middle of ranking (a weight sweep hit it).
    import numpy as np

    from retrieval.local_search import _concept_share
    from retrieval.term_matrix import TermMatrix

    passages = [Passage(doc="a", seq=0, title="t", text="x"), Passage(doc="b", seq=0, title="t", text="y")]
    matrix = TermMatrix(passages, [("年次 休暇", "", ""), ("給与", "", "")])
    share = _concept_share(matrix, ((("年次", "休暇"),), (("給与",),)), weights=[0.0, 0.0])
    assert np.allclose(share, [0.0, 0.0])


def test_a_missing_entry_is_not_a_leak():
    assert "漏洩" in PLANNER.plan("個人情報が漏れたらどうする？").expansions
    assert "漏洩" not in PLANNER.plan("申請書の記入漏れがあったらどうなる？").expansions


@pytest.mark.parametrize("question, expected", [
    ("Do we have to hold a hearing before revoking a permit?", {"取り消し"}),  # revoke
    ("I submitted my resignation last week.", {"提出"}),  # submit, doubled t
    ("He applied for childcare leave.", {"申請"}),  # apply -> applied
    ("She requested disclosure.", {"請求"}),
    # acts of administration, keyed by the English verb (the corpus's widespread verbal nouns)
    ("How long must the payroll records be kept?", {"保存"}),  # keep -> kept
    ("Can we share information with another office?", {"提供"}),
    ("He deleted the file by mistake.", {"削除"}),
    ("Who appointed the committee members?", {"任命"}),
])
def test_glossary_verbs_match_in_their_inflected_forms(question, expected):
    assert expected <= set(PLANNER.plan(question).expansions)


def test_a_noun_key_does_not_match_a_verb_form_with_another_meaning():
    assert "休暇" not in PLANNER.plan("What should I check before leaving the office?").expansions


def test_a_phrase_key_matches_with_its_first_word_inflected():
    assert {"在宅", "勤務"} <= set(PLANNER.plan("He worked from home on Monday.").expansions)


@pytest.mark.parametrize("question, expected", [
    ("育休の請求って断れるの？", "拒否"),      # the key 断る, inflected
    ("書類をすてた", "廃棄"),                  # the key 捨てる, written in kana and inflected
    ("給料をまだ払ってもらってない", "支払い"),  # the key 払う, inflected as no key spells it
])
def test_a_one_word_synonym_key_matches_its_inflections_and_spellings(question, expected):
    assert expected in PLANNER.plan(question).expansions


@pytest.mark.parametrize("question, unwanted", [
    ("自分の端末の情報は？", "開示"),            # 自分の情報 is a phrase: 情報 alone does not fire it
    ("コロナワクチンの副反応で休んだ日は？", "就業禁止"),  # コロナにかか: having caught it, not コロナ
])
def test_a_phrase_key_is_not_matched_by_its_one_content_word(question, unwanted):
    assert not any(unwanted in term for term in PLANNER.plan(question).expansions)


def test_inflections_of_one_key_make_one_concept():
    plan = PLANNER.plan("給料を払わないとどうなる？払えない場合は？")
    assert sum(1 for concept in plan.concepts if any("支払" in "".join(alt) for alt in concept)) == 1


def test_a_vocabulary_noun_is_read_as_the_statutes_write_it():
    # alone, Sudachi reads 長 as the adjective 長い; the statutes' 普通地方公共団体の長は is the noun
    from retrieval.query import vocabulary_terms
    assert vocabulary_terms(PLANNER.analyzer, "長") == ("長",)
    assert "長" in PLANNER.plan("Who acts for the mayor?").expansions


def test_online_is_searched_as_the_statutes_name_it_in_both_languages():
    expected = {"電子", "情報", "処理", "組織"}
    assert expected <= set(PLANNER.plan("Can residents submit the application online?").expansions)
    assert expected <= set(PLANNER.plan("申請をオンラインで受け付けてもいい？").expansions)


@pytest.mark.parametrize("question, old, current", [
    ("2013年版の労基法で年休は？", True, False),
    ("平成25年時点の労基法", True, False),
    ("改正前の労基法では？", True, False),
    ("Under the 2013 version of the Labor Standards Act, how many days?", True, False),
    ("2022年4月以降の個人情報保護法で漏えい報告は？", False, True),  # a year after the snapshot
    ("令和4年改正後の個人情報保護法", False, True),
    ("Under the current Labor Standards Act, how many days?", False, True),
    ("I was hired in 2019. How many days of leave do I get?", False, False),  # a date of the asker's, not of the law
    ("新しい職員の年休は何日？", False, False),
])
def test_which_version_of_a_law_is_asked_about(question, old, current):
    plan = PLANNER.plan(question)
    assert (plan.wants_old_version, plan.wants_current_version) == (old, current)

