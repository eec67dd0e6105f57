"""Which sentence of an article answers a question that asks for a value (session 40): a number
beats a bare marker, a limit asked for may stand in a ただし clause, and an English question is read
by the Japanese words the searcher translated it into, each word's alternatives counted once."""
from __future__ import annotations

import pytest

from retrieval.analysis import Analyzer
from retrieval.answer_types import AnswerType, analyse, states_number, states_value
from retrieval.extractive import ExtractiveAnswerer, _is_exception, _topic_head, located_best_sentence
from retrieval.models import Passage, Question, ScoredPassage
from retrieval.query import content_terms


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def quote(analyzer: Analyzer, text: str, question: str) -> str:
    return located_best_sentence(text, set(content_terms(analyzer, question)), analyzer,
                                 intent=analyse(question))[0]


@pytest.mark.parametrize("states, text, expected", [
    # a deadline with a number is told from a bare marker
    (states_number, "育児休業開始予定日の二週間前までに行えば足りる。", True),
    (states_number, "午後五時までに提出する。", True),
    (states_number, "受理した後、速やかに送付しなければならない。", False),
    (states_number, "出生の日から起算して", False),
    # a start stated as the next month, day or year is a time value (session 43)
    (states_value, "降格によるときは、発令日の属する賃金月の次の賃金月から支給する。", True),
    (states_value, "その翌月から改定する。", True),
    (states_value, "その翌年度から適用する。", True),
    (states_value, "役付手当は、その職にある者に支給する。", False),
    (states_value, "次の各号に掲げる者から選任する。", False),
])
def test_which_sentences_state_a_time(states, text, expected):
    assert states(AnswerType.DEADLINE, text) is expected


def test_a_deadline_question_is_answered_by_the_number_not_by_a_marker(analyzer):
    # Both paragraphs state a "deadline" and share 請求 with the question; only the second says when.
    text = ("第五条　育児休業の請求書は、所属長が受理した後、速やかに職員課に送付しなければならない。\n"
            "２　育児休業の請求は、育児休業開始予定日の一月前までに行わなければならない。")
    assert "一月前まで" in quote(analyzer, text, "育休の請求はいつまで？")


def test_a_count_that_only_starts_from_a_day_does_not_answer_how_long(analyzer):
    """The issue's own example: 育児休業の期間は？ quoted the 回数 paragraph, whose only "deadline" was
    出生の日から起算して, over 三歳に達する日まで."""
    text = ("（育児休業の期間）\n第四条　職員は、当該子が三歳に達する日まで、育児休業をすることができる。\n"
            "２　同一の子について育児休業をすることができる回数は、当該子の出生の日から起算して五十七日の"
            "期間内にする育児休業にあっては二回までとする。")
    assert "三歳に達する日まで" in quote(analyzer, text, "育児休業の期間は？")


def test_a_limit_asked_for_is_quoted_from_the_exception_that_states_it(analyzer):
    text = ("第十七条　病気休暇の期間は、療養のため必要最小限度の期間とする。"
            "ただし、特定病気休暇の期間は、連続して九十日を超えることはできない。\n"
            "２　病気休暇の単位は、一日又は一時間とする。")
    # 第二項 states a number too, in its last clause, and would win if the exception paid its usual price
    assert "九十日を超える" in quote(analyzer, text, "病気休暇の上限は？")


def test_an_english_question_reads_its_sentence_by_the_translated_concepts(analyzer):
    """"a week" translated to 週間 tells the paragraph of 三日 a week from the one counting part of a day
    as 一日; 在宅 and 勤務 are one concept with テレワーク, so a paragraph naming both counts it once."""
    text = ("第七条　一日の勤務時間の一部について在宅勤務をした場合であっても、次項の日数の算定においては、"
            "一日として数えるものとする。\n"
            "２　在宅勤務を実施することができる日数は、一週間につき三日を上限とする。")
    question = Question("How many days a week can I telework?", "en")
    concepts = ((("日数",), ("日",)), (("テレワーク",), ("在宅", "勤務")), (("週間",),))
    passage = ScoredPassage(Passage(doc="t.md", seq=0, title="テレワーク実施要綱", text=text, article="第七条"),
                            1.0, confidence=0.9)
    answer = ExtractiveAnswerer(analyzer=analyzer, translations=lambda q: concepts).compose(question, [passage])
    assert answer.citations[0].paragraph == "第二項", answer.text
    assert "3 days" in answer.text.split("\n")[0]
    # without the translations the English words match neither paragraph: the first value wins
    blind = ExtractiveAnswerer(analyzer=analyzer).compose(question, [passage])
    assert blind.citations[0].paragraph in (None, "第一項"), blind.text


