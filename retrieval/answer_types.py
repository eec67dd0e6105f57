"""What a question asks for (a deadline, a number of days, an amount, a yes/no permission, ...),
from the question's own words, and whether a passage states a value of that kind.

Used three ways: the ranker prefers passages that state the kind of value asked for, the answerer
abstains when a concrete value is asked and no passage states one (or when the asker asks about
their own section's local arrangement, which no 例規 records), and the answer leads with the
sentence that states the value. Rules are general question words, never one question's phrasing.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from retrieval.abridge import top_level_parentheticals
from retrieval.analysis import normalize, without_courtesies
from retrieval.numerals import AMOUNT_NUMBER, AMOUNT_START, NUMBER_CHARS, NUMBER_CLASS, PENALTY_JOIN, kanji_to_int


class AnswerType(str, Enum):
    DEADLINE = "deadline"  # いつまで, 期限, 期間, when, until
    QUANTITY = "quantity"  # 何日, 何か月, 何時間, 何回, 何歳, how many
    AMOUNT = "amount"  # いくら, 金額, 何円, how much
    PENALTY = "penalty"  # どんな罰, 罰則, penalty: 懲役, 罰金, 過料 (or 戒告…免職 for staff)
    CONTACT = "contact"  # 連絡先, 内線, 電話番号, 窓口
    PERSON = "person"  # 誰, どこ(が決める), 任命権者, who
    PROCEDURE = "procedure"  # どうすれば, 手続, 方法, how do I
    LIST = "list"  # 種類, 何がある, what kinds: the answer enumerates (戒告、減給、停職又は免職)
    DEFINITION = "definition"  # とは, 定義, に当たる, what is
    PERMISSION = "permission"  # できる？, してもいい, 断れる, can I, may I
    OTHER = "other"


# 何日, 何か月, 何時間: the number asked for, in its unit.
_GIVEN_NUMBER = NUMBER_CLASS
_ASKS_COUNT = (r"何(?:日|か月|ヶ月|カ月|箇月|月|年|週|時間|分|回|歳|人|割|キロ|パーセント|%|"
               r"台|個|件|枚|名|冊|部|社|箇所|か所|ヶ所|文字|字|桁)"  # counters too: 何台, 何部, 何文字
               # 何年かにまたがる, 何日か休む: "some years / days", not how many (何年かかる still asks)
               r"(?!か(?![か？?]))")
# First matching rule wins: the more specific value kinds come before the yes/no and open forms
# (「何日まで取得できる？」 asks for a deadline, not a permission).
_RULES: tuple[tuple[AnswerType, re.Pattern], ...] = tuple((kind, re.compile(pattern, re.I)) for kind, pattern in (
    (AnswerType.CONTACT, r"連絡先|内線|電話番号|問い?合わせ先|窓口(?:は|って|を教え|の場所)|"
                         r"(?:どこ|どちら|誰|だれ|どなた)(?:に|へ|宛てに)(?:連絡|相談|問い?合わせ|電話)|"
                         r"メールアドレス|\bcontact\b|\b(?:tele)?phone (?:number|no\b)|extension|"
                         # where to report / whom to call is asked as どこに連絡 is (not a smartphone)
                         r"\bwhere (?:do|can|should|shall|must) (?:i|we|staff|employees) "
                         r"(?:report|call|ask|consult|go)\b|"
                         r"\bwho (?:do|should|can) (?:i|we) "
                         r"(?:call|ask|consult|report to|talk to|speak to|speak with)\b"),
    # 誰 / どなた asks who, whatever noun the question is about: 費用は誰が負担する？ or 保存期間って、
    # 誰が決める？ asks for a person or body, not an amount or a period (the topic nouns below). Not
    # 誰でも / 誰も / 誰か (anyone, no one, someone), nor beside a question word of its own (誰がいつ…).
    (AnswerType.PERSON, r"^(?!.*(?:いくら|何円|いつ|何日|何時|どこ|どちら))"
                        r".*(?:誰|だれ|どなた)(?!でも|も|か(?!ら))"),
    (AnswerType.AMOUNT, r"いくら|金額(?:は|って|を教え)|何円|何万円|支給額は|料金は|費用は|単価は|how much|"
                        r"お金(?:が|は|って)?(?:かか|要る|いる|必要)|費用(?:が|は|って)?(?:かか|要る|いる|必要)|タダ|"
                        r"無料|有料|\bcharges? (?:a |any )?(?:fees?|money)\b|\bfree of charge\b|\bis it free\b|"
                        r"what (?:is|are) the (?:\w+ )?"
                        r"(?:costs?|fees?|prices?|amounts?|copay(?:ment)?s?|deductibles?)\b"),
    # 罰則 is often only the topic: 罰則付きの残業上限は月何時間？ asks for a number, 罰則はいつから？ a
    # date. "Is it fine to …?" asks for a permission, "a fine" or "fined" for a penalty.
    (AnswerType.PENALTY, rf"^(?!.*(?:{_ASKS_COUNT}|いつ(?!も)))(?=.*(?:罰|ペナルティ|懲役|禁錮|処罰|penalt|punish|"
                         r"\bfined\b|\b(?:a|any|the) fines?\b|\bjail\b|\bprison))"),
    # いくつになるまで / 何歳まで ask until when (an age), not how many
    # (いくつまで alone may ask how many: いくつまで登録できる？)
    (AnswerType.DEADLINE, r"(?:いくつ|幾つ)に(?:なる|達する)まで|何歳(?:に(?:なる|達する))?まで"),
    # 何月何日 / 何曜日 / 何日から ask for a date, which a deadline's values include (十二月二十九日から
    # 翌年の一月三日まで), not for a number of days (何日に一回 still counts)
    (AnswerType.DEADLINE, r"何月何日|何曜日?|何日(?:から|に(?![^？?、。]{0,3}回))"),
    # A limit or a count whose value the question itself gives (病気休暇の90日の上限を数えるとき…
    # 別々に数えてよいのでしょうか) is a premise, not what is asked.
    (AnswerType.QUANTITY, rf"{_ASKS_COUNT}|"
                          rf"(?<!{_GIVEN_NUMBER}[日月年週回人円]の)(?<!{_GIVEN_NUMBER}時間の)"
                          # the count of a counter's things asked (人数は？, 文字数って); not 少人数, nor
                          # the count as a topic (相談件数の報告は必要？)
                          r"(?:上限|日数|回数|時間数)|"
                          r"(?<![少多大])(?:人数|件数|文字数|字数|桁数)(?=は|って|を教え|[？?]|の(?:上限|下限|制限))|"
                          r"どのくらい|どれくらい|どれだけ|how many|how long|maximum|"
                          # what is the overtime limit? asks the number, as 上限は？ does (not a definition)
                          r"\bmax\b|number of|what percent|"
                          r"\bwhat(?: is|'s| are) the (?:[\w-]+ ){0,3}(?:upper )?limits?\b"),
    (AnswerType.DEADLINE, r"いつまで|いつから|いつ(?!も)|期限|期間(?:は|って|を教え)|何時|締め?切|"
                          r"^when\b|\bwhen (?:is|are|do|does|can|must|should|will)\b|"
                          r"until when|deadline|by when|how soon|"
                          r"what is the (?:\w+ )?period"),
    # "who" asks where it opens a clause (Who pays? / If it is cancelled, who pays? / tell me who
    # approves it / who to notify), not as a relative pronoun after its noun (Can a contractor dismiss
    # an employee who is off work? asks for a permission)
    (AnswerType.PERSON, r"誰|だれ|どなた|どこ(?:が|に)(?:決め|判断|承認|許可)|承認権者|決裁権者|"
                        r"(?:^|[,.;:!?]\s*|\b(?:me|us|know|ask|decides?|tell|and|or|but|then)\s+)who\b|"
                        r"\bwho to\b|\bwhom\b|which (?:body|office|authority)"),
    (AnswerType.PROCEDURE, r"どうすれば|どうしたら|どうやって|手続|方法|やり方|申請方法|流れ|どこに(?:出|提出)|"
                           r"how (?:do|can|should) (?:i|we)|how to|procedure|process\b|apply"),
    (AnswerType.LIST, r"種類|何があ|どんなものがあ|どういったものがあ|\bwhat (?:kinds|types|sorts)\b|"
                      r"\bwhich (?:kinds|types)\b|\btypes of\b"),
    # …したことは / あとは / もとは are not 「X」とは; 子どもとは is; 前回の休みとは別々に (apart from)
    # and 正規とは違う (unlike) compare, they define nothing
    (AnswerType.DEFINITION, r"(?<![こあそ])(?<!(?<!ど)も)とは(?!別|違|異な|関係な|無関係)|"
                            r"って何(?![日時年月回歳週人円])|ってなに|"
                            r"定義|意味|に当たる|に該当|に含まれ|what (?:is|are|does)|"
                            # 通勤災害になる？ / 「漏えい」扱いになる？ / 補償の対象になりますか: whether a
                            # case counts as what a term names (not 問題になる, not 何歳になるまで)
                            r"(?<!問題)(?:(?<=[一-龥ァ-ヺー]{2})|(?<=」))(?:扱い|の対象)?に(?:なる|なります)(?:の|ん)?"
                            r"(?:です|でしょう)?(?:か|？|\?)|"
                            r"\bdefin|\bmean"),
    (AnswerType.PERMISSION, r"できる|できます|でき(?:ない|ません)|してもいい|しても良い|してもよい|構わない|"
                            # 休んでもいい, 捨てていい？, しちゃっていいの (not 何でもいい, いい加減)
                            r"(?<!何)[てで]も?(?:いい|良い|よい)(?!加減)|"
                            # the polite register of the same question: …してもよろしいでしょうか,
                            # 差し支えないでしょうか, 構いませんか, 問題ありませんか
                            r"(?:よろし|宜し)い(?:でしょう|です)?か|差し支え(?:ない|ありません|ございません)|"
                            r"構いません|かまわない|かまいません|(?:問題|支障)(?:は|が)?(?:ない|ありません)(?:でしょう)?か|"
                            r"可能|許され|認められ|大丈夫|平気(?=[？?]|なの|です|でしょう)|拒め|"
                            # 断れる / 取れますか: a potential verb, plain or polite
                            r"(?:断れ|もらえ|取れ|使え)(?:る|ます)|"
                            # OK / NG as words of their own: not the ok of book, the ng of training
                            r"ダメ(?!ージ)|だめ|駄目|アリ(?:なの|ですか|\?|？)|(?<![a-z])(?:OK|NG)(?![a-z])|オッケー|まずい|"
                            # アウト / セーフ as words of their own (not アウトソーシング, セーフティ)
                            r"(?<![ァ-ヶー])(?:アウト|セーフ)(?![ァ-ヶー])|"
                            r"\bcan (?:i|we|an?|the|staff|employees?)\b|\bmay\b|allowed|permitted|"
                            r"\bis it ok|\bare (?:we|employees) (?:allowed|entitled)|entitled"),
))

# Values of each concrete kind, as statutes write them (after NFKC): 二十日, 三歳に達する日まで,
# 一年以内, 六月を超えない範囲, 千円, 百分の二十五, 内線1234.
_N = f"{NUMBER_CLASS}+"
# 平成十一年 in a law's number (（平成十一年法律第百三号）) is a date, not a period or a count.
_NOT_ERA = "(?<!明治)(?<!大正)(?<!昭和)(?<!平成)(?<!令和)"
_VALUE_PATTERNS: dict[AnswerType, re.Pattern] = {
    # A number that is part of a date (the 一日 of 一月一日, the 一月 before it) or of a clock time (the
    # 三十分 of 午前八時三十分: 何時間？ asks how long, not when) is not a quantity.
    # 一部 (a part: その全部又は一部), 一個人 (an individual) and 十分 (sufficient: 十分な配慮) are
    # words, not counts. 五労働日 (five working days) counts days; 百分の百五十 is a fraction, not 百分.
    AnswerType.QUANTITY: re.compile(
        rf"(?<![月年時{NUMBER_CHARS}]){_NOT_ERA}(?!一(?:部|個人)|十分(?!間))"
        rf"{_N}\s*(?:(?:労働|勤務)?日|箇月|月(?!{_N}日)|か月|ヶ月|カ月|年(?!{_N}月)|週間?|時間(?:{_N}分)?|分(?!の)|回|歳|才|人|割(?:{_N}分)?|キロメートル|パーセント|%|"
        rf"台|個|件|枚|名|冊|部|社|箇所|文字|字|桁)|百分の{_N}|"
        # a frequency (毎年一回, 月二回): no date has a 回 in it
        rf"(?<=[年月]){_N}\s*回|"
        r"\b[0-9]+\s*(?:days?|weeks?|months?|years?|hours?|times|visits?|percent|%)", re.I),
    AnswerType.DEADLINE: re.compile(
        rf"(?<![{NUMBER_CHARS}]){_NOT_ERA}{_N}\s*(?:日|箇?月|か月|年|週間?|時間|歳|才)(?:を経過する日まで|を経過|以内|までの間|まで|前|後|に達する日まで|"
        rf"に達する日|に達|を超えない範囲内|を超えない|を超え|の間)|"
        # (月曜日から金曜日まで is a span of the week, not a deadline); 始期に達するまで is one
        # a start stated as the next day, month or year (発令日の属する賃金月の次の賃金月から支給する, その翌月から):
        # いつから？ is answered by it. Tune pool citations right: half A .359 -> .365, B unchanged;
        # ranking unchanged (bench/rank_search.py).
        rf"(?:翌|次の)[^\s、。（）「」]{{0,5}}?(?:日|月|年|年度)から|"
        rf"(?<!曜)(?:日|時|月)まで|(?:[^\s、。（）「」の]{{1,8}}の(?:始期|終期))?に達する(?:日)?まで|までの間|から起算|満了|直ちに|遅滞なく|速やかに|同時に|"
        rf"{_N}月{_N}日(?:から(?:翌年の)?{_N}月{_N}日まで)?|(?:午前|午後){_N}時(?:{_N}分)?|"
        r"\b(?:within|before|after|until|by)\s+(?:[0-9]+|the end|the date)|"
        r"\b[0-9]+\s*(?:days?|weeks?|months?|years?)\b",
        re.I),
    AnswerType.AMOUNT: re.compile(rf"{AMOUNT_START}{AMOUNT_NUMBER}\s*円|{_N}\s*割(?:{_N}分)?|"
                                  rf"百分の{_N}|{_N}分の{_N}|パーセント|無料|有料|"
                                  r"\$\s?[0-9][0-9,]*(?:\.[0-9]+)?|\b[0-9][0-9,.]*\s*(?:dollars|yen|percent|%)|"
                                  r"\bfree of charge", re.I),
    # What a penal article (or a disciplinary one, for staff) imposes.
    # 拘禁刑 replaced 懲役 and 禁錮 in 2025: the current texts use it. A term or an amount leads
    # the phrase (四年以下の拘禁刑, 二百万円以下の罰金), so the bold value says how heavy.
    AnswerType.PENALTY: re.compile(rf"(?:{_N}(?:年|月)以下の)?(?:懲役|禁錮|拘禁刑)|(?:{_N}万?円以下の)?(?:罰金|科料)|"
                                   r"過料|拘留|戒告|減給|停職|免職|imprisonment|\bfines?\b|penalt", re.I),
    # A contact is a number, an address or a named desk: the bare word 電話 (電話その他の方法,
    # 携帯電話) is a topic, not a way to reach anyone.
    # An extension's number is bolded with it (内線二二〇〇).
    AnswerType.CONTACT: re.compile(rf"内線(?:[\s:：]*{_N})?|"
                                   r"電話(?:番号)?[:\s]*[0-9]|[0-9]{2,4}-[0-9]{2,4}-?[0-9]{0,4}|@|窓口|担当課|"
                                   r"\bcall\b|phone|website", re.I),
}
CONCRETE_VALUE_TYPES = frozenset(_VALUE_PATTERNS)
# An enumeration as statutes write one: three or more short nouns (no particle inside) joined by 、
# and a last 又は/及び/若しくは/並びに — 戒告、減給、停職又は免職.
_ITEM = r"[^、。（）「」がはをにでてとのも]{1,8}"
_ENUMERATION = re.compile(
    rf"(?:(?<=[、。（「\s])|^|(?<=として)){_ITEM}、(?:{_ITEM}、)*{_ITEM}(?:又は|及び|若しくは|並びに){_ITEM}"
)


# A question that compares (2013年版と今で違う？) may need two articles, one for each side; any
# other is answered by one quote.
_COMPARES = re.compile(r"違う|違い|異なる|比べ|比較|差は|どちら|それぞれ|両方|\bdiffer|\bcompar|\bversus\b|\bvs\.?\s|"
                       r"\bboth\b", re.I)


def compares(text: str) -> bool:
    """Whether the question compares two things (two laws, two versions, two cases)."""
    return bool(_COMPARES.search(_question_line(normalize(text))))


def enumerates(text: str) -> bool:
    """Whether `text` lists items (the answer to a 種類 question)."""
    return _ENUMERATION.search(normalize(text)) is not None
# Markers that show a passage speaks of a period but say nothing on their own: never a key fact.
_WEAK_MARKER = re.compile(r"^(?:[日時月]まで|までの間|から起算|満了|同時に)$")
_NUMERAL_START = frozenset("〇一二三四五六七八九十百千０１２３４５６７８９")

# The asker's own section or team (うちの課, 当課, 自分の係, 内線): an arrangement local to it
# is not in any 例規 unless a document of that section is indexed. 当 is "this" only as a word of its
# own: the 当 of 担当チーム, 手当 or 相当 names no unit of the asker's.
_THIS = r"(?<![\u4e00-\u9fff々])当"
_LOCAL_UNIT = re.compile(rf"(?:うちの|{_THIS}|自分の|私の|僕の|わたしの|我が|わが|所属の?|この)"
                         r"(課|係|部署|部|班|室|チーム|担当)|"
                         r"(内線)|\bour (team|section|division|department|office)\b|"
                         # 本市の…/本市で…/うちの町の…: the asker's own municipality's rule or building
                         # (本庁舎の食堂); 「うちの市は…」 is context, not what is asked about, and does not count.
                         rf"(?:本|{_THIS}|うちの|わが|我が)(市|町|村|区)(?:の|で)|(庁舎)の|"
                         r"\bour (city|town|ward|municipality)'s", re.I)


# This year's (next month's …) occasion: 今年度の健康診断はいつ？ asks for a date a notice sets, not
# a rule. Only the forms that modify the occasion count: 来年に繰り越せる？ asks about a rule, and
# 今年の4月に採用された職員の試用期間は？ dates the asker's case.
_OCCASION = re.compile(rf"(今年度|今年|来年度|来年|本年度|今月|来月|次回)(?:の(?!{NUMBER_CLASS}+\s*月)|は(?=いつ)|"
                       # or written straight onto the occasion (来年度予算の要求書, 来月結婚する): not 今年度中/末/内
                       r"(?=[\u4e00-\u9fff])(?![中末内以度]))|"
                       r"\b(this|next) (?:fiscal )?(year|month)'s\b", re.I)
# ...unless what is asked is the asker's entitlement, a limit or a validity, which rules set:
# 今年の年休は何日もらえる？, 今月の残業の上限は？, 今年度の年休はいつまで使える？
_ASKS_A_RULE = re.compile(r"もらえ|貰え|取れ|とれる|使え|取得でき|付与|繰り?越|上限|限度|最大|最長|有効|失効|消滅|時効|"
                          r"\b(?:can|may) (?:i|we)\b|\bentitled\b|\bmaximum\b|\blimit\b|\bexpire|\bvalid\b", re.I)
# A count of one year's occasion is mostly an entitlement (今年の年休は何日？): only its date
# or its amount is set by a notice.
_OCCASION_TYPES = frozenset({AnswerType.DEADLINE, AnswerType.AMOUNT})


class Modality(str, Enum):
    """What kind of rule a yes/no question asks about, and so which kind of rule answers it."""

    OBLIGATION = "obligation"  # 申請しなきゃだめ？ 答える義務ある？ do we have to …?
    PROHIBITION = "prohibition"  # これってアウト？ 禁止されてる？ is it forbidden?
    PERMISSION = "permission"  # 断れる？ 出していいの？ can we …?


_ASKS_OBLIGATION = re.compile(
    r"なきゃ|なければ(?:いけない|ならない|だめ|ダメ)|なくちゃ|ないと(?:いけない|だめ|ダメ)|義務|必須|"
    r"必要(?:が|は)?(?:ある|あります)|要(?:る|ります)(?:か|の)|"
    r"\bmust\b|\bha(?:ve|s) to\b|\brequired\b|\bobligat|\bobliged\b|\bneeds? to\b", re.I)
_ASKS_PROHIBITION = re.compile(
    r"禁止|違反|(?<![ァ-ヶー])アウト(?![ァ-ヶー])|(?<![a-z])NG(?![a-z])|ダメ(?!ージ)|だめ|駄目|"
    r"\bprohibit|\bforbid|\bbanned\b|\bnot allowed\b", re.I)
# How statutes word each kind of rule. A permission question (出していいの？) is answered as often
# by the exception to a prohibition (…の場合を除き、…してはならない; ただし…この限りでない) as
# by a grant (…することができる).
_STATES_MODALITY = {
    Modality.OBLIGATION: re.compile(r"なければならない|義務"),
    Modality.PROHIBITION: re.compile(r"てはならない|禁止|ことができない"),
    Modality.PERMISSION: re.compile(r"ことができる|この限りでない|妨げない|差し支えない|を除き|場合を除く"),
}


_SENTENCE_AFTER = re.compile(r"(?<=[。！!？?])|(?<=\.)\s+")
# A value asked for (何年とっとかないといけない？ 誰が決めなきゃいけない？) is answered by the
# article stating it, whatever kind of rule that article is.
_YES_NO_TYPES = frozenset({AnswerType.PERMISSION, AnswerType.OTHER})


def asked_modality(text: str) -> Modality | None:
    """The kind of rule a yes/no question's asking sentence is about, or None. An obligation is
    looked for first: 申請しなきゃだめ？ asks whether one must, not whether it is forbidden. Only
    the sentence that asks counts: "The rules say it has to be on paper. Can we accept it online?"
    asks for a permission."""
    if classify(text) not in _YES_NO_TYPES:
        return None
    sentences = [s for s in _SENTENCE_AFTER.split(_question_line(normalize(text))) if s.strip()]
    asking = next((s for s in reversed(sentences) if "?" in s or "？" in s), sentences[-1] if sentences else "")
    if _ASKS_OBLIGATION.search(asking):
        return Modality.OBLIGATION
    if _ASKS_PROHIBITION.search(asking):
        return Modality.PROHIBITION
    return Modality.PERMISSION if classify(asking) is AnswerType.PERMISSION else None


def states_modality(modality: Modality, text: str) -> bool:
    return bool(_STATES_MODALITY[modality].search(text))


_LOCAL_TYPES = frozenset({AnswerType.DEADLINE, AnswerType.QUANTITY, AnswerType.AMOUNT, AnswerType.CONTACT,
                          AnswerType.PERSON})


@dataclass(frozen=True)
class QuestionIntent:
    answer_type: AnswerType
    local_unit: str | None  # 課 / 係 / 内線 ... when the question is about the asker's own section
    value_unit: str | None = None  # 日 for 何日 / how many days: the unit the asked-for number has
    # Numbers the question itself states (年20日だよね？, 10日以上もらってる人): premises, so a
    # sentence that only repeats one of them does not answer what is asked.
    given: frozenset[tuple[int, str]] = frozenset()
    occasion: str | None = None  # 今年度 in 今年度の健康診断はいつ？: a dated occasion, not a rule
    bound: str | None = None  # "max" / "min" when a limit is asked for (最大何日, 最低何日)
    modality: Modality | None = None  # the kind of rule a yes/no question is about
    # What kind of thing is asked for (どのような事項を書く？ / どういう場合に制限できる？): a sentence
    # that introduces a list (次に掲げる事項を…通知しなければならない) is answered by its items.
    asks_which: bool = False
    # The question puts a case (システムが止まっているときは、どうやって起案すれば？ / 休んだら、…): the
    # asker is in a situation a rule's exception may provide for.
    puts_case: bool = False
    # The span the asked-for number is counted over (年間の残業の上限は？, limit per year -> 年): a
    # statute states one number per span (一月について四十五時間以下、かつ、一年について三百六十時間以下).
    per: str | None = None

    @property
    def asks_for_occasion(self) -> bool:
        """Whether the date or the amount of one year's or month's occasion is asked: regulations
        set rules, the office's notices set those dates and amounts."""
        return self.occasion is not None and self.answer_type in _OCCASION_TYPES

    @property
    def asks_local_arrangement(self) -> bool:
        """Whether a value, a contact or a person of the asker's own section is asked for (うちの課の
        締切は何時？, 内線は？, 誰に出す？): no 例規 records it. Whether a rule allows something
        (うちの課が持っている個人情報を他の課に提供できる？) is asked of the rules, the section
        being only the asker's situation."""
        return self.local_unit is not None and self.answer_type in _LOCAL_TYPES

    @property
    def wants_value(self) -> bool:
        return self.answer_type in CONCRETE_VALUE_TYPES


