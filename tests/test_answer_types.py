"""Answer-type rules: what a question asks for, from its own words (table-driven)."""
import pytest

from retrieval.answer_types import (AnswerType, analyse, asked_unit, classify, concludes_with_value, enumerates,
                                    states_bound, states_in_unit, states_value, value_span)

A = AnswerType


@pytest.mark.parametrize("question, expected", [
    # deadline / period
    ("育児休業はいつまで取れますか", A.DEADLINE),
    ("審査請求の期限は？", A.DEADLINE),
    ("育短って子どもがいくつになるまで使えるの？", A.DEADLINE),  # until an age, not a yes/no
    ("食堂は何時から開いていますか", A.DEADLINE),
    ("Until when can I take childcare leave?", A.DEADLINE),
    ("When is the deadline for the application?", A.DEADLINE),
    # number of days / months / times
    ("年次休暇は年に何日もらえますか", A.QUANTITY),
    ("条件付採用の期間は何か月？", A.QUANTITY),
    ("延長は何回までできる？", A.QUANTITY),
    ("連続で何日まで取れるの？", A.QUANTITY),
    ("How many days of annual leave do staff get?", A.QUANTITY),
    ("How long is the probationary period?", A.QUANTITY),
    # amount
    ("日当はいくらですか", A.AMOUNT),
    ("写しの交付の費用は1枚いくら？", A.AMOUNT),
    ("How much is the daily allowance?", A.AMOUNT),
    ("Does the town charge a fee for its parking lots?", A.AMOUNT),
    ("駐車場は無料ですか", A.AMOUNT),
    ("駐輪場って、お金かかる？", A.AMOUNT),
    ("研修の費用っているの？", A.AMOUNT),
    # penalty
    ("個人番号を漏らしたらどんな罰になる？", A.PENALTY),
    ("無断で持ち出したときの罰則は？", A.PENALTY),
    ("What is the penalty for leaking personal data?", A.PENALTY),
    ("Will I be fined if I park there?", A.PENALTY),
    ("Is there a fine for late submission?", A.PENALTY),
    ("Is it fine to take annual leave on a Friday?", A.OTHER),  # fine = all right, not a penalty
    # 罰則 as the topic of a question that asks for a number or a date
    ("罰則付きの残業の上限は月何時間？", A.QUANTITY),
    ("罰則はいつから適用される？", A.DEADLINE),
    ("What is the overtime limit per year?", A.QUANTITY),  # the number, as 上限は？ (session 47)
    # a list of kinds
    ("懲戒処分の種類は？", A.LIST),
    ("特別休暇には何がありますか", A.LIST),
    ("What kinds of special leave are there?", A.LIST),
    # contact
    ("人事課の内線番号を教えて", A.CONTACT),
    ("相談窓口はどこ？", A.CONTACT),
    ("Who should I contact? What is the phone number?", A.CONTACT),
    ("システムのパスワードを忘れたらどこに連絡すればいい？", A.CONTACT),  # where to call: a contact
    ("故障の相談は、どちらの係のどなたに連絡すればよいでしょうか。", A.CONTACT),  # whom to call, too
    ("異動のことは誰に相談すればいい？", A.CONTACT),
    ("Where do I report harassment?", A.CONTACT),  # where to report, as どこに連絡 (session 47)
    ("Who should I talk to about sexual harassment?", A.CONTACT),  # whom to talk to (session 48)
    ("What is the phone number of the help desk?", A.CONTACT),
    ("Can I use my personal smartphone for work?", A.PERMISSION),  # a smartphone is no phone number
    # person / body
    ("公務災害は誰が認定するの？", A.PERSON),
    ("Who approves overtime work?", A.PERSON),
    # 誰 asks who, whatever the topic noun (費用は, 期間って) would ask on its own (session 47)
    ("テレワークの費用は誰が負担する？", A.PERSON),
    ("文書の保存期間って、誰が決めるの？", A.PERSON),
    ("費用はどなたが負担されるのでしょうか。", A.PERSON),
    ("誰にいくら払えばいい？", A.AMOUNT),  # いくら asks the amount
    ("旅費はいつまでに誰に出せばいい？", A.DEADLINE),  # いつまで asks when
    ("費用は誰でも請求できますか", A.AMOUNT),  # 誰でも is anyone, not who
    # "who" asks where it opens a clause, not as a relative pronoun after its noun (session 50)
    ("If the hotel charges a cancellation fee, who pays?", A.PERSON),
    ("The survey is next week. Who is allowed to carry it out?", A.PERSON),
    ("Can you tell me who approves leave?", A.PERSON),
    ("To whom do I report a lost staff ID?", A.PERSON),
    ("If the person who opened the shop leaves, who has to manage it?", A.PERSON),
    ("Can a contractor dismiss an employee who is off work after an injury?", A.PERMISSION),
    ("Do staff who handle My Number files have to keep a log?", A.OTHER),  # a yes/no question
    # procedure
    ("兼業の許可はどうすれば取れますか", A.PROCEDURE),
    ("旅費の精算の手続を教えてください", A.PROCEDURE),
    ("How do I apply for telework?", A.PROCEDURE),
    # definition
    ("「個人情報」とは何ですか", A.DEFINITION),
    ("亡くなった人の情報は個人情報に当たる？", A.DEFINITION),
    ("What is a conditional appointment?", A.DEFINITION),
    # yes/no permission
    ("職員はストライキをしてもいいですか", A.PERMISSION),
    ("任命権者は育休の請求を断れるの？", A.PERMISSION),
    # the polite register of a potential verb asks the same (session 44)
    ("年休は時間単位で取れますか？", A.PERMISSION),
    ("私物のスマホは仕事で使えますか", A.PERMISSION),
    ("単身赴任手当はもらえますか", A.PERMISSION),
    ("介護休暇は何日取れますか", A.QUANTITY),  # how many, not whether
    ("Are local public employees allowed to strike?", A.PERMISSION),
    ("Can I work a side job?", A.PERMISSION),
    # ダメ？ アリ？ OK？ ask for a ruling; …したことは is not a definition
    ("会議で決めたことは文書に残さないとダメ？", A.PERMISSION),
    ("土曜に休んでもよいですか", A.PERMISSION),  # …でもよい, not only …してもよい
    ("コピー機のリース、何年かにまたがる契約にしてもいい？", A.PERMISSION),  # 何年か: some years
    ("何人かで出張する場合の旅費は？", A.OTHER),
    ("保存年限が過ぎた文書、捨てていい？", A.PERMISSION),  # casual …ていい
    ("このまま受け取っていいの？", A.PERMISSION),
    ("何でもいいので教えて", A.OTHER),
    ("手続に何年かかる？", A.QUANTITY),
    ("同僚に個人番号を聞くのってアリ？", A.PERMISSION),
    ("私物のスマホで仕事のメールを見てもOK？", A.PERMISSION),
    ("知り合いの候補に投票を頼んで回るのってアウト？", A.PERMISSION),
    ("アウトソーシングの契約について", A.OTHER),
    ("NGですか？", A.PERMISSION),
    # ...but not OK / NG / ダメ inside another word (book, training, NGO, ダメージ)
    ("Tell me about the training program", A.OTHER),
    ("Overtime rules in the handbook", A.OTHER),
    ("NGOでの活動について", A.OTHER),
    ("ダメージを受けた公用車の修理について", A.OTHER),
    # 子ども / こども end in も and are still defined (…もとは excludes もとは only)
    ("この規程でいう子どもとは？", A.DEFINITION),
    # a Teams message: the question among greetings and a self-introduction
    ("お疲れ様です。\n人事課の山田です。\n育休はいつまで取れますか？", A.DEADLINE),
    ("お疲れ様です。\n\n日当はいくらですか？\nよろしくお願いいたします。", A.AMOUNT),
    ("育休について質問です。\n非常勤の場合は何日取れますか？", A.QUANTITY),
    # without a question mark the first line is the question; pasted options below it are not
    ("育児休業はいつまで取れますか\n1. 一歳まで\n2. 何日でも", A.DEADLINE),
    # a limit whose value the question gives is a premise; the question asks whether it may
    ("病気休暇の90日の上限を数えるとき、前回の休みとは別々に数えてよいのでしょうか。", A.PERMISSION),
    ("月45時間の上限を超えて残業させてもいいの？", A.PERMISSION),
    ("病気休暇の日数の上限は？", A.QUANTITY),
    ("残業の上限ってある？", A.QUANTITY),
    # whether a case counts as what a term names
    ("帰りに買い物をして転んだ。これって通勤災害になる？", A.DEFINITION),
    ("メールを誤送信した。これって「漏えい」扱いになる？", A.DEFINITION),
    ("寄附をした人も表彰の対象になりますか。", A.DEFINITION),
    ("勤務時間外のことでも問題になるのでしょうか。", A.OTHER),  # a problem: no term is asked about
    ("子どもが何歳になるまで取れる？", A.DEADLINE),
    # 平気？ asks for a ruling as 大丈夫？ does (平気で嘘をつく is no question)
    ("ハンコは後回しでも平気？", A.PERMISSION),
    ("私物のPCを使っても平気ですか", A.PERMISSION),
    # …とは別に / とは違う compare, they define nothing
    ("年休とは別に夏休みはもらえる？", A.PERMISSION),
    ("正規職員とは違う扱いになりますか", A.OTHER),
    # nothing specific
    # 何月何日 / 何曜日 / 何日から ask for a date, not a count; 何日に一回 still counts
    ("健康診断は何月何日ですか", A.DEADLINE),
    ("ノー残業デーは何曜日？", A.DEADLINE),
    ("年末年始の休みって何日から何日まで？", A.DEADLINE),
    ("報告は何日に一回？", A.QUANTITY),
    ("年休は何日？", A.QUANTITY),
    # the count of a counter's things is asked (文字数は？, 何文字), not named as a topic
    ("パスワードの文字数は？", A.QUANTITY),
    ("パスワードは何文字以上？", A.QUANTITY),
    ("委員の人数は？", A.QUANTITY),
    ("相談件数の報告は必要？", A.OTHER),
    ("少人数で打合せしてもいい？", A.PERMISSION),
    ("懲戒処分 地公法", A.OTHER),
    ("育児休業の規定について", A.OTHER),
])
def test_classify(question, expected):
    assert classify(question) is expected


