"""Japanese numerals and article numbers: 第三十八条 ⇄ 第38条 ⇄ "38", 第二十七条の二 ⇄ "27-2"."""
from __future__ import annotations

import re
import unicodedata

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_MYRIADS = {"万": 10_000, "億": 100_000_000}
KANJI_NUMBER_CHARS = "〇零一二三四五六七八九十百千"
# Every character a number is written with (a regex class body): digits, full-width digits (PDFs) and 漢数字.
NUMBER_CHARS = f"{KANJI_NUMBER_CHARS}0-9０-９"
NUMBER_CLASS = f"[{NUMBER_CHARS}]"
# A sum of money is written with 万 and 億 too (二万三千円, 百十万円, 2万円): a number up to the
# yen sign. Article and paragraph numbers never have them, so NUMBER_CLASS does not.
AMOUNT_NUMBER = rf"{NUMBER_CLASS}+(?:[万億]{NUMBER_CLASS}*)*"
AMOUNT_START = f"(?<![{NUMBER_CHARS}万億])"  # not inside a longer number (the 三千 of 二万三千)

# 第三十八条, 第38条, 第二十七条の二, 第27条の22の2 (no spaces inside once NFKC-normalised)
ARTICLE_PATTERN = re.compile(
    rf"第({NUMBER_CLASS}+)条((?:の{NUMBER_CLASS}+)*)"
)