def classify(text: str) -> AnswerType:
    flat = _question_line(normalize(text))
    for kind, pattern in _RULES:
        if pattern.search(flat):
            return kind
    return AnswerType.OTHER


@lru_cache(maxsize=256)
def analyse(text: str) -> QuestionIntent:
    """The intent of a question, computed once per text (planner, ranker and answerer share it)."""
    line = _question_line(normalize(text))
    local = _LOCAL_UNIT.search(line)
    unit = next((g for g in local.groups() if g), None) if local else None
    occasion = _OCCASION.search(line) if not _ASKS_A_RULE.search(line) else None
    return QuestionIntent(answer_type=classify(text), local_unit=unit, value_unit=asked_unit(text),
                          given=given_values(text), occasion=occasion.group(0) if occasion else None,
                          bound=asked_bound(text), modality=asked_modality(text),
                          asks_which=bool(_ASKS_WHICH.search(line)), puts_case=bool(_PUTS_CASE.search(line)),
                          per=asked_span(line))


# 年間 / 一年あたり / 月に何時間 / per year: the span a number is asked per.
_ASKED_SPAN = re.compile(r"(?<![0-9〇一二三四五六七八九十])(?:1|一)?(年|月|週|日)(?:間|あたり|当たり|につき|ごと)|"
                         r"(?<![0-9〇一二三四五六七八九十今来先毎])(年|月|週|日)(?:に|で)?(?=何|最大|最高)|"
                         # not "a year" (take a year of leave), nor annual (annual leave is a name)
                         r"\b(?:per|each|every) (year|month|week|day)\b", re.I)