@pytest.mark.parametrize("question", [
    "公益通報の内部窓口への通報と行政機関への通報で保護要件は違う？",  # 窓口 as topic, not asked for
    "保存期間の満了した文書を廃棄するとき手続は必要？",  # 期間 as topic
])
def test_topic_words_are_not_the_asked_for_value(question):
    assert classify(question) not in (A.CONTACT, A.DEADLINE)


@pytest.mark.parametrize("question, unit", [
    ("うちの課の電話当番って何時から？", "課"),
    ("当課の超過勤務の事前申請は誰に出す？", "課"),
    ("総務課の内線番号は？", "内線"),
    ("What is our team's rule for leave requests?", "team"),
    ("うちの市の育児休業の期間は？", "市"),  # answered only if a document of a 市 is retrieved
    ("育児休業の期間は？", None),
])
def test_local_unit(question, unit):
    assert analyse(question).local_unit == unit


@pytest.mark.parametrize("kind, text, expected", [
    (A.QUANTITY, "一の年について二十日とする。", True),
    (A.QUANTITY, "職員は、任命権者の承認を受けて休業することができる。", False),
    (A.DEADLINE, "当該子が三歳に達する日まで、育児休業をすることができる。", True),
    (A.DEADLINE, "処分があったことを知った日の翌日から起算して三月以内", True),
    (A.DEADLINE, "職員は、法令に従わなければならない。", False),
    (A.DEADLINE, "当該職員の小学校就学の始期に達するまでの子を養育するため", True),
    (A.DEADLINE, "月曜日から金曜日までの五日間のうちの二日を週休日とする", False),  # a span of the week
    (A.AMOUNT, "一キロメートルにつき三十七円", True),
    (A.AMOUNT, "百分の百二十五を乗じて得た額", True),
    (A.AMOUNT, "給与を支給しない。", False),
    (A.CONTACT, "問い合わせ先 総務課 内線1234", True),
    (A.CONTACT, "この条例は公布の日から施行する。", False),
    (A.CONTACT, "電話: 03-1234-5678", True),
    (A.QUANTITY, "その全部又は一部を公にしないことを条件に", False),  # a part, not one copy
    (A.QUANTITY, "写しを二部提出する", True),
    (A.QUANTITY, "十分な配慮をしなければならない", False),  # sufficient, not ten minutes
    (A.QUANTITY, "三十分以内に報告する", True),  # minutes count, unlike 十分 (sufficient)
    (A.QUANTITY, "午後五時三十分まで", False),  # a time of day: 何時間？ asks how long, not when
    (A.QUANTITY, "一日につき七時間四十五分の勤務時間", True),
    (A.QUANTITY, "一の年度において五労働日を限度として", True),  # working days are days
    (A.CONTACT, "携帯電話の電話番号を送受信のために用いて電磁的記録を送信する方法", False),  # the topic
    (A.CONTACT, "電話その他の方法により通知する。", False),
    (A.PERMISSION, "どんな文でも", True),  # open kinds are not checked for a value
    # a unit of measure is no quantity: how many days is not answered by the step leave is taken in
    (A.QUANTITY, "介護休暇の単位は、一日又は一時間とする。", False),
    (A.QUANTITY, "一時間を単位とする休暇は、一日を通じ、始業の時刻から使用しなければならない。", False),
    (A.QUANTITY, "一時間を単位とする休暇は、一日を通じ、四時間を超えない範囲内で使用しなければならない。", True),
    (A.QUANTITY, "年次休暇の日数は、一の年において二十日とする。", True),  # 日数 is no 単位
])
def test_states_value(kind, text, expected):
    assert states_value(kind, text) is expected