def test_a_failing_translation_costs_the_reading_not_the_answer(analyzer, caplog):
    def broken(question):
        raise RuntimeError("index gone")

    passage = ScoredPassage(Passage(doc="t.md", seq=0, title="要綱", text="第七条　日数は、一週間につき三日とする。",
                                    article="第七条"), 1.0, confidence=0.9)
    answer = ExtractiveAnswerer(analyzer=analyzer, translations=broken).compose(
        Question("How many days a week?", "en"), [passage])
    assert not answer.abstained and "3 days" in answer.text
    assert "translating the English question" in caplog.text


@pytest.mark.parametrize("question, unit", [
    ("セキュリティ担当チームの内線番号は？", "内線"),  # 担当チーム is no チーム of the asker's
    ("当課の締切は何時？", "課"),
    ("通勤手当の課の担当は？", None),
    ("当市の条例で決まってる？", "市"),
])
def test_this_is_read_as_the_askers_own_only_as_a_word_of_its_own(question, unit):
    assert analyse(question).local_unit == unit


def test_an_extension_asked_for_is_said_to_be_in_no_rule(analyzer):
    passage = ScoredPassage(Passage(doc="a.md", seq=0, title="服務規程", text="第二条　職員は、職務に専念しなければならない。",
                                    article="第二条"), 1.0, confidence=0.9)
    answer = ExtractiveAnswerer(analyzer=analyzer).compose(Question("総務課の内線番号は？", "ja"), [passage])
    assert answer.abstained and "お尋ねの内線番号は" in answer.text, answer.text


INCIDENT_RULE = ScoredPassage(Passage(
    doc="security.md", seq=0, title="情報セキュリティ規程", article="第二十四条",
    text="第二十四条　情報セキュリティ管理者は、直ちに、電話により情報政策課（内線二二〇〇）に第一報を行わなければならない。"),
    1.0, confidence=0.9)


def test_an_extension_a_rule_gives_for_what_is_asked_is_answered_in_bold(analyzer):
    answer = ExtractiveAnswerer(analyzer=analyzer).compose(
        Question("情報漏えいの第一報を受けるチームの内線番号は何番でしょうか。", "ja"), [INCIDENT_RULE])
    assert not answer.abstained and "**内線二二〇〇**" in answer.text, answer.text


@pytest.mark.parametrize("question", ["総務課の内線番号は？", "人事課の内線を教えて"])
def test_a_desks_extension_is_not_answered_by_a_rule_giving_another_desks_number(analyzer, question):
    answer = ExtractiveAnswerer(analyzer=analyzer).compose(Question(question, "ja"), [INCIDENT_RULE])
    assert answer.abstained and "お尋ねの内線番号は" in answer.text, answer.text


def test_a_proviso_shares_the_conditions_of_the_sentence_it_qualifies(analyzer):
    """Session 41: the ただし clause states the hours for the activities the sentence before it names;
    read alone it has none of the question's words (スポーツ, 指導), and the sentence naming them was
    quoted though it states no number."""
    text = ("第十七条　兼業の従事時間は、一週間当たり八時間以下でなければならない。\n"
            "２　前項の規定にかかわらず、地域のスポーツ指導その他の地域社会への貢献を目的とする活動については、"
            "同項に定める従事時間の範囲を超えて許可をすることができる。"
            "ただし、この場合においても、一週間当たりの従事時間は十二時間を超えることはできない。")
    assert "十二時間を超える" in quote(analyzer, text, "地域のスポーツ指導の兼業ですと、週に何時間まで認められますか。")



MEDIA_RULE = ("（外部記録媒体の利用）\n第十七条　職員は、外部記録媒体を業務に使用してはならない。"
              "ただし、情報管理者の許可を受けた場合は、この限りでない。\n"
              "２　外部記録媒体の使用の期間は、一年を超えないものとする。")