_SPAN_FORMS = {"year": "年", "month": "月", "week": "週", "day": "日"}


def asked_span(text: str) -> str | None:
    """The span a number is asked per: 年 for 年間の上限は？ or "the limit per year", else None."""
    match = _ASKED_SPAN.search(text)
    if not match:
        return None
    unit = next(g for g in match.groups() if g)
    return _SPAN_FORMS.get(unit.lower(), unit)


# …ときは / …場合に / …際は / …たら、 / …なら、: a clause putting the case the question is about.
_PUTS_CASE = re.compile(r"(?:とき|時|場合|際)(?:は|に|には|でも|って)|[たっ]ら[、,]|なら[、,]")


# どのような事項 / どんな基準 / どういう場合 / 何を書けば / what matters: asks which things, whatever
# noun names them (the rules' 次に掲げる措置 answers the asker's どのような方法).
_ASKS_WHICH = re.compile(r"どのような|どんな|どういう|どういった|いかなる|何を|なにを|"
                         r"\bwhat (?:matters|items|conditions|cases|measures|criteria|information|details)\b", re.I)


# The units a number is asked in: 何日, 何か月, 何回, 何円 …
_COUNTED_IN = r"日|か月|ヶ月|カ月|箇月|月|年|週|時間|分(?!の)|回|歳|人|割|パーセント|%|円|件|文字|字|桁"
_ASKED_UNIT = re.compile(rf"何({_COUNTED_IN})|"
                         # the count of a counter's things asked: 人数は？ asks for a number of people
                         r"(?<![少多大])(人|件|文字|字|桁)数(?=は|って|を教え|[？?]|の(?:上限|下限|制限))|"
                         r"(いくつ|幾つ)(?=に(?:なる|達する))|"
                         r"(?:how many|number of) (days|months|years|weeks|hours|minutes|times|people|employees|"
                         r"workers|persons|"
                         r"staff|percent)|what (percent)(?:age)?", re.I)