@pytest.mark.parametrize("kind, sentence, expected", [
    (A.QUANTITY, "年次休暇は、一の年（一月一日から十二月三十一日までをいう。）ごとにおける休暇とし、その日数は、"
                 "一の年において二十日とする。", True),  # the value is what the sentence rules
    (A.QUANTITY, "任命権者は、一の年において十日以上の年次休暇を与えられた職員が当該年において五日以上の年次休暇を"
                 "使用することができるよう、所属長を通じて、年次休暇の計画的な使用を促進しなければならない。", False),
    (A.DEADLINE, "育児休業の承認の請求は、育児休業を始めようとする日の一月前までに行うものとする。", True),
    (A.DEADLINE, "三日以内に届け出た職員は、その旨を所属長に報告しなければならない。", False),  # a condition
    (A.AMOUNT, "日当は、一日につき二千二百円とする（宿泊を伴う場合にあっては、三千円、五千円とする）。", True),
    (A.PERMISSION, "許可を受けて兼業することができる。", False),  # an open kind states no value
])
def test_a_value_in_the_last_clause_is_what_the_sentence_rules(kind, sentence, expected):
    assert concludes_with_value(kind, sentence) is expected


def test_value_span_finds_the_value_to_bold():
    text = "当該子が三歳に達する日まで、育児休業をすることができる。"
    start, end = value_span(A.DEADLINE, text)
    assert text[start:end] == "三歳に達する日まで"
    assert value_span(A.AMOUNT, text) is None