def test_a_yes_or_no_question_is_answered_by_the_rule_with_its_proviso(analyzer):
    shown = quote(analyzer, MEDIA_RULE, "外部記録媒体を業務に使用してもいい？")
    assert shown.startswith("職員は、外部記録媒体を業務に使用してはならない。")
    assert shown.endswith("ただし、情報管理者の許可を受けた場合は、この限りでない。")


def test_a_from_when_question_is_answered_by_the_sentence_stating_the_start(analyzer):
    """Session 43: いつの分から変わる？ quoted the sentence on the month of the demotion itself."""
    text = ("（役付手当）\n第３７条　役付手当は、係長の職にある者に月額１万円を支給する。\n"
            "２　昇格によるときは、発令日の属する賃金月から支給する。この場合、当該賃金月においてそれまで"
            "属していた役付手当は支給しない。\n"
            "３　降格によるときは、発令日の属する賃金月の次の賃金月から支給する。")
    shown = quote(analyzer, text, "降格になった人の役付手当はいつの分から変わるの？")
    assert shown == "降格によるときは、発令日の属する賃金月の次の賃金月から支給する。"


DRAFTING_RULE = ("（起案）\n第十一条　事案の処理は、全て文書により起案して行わなければならない。\n"
                 "２　起案は、文書管理システムにより行わなければならない。ただし、システムの障害その他やむを得ない"
                 "事由がある場合には、起案用紙により行うことができる。\n"
                 "３　前項ただし書の規定により紙により起案した文書は、障害の復旧後速やかに文書管理システムに登録"
                 "しなければならない。")


def test_a_question_putting_a_case_is_answered_by_the_exception_for_a_case(analyzer):
    """Session 43: 止まっているときは asks about the case the ただし provides for; its words
    (障害) are not the question's, and the rule or the later 項 was quoted instead."""
    shown = quote(analyzer, DRAFTING_RULE, "システムが止まっているときは、どうやって起案すればよいでしょうか。")
    assert "起案用紙により行うことができる" in shown


def test_a_question_putting_no_case_keeps_the_rule_before_its_exception(analyzer):
    shown = quote(analyzer, DRAFTING_RULE, "起案はシステムでしなければならないの？")
    assert shown.startswith("起案は、文書管理システムにより行わなければならない。")


HOLIDAY_RULE = ("（休日）\n第三十五条　使用者は、労働者に対して、毎週少くとも一回の休日を与えなければならない。\n"
                "２　前項の規定は、四週間を通じ四日以上の休日を与える使用者については、適用しない。\n"
                "３　休日の振替は、前日までに通知するものとする。")


def test_a_yes_or_no_question_is_answered_with_the_exception_the_next_paragraph_states(analyzer):
    shown = quote(analyzer, HOLIDAY_RULE, "毎週1回は休日を与えないとアウトじゃないの？")
    assert shown.startswith("使用者は、労働者に対して、毎週少くとも一回の休日を与えなければならない。")
    assert shown.endswith("前項の規定は、四週間を通じ四日以上の休日を与える使用者については、適用しない。")


def test_a_quote_joined_with_the_next_paragraph_cites_both_paragraphs(analyzer):
    passage = Passage(doc="roki.xml", seq=35, title="労働基準法", article="第三十五条", text=HOLIDAY_RULE)
    question = Question("毎週1回は休日を与えないとアウトじゃないの？", "ja")
    answer = ExtractiveAnswerer(analyzer=analyzer).compose(question, [ScoredPassage(passage, 10.0, confidence=0.9)])
    assert answer.citations[0].paragraph == "第一項及び第二項"
    # a quote of the rule alone names its own 項
    alone = Passage(doc="roki.xml", seq=35, title="労働基準法", article="第三十五条",
                    text=HOLIDAY_RULE.replace("前項の規定は、", "前項の休日は、"))
    answer = ExtractiveAnswerer(analyzer=analyzer).compose(question, [ScoredPassage(alone, 10.0, confidence=0.9)])
    assert answer.citations[0].paragraph == "第一項"


def test_a_next_paragraph_that_is_no_exception_is_not_joined(analyzer):
    text = HOLIDAY_RULE.replace("２　前項の規定は、四週間を通じ四日以上の休日を与える使用者については、適用しない。\n", "")
    shown = quote(analyzer, text, "毎週1回は休日を与えないとアウトじゃないの？")
    assert shown == "使用者は、労働者に対して、毎週少くとも一回の休日を与えなければならない。"