def kanji_to_int(text: str) -> int | None:
    """Parse 漢数字 (三十八, 百二, 二〇) or Arabic/full-width digits; None if not a number."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if any(ch in _MYRIADS for ch in text):  # 二万三千, 2万: each group below 万 parsed alone
        total, rest = 0, text
        for myriad in ("億", "万"):
            if myriad in rest:
                head, rest = rest.split(myriad, 1)
                group = _myriad_group(head) if head else 1
                if group is None:
                    return None
                total += group * _MYRIADS[myriad]
        tail = _myriad_group(rest) if rest else 0
        return None if tail is None else total + tail
    if any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    if not any(ch in _UNITS for ch in text):  # positional form: 二〇二四
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        else:
            total += (current or 1) * _UNITS[ch]
            current = 0
    return total + current


def _myriad_group(text: str) -> int | None:
    """A group below 万 in a sum of money: 漢数字 or digits, or digits before one unit (2万3千円)."""
    if match := re.fullmatch(r"([0-9]+)([千百十])", text):
        return int(match.group(1)) * _UNITS[match.group(2)]
    return kanji_to_int(text)


def int_to_kanji(number: int) -> str:
    """38 -> 三十八 (the form statutes use for article numbers)."""
    if number == 0:
        return "〇"
    digits = "〇一二三四五六七八九"
    parts = []
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        count, number = divmod(number, unit_value)
        if count:
            parts.append(("" if count == 1 else digits[count]) + unit)
    if number:
        parts.append(digits[number])
    return "".join(parts)


def article_key(article: str | None) -> str | None:
    """Canonical article number: 第三十八条 -> "38", 第二十七条の二 -> "27-2"; None if unparsable."""
    if not article:
        return None
    normalized = unicodedata.normalize("NFKC", article).replace(" ", "")
    match = ARTICLE_PATTERN.search(normalized)
    if not match:
        return None
    numbers = [kanji_to_int(match.group(1))]
    numbers += [kanji_to_int(part) for part in match.group(2).split("の") if part]
    if any(n is None for n in numbers):
        return None
    return "-".join(str(n) for n in numbers)


def article_label(key: str) -> str:
    """"27-2" -> 第二十七条の二 (for display when only the key is known)."""
    head, *branches = (int(part) for part in key.split("-"))
    return f"第{int_to_kanji(head)}条" + "".join(f"の{int_to_kanji(b)}" for b in branches)


_ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}  # each era's first year
# 平成二五年六月一四日, 令和 6 年 4 月 1 日, 令和元年５月１日: spaces allowed between the parts
_WAREKI = re.compile(rf"(明治|大正|昭和|平成|令和)\s*({NUMBER_CLASS}+|元)\s*年\s*({NUMBER_CLASS}+)\s*月\s*"
                     rf"({NUMBER_CLASS}+)\s*日")


def wareki_to_iso(text: str) -> str | None:
    """The first 和暦 date in `text` as ISO (平成二五年六月一四日 -> 2013-06-14); None if there is none
    or it is not a real month/day. The one home of 和暦 parsing (loaders and metadata call it)."""
    match = _WAREKI.search(unicodedata.normalize("NFKC", text))
    if not match:
        return None
    era, year, month, day = match.groups()
    year_n = 1 if year == "元" else kanji_to_int(year)
    month_n, day_n = kanji_to_int(month), kanji_to_int(day)
    if year_n is None or month_n is None or day_n is None or not (1 <= month_n <= 12 and 1 <= day_n <= 31):
        return None
    return f"{_ERAS[era] + year_n - 1:04d}-{month_n:02d}-{day_n:02d}"


# --- key facts in English (二十日 -> 20 days) ------------------------------------------------------
_UNIT_EN = {"日": "day", "日間": "day", "労働日": "working day", "月": "month", "箇月": "month", "か月": "month",
            "ヶ月": "month", "カ月": "month", "年": "year", "週": "week", "週間": "week", "時間": "hour",
            "分": "minute", "回": "time", "人": "person", "円": "yen", "歳": "age", "キロメートル": "km"}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_N = f"{NUMBER_CLASS}+"
_DATE = re.compile(rf"({_N})月({_N})日")
_AGE_UNTIL = re.compile(rf"({_N})[歳才]に達する日(まで|の前日まで|以後|以降|から)?")
_AGE = re.compile(rf"満?({_N})[歳才](以上|以下|未満|に満たない)?")  # 才: the older statutes' spelling
# 一年六箇月: one length in years and months
_YEARS_MONTHS = re.compile(rf"({_N})年({_N})(?:箇月|か月|ヶ月|カ月)")
# 毎年一回, 六月ごとに一回: a frequency
_FREQUENCY = re.compile(rf"(?:毎(年|月|週|日)|({_N})(箇月|か月|ヶ月|カ月|月|年|週間|週|日)ごとに)({_N})回")
_NEXT_MONTH_DAY = re.compile(rf"翌月({_N})日")  # 翌月十日: the 10th of the following month
# 翌月から, その翌日から, 次の賃金月から (a pay month is a month), 翌年度から: a start, with no number
_FROM_NEXT = re.compile(rf"(?:翌|次の)[^\s、。（）「」{NUMBER_CHARS}]{{0,5}}?(年度|日|月|年)から")
_FROM_NEXT_UNIT_EN = {"日": "day", "月": "month", "年度": "fiscal year", "年": "year"}
# 一件につき三百円, 一キロメートルにつき三十七円: an amount per unit
_PER = re.compile(rf"({_N})?(キロメートル|件|枚|回|日|人|時間)につき({_N})円")
_PER_UNIT_EN = {"キロメートル": "km", "件": "case", "枚": "sheet", "回": "time", "日": "day", "人": "person",
                "時間": "hour"}
_FRACTION = re.compile(rf"百分の({_N})")
_PART_OF = re.compile(rf"({_N})分の({_N})(以内|以上|以下|未満)?")
_TENTHS = re.compile(rf"({_N})割(?:({_N})分)?")  # 二割五分: 25%
_YEN = re.compile(rf"{AMOUNT_START}({AMOUNT_NUMBER})円")
_QUANTITY_EN = re.compile(
    rf"({_N})\s*(日間|労働日|日|箇月|か月|ヶ月|カ月|月|年|週間|週|時間|分|回|人|円)"
    rf"(以内|以上|以下|未満|まで|を超えない(?:範囲内?)?|を経過する日まで|を経過した日|を超える|を超え|前|後)?")
_HOURS_MINUTES = re.compile(rf"({_N})時間({_N})分")  # 三十八時間四十五分: one length of time
_QUALIFIER_EN = {"以内": "within {}", "以上": "{} or more", "以下": "up to {}", "未満": "less than {}",
                 "まで": "up to {}", "を超えない": "up to {}", "を超えない範囲": "up to {}",
                 "を超えない範囲内": "up to {}",
                 "を経過する日まで": "until {} have passed", "を経過した日": "after {}",
                 "を超える": "more than {}", "を超え": "more than {}", "前": "{} before", "後": "{} after"}


_PRICE_WORDS_EN = {"無料": "free of charge", "無償": "free of charge", "有料": "a fee is charged"}
# The statutes' fixed words for "when" (a deadline without a number), as English readers know them.
_WHEN_WORDS_EN = {"直ちに": "immediately", "遅滞なく": "without delay", "速やかに": "promptly",
                  "同時に": "at the same time"}
_SCHOOL_AGE = re.compile(r"小学校就学の始期に達する(?:日)?まで")
_TIME_OF_DAY = re.compile(rf"(午前|午後)({_N})時(?:({_N})分)?")
# Penalties as the statutes name them (四年以下の拘禁刑, 二百万円以下の罰金) and disciplinary measures.
_PENALTY = re.compile(rf"(?:({_N})(年|月)以下の)?(懲役|禁錮|拘禁刑)|(?:({_N})(万)?円以下の)?(罰金|科料|過料)")
_PENALTY_WORDS_EN = {"拘留": "short detention", "戒告": "a reprimand",
                     "減給": "a pay cut", "停職": "suspension from duty", "免職": "dismissal"}
# How a statute joins the penalties of one provision (拘禁刑若しくは罰金, 戒告、減給、停職又は免職).
PENALTY_JOIN = "若しくは|又は|及び|もしくは|または|、"
# One penalty word, or a list of them as a disciplinary article writes one.
_PENALTY_WORD = "|".join(_PENALTY_WORDS_EN)
_ANY_PENALTY = re.compile(f"{_PENALTY.pattern}|{_PENALTY_WORD}")
_PENALTY_WORD_LIST = re.compile(f"(?:{_PENALTY_WORD})(?:(?:{PENALTY_JOIN})(?:{_PENALTY_WORD}))*")


def _plural(number: int, unit: str) -> str:
    if unit in ("yen", "km"):
        return f"{number} {unit}"
    if unit == "person":
        return f"{number} {'person' if number == 1 else 'people'}"
    return f"{number} {unit}{'' if number == 1 else 's'}"


def _penalty_in_english(match: re.Match) -> str:
    """四年以下の拘禁刑 -> "imprisonment of up to 4 years", 二百万円以下の罰金 -> "a fine of up to
    2,000,000 yen", 罰金 -> "a fine"."""
    if match.group(3):
        years = kanji_to_int(match.group(1)) if match.group(1) else None
        unit = "year" if match.group(2) == "年" else "month"
        return f"imprisonment of up to {_plural(years, unit)}" if years else "imprisonment"
    # 過料 is a non-criminal (administrative) fine, 罰金 and 科料 criminal ones
    kind = "a non-criminal fine" if match.group(6) == "過料" else "a fine"
    amount = kanji_to_int(match.group(4)) if match.group(4) else None
    if amount is None:
        return f"{kind} (過料)" if match.group(6) == "過料" else kind
    amount *= 10_000 if match.group(5) else 1
    return f"{kind} of up to {amount:,} yen"