_UNIT_FORMS = {"いくつ": "歳", "幾つ": "歳",
               "か月": "月", "ヶ月": "月", "カ月": "月", "箇月": "月", "days": "日", "months": "月",
               "years": "年", "weeks": "週", "hours": "時間", "times": "回", "people": "人",
               "employees": "人", "workers": "人", "persons": "人", "staff": "人", "minutes": "分",
               # a rate is stated as 割 or 百分の…: a percentage asked is answered by either
               "パーセント": "割", "%": "割", "percent": "割"}


def asked_unit(text: str) -> str | None:
    """The unit of the number asked for: 何日 -> 日, 何か月 -> 月, how many days -> 日."""
    match = _ASKED_UNIT.search(_question_line(normalize(text)))
    if not match:
        return None
    unit = next(g for g in match.groups() if g)
    return _UNIT_FORMS.get(unit.lower(), unit)


def without_asked_count(text: str) -> str:
    """The question without the count it asks for (介護休暇は何日取れる？ -> 介護休暇は取れる？): the 日
    of 何日 is the unit of the answer, not a word a sentence answering it shares."""
    return _ASKED_COUNT.sub("", normalize(text))


_ASKED_COUNT = re.compile(rf"何(?:{_COUNTED_IN})間?")  # 何日間, 何週間 too


