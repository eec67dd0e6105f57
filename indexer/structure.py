"""Recovering 例規 structure from a loaded document's lines and cutting it into passages.

Every loader emits lines in the canonical statute layout (headings, （caption）, `第N条　…`,
`２　…` paragraphs, `一　…` items, `附　則`). This module is the one place that knows that layout:
articles become passages (long ones split by 項 with the article header repeated), 附則 is kept
apart from the main provisions, and text without articles is cut by heading and page.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator

from indexer.document import TOC_LEADER, LoadedDocument, TextBlock
from retrieval.models import Passage, article_header
from retrieval.numerals import NUMBER_CLASS, article_key, int_to_kanji, kanji_to_int

_N = NUMBER_CLASS
ARTICLE_START = re.compile(rf"^(第{_N}+条(?:の{_N}+)*)(?=\s|（|\(|$)\s*")
ARTICLE_NUMBERS = re.compile(rf"第{_N}+条(?:の{_N}+)*")
HEADING = re.compile(rf"^第{_N}+([編章節款目])(?:の{_N}+)*(?:\s|$)")
SUPPLEMENTARY = re.compile(r"^附\s*則(?!第)")
# 別表第一　内国旅行の旅費（第二十条―第二十四条関係） / 別表第二（第二条関係）: an appendix (a table of
# amounts, rates, bodies) after the 附則. Its title always notes the articles it belongs to, which a
# bare 別表第五 in a table cell does not.
APPENDIX = re.compile(rf"^(別表(?:第{_N}+)?)(?:\s+([^。\s]{{1,40}}?))?\s*[（(]([^（）()]*関係)[）)]$")
PARAGRAPH = re.compile(r"^([1-9１-９][0-9０-９]?)(?:\s+|$)")
# A label standing alone on its line (2013 e-Gov text puts ２ or 二 on a line of its own).
BARE_LABEL = re.compile(rf"^(?:{_N}{{1,3}}|[イロハニホヘトチリヌルヲ]|[（(]{_N}{{1,3}}[）)])$")
PARAGRAPH_HEADING = re.compile(rf"^第({_N}+)項$")
ITEM_HEADING = re.compile(rf"^第({_N}+)号$")
COMMENTARY = re.compile(r"^【[^】]{1,40}】$")
CAPTION = re.compile(r"^[（(]([^）)]{1,60})[）)]$")
# "Label: value", a field of a record laid out line by line (Job Title: …, Reports To: …).
_FIELD = re.compile(r"^[A-Z][A-Za-z]*(?: [A-Za-z]+){0,2}: \S")
TOC_RANGE = re.compile(r"[（(]第.*条.*[）)]\s*$")
# A table of contents' own heading (目次, 【目次】, Contents).
TABLE_OF_CONTENTS = re.compile(r"^[【\[［(（]?\s*(?:目\s*次|もくじ|(?:table\s+of\s+)?contents)\s*[】\]］)）]?$", re.I)
_HEADING_LEVEL = {"編": 1, "章": 2, "節": 3, "款": 4, "目": 5}

DEFAULT_MAX_TOKENS = 600


@dataclass
class _Paragraph:
    label: str | None  # 第二項; None for the first paragraph / unnumbered text
    lines: list[str]
    page: int | None


@dataclass
class _Unit:
    """An article, or a run of non-article text under one heading."""

    article: str | None
    caption: str | None
    headings: tuple[str, ...]
    supplementary: bool
    paragraphs: list[_Paragraph] = field(default_factory=list)

    def add_line(self, text: str, page: int | None, label: str | None = None) -> None:
        if label is not None or not self.paragraphs or page != self.paragraphs[-1].page:
            # A page change opens a new piece too, so a page citation can stay exact.
            self.paragraphs.append(_Paragraph(label, [text], page))
            return
        lines = self.paragraphs[-1].lines
        if BARE_LABEL.match(lines[-1]):
            lines[-1] = f"{lines[-1]}　{text}"
        else:
            lines.append(text)

    @property
    def header(self) -> str:
        """（caption）第N条 — repeated on every piece of a split article (an appendix: its title line)."""
        return article_header(self.article, self.caption)


def _heading_key(text: str) -> str:
    """A heading as a table of contents lists it: without spacing or a leader to its page."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", TOC_LEADER.sub("", text)))


