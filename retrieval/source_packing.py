"""The numbered sources a language model answers from, packed to a token budget.

Sources keep the searcher's rank order and are numbered [1]..[n] in that order. A passage that
does not fit is skipped (a shorter one further down may still fit); the first passage is cut to
the budget rather than dropped, so the best match always reaches the model.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence

from retrieval.models import ScoredPassage
from retrieval.tokens import TokenCounter

SOURCE_SEPARATOR = "\n\n"
# A model reads a handful of sources well, and a Teams reply shows at most 10 citations (the Agents
# Playground rejects more), so the answer can never cite more than this.
MAX_SOURCES = 10


@dataclass(frozen=True)
class PackedSources:
    passages: tuple[ScoredPassage, ...]  # source n is passages[n - 1]
    text: str  # the sources block as the model reads it
    tokens: int  # blocks counted one by one: never less than the joined text counts


def source_header(number: int, scored: ScoredPassage) -> str:
    """`[n] 規程名 第N条（見出し）` plus the chapter path, so the model can name the article."""
    p = scored.passage
    header = f"[{number}] {p.citation_name}"
    if p.caption:
        header += f"（{p.caption}）"
    if p.supplementary and "附則" not in header:
        header += " 附則"
    if p.headings:
        header += " — " + " / ".join(p.headings)
    return header


def format_source(number: int, scored: ScoredPassage) -> str:
    return f"{source_header(number, scored)}\n{scored.passage.text.strip()}"


def _source_cost(number: int, scored: ScoredPassage, tokens: TokenCounter) -> int:
    """Tokens of `format_source`: header and body counted apart, which is exact because the
    tokenizer's pre-split always cuts at a line break (tested); the body's count is remembered, so
    an article sent again under another number costs nothing to count."""
    return tokens.count(source_header(number, scored) + "\n") + tokens.count_remembered(
        scored.passage.text.strip())


def pack_sources(passages: Sequence[ScoredPassage], tokens: TokenCounter, budget: int,
                 max_sources: int = MAX_SOURCES) -> PackedSources:
    kept: list[ScoredPassage] = []
    blocks: list[str] = []
    used = 0
    seen: set[str] = set()
    separator_cost = tokens.count(SOURCE_SEPARATOR)
    for scored in passages:
        if len(kept) >= max_sources:
            break
        if scored.passage.passage_id in seen:
            continue
        block = format_source(len(kept) + 1, scored)
        cost = _source_cost(len(kept) + 1, scored, tokens) + (separator_cost if blocks else 0)
        if used + cost > budget:
            if kept:
                continue
            block = _cut_to(block, tokens, budget)  # the best match, shortened, beats nothing
            cost = tokens.count(block)
        seen.add(scored.passage.passage_id)
        kept.append(scored)
        blocks.append(block)
        used += cost
    return PackedSources(passages=tuple(kept), text=SOURCE_SEPARATOR.join(blocks), tokens=used)


def _cut_to(text: str, tokens: TokenCounter, budget: int) -> str:
    """The longest prefix of `text` (ending in '…') within `budget` tokens, by bisection."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if tokens.count(text[:middle] + "…") <= budget:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"
