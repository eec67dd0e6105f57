"""Citation markers in a model's answer: parse, validate, renumber, and quote the cited passages.

Pure functions. The model sees sources numbered [1]..[n] and writes markers after its claims, in
whatever shape it likes ([1][2], [1, 2], ［１］, [1-3]). What the user sees must be exact: each
marker points at a source that exists, numbers run 1, 2, 3... in order of first use, and only
sources the answer actually cites become citations.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Sequence

from retrieval.extractive import CAPTION_ONLY, split_sentences, strip_labels, truncated, unwrap
from retrieval.models import Citation, Passage
from retrieval.numerals import KANJI_NUMBER_CHARS, kanji_to_int

_DIGIT = "0-9０-９"
# One marker group: [1] [1, 2] [1,2、3] [1-3] ［１］ (half- or full-width brackets, digits, commas).
MARKER = re.compile(
    rf"[\[［]\s*[{_DIGIT}]+(?:\s*(?:[,，、]|[-–〜~－])\s*[{_DIGIT}]+)*\s*[\]］]")
_NUMBER_OR_RANGE = re.compile(rf"([{_DIGIT}]+)(?:\s*[-–〜~－]\s*([{_DIGIT}]+))?")
_DROPPED = "\x00"  # stands for a removed marker until its leading space is removed too
MAX_RANGE = 10  # [1-999] is noise, not ten citations
_ANSWER_SENTENCE_END = re.compile(r"(?<=[。．！？!?])|\n")
_COUNTED_KANJI = re.compile(rf"[{KANJI_NUMBER_CHARS}]+(?=[日年月週時分円回歳人条項号箇か])")


@dataclass(frozen=True)
class Renumbered:
    text: str  # markers rewritten as [1][2]..., invalid ones removed
    order: tuple[int, ...]  # order[i] is the original source number of new position i + 1


def marker_numbers(marker: str) -> list[int]:
    """The source numbers one marker group names, in writing order: "[1, 3-4]" -> [1, 3, 4]."""
    numbers: list[int] = []
    for first, last in _NUMBER_OR_RANGE.findall(unicodedata.normalize("NFKC", marker)):
        start = int(first)
        end = int(last) if last else start
        if end < start or end - start >= MAX_RANGE:
            end = start
        numbers.extend(range(start, end + 1))
    return numbers


def renumber(text: str, source_count: int) -> Renumbered:
    """Keep markers that point at sources 1..source_count, renumbered in order of first use."""
    new_number: dict[int, int] = {}

    def replace(match: re.Match) -> str:
        kept: list[int] = []
        for original in marker_numbers(match.group(0)):
            if not 1 <= original <= source_count:
                continue  # a marker that points nowhere is dropped, never shown
            number = new_number.setdefault(original, len(new_number) + 1)
            if number not in kept:
                kept.append(number)
        return "".join(f"[{n}]" for n in kept) or _DROPPED

    rewritten = MARKER.sub(replace, text.replace(_DROPPED, ""))
    rewritten = re.sub(rf"[ \t]*{_DROPPED}", "", rewritten)  # with the space that led to it
    rewritten = re.sub(r"(\[\d+\])(?:[ \t]*\1)+", r"\1", rewritten)  # "[1] [1]" written twice -> once
    order = tuple(original for original, _ in sorted(new_number.items(), key=lambda item: item[1]))
    return Renumbered(text=rewritten, order=order)


def strip_markers(text: str) -> str:
    return MARKER.sub("", text)


def claims_citing(text: str, position: int) -> str:
    """The sentences of the (renumbered) answer that carry marker [position], markers removed."""
    tag = f"[{position}]"
    sentences = [s for s in _ANSWER_SENTENCE_END.split(text) if tag in s]
    return " ".join(strip_markers(s).strip() for s in sentences)


def best_sentence(passage_text: str, claim: str) -> str:
    """The sentence of the passage that shares most character pairs with the claim (first wins ties;
    a claim in English still matches numbers). Leading 第N条 / paragraph labels are dropped."""
    sentences = [s for s in split_sentences(passage_text) if not CAPTION_ONLY.fullmatch(s)] or [passage_text]
    wanted = _bigrams(claim)
    best = max(sentences, key=lambda s: len(wanted & _bigrams(s)))
    return truncated(unwrap(strip_labels(best)))


def build_citations(text: str, order: Sequence[int], sources: Sequence[Passage]) -> tuple[Citation, ...]:
    """A Citation per renumbered marker: position n cites sources[order[n-1] - 1]."""
    citations = []
    for position, original in enumerate(order, start=1):
        passage = sources[original - 1]
        citations.append(Citation(position=position, passage=passage,
                                  quote=best_sentence(passage.text, claims_citing(text, position))))
    return tuple(citations)


def _bigrams(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKC", text).lower()
    # 二十日 and 20日 are the same claim: compare counted numbers as digits.
    folded = _COUNTED_KANJI.sub(lambda m: str(kanji_to_int(m.group(0)) or m.group(0)), folded)
    folded = re.sub(r"\s+", "", folded)
    return {folded[i:i + 2] for i in range(len(folded) - 1)}