# A number with its unit, as a question or a statute writes it: 20日, 二十日, 六月, 3歳, 20 days.
_NUMBER_WITH_UNIT = re.compile(
    rf"{AMOUNT_START}(?:(?P<yen>{AMOUNT_NUMBER})\s*円|"
    rf"(?P<number>{_N})\s*(?P<unit>箇月|か月|ヶ月|カ月|月|日|年|週間|週|時間|分|回|歳|人|割))|"
    r"\b(?P<english>[0-9]+)\s*(?P<english_unit>days?|months?|years?|weeks?|hours?|times)\b", re.I)
_UNIT_OF = {"箇月": "月", "か月": "月", "ヶ月": "月", "カ月": "月", "週間": "週", "day": "日", "days": "日",
            "month": "月", "months": "月", "year": "年", "years": "年", "week": "週", "weeks": "週",
            "hour": "時間", "hours": "時間", "times": "回"}


def _number_with_unit(match: re.Match[str]) -> tuple[int, str] | None:
    """(value, unit); a sum of money in yen whatever its writing (2万円 and 二万円 are (20000, 円))."""
    if match.group("yen"):
        digits, unit = match.group("yen"), "円"
    elif match.group("number"):
        digits, unit = match.group("number"), match.group("unit")
    else:
        digits, unit = match.group("english"), match.group("english_unit")
    number = kanji_to_int(digits)
    return None if number is None else (number, _UNIT_OF.get(unit.lower(), unit))