@pytest.mark.parametrize("kind, text, value", [
    # asked until when: a rate (二割五分) or a number of times is no period, a time of day is one
    (A.DEADLINE, "午後十時から午前五時までの間の労働は、賃金の計算額の二割五分以上の率で計算した割増賃金を支払う。", "午後十時"),
    (A.DEADLINE, "ただし、二割五分以上の率で計算した額を支払う場合は、三十日前に通知する。", "三十日前"),
    (A.DEADLINE, "勤務時間は、午前八時三十分から午後五時十五分までとする。", "午前八時三十分"),
    # a dollar amount is kept whole
    (A.AMOUNT, "The plan covers up to $60 per visit.", "$60"),
    (A.AMOUNT, "A one-time allowance of $1,000.50 is paid.", "$1,000.50"),
    (A.AMOUNT, "Employees receive $1000 each year.", "$1000"),
    # full-width digits (the model work rules' PDF): the year of a law's number (明治２９年法律第８９号)
    # is no period, and no part of it either (session 43: its ９年 was bold, "Key fact: 9 years")
    (A.DEADLINE, "民法（明治２９年法律第８９号）の規定により退職の申出をした日から起算して原則として"
                 "１４日を経過したときは、退職となります", "１４日を経過"),
    (A.QUANTITY, "（昭和２２年法律第４９号）第３９条の規定により、年次有給休暇を１０日与える。", "１０日"),
])
def test_value_span_bolds_the_whole_value_of_the_asked_kind(kind, text, value):
    start, end = value_span(kind, text)
    assert text[start:end] == value


def test_value_span_bolds_the_ruling_value_not_one_in_a_parenthetical():
    # the 二週間 inside the parenthetical defines 要介護者; the sentence rules 三回 and 六月
    text = ("介護休暇は、要介護者（負傷又は疾病により二週間以上の期間にわたり日常生活に支障があるものをいう。）の"
            "介護をするため、通算して六月を超えない範囲内で指定する期間内において勤務しない休暇とする。")
    start, end = value_span(A.QUANTITY, text)
    assert text[start:end].startswith("六月")
    # a parenthetical's number is still bold when the sentence states no other
    text = "職員は、要介護者（二週間以上の期間にわたり支障があるもの）を介護するため休暇を取ることができる。"
    start, end = value_span(A.QUANTITY, text)
    assert text[start:end] == "二週間"  # the whole count of weeks, not 二週


