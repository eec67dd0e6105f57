"""One result per article (or section), carrying all of it: pieces are ranked, articles returned.

A long article is indexed in pieces of at most `max_passage_tokens` (indexer.structure splits it 項 by
項, each piece repeating the article header), so that BM25, coverage and confidence are measured on a
span of text the size of an answer. But the article is what a citation names and what the reader
needs: the asked-for 項 is often not the piece that matched best (the proviso in 第七項 of an article
whose first paragraph names the topic), and the next piece of the same article would only take
another slot of the top k. So the best-ranked piece stands for its article, keeping that piece's
score and confidence, and the passage returned holds the article's other pieces too, nearest first,
up to a size bound (the answerer and a language model's prompt read it whole). A section of text
without articles (a guideline's 2-1 個人情報, a handbook section) is cut the same way and joined
the same way: its pieces are the passages of the document with the same headings, down to the
innermost numbered section (2-16　「本人の同意」), so that its lists and examples come with it.

Pieces on different PDF pages stay apart: a page citation must stay exact.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from retrieval.models import Passage, article_header, commented_article

# About 2,500 tokens of Japanese: every article of the bundled and evaluated corpora but a few
# enumerations (人事院規則 第二十二条's list of special leaves) fits whole.
MAX_ARTICLE_CHARS = 4000

# (doc, article, headings of a section without article, page)
PieceKey = tuple[str, str | None, tuple[str, ...], int | None]


def article_pieces(passages: Sequence[Passage]) -> dict[PieceKey, list[int]]:
    """Rows of each article's (or section's) pieces, by `piece_key`."""
    pieces: dict[PieceKey, list[int]] = {}
    for row, passage in enumerate(passages):
        key = piece_key(passage)
        if key is not None:
            pieces.setdefault(key, []).append(row)
    return pieces


def piece_key(passage: Passage) -> PieceKey | None:
    """What the passage is a piece of: its article (a commentary block on an article, 【第６条 試用期間】,
    is a piece of that article: the rule and its explanation answer together), or for text without
    articles its section (its headings); None for text under no heading at all, no unit to join."""
    if passage.article is not None:
        return (passage.doc, passage.article, (), passage.page)
    if passage.headings:
        article = commented_article(passage.headings[-1])
        if article is not None:
            return (passage.doc, article, (), passage.page)
        return (passage.doc, None, section_headings(passage.headings), passage.page)
    return None


# A guideline's numbered section heading: 2-3　要配慮個人情報, 3-5-3-1　報告対象となる事態, 第４－２－⑴　委託の取扱い.
_SECTION_NUMBER = re.compile(r"^\s*第?[0-9０-９]+(?:[-－‐][0-9０-９⑴-⒇]+)+(?![0-9０-９章節条款編])\s")


def section_headings(headings: Sequence[str]) -> tuple[str, ...]:
    """The headings down to the innermost numbered section (2-16　「本人の同意」): the examples and
    notes under it (①…, 【事例】) belong to that section and are joined with it."""
    for depth in range(len(headings), 0, -1):
        if _SECTION_NUMBER.match(headings[depth - 1]):
            return tuple(headings[:depth])
    return tuple(headings)


def whole_article(passages: Sequence[Passage], rows: Sequence[int], best: int,
                  max_chars: int = MAX_ARTICLE_CHARS) -> tuple[Passage, tuple[int, int] | None]:
    """The article of piece `best`, its pieces joined under one header: the best piece, then the
    pieces next to it on either side, nearest first, while the text stays within `max_chars` (a
    side ends at the first piece that does not fit, so the text joined is one unbroken run).
    Also the span of the best piece's text in it (None when the article is that piece alone): what
    matched the question, where an answer's sentence is looked for first."""
    if len(rows) == 1:
        return passages[best], None
    # The article itself, when one of the pieces is it (a commentary may come before its article)
    primary = next((passages[row] for row in rows if passages[row].article is not None), passages[rows[0]])
    header = article_header(primary.article, primary.caption)
    bodies = {row: _body(passages[row].text, header) for row in rows}
    chosen = [best]
    size = len(header) + len(bodies[best])
    first = last = rows.index(best)  # the run joined so far, rows[first..last]
    grown = True
    while grown:  # one piece more on each side per round, nearest first; the text only grows,
        grown = False  # so a piece that did not fit never will: the run stays unbroken
        for index in (first - 1, last + 1):
            if 0 <= index < len(rows) and size + 1 + len(bodies[rows[index]]) <= max_chars:
                chosen.append(rows[index])
                size += 1 + len(bodies[rows[index]])
                first, last = min(first, index), max(last, index)
                grown = True
    if len(chosen) == 1:
        return passages[best], None
    # The article's own text first, then its commentary (which the document may print before it)
    chosen.sort(key=lambda row: (passages[row].article is None, passages[row].seq))
    text, focus = header, (0, 0)
    commentary_headed = False
    for row in chosen:
        if row != chosen[0]:
            text += "\n"
        if primary.article is not None and passages[row].article is None and not commentary_headed:
            # the commentary keeps its heading (【第６条 試用期間】): a quote after it is cited as
            # the article's 解説, not as one of its 項 (retrieval.extractive)
            text += passages[row].headings[-1] + "\n"
            commentary_headed = True
        start = len(text)
        text += bodies[row]
        if row == best:
            focus = (0 if row == chosen[0] else start, len(text))
    base = primary if primary.article is not None else passages[chosen[0]]
    return dataclasses.replace(base, text=text, seq=min(passages[row].seq for row in chosen)), focus


def _body(text: str, header: str) -> str:
    return text[len(header):] if text.startswith(header) else text