def given_values(text: str) -> frozenset[tuple[int, str]]:
    """The numbers (with their unit) the question itself states: 年20日 -> {(20, 日)}."""
    found = (_number_with_unit(m) for m in _NUMBER_WITH_UNIT.finditer(_question_line(normalize(text))))
    return frozenset(value for value in found if value is not None)


def _leading_value(phrase: str) -> tuple[int, str] | None:
    """The number and unit a value phrase opens with (二十日を超えない範囲内 -> (20, 日))."""
    match = _NUMBER_WITH_UNIT.match(phrase)
    return _number_with_unit(match) if match else None


def _question_line(text: str) -> str:
    """The question itself: the first line that asks (ends in ? or ？), else the first line with
    words, greetings and a self-introduction (お疲れ様です。/ 人事課の山田です。) set aside. What
    follows it are pasted options or context, whose numbers and words are not what is asked."""
    lines = [without_courtesies(line).strip(" 。.、,") for line in text.splitlines()]
    lines = [line for line in lines if line]
    return next((line for line in lines if "?" in line or "？" in line), lines[0] if lines else text)


# Units no other can stand in for: 何割 is not answered by 一時間, nor 何人 by 三日. A period can be
# (何か月 by 三歳に達する日まで, 何日 by 二週間), so the other units only need a value of the kind.
_STRICT_UNITS = frozenset({"割", "円", "人", "回"})


# A number in the asked unit, as statutes write it. An age is written 年齢六十年 or 生後満一年 as
# often as 十八歳 (満 alone is no age: 休職の期間が満二年); a share (何割) as 百分の六十, 三分の一 or 二割.
_IN_UNIT: dict[str, str] = {
    "歳": rf"{_N}\s*歳|(?:年齢|生後)満?{_N}\s*年",
    "割": rf"{_N}\s*割|百分の{_N}|{_N}分の{_N}|{_N}\s*(?:パーセント|%)",
    "日": rf"{_N}\s*(?:労働)?日",
    "月": rf"{_N}\s*(?:箇|か|ヶ|カ)?月(?!{_N}日)",
    "年": rf"{_NOT_ERA}{_N}\s*年(?!{_N}月)",
    "人": rf"{_N}\s*(?:人|名)",
    "円": rf"{_N}\s*(?:万)?円",
}


# The same units in English text (a handbook says "15 days").
_IN_UNIT_EN = {"日": "days?", "月": "months?", "年": "years?", "週": "weeks?", "時間": "hours?", "回": "times",
               "歳": "years? (?:old|of age)", "人": "(?:people|persons?|employees)", "割": "(?:percent|%)",
               "円": "yen"}


@lru_cache(maxsize=32)
def _unit_pattern(unit: str) -> re.Pattern:
    # The number must not continue another number, nor a date when it counts time (the 一日 of
    # 四月一日); a count of times or people may follow 年 or 月 (毎年一回, 月二回).
    forms = _IN_UNIT.get(unit) or rf"{_N}\s*{re.escape(unit)}"
    english = rf"|\b[0-9][0-9,.]*\s*{_IN_UNIT_EN[unit]}" if unit in _IN_UNIT_EN else ""
    after = NUMBER_CHARS if unit in _STRICT_UNITS else f"月年{NUMBER_CHARS}"
    return re.compile(rf"(?<![{after}])(?:{forms}){english}", re.I)


# A question for a limit asks for the largest (最大何日, いくらまで, up to) or the smallest (最低何日,
# 少なくとも) allowed value; a statute states it as a number bounded: 九十日を超えることはできない,
# 二十日を限度, 六十日以内 / 三十日以上でなければならない.
# 最高裁 (the Supreme Court), 最大限 (utmost) and "up to date" ask for no limit.
_ASKS_BOUND = (("max", re.compile(r"最大(?!限)|最長|最高(?!裁)|上限|限度|(?:何|いくら|いくつ)[^？?、。]{0,3}まで|"
                                  r"\bat most\b|\bmaximum\b|\bup to\b(?! date)|\blimit\b", re.I)),
               ("min", re.compile(r"最低(?!賃金)|最短|少なくとも|下限|\bat least\b|\bminimum\b", re.I)))
# Between the number and the bound no parenthesis opens: 二十日（以下「期間」という。） names a term.
_STATES_BOUND = {
    "max": re.compile(rf"{_N}\s*[^\s、。({NUMBER_CHARS}]{{0,4}}?"
                      r"(?:を超え(?:ない|ることはでき|て[^。]{0,10}?(?:てはならない|ことはできない|ことができない))|"
                      r"を限度|以内|以下|まで)"),
    "min": re.compile(rf"{_N}\s*[^\s、。({NUMBER_CHARS}]{{0,4}}?以上"),
}
# 第三条から第五条まで, 第十条の二まで, (1)から(3)まで: a range of provisions, not a limit.
_PROVISION = re.compile(rf"第{_N}(?:[条項号章節款目編](?:の{_N})*)?|\({_N}\)")


def asked_bound(text: str) -> str | None:
    """"max" for 最大何日 / いくらまで, "min" for 最低何日, else None."""
    line = _question_line(normalize(text))
    return next((bound for bound, pattern in _ASKS_BOUND if pattern.search(line)), None)


def states_bound(bound: str, text: str) -> bool:
    """Whether `text` states a number bounded the way `bound` asks (九十日を超えることはできない)."""
    return _STATES_BOUND[bound].search(_PROVISION.sub(" ", normalize(text))) is not None


def states_in_unit(unit: str, text: str) -> bool:
    """Whether `text` states a number in `unit` (日 for 何日, 歳 for 何歳: 年齢六十年 counts), units of
    measure aside (一日を通じ, 一日を単位として)."""
    text = normalize(text)
    return any(not _is_step(text, m) for m in _unit_pattern(unit).finditer(text))