def _penalties_in_english(text: str, context: str) -> str:
    """Every penalty of a phrase, joined as the statute joins them: 四年以下の拘禁刑若しくは二百万円以下の罰金
    -> "imprisonment of up to 4 years or a fine of up to 2,000,000 yen", and ", or both" when the
    sentence lets both be imposed (又はこれを併科する); 戒告、減給、停職又は免職 -> "a reprimand, a pay
    cut, suspension from duty or dismissal"."""
    parts: list[str] = []
    cursor = 0
    for match in _ANY_PENALTY.finditer(text):
        between = text[cursor:match.start()]
        if parts:
            parts.append(" and " if "及び" in between else (", " if between == "、" else " or "))
        parts.append(_penalty_in_english(match) if _PENALTY.fullmatch(match.group(0))
                     else _PENALTY_WORDS_EN[match.group(0)])
        cursor = match.end()
    if len(parts) > 1 and "併科" in (context or text):
        parts.append(", or both")
    return "".join(parts)


def _date_in_english(match: re.Match) -> str | None:
    month, day = kanji_to_int(match.group(1)), kanji_to_int(match.group(2))
    return f"{_MONTHS_EN[month - 1]} {day}" if month and 1 <= month <= 12 and day else None


def value_in_english(phrase: str, context: str = "") -> str | None:
    """The first number, period or date in a Japanese statute phrase, in English:
    二十日 -> "20 days", 三歳に達する日まで -> "until the child turns 3" (when `context` — the
    sentence — says 子), 一年以内 -> "within 1 year", 十二月二十九日 -> "December 29",
    百分の百二十五 -> "125%", 一キロメートルにつき三十七円 -> "37 yen per km". None when it holds none."""
    text = unicodedata.normalize("NFKC", phrase)
    if text in _PRICE_WORDS_EN:
        return _PRICE_WORDS_EN[text]
    if text in _WHEN_WORDS_EN:
        return _WHEN_WORDS_EN[text]
    if _SCHOOL_AGE.search(text):
        return "until the child starts elementary school"
    if match := _TIME_OF_DAY.search(text):
        hour, minute = kanji_to_int(match.group(2)), kanji_to_int(match.group(3) or "〇")
        if hour is not None and minute is not None:
            return f"{hour}:{minute:02d} {'a.m.' if match.group(1) == '午前' else 'p.m.'}"
    if _PENALTY.search(text) or _PENALTY_WORD_LIST.fullmatch(text):
        return _penalties_in_english(text, context)
    if match := _AGE_UNTIL.search(text):
        age = kanji_to_int(match.group(1))
        who = "the child" if "子" in (context or text) else "the person"
        if age is None:
            return None
        if match.group(2) in ("以後", "以降", "から"):  # 六十五歳に達する日以後: from then on
            return f"from the day {who} turns {age}"
        return f"until {who} turns {age}"
    if match := _PER.search(text):
        count, amount = kanji_to_int(match.group(1)) if match.group(1) else 1, kanji_to_int(match.group(3))
        unit = _PER_UNIT_EN[match.group(2)]
        if amount is not None and count:
            return f"{amount:,} yen per {_plural(count, unit) if count != 1 else unit}"
    if match := _FREQUENCY.search(text):
        times = kanji_to_int(match.group(4))
        once = {1: "once", 2: "twice"}.get(times or 0, f"{times} times")
        if match.group(1):  # 毎年一回
            return f"{once} a {_UNIT_EN[match.group(1)]}"
        every, unit = kanji_to_int(match.group(2)), _UNIT_EN[match.group(3)]
        if times and every:
            return f"{once} every {_plural(every, unit) if every != 1 else unit}"
    if match := _NEXT_MONTH_DAY.search(text):
        day = kanji_to_int(match.group(1))
        if day:
            return f"day {day} of the following month"
    if match := _FROM_NEXT.search(text):
        return f"from the following {_FROM_NEXT_UNIT_EN[match.group(1)]}"
    if match := _YEARS_MONTHS.search(text):
        years, months = kanji_to_int(match.group(1)), kanji_to_int(match.group(2))
        if years and months:
            return f"{_plural(years, 'year')} and {_plural(months, 'month')}"
    if match := _AGE.search(text):
        age = kanji_to_int(match.group(1))
        if age is not None:
            return {"以上": "age {} or older", "以下": "age {} or younger", "未満": "under {}",
                    "に満たない": "under {}"}.get(
                match.group(2) or "", "age {}").format(age)
    if match := _FRACTION.search(text):
        percent = kanji_to_int(match.group(1))
        return f"{percent}%" if percent is not None else None
    if match := _PART_OF.search(text):  # 二分の一 is a half, not two minutes
        whole, part = kanji_to_int(match.group(1)), kanji_to_int(match.group(2))
        if whole and part is not None:
            qualifier = _QUALIFIER_EN.get(match.group(3) or "")
            return qualifier.format(f"{part}/{whole}") if qualifier else f"{part}/{whole}"
    dates = [_date_in_english(m) for m in _DATE.finditer(text)][:2]
    if dates and all(dates):
        return " to ".join(d for d in dates if d)
    quantity = _QUANTITY_EN.search(text)
    yen = _YEN.search(text)
    if yen and (quantity is None or yen.start() <= quantity.start()):
        amount = kanji_to_int(yen.group(1))
        return f"{amount:,} yen" if amount is not None else None
    rate = _TENTHS.search(text)
    if rate and (quantity is None or rate.start() <= quantity.start()):  # 二割五分 is 25%, not 五分 minutes
        rate_en = _percent(rate)
        bound = next((word for word in _QUALIFIER_EN if text.startswith(word, rate.end())), "")
        return _QUALIFIER_EN[bound].format(rate_en) if rate_en and bound else rate_en
    if quantity and (match := _HOURS_MINUTES.match(text, quantity.start())):
        hours, minutes = kanji_to_int(match.group(1)), kanji_to_int(match.group(2))
        if hours is not None and minutes is not None:
            return f"{_plural(hours, 'hour')} {_plural(minutes, 'minute')}"
    if match := quantity:
        number = kanji_to_int(match.group(1))
        if number is None:
            return None
        value = _plural(number, _UNIT_EN[match.group(2)])
        bound = match.group(3) or ""
        if bound.startswith("を超え") and _forbids_exceeding(text, context):
            bound = "を超えない"  # 九十日を超えることはできない: up to 90 days, not more than 90
        qualifier = _QUALIFIER_EN.get(bound)
        return qualifier.format(value) if qualifier else value
    if match := _TENTHS.search(text):
        return _percent(match)
    return None


# What follows …を超え when a statute caps a number: it may not be exceeded.
_MAY_NOT = ("ることはでき", "ることができない", "てはならない", "ない")


def _forbids_exceeding(phrase: str, context: str) -> bool:
    """Whether the sentence `context` goes on after `phrase` (…日を超え) to forbid exceeding it."""
    sentence = unicodedata.normalize("NFKC", context)
    at = sentence.find(phrase)
    return at >= 0 and sentence.startswith(_MAY_NOT, at + len(phrase))


def _percent(match: re.Match[str]) -> str | None:
    """五割 -> 50%, 二割五分 -> 25%."""
    tenths, hundredths = kanji_to_int(match.group(1)), kanji_to_int(match.group(2) or "〇")
    return f"{tenths * 10 + hundredths}%" if tenths is not None and hundredths is not None else None
