"""Two first-stage priors over the whole corpus: the rule leads its own guidance unless the
question names a document, and a definition question finds the article defining its term."""
import pytest

from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.local_index import LocalIndex
from retrieval.local_search import LocalSearcher, RankWeights
from retrieval.models import Question
from retrieval.tokens import TokenCounter

RULE = """# 町職員服務規程
（兼業の許可）
第五条　職員は、任命権者の許可を受けなければ、兼業として報酬を得て他の事業に従事してはならない。
"""
# Guidance restates the rule in plain words, and uses the asker's own word (副業) many times.
GUIDANCE = """# 服務ガイドライン
## 副業について
副業をしたいときは、その内容を所属長に相談してください。許可の要否は書面で通知します。
"""
DEFINITIONS = """# 町情報保護条例
（定義）
第二条　この条例において「要配慮情報」とは、本人の病歴その他本人に対する不当な差別が生じないようにその取扱いに特に配慮を要する情報をいう。
２　この条例において「保有情報」とは、町の機関の職員が職務上作成し、又は取得した情報をいう。
"""
USES = """# 町情報保護規則
（取得の制限）
第三条　要配慮情報を取得するときは、要配慮情報の取得について本人の同意を得る。要配慮情報は、要配慮情報の管理簿に記録する。
（提供）
第四条　要配慮情報を提供するときは、要配慮情報の提供記録を作成する。要配慮情報の提供は、要配慮情報の管理者が行う。
"""


def build_index(root, documents):
    (root / "c").mkdir()
    for name, text in documents.items():
        (root / "c" / name).write_text(text, encoding="utf-8")
    analyzer = Analyzer()
    idx = LocalIndex(root / "i.sqlite")
    Indexer(index=idx, analyzer=analyzer, tokens=TokenCounter()).run(root / "c")
    return idx, analyzer


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("priority"),
                       {"fukumu.md": RULE, "guide.md": GUIDANCE, "teigi.md": DEFINITIONS, "uses.md": USES})


# The fixtures are excerpts of a few articles, which the ranking reads like a page's sections
# (RankWeights.small_document_context): the priors tested here are measured without that lift.
BASE = RankWeights(small_document_context=0.0)


def ranked(index, question, weights=None):
    idx, analyzer = index
    found = LocalSearcher(index=idx, analyzer=analyzer, weights=weights or BASE).rank(Question(question, "ja"), 4)
    return {(p.passage.title, p.passage.article): p.score for p in found}


def first(index, question, weights=None):
    return next(iter(ranked(index, question, weights)))


def test_guidance_gives_way_to_the_rule_it_explains(index):
    question = "副業したいんだけど、許可っている？"
    without = ranked(index, question, RankWeights(guidance=0.0, small_document_context=0.0))
    with_prior = ranked(index, question)
    guide, rule = ("服務ガイドライン", None), ("町職員服務規程", "第五条")
    assert RankWeights().guidance < 0
    assert with_prior[rule] == pytest.approx(without[rule])
    assert with_prior[guide] == pytest.approx(without[guide] + RankWeights().guidance)
    # strong enough to reorder the two when the guidance leads by less than the prior
    gap = without[guide] - without[rule]
    assert first(index, question, RankWeights(guidance=-(gap + 0.05), small_document_context=0.0)) == rule


def test_guidance_the_question_names_keeps_its_score(index):
    question = "服務ガイドラインでは副業の許可はどうなってる？"
    guide = ("服務ガイドライン", None)
    assert ranked(index, question)[guide] == pytest.approx(ranked(index, question, RankWeights(guidance=0.0, small_document_context=0.0))[guide])


def test_a_definition_question_finds_the_article_defining_its_term(index):
    question = "要配慮情報って何のこと？"
    assert first(index, question, RankWeights(defines_named_term=0.0, small_document_context=0.0))[0] == "町情報保護規則"  # without it
    assert first(index, question) == ("町情報保護条例", "第二条")


ABBREVIATES = """# 町情報管理規程
（趣旨）
第一条　この規程は、町要配慮情報取扱規則（以下「要配慮情報取扱規則」という。）の施行に関し必要な事項を定める。
（委任）
第二条　この規程は、町職員服務規則（以下「規則」という。）の定めるところによる。
"""


@pytest.fixture(scope="module")
def terms_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("terms"),
                       {"teigi.md": DEFINITIONS, "uses.md": USES, "kanri.md": ABBREVIATES})


WEIGHT = RankWeights().defines_named_term


def defining_prior(index, question, row):
    """What the defines-named-term prior adds to one passage's score for a question."""
    return ranked(index, question)[row] - ranked(index, question, RankWeights(defines_named_term=0.0, small_document_context=0.0))[row]


def test_the_term_a_question_quotes_counts_though_a_longer_named_term_contains_it(terms_index):
    """要配慮情報取扱規則 (defined as an abbreviation) names the law; 「要配慮情報」 after it is the term asked about."""
    question = "病歴は、要配慮情報取扱規則の「要配慮情報」に当たる？"
    assert defining_prior(terms_index, question, ("町情報保護条例", "第二条")) == pytest.approx(WEIGHT)