# A number that sets the step a thing is counted in, or the span something holds throughout, says
# nothing of how much: 介護休暇の単位は、一日又は一時間とする / 一時間を単位とする / 一日を通じ、….
_STEP_AFTER = ("を単位", "単位", "を通じ")


def _is_step(text: str, match: re.Match[str]) -> bool:
    """Whether a value found in `text` is a unit of measure, not a quantity (see _STEP_AFTER): followed
    by を単位 / を通じ, or the predicate of a subject that is a 単位 (…の単位は、一日又は一時間とする)."""
    if text.startswith(_STEP_AFTER, match.end()):
        return True
    subject, said, between = text[:match.start()].rpartition("は、")
    return bool(said) and subject.endswith("単位") and not re.search(r"[、。]", between)


def _values(kind: AnswerType, text: str) -> list[re.Match[str]]:
    """The values of `kind` that (normalised) `text` states, units of measure aside (_is_step)."""
    pattern = _VALUE_PATTERNS.get(kind)
    if pattern is None:
        return []
    return [m for m in pattern.finditer(text) if not _is_step(text, m)]


def states_value(kind: AnswerType, text: str, given: frozenset[tuple[int, str]] = frozenset()) -> bool:
    """Whether `text` states a value of the kind asked for (any text 'answers' the open kinds);
    with `given`, a value the question itself states does not count."""
    if kind not in _VALUE_PATTERNS:
        return True
    return any(_leading_value(m.group(0)) not in given for m in _values(kind, normalize(text)))


def states_number(kind: AnswerType, text: str) -> bool:
    """Whether a value of `kind` that `text` states has a number (二週間前まで, 午後五時), rather than
    being a bare marker (速やかに, から起算, 満了): a marker says when without saying how long."""
    return any(_is_number(m.group(0)) for m in _values(kind, normalize(text)))


def _is_number(found: str) -> bool:
    return found[:1].isdigit() or found[:1] in _NUMERAL_START or found.startswith(("午前", "午後"))


def concludes_with_value(kind: AnswerType, sentence: str) -> bool:
    """Whether a value of `kind` stands in the sentence's last clause (no 、 after it), where a
    statute puts what it rules (その日数は、二十日とする), rather than in a condition that leads up
    to it (十日以上の年次休暇を与えられた職員が、…促進しなければならない). Parentheticals aside."""
    text = normalize(sentence)
    while (inner := _INNERMOST_PARENTHETICAL.sub("", text)) != text:
        text = inner
    text = text.rstrip("。． ")
    return any("、" not in text[m.end():] for m in _values(kind, text))


def answers_value(intent: QuestionIntent, text: str) -> bool:
    """Whether `text` states a value of the kind `intent` asks for, and in its unit when the unit
    is one no other can stand in for (a rate, a sum, a head count, a number of times)."""
    if not states_value(intent.answer_type, text):
        return False
    unit = intent.value_unit
    return unit is None or unit not in _STRICT_UNITS or states_in_unit(unit, text)


def stated_values(kind: AnswerType, text: str) -> frozenset[tuple[int, str] | None]:
    """The values of `kind` that `text` states, each as its leading number and unit (None for a
    value without one: 無料, 遅滞なく). `states_value(kind, text, given)` is whether any is not
    in `given`; the ranker keeps these per passage, as the question's own numbers vary."""
    if kind not in _VALUE_PATTERNS:
        return frozenset({None})
    return frozenset(_leading_value(m.group(0)) for m in _values(kind, normalize(text)))


_INNERMOST_PARENTHETICAL = re.compile(r"[(（][^()（）]*[)）]")
_PER_BASE = re.compile(r"(?:間)?(?:につき|当たり|あたり|ごと|について)")


# Counts that measure no time: a deadline question is not answered by one.
_NO_PERIOD = re.compile(r"割|百分の|パーセント|%|回|人|台|個|件|枚|名|冊|部|社|箇所|キロ|percent|times|visits", re.I)
_TIME_UNITS = frozenset({"日", "月", "年", "週", "時間", "分"})


def value_span(kind: AnswerType, text: str, unit: str | None = None,
               given: frozenset[tuple[int, str]] = frozenset(), topic: str | Sequence[str] | None = None,
               per_span: str | None = None, bound: str | None = None) -> tuple[int, int] | None:
    """Where in `text` the value of `kind` is stated (for bold), or None. A number in the asked
    unit (`unit`: 日 for 何日) comes first, then a number said of the question's `topic` (休憩時間は
    何分？ -> 一時間の休憩時間, not the 一日 of 一日の勤務時間), then any number, then a bare marker (から
    起算); a number the question itself states (`given`) only when the text states no other. When the
    question asks per a span (`per_span`: 年 for 年間の上限は？), a number stated per that span leads;
    when it asks for a limit (`bound`: max for 最大で), a number bounded that way (六月以下) leads one
    that is not (the 一日以上 of 一日以上六月以下)."""
    # A period states itself most fully as a deadline phrase (三歳に達する日まで, 二十日を超えない範囲内);
    # a count (何日) as a number of that unit. The kind asked for is looked for first.
    kinds = {AnswerType.DEADLINE: (AnswerType.DEADLINE, AnswerType.QUANTITY),
             AnswerType.QUANTITY: (AnswerType.QUANTITY, AnswerType.DEADLINE)}.get(kind, (kind,))
    numeric, markers = [], []
    asides = top_level_parentheticals(text)
    # the topic phrase of a Japanese question, or the Japanese words an English one was translated into
    topics = [topic] if isinstance(topic, str) else [phrase for phrase in topic or () if phrase]
    for order, candidate in enumerate(kinds):
        for match in _values(candidate, text):
            found = match.group(0)
            if candidate is not kind and kind is AnswerType.DEADLINE and _NO_PERIOD.search(found):
                continue  # 二割五分 or 三回 is no period: asked until when, a rate is no answer
            if _is_number(found):
                in_unit = unit is not None and (re.search(
                    rf"(?<![月年{NUMBER_CHARS}]){_N}\s*(?:箇|か|ヶ|カ|労働|勤務)?"
                    rf"{'[歳才]' if unit == '歳' else re.escape(unit)}",  # 十八才 in the older statutes
                    found) or (unit == "割" and found.startswith("百分の")))  # 何割増し: 百分の百二十五
                # the asked unit first, then the earliest, then the fuller phrase (三歳に達する日まで)
                repeats_question = _leading_value(found) in given
                # 一日につき四時間 / 一週間当たり: the number before につき is what the value is per
                after = next((end for start, end in asides if start == match.end()), match.end())
                per = _PER_BASE.match(text, after) is not None  # 一週間（…）につき: a parenthetical aside
                # a number inside a parenthetical qualifies a word of the sentence (要介護者（…二週間以上の
                # 期間にわたり…）); the sentence rules with the numbers outside it
                aside = any(start < match.start() < end for start, end in asides)
                # 何日 asks how long: 六月 answers in another unit of time, 三回 (a count of times) not at all
                timeless = unit in _TIME_UNITS and _NO_PERIOD.search(found) is not None
                # 一時間の休憩時間: the number the sentence gives the asked-about thing itself
                of_topic = any(text.startswith(f"の{phrase}", match.end()) for phrase in topics)
                # 一年について三百六十時間: the number counted over the span the question asks per
                over_span = per_span is not None and _counted_over(text, match.start(), per_span)
                # 最大で？ is answered by the 六月以下 of 一日以上六月以下, not by its 一日
                unbounded = bound is not None and _STATES_BOUND[bound].match(text, match.start()) is None
                numeric.append((repeats_question, timeless, unit is not None and not in_unit, unbounded,
                                per_span is not None and not over_span, not of_topic, per,
                                aside, match.start(), -len(found), order, match.span()))
            elif candidate is kind and not _WEAK_MARKER.match(found):
                markers.append(match.span())
    span = min(numeric)[-1] if numeric else (markers[0] if markers else None)
    if span is not None and kind is AnswerType.PENALTY:
        span = _whole_penalty(text, span)
    return span