class _Parser:
    def __init__(self, title: str, heading_keys: Counter[str] | None = None) -> None:
        self.title = title
        # How many more times each heading of the document comes, counting the line being read:
        # a line under a table of contents that comes again as a heading is an entry of it.
        self.headings_ahead: Counter[str] = heading_keys if heading_keys is not None else Counter()
        self.units: list[_Unit] = []
        self.headings: list[tuple[int, str]] = []
        self.supplementary = False
        self.pending_caption: str | None = None
        self.current: _Unit | None = None
        self.commentary_on: tuple[int, ...] | None = None  # the article the current 解説 block is on
        self.last_article: tuple[int, ...] | None = None  # the number of the document's own last article
        self.introduced_lines: set[str] = set()  # heading-like lines kept as the text that introduced them

    # -- state changes -------------------------------------------------------------------
    def _heading_path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.headings)

    def set_heading(self, text: str, level: int) -> None:
        text = TOC_RANGE.sub("", text).strip()
        if level <= 1 and text == self.title:
            return  # the document's own title is not a section
        # A table of contents encloses nothing: the sections after it are not its subsections.
        self.headings = [(lvl, t) for lvl, t in self.headings if lvl < level and not TABLE_OF_CONTENTS.match(t)]
        self.headings.append((level, text))
        self.current = None
        self.pending_caption = None
        self.commentary_on = None

    def start_supplementary(self, text: str) -> None:
        self.supplementary = True
        self.headings = [(1, text.strip())]
        self.current = None
        self.pending_caption = None
        self.commentary_on = None
        self.last_article = None  # 附則 numbers its articles afresh

    def start_appendix(self, label: str, title: str | None, related: str) -> None:
        """An appendix is part of the law itself, not of the 附則 printed before it: cited as 別表第一,
        captioned by its title (内国旅行の旅費（第二十条関係）)."""
        self.supplementary = False
        self.headings = []
        self.pending_caption = None
        self.commentary_on = None
        self.last_article = None
        caption = f"{title}（{related}）" if title else f"（{related}）"
        self.current = _Unit(re.sub(r"\s", "", label), caption, (), False)
        self.units.append(self.current)

    def _quoted_in_commentary(self, label: str) -> bool:
        """Whether an article start inside a commentary on an article does not advance the
        document's own numbering: its next own article comes after the last one it started, so one
        numbered at or below it is a statute (or a variant wording) the commentary quotes. Not the
        commentary's own number: PDF text can put 【第１２条 …】 before 第１２条 itself."""
        order = _article_order(label)
        return (self.commentary_on is not None and self.current is not None and self.current.article is None
                and order is not None and self.last_article is not None and order <= self.last_article)

    def start_article(self, label: str) -> None:
        article = ("附則" if self.supplementary else "") + label
        # A 共通見出し covers the articles after it that have none of their own (（扶養手当） over
        # 第十一条 and 第十一条の二), up to the next heading: the caption of the article just read.
        previous = self.current
        shared = (previous.caption if previous is not None and previous.article is not None
                  and not previous.article.startswith("別表") and not self.supplementary else None)
        self.commentary_on = None
        self.last_article = _article_order(label)
        self.current = _Unit(article, self.pending_caption or shared, self._heading_path(), self.supplementary)
        self.pending_caption = None
        self.units.append(self.current)

    def text_unit(self) -> _Unit:
        if self.current is None:
            self.current = _Unit(None, None, self._heading_path(), self.supplementary)
            self.units.append(self.current)
        return self.current

    def _structural_heading(self, text: str, block: TextBlock) -> bool:
        """Markdown excerpts of laws write `### 第5条`, `#### 第6項`, `##### 第2号` as headings."""
        if (article := ARTICLE_START.match(text)) and article.end() == len(text):
            self.start_article(re.sub(r"\s", "", text))
            return True
        unit = self.current
        if unit is not None and unit.article is not None:
            paragraph = PARAGRAPH_HEADING.match(text)
            # 第1十項 matches the number class but is no number: it stays a line of text.
            if paragraph and (number := kanji_to_int(paragraph.group(1))) is not None:
                unit.add_line(paragraph.group(1), block.page, label=f"第{int_to_kanji(number)}項")
                return True
            if item := ITEM_HEADING.match(text):
                unit.add_line(item.group(1), block.page)
                return True
        return False

    def _introduced(self, block: TextBlock) -> bool:
        """Whether a line laid out like a heading is what the text before it introduces: "send
        the request to:" goes on with an address whose short Title Case lines look like headings,
        and a heading cannot cut a sentence short. (Only layout guesses: a 第N章 or a Markdown
        heading is never a continuation.)"""
        unit = self.current
        if not (block.heading_guessed and unit is not None and unit.paragraphs
                and unit.paragraphs[-1].page == block.page):
            return False
        last = unit.paragraphs[-1].lines[-1]
        # An address runs over several such lines: each goes on while none of ordinary text came between.
        if last.endswith((":", "：")) or last in self.introduced_lines:
            return True
        # A record's fields (Job Title: …, Reports To: …) go on as fields, whatever their length.
        return bool(_FIELD.match(last) and _FIELD.match(block.text))

    def _table_of_contents_entry(self, text: str, block: TextBlock) -> bool:
        """Whether the line is an entry of the table of contents being read: a line that comes
        again later as a heading. The entries repeat the headings, so leaving them out loses no
        text, and a page of section titles would otherwise match every question a little."""
        key = _heading_key(text)
        if (block.heading_level or HEADING.match(text)) and not block.resumed:
            self.headings_ahead[key] -= 1  # this line itself was counted
        return (self.headings_ahead[key] > 0
                and any(TABLE_OF_CONTENTS.match(heading) for _, heading in self.headings))

    # -- one line ------------------------------------------------------------------------
    def feed(self, block: TextBlock) -> None:
        text = block.text.strip()
        if not text or self._table_of_contents_entry(text, block):
            return
        if appendix := APPENDIX.match(text):
            self.start_appendix(*appendix.groups())
            return
        if SUPPLEMENTARY.match(text) and len(text) <= 80:
            self.start_supplementary(text)
            return
        heading = HEADING.match(text)
        if heading and (block.heading_level or len(text) <= 60):
            level = _HEADING_LEVEL[heading.group(1)]
            if level <= 2 and self.supplementary:
                # A 章 after 附則 means that 附則 line was a table-of-contents entry.
                self.supplementary = False
                self.headings = []
            self.set_heading(text, level)
            return
        if block.heading_level:
            if self._structural_heading(text, block):
                return
            if not self._introduced(block):
                self.set_heading(text, block.heading_level)
                return
            self.introduced_lines.add(text)
        if COMMENTARY.match(text):
            # 【第１条 目的】 opens a commentary (解説) block: it ends the article before it.
            self.current = _Unit(None, None, self._heading_path() + (text,), self.supplementary)
            self.units.append(self.current)
            self.commentary_on = _article_order(text)
            return
        caption = CAPTION.match(text)
        if caption and len(text) <= 40:
            self.pending_caption = caption.group(1)
            return
        article = ARTICLE_START.match(text)
        if article and self._quoted_in_commentary(article.group(1)):
            article = None  # 労基法の第３８条 quoted in the 解説 of 第７０条: a line of the commentary
        if article and self.current is not None and (self.current.article or "").startswith("別表"):
            article = None  # 第三条　… in an appendix is a row of its table (a provision it lists)
        if article:
            # Keep the label as written (第三十八条 stays 漢数字, 第19条 stays Arabic).
            self.start_article(re.sub(r"\s", "", article.group(1)))
            rest = text[article.end():].strip()
            if rest:
                self.text_unit().add_line(rest, block.page)  # the article just started
            return
        unit = self.text_unit()
        if self.pending_caption and unit.article is None:
            # A caption not followed by an article (附則 paragraphs: （施行期日）１　…) stays with its text.
            text = f"（{self.pending_caption}）{text}"
            self.pending_caption = None
        paragraph = PARAGRAPH.match(re.sub(r"^（[^）]*）", "", text))
        if (paragraph and (unit.article is not None or unit.supplementary)
                and (number := kanji_to_int(paragraph.group(1))) is not None):  # always: PARAGRAPH is digits
            unit.add_line(text, block.page, label=f"第{int_to_kanji(number)}項")
            return
        unit.add_line(text, block.page)