def test_value_span_bolds_the_number_said_of_what_the_question_asks_about():
    # 一日 is the span the 勤務時間 is counted over; 一時間 is what the 休憩時間 is (session 47)
    text = "任命権者は、一日の勤務時間が六時間を超える場合には、勤務時間の途中に、一時間の休憩時間を置かなければならない。"
    start, end = value_span(A.QUANTITY, text, "分", topic="休憩時間")
    assert text[start:end] == "一時間"
    # without the topic, the earliest number stands; a number in the asked unit beats the topic's
    start, end = value_span(A.QUANTITY, text, "分")
    assert text[start:end] == "一日"
    start, end = value_span(A.QUANTITY, "一日の勤務時間は、七時間四十五分とする。", "時間", topic="勤務時間")
    assert "一日の勤務時間は、七時間四十五分とする。"[start:end].startswith("七時間")
    # an English question's topic is the Japanese words it was translated into (lunch break -> 休憩)
    start, end = value_span(A.QUANTITY, text, None, topic=("昼食", "休憩"))
    assert text[start:end] == "一時間"


@pytest.mark.parametrize("bound, value", [("max", "六月"), ("min", "一日"), (None, "一日")])
def test_value_span_bolds_the_end_of_a_range_a_limit_question_asks_for(bound, value):
    # 減給って最大でどれくらい？ is answered by the 六月以下 of 一日以上六月以下 (session 48)
    text = "減給は、一日以上六月以下の期間、給料の月額の十分の一以下を減ずるものとする。"
    start, end = value_span(A.QUANTITY, text, bound=bound)
    assert text[start:end] == value


@pytest.mark.parametrize("question, span", [
    ("年間の残業の上限は？", "年"), ("残業の上限は月何時間？", "月"), ("1日あたりの日当は？", "日"),
    ("What is the overtime limit per year?", "年"),
    ("年休は何日？", None), ("今月何日休める？", None),  # 年休 is leave, 今月 a date
    ("How many days of annual leave do I get?", None), ("If I take a year of childcare leave?", None),
])
def test_the_span_a_number_is_asked_per(question, span):
    assert analyse(question).per == span


def test_value_span_bolds_the_number_counted_over_the_span_asked():
    # one number per span: the question's span picks it (session 47)
    text = "次号に掲げる職員以外の職員　一月について四十五時間以下、かつ、一年について三百六十時間以下"
    for per, value in (("年", "三百六十時間"), ("月", "四十五時間"), (None, "四十五時間")):
        start, end = value_span(A.QUANTITY, text, "時間", per_span=per)
        assert text[start:end].startswith(value)


def test_value_span_prefers_the_full_period_phrase_for_a_count_question():
    text = "当該子が三歳に達する日まで、育児休業をすることができる。"
    start, end = value_span(A.QUANTITY, text)
    assert text[start:end] == "三歳に達する日まで"
    text = "年次休暇は、一の年について二十日とする。"
    start, end = value_span(A.QUANTITY, text)
    assert text[start:end] == "二十日"


@pytest.mark.parametrize("question, unit", [
    ("本市の情報公開条例で、写しの交付の費用はいくら？", "市"),
    ("本市で住民票の写しを1通交付する手数料はいくらですか。", "市"),  # 本市で scopes it like 本市の
    ("うちの町の駐車場の料金は？", "町"),
    ("本庁舎の食堂は何時から？", "庁舎"),
    ("臨時的任用って最長でどのくらい？うちの市は人事委員会がないんだけど。", None),  # context, not the topic
])
def test_own_municipality_or_building(question, unit):
    assert analyse(question).local_unit == unit


@pytest.mark.parametrize("question, unit", [
    ("子の看護休暇は年に何日まで？", "日"), ("条件付採用は何か月？", "月"), ("How many days of leave?", "日"),
    ("育児休業の期間は？", None),
    ("育短は子がいくつになるまで使える？", "歳"), ("子が何歳になるまで取れる？", "歳"),  # until an age
    ("提出書類はいくつ必要？", None), ("いくつまで登録できる？", None),  # how many, not what age
    ("From how many employees must a company file a plan?", "人"),  # as 何人
    ("パスワードの文字数は？", "文字"), ("委員の人数の上限は？", "人"), ("何件まで登録できる？", "件"),
])
def test_asked_unit(question, unit):
    assert analyse(question).value_unit == unit


def test_value_span_prefers_the_asked_unit_and_whole_date_ranges():
    text = "小学校就学の始期に達するまでの子が二人以上の場合にあっては、十日を限度として"
    start, end = value_span(A.QUANTITY, text, unit="日")
    assert text[start:end].startswith("十日")
    text = "年末年始の休日は、十二月二十九日から翌年の一月三日までの日とする。"
    start, end = value_span(A.QUANTITY, text, unit="日")
    assert text[start:end] == "十二月二十九日から翌年の一月三日まで"