def _stated_per(span: str, units: str) -> re.Pattern:
    return re.compile(rf"(?:(?:一|1){units}(?:間)?(?:について|につき|当たり|あたり|ごとに|に)|{units}間|毎{span})"
                      r"[、,]?$")


# 一年について / 一年間に / 年間 / 毎年 just before a number: it is stated per that span.
_STATED_PER = {span: _stated_per(span, units) for span, units in
               (("年", "年"), ("月", "(?:月|箇月|か月)"), ("週", "週間?"), ("日", "日"))}


def _counted_over(text: str, start: int, span: str) -> bool:
    """Whether the number at `start` is stated per `span` (年: 一年について三百六十時間; a parenthetical
    between the span and its につき aside: 一週間（日曜日から…をいう。）につき三日)."""
    pattern = _STATED_PER.get(span)
    before = text[max(0, start - 120):start]
    while (inner := _INNERMOST_PARENTHETICAL.sub("", before)) != before:
        before = inner
    return pattern is not None and pattern.search(before[-10:]) is not None


# 拘禁刑若しくは罰金, 戒告、減給、停職又は免職: one penalty phrase, however many penalties it joins.
_PENALTY_JOIN = re.compile(PENALTY_JOIN)


def _whole_penalty(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A penalty's span widened over the penalties joined to it (四年以下の拘禁刑 -> 四年以下の拘禁刑若しくは
    二百万円以下の罰金): the bold value is the whole of what may be imposed."""
    start, end = span
    pattern = _VALUE_PATTERNS[AnswerType.PENALTY]
    while (join := _PENALTY_JOIN.match(text, end)) and (more := pattern.match(text, join.end())):
        end = more.end()
    return start, end


# How statutes define a term: 「個人情報」とは… (a sentence there to define it), …（以下「職員」という。）
# (a short name given in passing), and, one item per term the way most 例規 write their 定義 article,
# 「五　外部記録媒体　USBメモリ、…その他の…記録媒体をいう。」: an item number, the term, its meaning.
# The meaning may hold parentheses with their own 。 (二　在宅勤務　職員の自宅（…場所を含む。）において
# 勤務することをいう。), nested once, and go on after をいい、 (…性的な言動をいい、…を含む。); an をいう。
# inside a parenthesis defines another word in passing (三十六　財務大臣　…国税等（同法…に規定する国税等
# をいう。）…). The ja corpus's 定義 items read: 68 (was 58: 17 more, 7 false readings gone); the sample
# rules': 54 (was 42).
DEFINES_TERM = re.compile(r"「([^」]{1,30})」(とは|という)")
_PARENTHESIS = r"[（(](?:[^\n（()）]|[（(][^\n（()）]*[）)])*[）)]"  # nested once
DEFINING_ITEM = re.compile(r"^[ \t]*[一二三四五六七八九十]+[ \t]+([^ \t、。「」（）()\n]{1,30})[ \t]+"
                           rf"(?:[^\n。（()）]|{_PARENTHESIS})*をい(?:う。|い、)", re.M)
# A character that would make a term part of a longer word (lower-cased text): kanji, katakana, 々, ー,
# Latin letters, digits.
WORD_CHAR = re.compile(r"[0-9a-z\u30a1-\u30fa\u30fc\u3005\u4e00-\u9fff]")


def defined_terms_in(text: str, *, strict: bool = False) -> list[str]:
    """The terms a (normalised) text defines, in either form, lower-cased. `strict`: only those it
    is there to define (「X」とは…, an item of a 定義 article), not a short name given in passing."""
    quoted = [m.group(1) for m in DEFINES_TERM.finditer(text) if not strict or m.group(2) == "とは"]
    return [term.lower() for term in (*quoted, *(m.group(1) for m in DEFINING_ITEM.finditer(text)))]


def word_at(term: str, text: str) -> int | None:
    """Where (lower-cased) `text` holds `term` as a word of its own, not as part of a longer one
    (金融商品取引業 is not named in 金融商品取引業者, nor cd in cdドライブ); None where it does not."""
    start = text.find(term)
    while len(term) > 1 and start >= 0:
        end = start + len(term)
        if not (start and WORD_CHAR.match(text[start - 1])) and not (end < len(text) and WORD_CHAR.match(text[end])):
            return start
        start = text.find(term, start + 1)
    return None


def names_as_word(term: str, text: str) -> bool:
    """Whether (lower-cased) `text` holds `term` as a word of its own (see word_at)."""
    return word_at(term, text) is not None