def _article_order(text: str) -> tuple[int, ...] | None:
    """第７０条 -> (70,), 第二十七条の二 -> (27, 2): article numbers in document order."""
    match = ARTICLE_NUMBERS.search(text)
    if not match:
        return None
    numbers = [kanji_to_int(n) for n in re.findall(rf"{_N}+", match.group(0))]
    return tuple(n for n in numbers if n is not None) or None


def parse_units(document: LoadedDocument, title: str) -> list[_Unit]:
    heading_keys = Counter(_heading_key(block.text.strip()) for block in document.blocks
                           if (block.heading_level or HEADING.match(block.text.strip())) and not block.resumed)
    parser = _Parser(title, heading_keys)
    for block in document.blocks:
        parser.feed(block)
    return [unit for unit in parser.units if unit.paragraphs]


def chunk_document(
    document: LoadedDocument,
    *,
    doc_id: str,
    title: str,
    count_tokens: Callable[[str], int],
    max_tokens: int = DEFAULT_MAX_TOKENS,
    base: dict | None = None,
) -> list[Passage]:
    """Passages for one document. `base` carries document-level fields (url, category, ...)."""
    base = base or {}
    passages: list[Passage] = []
    for unit in parse_units(document, title):
        for text, first in _split_unit(unit, count_tokens, max_tokens):
            passages.append(
                Passage(
                    doc=doc_id,
                    seq=len(passages),
                    title=title,
                    text=text,
                    article=unit.article,
                    article_key=article_key(unit.article) if unit.article else None,
                    paragraph=first.label if unit.article and first.label else None,
                    page=first.page,
                    headings=unit.headings,
                    caption=unit.caption,
                    supplementary=unit.supplementary,
                    **base,
                )
            )
    return passages