def test_the_exception_of_the_next_paragraph_is_not_joined_for_a_question_of_another_kind(analyzer):
    shown = quote(analyzer, HOLIDAY_RULE, "休日は毎週何回与えるの？")
    assert "一回の休日" in shown and "前項の規定" not in shown


def test_a_question_of_another_kind_keeps_the_sentence_alone(analyzer):
    shown = quote(analyzer, MEDIA_RULE, "外部記録媒体の業務での使用について教えて")
    assert "使用してはならない" in shown and "ただし" not in shown


BIRTH_LEAVE_REQUEST = (
    "（育児休業の承認の請求）\n"
    "第五条　育児休業の承認を受けようとする職員は、育児休業開始予定日の一月前までに、任命権者に請求しなければならない。\n"
    "２　前項の規定にかかわらず、出生時の育児休業の承認の請求は、育児休業開始予定日の二週間前までに行えば足りる。\n"
    "３　職員は、第一項の請求をするときは、子の出生を証明する書類を添付しなければならない。")


def test_an_exception_whose_subject_names_the_asked_case_answers_it(analyzer):
    """Session 44: 出生 is in 第三項 too, so the exception had no word of its own and paid the
    exception's price; its subject (出生時の育児休業の承認の請求は) names what its rule (第一項) lacks."""
    shown = quote(analyzer, BIRTH_LEAVE_REQUEST, "出生時育休の請求はいつまでにすればいい？")
    assert "二週間前" in shown


def test_the_rule_answers_when_the_question_names_no_case_of_the_exception(analyzer):
    shown = quote(analyzer, BIRTH_LEAVE_REQUEST, "育休の請求はいつまでにすればいい？")
    assert "一月前" in shown


DISMISSAL = ("（解雇の制限）\n第五条　事業者は、通報者の解雇その他不利益な取扱いの防止に努めなければならない。\n"
             "２　通報をしたことを理由として事業者が行った解雇は、無効とする。")


def test_the_sentence_whose_subject_is_what_the_question_is_about_answers_it(analyzer):
    """Session 44: both 項 share 通報 and 解雇; the question is about the dismissal (その解雇って…),
    which 第二項 has as its subject."""
    passage = Passage(doc="t.md", seq=0, title="通報要綱", article="第五条", text=DISMISSAL)
    question = Question("通報したせいで解雇されたら、その解雇ってどうなるの？", "ja")
    answer = ExtractiveAnswerer(analyzer=analyzer).compose(question, [ScoredPassage(passage, 10.0, confidence=0.9)])
    assert answer.citations[0].paragraph == "第二項", answer.text


@pytest.mark.parametrize("question, head", [
    ("ハラスメント苦情処理委員会の委員長は誰？", "長"),  # 委員長 -> 委員, 長: a noun phrase's head comes last
    ("その解雇ってどうなるの？", "解雇"),
    ("育休はいつまで取れる？", "育休"),
    ("何日休める？", None),  # no topic
])
def test_what_a_question_is_about_ends_in_its_head_word(analyzer, question, head):
    assert _topic_head(analyzer, question, content_terms(analyzer, question)) == head


# A care-leave article as 例規 write one: the leave's limit in its first 項, the step it is taken in
# (一日又は一時間) and a per-day cap for the hourly step after it.
CARE_LEAVE = ("（介護休暇）\n第二十一条　介護休暇は、職員が要介護者（負傷又は疾病により二週間以上の期間にわたり日常生活に"
              "支障があるものをいう。）の介護をするため、三回を超えず、かつ、通算して六月を超えない範囲内で指定する期間内"
              "において勤務しないことが相当と認められる場合における休暇とする。\n"
              "２　介護休暇の単位は、一日又は一時間とする。この場合において、一時間を単位とする介護休暇は、一日を通じ、"
              "始業の時刻から連続した四時間を超えない範囲内で使用しなければならない。")


@pytest.mark.parametrize("question", ["介護休暇は何日取れる？", "How many days of care leave can I take?"])
def test_how_many_days_is_answered_by_the_limit_not_by_the_step_or_the_hourly_cap(analyzer, question):
    passage = Passage(doc="kinmu.md", seq=21, title="勤務時間条例", article="第二十一条", text=CARE_LEAVE)
    concepts = [[("介護", "休暇")]]  # the searcher's translation of "care leave"
    answer = ExtractiveAnswerer(analyzer=analyzer, translations=lambda q: concepts).compose(
        Question(question, "en" if question.isascii() else "ja"), [ScoredPassage(passage, 10.0, confidence=0.9)])
    assert answer.citations[0].paragraph in (None, "第一項"), answer.text
    # the period is bold, not the three times nor the two weeks of the parenthetical
    assert "**六月を超えない範囲内**" in answer.text or "6 months" in answer.text, answer.text



