"""Shorten a quoted statute sentence for the answer line, the way staff read statutes.

Japanese legal drafting packs definitions, exclusions and cross-references into parentheticals
（括弧書き）; the long-standing way to read such a sentence is to skip them first. The answer line does
the same: a parenthetical that shares no word with the question and holds no asked-for value is
replaced by （略）, so the sentence the reader sees is the rule itself. The citation keeps the
verbatim text, so nothing is lost: the full sentence is one click away.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

OMITTED = "（略）"
# Short parentheticals (（以下「法」という。）, （第三条）) cost little to read and often name the
# term the rest of the sentence uses; only longer ones are worth skipping.
MIN_SKIPPED_CHARS = 12
# What is left outside the parentheticals is a bare name when it is this short and holds no 、 or 。
# (an item of a list: 外部相談窓口（区が委託する専門機関が運営する…）): there the parenthetical is
# what the item says, not an aside.
MAX_NAME_CHARS = 20
_OPEN, _CLOSE = "（(", "）)"


def top_level_parentheticals(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost （…） in the sentence, end exclusive; unbalanced text is left alone."""
    spans: list[tuple[int, int]] = []
    depth, start = 0, 0
    for index, char in enumerate(sentence):
        if char in _OPEN:
            if depth == 0:
                start = index
            depth += 1
        elif char in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, index + 1))
    return spans


def abridge(sentence: str, keep: Callable[[str], bool], *,
            protected: Iterable[tuple[int, int]] = ()) -> str:
    """The sentence with its long parentheticals replaced by （略）, except those `keep` says matter
    to the question and those overlapping a protected span (e.g. the asked-for value)."""
    protected = list(protected)
    spans = top_level_parentheticals(sentence)
    if _is_a_bare_name(sentence, spans):
        return sentence
    pieces: list[str] = []
    cursor = 0
    for start, end in spans:
        inner = sentence[start + 1:end - 1]
        overlaps = any(start < p_end and p_start < end for p_start, p_end in protected)
        if len(inner) < MIN_SKIPPED_CHARS or overlaps or keep(inner):
            continue
        pieces.append(sentence[cursor:start])
        pieces.append(OMITTED)
        cursor = end
    pieces.append(sentence[cursor:])
    return "".join(pieces)


def _is_a_bare_name(sentence: str, spans: list[tuple[int, int]]) -> bool:
    outside = sentence
    for start, end in reversed(spans):
        outside = outside[:start] + outside[end:]
    outside = outside.strip()
    return len(outside) <= MAX_NAME_CHARS and not any(mark in outside for mark in "、。")