def _split_unit(
    unit: _Unit, count_tokens: Callable[[str], int], max_tokens: int
) -> Iterator[tuple[str, _Paragraph]]:
    """Yield (text, first paragraph) pieces of at most `max_tokens` each.

    Articles are packed 項 by 項 and every piece repeats the article header, so a piece read alone
    still says which article it is. Text sections never cross a page boundary, so a page citation
    stays exact.
    """
    header = unit.header
    pieces: list[_Paragraph] = []
    for paragraph in unit.paragraphs:
        pieces.extend(_split_paragraph(paragraph, count_tokens, max_tokens))

    group: list[_Paragraph] = []
    for piece in pieces:
        candidate = group + [piece]
        too_big = count_tokens(header + _join(candidate)) > max_tokens
        page_break = unit.article is None and group and piece.page != group[0].page
        if group and (too_big or page_break):
            yield header + _join(group), group[0]
            group = [piece]
        else:
            group = candidate
    if group:
        yield header + _join(group), group[0]


def _join(paragraphs: list[_Paragraph]) -> str:
    return "\n".join("\n".join(p.lines) for p in paragraphs)


def _split_paragraph(
    paragraph: _Paragraph, count_tokens: Callable[[str], int], max_tokens: int
) -> list[_Paragraph]:
    """Split one over-long paragraph at lines (号), then at sentence ends."""
    if count_tokens("\n".join(paragraph.lines)) <= max_tokens:
        return [paragraph]
    out: list[_Paragraph] = []
    for line in paragraph.lines:
        for sentence in _sentences(line, count_tokens, max_tokens):
            out.append(_Paragraph(paragraph.label, [sentence], paragraph.page))
    return out


def _sentences(line: str, count_tokens: Callable[[str], int], max_tokens: int) -> list[str]:
    if count_tokens(line) <= max_tokens:
        return [line]
    parts = [part for part in re.split(r"(?<=[。．.!?！？])\s*", line) if part]
    out: list[str] = []
    for part in parts:
        while count_tokens(part) > max_tokens:  # no sentence end: cut by characters
            cut = max(1, len(part) * max_tokens // count_tokens(part) - 1)
            out.append(part[:cut])
            part = part[cut:]
        out.append(part)
    return out
