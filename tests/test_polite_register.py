"""How politely a question is put does not change what it is about."""
import pytest

from retrieval.analysis import Analyzer
from retrieval.query import QueryPlanner


@pytest.fixture(scope="module")
def planner():
    return QueryPlanner(Analyzer())


@pytest.mark.parametrize("plain, polite", [
    ("懲戒処分の種類は？", "懲戒処分の種類について教えていただけますでしょうか。"),
    ("育児休業の期間は？", "お伺いしたいのですが、育児休業の期間はどうなっていますか。"),
    ("兼業の許可は必要？", "兼業の許可は必要か、ご教示願います。"),
    ("旅費の日当は？", "恐れ入りますが、旅費の日当についてお尋ねします。"),
    ("年休は何日もらえる？", "お疲れ様です。年休は何日もらえるのでしょうか。よろしくお願いいたします。"),
    ("旅費の精算期限は？", "お手数ですが、旅費の精算期限を教えていただけますと幸いです。"),
    ("年休の繰越しは何日まで？", "大変恐縮なのですが、年休の繰越しは何日までですか。"),
    ("年休を半日単位で取得してもよい？", "年休を半日単位で取得してもよろしいでしょうか。"),
    ("育休中に副業をしてもよい？", "育休中に副業をしても差し支えないでしょうか。"),
    ("私用で外出してもよい？", "私用で外出しても構いませんか。"),
    ("異動の内示が出た。引継ぎ期間は？", "異動の内示が出て困っています。引継ぎ期間はどのくらいでしょうか。"),
])
def test_polite_filler_adds_no_search_terms(planner, plain, polite):
    assert set(planner.plan(polite).terms) <= set(planner.plan(plain).terms) | {"なる"}


def test_a_self_introduction_adds_no_search_terms(planner):
    message = "お疲れ様です。\n総務部総務課の佐藤と申します。\n育児休業の期間は？\nよろしくお願いいたします。"
    assert set(planner.plan(message).terms) == set(planner.plan("育児休業の期間は？").terms)
    # a question that only mentions a section keeps it
    assert "人事" in planner.plan("人事課の内線番号は？").terms
    assert "内線" in planner.plan("人事課の内線番号は何番です。").terms


@pytest.mark.parametrize("message", [
    "いつもお世話になっております。\n育児休業の期間は？",  # いつも is part of the greeting
    "例規担当の者です。育児休業の期間は？",
    "法務担当です。育児休業の期間は？",  # a role, with no name after it
    "人事担当の佐藤です。育児休業の期間は？",
    "出張の多い部署の者です。育児休業の期間は？",
    # the asker's role, a sentence of its own
    "人事係で給与事務を担当しております。育児休業の期間は？",
    "図書館で貸出の受付をしている者です。育児休業の期間は？",
    "本庁舎に勤務しております。育児休業の期間は？",
])
def test_more_self_introductions_add_no_search_terms(planner, message):
    assert set(planner.plan(message).terms) == set(planner.plan("育児休業の期間は？").terms)


def test_a_question_about_who_is_in_charge_keeps_its_words(planner):
    assert {"旅費", "精算"} <= set(planner.plan("旅費の精算は誰が担当していますか？").terms)
    assert "精算" in planner.plan("旅費の精算は会計課が担当しています。期限は？").terms


def test_a_sentence_that_ends_in_a_place_is_no_self_introduction(planner):
    """Only 担当 ends an introduction without a name: 「…所です。」 may be what is asked about."""
    assert "喫煙" in planner.plan("ここは喫煙所です。吸っていい？").terms


@pytest.mark.parametrize("plain, casual", [
    ("会議の結果を文書に残す必要はある？", "会議の結果ってわざわざ文書に残さないとダメ？"),
    ("同僚に個人番号を聞いてよい？", "同僚に個人番号を聞くのってアリ？"),
    ("私物の端末で業務のメールを見てよい？", "私物の端末で業務のメールを見るのってOK？まずい？"),
    ("契約書の押印は後でよい？", "契約書の押印は後でも平気？"),
    ("部分休業の制度は？", "部分休業ってどういう制度？"),
    ("表彰したい人がいる場合の流れは？", "表彰したい人がいるときってどういう流れ？"),  # not 切る
    ("子が熱を出した時用の看護休暇は？", "子が熱出したとき用の看護休暇は？"),  # not 器用
    ("業務に関係ない同僚に個人番号を聞いてよい？", "業務と関係ないのに同僚に個人番号を聞いてもいいじゃない？"),
])
def test_casual_verdict_words_add_no_search_terms(planner, plain, casual):
    """ダメ？ アリ？ OK？ ask for a ruling (the answer type records it); unknown to the corpus,
    they would otherwise read as a topic it lacks and push an answerable question into abstention."""
    assert set(planner.plan(casual).terms) <= set(planner.plan(plain).terms) | {"良い"}


def test_a_request_for_instruction_is_courtesy_but_the_statutory_notice_is_a_topic(planner):
    """ご教示ください asks for an answer; 教示 alone is the notice of appeal rights a disposition
    must carry (行政不服審査法), which a question may be about."""
    assert "教示" not in planner.plan("兼業の許可は必要か、ご教示いただけますでしょうか。").terms
    assert "教示" in planner.plan("処分の通知書に不服申立ての教示を書くのは義務？").terms


@pytest.mark.parametrize("question", [
    "年休を半日単位で取得してもよろしいでしょうか。",
    "育休中に副業をしても差し支えないでしょうか。",
    "私用で外出しても構いませんか。",
    "勤務時間中に献血に行っても問題ありませんか。",
])
def test_the_polite_forms_of_may_i_ask_for_a_permission(planner, question):
    from retrieval.answer_types import AnswerType

    assert planner.plan(question).answer_type is AnswerType.PERMISSION


@pytest.mark.parametrize("question, filler", [
    ("聴聞の通知書には、どのような事項を書くのでしょうか。", "どのような"),  # adnominal
    ("本来の担当とは全く関係のない作業を指示されました。", "全く"),          # adverb
    ("大きな地震のときの職務は？", "大きな"),
    ("これって出さなきゃダメ？", "此れ"),                                    # pronoun
    ("保健所で許可事務を担当しております。", "おる"),                        # humble いる
    ("確認いたします。", "致す"),
])
def test_words_that_name_no_topic_are_not_search_terms(planner, question, filler):
    assert filler not in planner.plan(question).terms


def test_the_index_side_keeps_every_word():
    """Only questions drop them: a passage's terms are what its text says."""
    assert "此れ" in Analyzer().terms("これを交付しなければならない")


def test_time_relative_to_the_asker_is_no_search_term(planner):
    assert set(planner.plan("先日、来月の出張の旅費について聞かれました。日当は出る？").terms).isdisjoint({"先日", "来月"})


def test_a_formal_questions_conjunctions_stay():
    assert {"又", "及び"} <= set(QueryPlanner(Analyzer()).plan("届出又は申請及び報告の期限は？").terms)


def test_a_colloquial_topic_marker_read_as_a_verb_ending_keeps_its_noun(planner):
    """Sudachi reads 「日当って」 in 「出張の日当っていくら？」 as 日 + 当たる: the noun asked about was lost."""
    assert "日当" in planner.plan("出張の日当っていくら？").terms
    assert planner.analyzer.with_topic_markers_read("出張の日当っていくら？") == "出張の日当は、いくら？"
    for verb in ("書類を持っていく", "上司が言ってた"):  # a real verb before て stays one
        assert planner.analyzer.with_topic_markers_read(verb) == verb