@pytest.mark.parametrize("text, expected", [
    ("懲戒処分として戒告、減給、停職又は免職の処分をすることができる。", True),
    ("職員の休業は、自己啓発等休業、育児休業及び大学院修学休業とする。", True),
    # 又は joining clauses or long references is no list of kinds
    ("職員が、第二十八条の四第一項又は第二十八条の五第一項の規定により採用された場合", False),
    ("在職期間（要請に応じた退職前の在職期間を含む。）又はこれらの規定により", False),
    ("年次休暇は、二十日とする。", False),
])
def test_enumerates(text, expected):
    assert enumerates(text) is expected


@pytest.mark.parametrize("question, given", [
    ("国家公務員の年休って年20日だよね？何日まで繰り越せる？", {(20, "日")}),
    ("残業が月80時間を超えたら？", {(80, "時間")}),
    ("3歳未満の子どもが2人いる場合は？", {(3, "歳"), (2, "人")}),
    ("六箇月勤務したら何日もらえる？", {(6, "月")}),
    ("If I worked 6 months, how many days do I get?", {(6, "月")}),
    ("育休はいつまで取れる？", set()),
])
def test_given_values_are_the_numbers_the_question_states(question, given):
    assert analyse(question).given == frozenset(given)


def test_a_value_the_question_gave_is_not_the_answer():
    given = analyse("年休は年20日だよね？何日まで繰り越せる？").given
    restates = "年次休暇の日数は、一の年において二十日とする。"
    answers = "二十日を超えない範囲内の残日数を限度として繰り越すことができる。残日数は五日とする。"
    assert states_value(AnswerType.QUANTITY, restates)
    assert not states_value(AnswerType.QUANTITY, restates, given)
    assert states_value(AnswerType.QUANTITY, answers, given)
    start, end = value_span(AnswerType.QUANTITY, answers, "日", given)
    assert answers[start:end] == "五日"
    # when the text states nothing else, the question's own number is still shown in bold
    start, end = value_span(AnswerType.QUANTITY, restates, "日", given)
    assert restates[start:end] == "二十日"


def test_an_era_year_in_a_law_number_is_not_a_period():
    citation = "独立行政法人通則法（平成十一年法律第百三号）第二条第二項に規定する職員"
    assert not states_value(AnswerType.QUANTITY, citation)
    assert not states_value(AnswerType.DEADLINE, citation)
    assert states_value(AnswerType.QUANTITY, "その期間は十一年とする。")


@pytest.mark.parametrize("question, asks", [
    ("今年度の職員健康診断はいつ？", True),
    ("来月の防災訓練は何時から？", True),
    ("クールビズの期間って、今年はいつから？", True),
    ("When is this year's health check?", True),
    ("年休は来年に何日まで繰り越せる？", False),  # carrying over to next year is a rule
    ("今年度の研修について教えて", False),  # no concrete value asked
    ("健康診断は年に何回？", False),
    # the asker's entitlement, a limit or a validity in this year is a rule
    ("今年の年休は何日もらえる？", False),
    ("今年度の年休はいつまで使える？", False),
    ("今月の残業の上限は何時間？", False),
    ("When does this year's annual leave expire?", False),
    ("今年度の年休は何日？", False),  # a count of this year's is mostly an entitlement
    ("今年の4月に採用された職員の試用期間はいつまで？", False),  # 今年の4月 dates the asker's case
    ("今年の人事院勧告で、初任給はいくら上がった？", True),  # an amount of this year's
    ("来年度予算の要求書の締切日は？", True),  # the occasion written straight onto its noun
    ("今年度中に申請しないといけない期限は？", False),  # 今年度中 is a span, not an occasion
    ("来月結婚式なんだけど、結婚休暇は何日？", False),  # a count: the entitlement
])
def test_a_value_of_this_years_occasion_is_set_by_a_notice_not_a_rule(question, asks):
    assert analyse(question).asks_for_occasion is asks