def test_the_tail_of_a_compound_is_not_the_term_asked_about(terms_index):
    """就業規則とは？ does not ask what 「規則」 (an abbreviation defined elsewhere) stands for."""
    question = "就業規則とは？"
    assert defining_prior(terms_index, question, ("町情報管理規程", "第二条")) == pytest.approx(0.0)
    # the same abbreviation asked about on its own is
    assert defining_prior(terms_index, "この規程でいう規則とは？", ("町情報管理規程", "第二条")) == pytest.approx(WEIGHT)


# A guideline on one law cites its articles as 法第N条 / 甲法第N条; a model document cites them by
# the law's abbreviation (労基法第３９条 in the model work rules).
LAW = """# 甲法
（目的）
第一条　この法律は、職員の服務及び兼業の許可について定める。
（兼業の許可）
第二条　職員は、任命権者の許可を受けなければ、報酬を得て他の事業に従事してはならない。
"""
CITING_GUIDANCE = """# 甲法ガイドライン
## 副業について
土日だけ副業をしたいときも、法第２条により任命権者の許可が必要です。
"""


@pytest.fixture(scope="module")
def citing_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("citing"), {"kou.md": LAW, "guide.md": CITING_GUIDANCE})


def test_the_rule_a_leading_guidance_cites_gains_the_cited_rule_weight(citing_index):
    question = "土日だけ副業したいんだけど、許可いる？"
    weight = RankWeights().cited_rule
    assert weight > 0
    without = ranked(citing_index, question, RankWeights(cited_rule=0.0))
    with_citing = ranked(citing_index, question)
    assert next(iter(without)) == ("甲法ガイドライン", None)  # the plain-words guidance leads
    assert with_citing[("甲法", "第二条")] == pytest.approx(without[("甲法", "第二条")] + weight)
    assert with_citing[("甲法", "第一条")] == pytest.approx(without[("甲法", "第一条")])  # not cited
    assert with_citing[("甲法ガイドライン", None)] == pytest.approx(without[("甲法ガイドライン", None)])


OTHER_LAW = """# 乙研修法
（目的）
第一条　この法律は、職員の研修について定める。
（研修の許可）
第二条　職員は、任命権者の許可を受けて研修に参加する。
"""
# 法第２条 is the guideline's own law even after 乙研修法 was named; 規則第１条 and 旅券法第１条 are
# articles of texts that are neither law; 乙研修法第一条、第二条 are 乙研修法's.
GUIDANCE_NAMING_OTHERS = """# 甲法ガイドライン
## 副業と研修
研修は乙研修法の定めによる。副業は、法第２条により任命権者の許可が必要です。申請は規則第１条の様式により、旅券法第１条も参照。
研修の許可は乙研修法第一条、第二条を参照。
"""


def cited_by_guideline(root, guideline, **more_laws):
    from retrieval.local_search import _cited_rows

    root.mkdir()
    idx, analyzer = build_index(root, {"kou.md": LAW, "otsu.md": OTHER_LAW, "guide.md": guideline, **more_laws})
    audience = LocalSearcher(index=idx, analyzer=analyzer).snapshot().audience(())
    passages = audience.matrix.passages
    guide = next(row for row, p in enumerate(passages) if p.title == "甲法ガイドライン" and "副業" in p.text)
    return {(passages[r].title, passages[r].article) for r in _cited_rows(audience.matrix, guide, audience.titles)}


def test_a_cited_article_belongs_to_the_law_named_right_before_it(tmp_path):
    assert cited_by_guideline(tmp_path / "all", GUIDANCE_NAMING_OTHERS) == {
        ("甲法", "第二条"), ("乙研修法", "第一条"), ("乙研修法", "第二条")}
    # one sentence alone: 法 is the guideline's law, 規則 is not 甲法, 旅券法 is not in the corpus
    alone = GUIDANCE_NAMING_OTHERS.replace("研修の許可は乙研修法第一条、第二条を参照。\n", "")
    assert cited_by_guideline(tmp_path / "alone", alone) == {("甲法", "第二条")}


def test_dohou_is_the_law_named_last_however_far_back(tmp_path):
    third = OTHER_LAW.replace("乙研修法", "丙服務法").replace("研修", "服務")
    far = ("# 甲法ガイドライン\n## 副業と研修\n副業は丙服務法に、研修は乙研修法に定めがある。"
           + "研修の申込みは所属長を通じて行い、日程は年度の初めに示される。" * 4 + "同法第二条を参照。\n")
    assert cited_by_guideline(tmp_path / "far", far, **{"hei.md": third}) == {("乙研修法", "第二条")}


NATIONAL = """# 国家公務員法
（休職）
第七十九条　職員が心身の故障のため長期の休養を要する場合には、その意に反して休職にすることができる。
"""
LOCAL = """# 地方公務員法
（降任、免職、休職等）
第二十八条　２　職員が心身の故障のため長期の休養を要する場合には、その意に反してこれを休職することができる。
"""
TRAVEL = """# 国家公務員等の旅費に関する法律
（旅費の種類）
第六条　旅費は、鉄道賃、船賃、航空賃、車賃、日当、宿泊料とする。休職中の旅行には支給しない。
"""