def test_an_older_statutes_proviso_spelt_tadashi_in_kanji_goes_on_with_its_rule(analyzer):
    # 但し、 is the older statutes' ただし、: it rules on its sentence's subject (旅行日数), so the
    # words of that subject are its words too, and it states the rate asked for.
    text = ("第八条　旅費計算上の旅行日数は、旅行のために現に要した日数による。但し、鉄道旅行にあつては四百キロメートル"
            "について一日の割合をもつて通算した日数をこえることができない。")
    passage = Passage(doc="ryohi.txt", seq=8, title="旅費法", article="第八条", text=text)
    question = Question("出張で新幹線に片道800キロ乗ったんだけど、旅費の計算だと何日扱いになる？", "ja")
    answer = ExtractiveAnswerer(analyzer=analyzer).compose(question, [ScoredPassage(passage, 10.0, confidence=0.9)])
    assert "「但し、鉄道旅行にあつては四百キロメートル" in answer.text, answer.text


COMPLAINTS_BOARD = ("（苦情処理委員会）\n第十二条　ハラスメントに関する苦情を処理するため、みどり区ハラスメント苦情処理委員会を置く。\n"
                    "２　委員会は、委員長及び委員四人をもって組織する。\n"
                    "３　委員長は、総務部長をもって充て、委員は、区長が指名する職員をもって充てる。")


@pytest.mark.parametrize("question", ["ハラスメント防止委員会の委員長は誰？", "苦情処理委員会の委員長はどなたですか"])
def test_who_holds_a_post_is_answered_by_the_sentence_that_appoints_to_it(analyzer, question):
    # 第一項 shares more words (ハラスメント, 委員会); 第三項 says who the 委員長 is
    passage = Passage(doc="harassment.md", seq=12, title="ハラスメント防止要綱", article="第十二条", text=COMPLAINTS_BOARD)
    answer = ExtractiveAnswerer(analyzer=analyzer).compose(Question(question, "ja"),
                                                           [ScoredPassage(passage, 10.0, confidence=0.9)])
    assert answer.text.startswith("「委員長は、総務部長をもって充て"), answer.text
    assert answer.citations[0].paragraph == "第三項"


SUMMER_LEAVE = ("（夏季休暇）\n第二十条　夏季休暇は、七月一日から九月三十日までの期間内において、五日の範囲内で与えるものとする。\n"
                "２　夏季休暇は、一日を単位とする。\n"
                "３　第一項の期間の中途において新たに職員となった者の夏季休暇の日数は、同項の規定にかかわらず、"
                "八月中に職員となった場合にあっては三日とする。")


@pytest.mark.parametrize("question", ["夏季休暇は何日？", "夏季休暇の日数は？"])
def test_an_override_after_its_subject_is_an_exception_to_the_rule_it_overrides(analyzer, question):
    # 第三項 shares 日数 and states a number of days too, but overrides 第一項 for new staff only
    # (…の日数は、同項の規定にかかわらず、…): the rule answers
    assert "五日の範囲内" in quote(analyzer, SUMMER_LEAVE, question)


@pytest.mark.parametrize("sentence, expected", [
    ("２　前項の規定にかかわらず、出生時の育児休業の請求は、二週間前までに行えば足りる。", True),
    ("ただし、特定病気休暇の期間は、九十日を超えることはできない。", True),
    ("３　新たに職員となった者の夏季休暇の日数は、同項の規定にかかわらず、三日とする。", True),
    # the override inside a rule whose subject is someone else: a rule of its own
    ("６　使用者は、協定により時季を定めたときは、有給休暇の日数のうち五日を超える部分については、"
     "前項の規定にかかわらず、その定めにより有給休暇を与えることができる。", False),
    ("夏季休暇は、五日の範囲内で与えるものとする。", False),
])
def test_which_sentences_override_the_rule_before_them(sentence, expected):
    assert _is_exception(sentence) is expected