def test_a_penal_article_states_a_penalty():
    assert states_value(A.PENALTY, "四年以下の懲役若しくは二百万円以下の罰金に処し、又はこれを併科する。")
    assert states_value(A.PENALTY, "これに対し懲戒処分として戒告、減給、停職又は免職の処分をすることができる。")
    assert not states_value(A.PENALTY, "個人番号利用事務等実施者は、個人番号の漏えいの防止のために必要な措置を講じなければならない。")
    current = "正当な理由がないのに提供したときは、四年以下の拘禁刑若しくは二百万円以下の罰金に処する。"
    start, end = value_span(A.PENALTY, current)
    # the bold value is all that may be imposed, not its first penalty alone
    assert current[start:end] == "四年以下の拘禁刑若しくは二百万円以下の罰金"
    staff = "これに対し懲戒処分として戒告、減給、停職又は免職の処分をすることができる。"
    start, end = value_span(A.PENALTY, staff)
    assert staff[start:end] == "戒告、減給、停職又は免職"
    single = "第五条の規定に違反した者は、五十万円以下の罰金又は氏名の公表の対象とする。"
    start, end = value_span(A.PENALTY, single)
    assert single[start:end] == "五十万円以下の罰金"  # a 又は not followed by a penalty ends it


@pytest.mark.parametrize("text", ["毎年一回、定期に行う。", "月二回以上開催する。"])
def test_a_frequency_is_a_quantity(text):
    assert states_value(AnswerType.QUANTITY, text)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_concrete_kind_can_be_named_in_an_abstention(language):
    from prompts import messages
    from retrieval.answer_types import CONCRETE_VALUE_TYPES
    text = messages(language)
    assert all(text.get(f"kind_{kind.value}") for kind in CONCRETE_VALUE_TYPES)


@pytest.mark.parametrize("text", ["年次休暇は二十日とする。", "二十日を超えない範囲内で五日とする。", "遅滞なく通知する。", "定める。"])
@pytest.mark.parametrize("given", [frozenset(), frozenset({(20, "日")})])
def test_stated_values_agree_with_states_value(text, given):
    from retrieval.answer_types import stated_values
    for kind in (A.QUANTITY, A.DEADLINE, A.AMOUNT):
        assert any(v not in given for v in stated_values(kind, text)) == states_value(kind, text, given)


@pytest.mark.parametrize("unit, text, expected", [
    ("歳", "定年は、年齢六十年とする。", True),  # statutes write an age in years of age
    ("歳", "子が三歳に達する日まで", True),
    ("歳", "三年を超えない範囲内", False),
    ("歳", "生後満一年に達しない生児", True),
    ("歳", "休職の期間が満二年に達するまで", False),  # 満 alone counts a period, not an age
    ("割", "百分の百二十五を乗じて得た額", True),  # 何割 is answered by a share however written
    ("割", "三分の一を超えない", True),
    ("日", "四月一日から起算する", False),  # a date is not a number of days
    ("日", "五労働日を限度として", True),
    ("年", "（平成十一年法律第百三号）", False),  # an era year is a date
    ("月", "六月三十日までに", False),
    ("月", "六月を超えない範囲内", True),
    ("時間", "一箇月について四十五時間", True),
])
def test_a_number_is_recognised_in_the_asked_unit(unit, text, expected):
    assert states_in_unit(unit, text) is expected


def test_an_english_text_states_the_asked_unit_in_english():
    assert states_in_unit("日", "Employees receive 15 days of paid leave.")
    assert not states_in_unit("日", "Employees receive 15 hours of training.")


@pytest.mark.parametrize("question, bound", [
    ("病休って連続で最大何日まで取れるの？", "max"), ("通勤手当は月いくらまで出る？", "max"),
    ("What is the maximum number of days?", "max"), ("パブコメは最低何日募集する？", "min"),
    ("病気休暇は何日ですか", None), ("最低賃金はいくら？", None),  # a name, not a limit asked
    ("この件の最高裁の判例は？", None), ("最大限の配慮とは？", None), ("Is the handbook up to date?", None),
])
def test_a_question_for_a_limit(question, bound):
    assert analyse(question).bound == bound


@pytest.mark.parametrize("bound, text, expected", [
    ("max", "連続して九十日を超えることはできない", True),
    ("max", "二十日を限度として", True),
    ("max", "六十日以内にしなければならない", True),
    ("max", "五万五千円を超えるときは", False),  # exceeding is a condition, not a cap
    ("max", "一週間について四十時間を超えて、労働させてはならない", True),  # the commonest cap
    ("max", "一日八時間を超えて勤務した場合は", False),
    ("min", "三十日以上でなければならない", True),
    ("min", "九十日を超えることはできない", False),
    # a range of provisions, or a term defined in parentheses, bounds nothing
    ("max", "第三条から第五条までの規定を準用する", False),
    ("max", "第十条の二から第十二条の二までに定める", False),
    ("max", "次の(1)から(7)までに掲げる場合", False),
    ("max", "二十日（以下「期間」という。）", False),
    ("max", "第三条の期間は、九十日を超えることはできない", True),
])
def test_a_bounded_number_is_recognised(bound, text, expected):
    assert states_bound(bound, text) is expected


