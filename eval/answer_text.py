"""Answer-vs-gold F1 with Japanese-aware normalisation.

Japanese gold answers (any kana/kanji in the gold text) are compared character by character: Japanese has no
word boundaries and a morphological analyser would make the metric depend on its dictionary. English gold
answers are compared over lower-cased word tokens (SQuAD style, articles a/an/the dropped), because
character overlap between any two English sentences is high and would say little.

Both sides get the same normalisation, so the folding only has to be consistent, not linguistically perfect:
  NFKC (全角/半角 fold: ３８ → 38, ＡＢＣ → ABC), citation markers [1] removed,
  漢数字 runs → Arabic (三十八 → 38, 六月 → 6月, 二〇二四 → 2024), punctuation and whitespace dropped.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

from eval.questions import guess_lang
from retrieval.numerals import KANJI_NUMBER_CHARS, kanji_to_int

_CITATION_MARKER = re.compile(r"\[\d+\]")
_KANJI_NUMBER_RUN = re.compile(f"[{KANJI_NUMBER_CHARS}]+")
_ENGLISH_ARTICLES = {"a", "an", "the"}


def kanji_numbers_to_arabic(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        value = kanji_to_int(match.group(0))
        return match.group(0) if value is None else str(value)

    return _KANJI_NUMBER_RUN.sub(replace, text)


def _is_dropped(char: str) -> bool:
    # P* punctuation (、。「」（）・,.!?), Z* separators, C* controls (newlines, tabs, zero-width chars)
    return unicodedata.category(char)[0] in "PZC"


def normalize_japanese(text: str) -> str:
    text = unicodedata.normalize("NFKC", _CITATION_MARKER.sub("", text))
    text = kanji_numbers_to_arabic(text).lower()
    return "".join(char for char in text if not _is_dropped(char))


def english_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", _CITATION_MARKER.sub("", text)).lower()
    text = "".join(" " if _is_dropped(char) else char for char in text)
    return [token for token in text.split() if token not in _ENGLISH_ARTICLES]


def _f1(predicted: list[str], gold: list[str]) -> float:
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def answer_f1(predicted: str, gold: str) -> float | None:
    """F1 in [0, 1]; None when there is no gold answer to compare with."""
    if not gold.strip():
        return None
    if guess_lang(gold) == "ja":
        return _f1(list(normalize_japanese(predicted)), list(normalize_japanese(gold)))
    return _f1(english_tokens(predicted), english_tokens(gold))
