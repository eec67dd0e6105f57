"""Japanese numerals and article numbers: 第三十八条 ⇄ 第38条 ⇄ "38", 第二十七条の二 ⇄ "27-2"."""
from __future__ import annotations

import re
import unicodedata

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
KANJI_NUMBER_CHARS = "〇零一二三四五六七八九十百千"
NUMBER_CLASS = f"[{KANJI_NUMBER_CHARS}0-9０-９]"

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


_ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
_WAREKI = re.compile(rf"(明治|大正|昭和|平成|令和)({NUMBER_CLASS}+|元)年({NUMBER_CLASS}+)月({NUMBER_CLASS}+)日")


def wareki_to_iso(text: str) -> str | None:
    """平成二五年六月一四日 -> 2013-06-14 (the first 和暦 date in `text`); None if there is none."""
    match = _WAREKI.search(text)
    if not match:
        return None
    era, year, month, day = match.groups()
    numbers = [1 if year == "元" else kanji_to_int(year), kanji_to_int(month), kanji_to_int(day)]
    if any(n is None for n in numbers):
        return None
    return f"{_ERAS[era] + numbers[0] - 1:04d}-{numbers[1]:02d}-{numbers[2]:02d}"