@pytest.mark.parametrize("question, local", [
    ("うちの課の時間外の事前申請は何時まで？", True),  # a value of the section's own
    ("うちの課の貸出用パソコンって全部で何台？", True),  # 何台 is a count
    ("うちの課の文書取扱主任って誰？", True),
    ("うちの課が持っている住民の個人情報を他の課に提供できる？", False),  # a rule, asked in a situation
    ("うちの課で個人情報が漏れた。どこかに報告しないといけないの？", False),
])
def test_only_a_value_or_person_of_the_own_section_is_a_local_arrangement(question, local):
    assert analyse(question).asks_local_arrangement is local


@pytest.mark.parametrize("question", ["申請書は何部提出する？", "研修は何件まで申し込める？", "公用車は何台ある？"])
def test_counters_ask_for_a_quantity(question):
    assert classify(question) is A.QUANTITY


def test_an_age_limit_written_as_a_school_stage_is_bold_whole():
    text = "当該職員の小学校就学の始期に達するまでの子を養育するため"
    start, end = value_span(A.DEADLINE, text, unit="歳")
    assert text[start:end] == "小学校就学の始期に達するまで"


# The value a quantity question's answer bolds, read whole and in the unit asked.
@pytest.mark.parametrize("text, unit, given, value", [
    # 「子どもが2人いるんだけど、看護休暇って年に何日？」: the days are the answer, the two children its premise
    ("一の年度において五労働日（その養育する子が二人以上の場合にあっては、十労働日）を限度として", "日",
     frozenset({(2, "人")}), "五労働日"),
    ("職員の勤務時間は、休憩時間を除き、一週間当たり三十八時間四十五分とする。", "時間", frozenset(), "三十八時間四十五分"),
    ("勤務時間は、一日につき四時間以上とすること。", None, frozenset(), "四時間"),  # not the base of the rate
    ("一箇月について六十時間を超えて勤務した時間については、百分の百五十の割合とする。", "割", frozenset(), "百分の百五十"),
    ("通常の労働時間の賃金の計算額の二割五分以上の率で計算した割増賃金", "割", frozenset(), "二割五分"),
    # an age spelt 才 in an older statute answers a 何歳 question
    ("使用者は、満十八才に満たない者を午後十時から午前五時までの間において使用してはならない。", "歳", frozenset(), "十八才"),
])
def test_value_span_reads_the_asked_quantity_whole(text, unit, given, value):
    start, end = value_span(A.QUANTITY, text, unit=unit, given=given)
    assert text[start:end] == value


def test_an_amount_is_the_whole_sum_and_a_question_amount_is_a_premise():
    text = "単身赴任手当の月額は、二万三千円とする。"
    start, end = value_span(A.AMOUNT, text)
    assert text[start:end] == "二万三千円"
    # the question's 2万3千円 is the same sum as the statute's 二万三千円
    assert analyse("家賃が月2万3千円なんだけど、住居手当っていくら？").given == frozenset({(23_000, "円")})
    assert not states_value(A.AMOUNT, text, given=frozenset({(23_000, "円")}))


@pytest.mark.parametrize("question, unit", [("休憩は何分もらえる？", "分"), ("割増率って何パーセント？", "割"),
                                            ("What percentage is the overtime premium?", "割"),
                                            ("何分の一を支給するの？", None)])
def test_minutes_and_percentages_are_asked_units(question, unit):
    assert asked_unit(question) == unit


@pytest.mark.parametrize("question, unit", [
    ("What is the maximum number of days of telework per week?", "日"),
    ("How many hours of overtime are allowed?", "時間"),
    ("What is the number of members of the committee?", None),  # members: no unit of its own
])
def test_an_english_number_of_days_asks_in_days(question, unit):
    assert asked_unit(question) == unit


def test_a_number_stated_per_a_span_across_a_parenthetical_is_bolded():
    # "…per week?": 一週間（…をいう。）につき三日 states 三日 per week, and 一週間 is the span (session 48)
    text = "実施することができる日数は、合わせて一週間（日曜日から土曜日までをいう。以下同じ。）につき三日を上限とする。"
    start, end = value_span(A.QUANTITY, text, per_span="週")
    assert text[start:end] == "三日"
    start, end = value_span(A.QUANTITY, text)
    assert text[start:end] == "三日"