@pytest.fixture(scope="module")
def pair_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("pair"), {"kokka.md": NATIONAL, "chiho.md": LOCAL, "ryohi.md": TRAVEL})


def prior(index, question, row):
    """The score the prior takes off, to float32 precision (the scores are float32 sums)."""
    return round(ranked(index, question)[row] - ranked(index, question, RankWeights(national_counterpart=0.0))[row], 5)


def test_a_national_law_gives_way_to_its_local_counterpart_unless_the_national_service_is_asked_about(pair_index):
    weight = RankWeights().national_counterpart
    assert weight < 0
    question = "病気で長く休む職員を本人の意に反して休職にできる？"
    assert prior(pair_index, question, ("国家公務員法", "第七十九条")) == pytest.approx(weight)
    assert prior(pair_index, question, ("地方公務員法", "第二十八条")) == pytest.approx(0.0)
    # a national law without an indexed local counterpart is the only one there is
    assert prior(pair_index, "休職中の旅行に旅費は出る？", ("国家公務員等の旅費に関する法律", "第六条")) == pytest.approx(0.0)
    # the national service asked about, or the law named
    for asked in ("国家公務員を本人の意に反して休職にできる？", "国公法で本人の意に反して休職にできる？"):
        assert prior(pair_index, asked, ("国家公務員法", "第七十九条")) == pytest.approx(0.0)



def test_a_question_about_the_national_service_sets_the_local_counterpart_aside(pair_index):
    weight = RankWeights().local_counterpart
    assert weight < 0

    def local_prior(question, row):
        return round(ranked(pair_index, question)[row] - ranked(
            pair_index, question, RankWeights(local_counterpart=0.0))[row], 5)

    for question in ("国家公務員を本人の意に反して休職にできる？", "国の機関の職員って本人の意に反して休職にできる？",
                     "Can a national civil servant be put on leave against their will?"):
        assert local_prior(question, ("地方公務員法", "第二十八条")) < 0, question
        assert local_prior(question, ("国家公務員法", "第七十九条")) == pytest.approx(0.0), question
    assert local_prior("国家公務員を本人の意に反して休職にできる？", ("地方公務員法", "第二十八条")) == pytest.approx(weight)
    # a city's staff asking of their own service, or the law named: nothing set aside
    for question in ("病気で長く休む職員を本人の意に反して休職にできる？", "国家公務員法と地公法、休職の規定はどう違う？"):
        assert local_prior(question, ("地方公務員法", "第二十八条")) == pytest.approx(0.0), question

WARD_LEAVE = """# 職員の休暇に関する条例
（年次休暇）
第二条　職員の年次休暇は、一の年において二十日とする。
"""
LABOUR_LEAVE = """# 労働基準法
（年次有給休暇）
第三十九条　使用者は、六箇月間継続勤務し全労働日の八割以上出勤した労働者に対して、十労働日の有給休暇を与えなければならない。
"""


@pytest.fixture(scope="module")
def employer_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("employer"), {"ward.md": WARD_LEAVE, "labour.md": LABOUR_LEAVE})


def scope_prior(index, question, row):
    return round(ranked(index, question)[row] - ranked(index, question, RankWeights(public_service_law=0.0))[row], 5)


def test_a_question_about_a_private_employers_staff_sets_the_public_service_rules_aside(employer_index):
    weight = RankWeights().public_service_law
    assert weight < 0
    ward, labour = ("職員の休暇に関する条例", "第二条"), ("労働基準法", "第三十九条")
    for question in ("委託先の会社の社員って年休は何日もらえるの？", "外郭団体で雇った人の有給休暇は何日？",
                     "指定管理者のスタッフの年休は何日？"):
        assert scope_prior(employer_index, question, ward) == pytest.approx(weight), question
        assert scope_prior(employer_index, question, labour) == pytest.approx(0.0), question
    # an English question's scores are scaled otherwise; the rule still sets the ward's rule back
    assert scope_prior(employer_index, "How many days of paid leave do a contractor's staff get?", ward) < 0
    assert next(iter(ranked(employer_index, "委託先の会社の社員って年休は何日もらえるの？"))) == labour
    # the asker's own leave, a public servant's, "private" meaning personal, the asker's own work for a
    # company (兼業 is a matter of the public-service rules) or their family's employer: no private employer
    for question in ("年休は何日もらえるの？", "民間から来た公務員の年休は何日？", "Can I use my private phone on paid leave?",
                     "アパートに住んでいる職員の年休は何日？", "民間企業で副業して年休を使ってもいい？",
                     "会社の役員を兼ねても年休はもらえる？", "Can I take a side job at a company while on paid leave?",
                     "夫は会社員だけど、私の年休は何日？"):
        assert scope_prior(employer_index, question, ward) == pytest.approx(0.0), question
