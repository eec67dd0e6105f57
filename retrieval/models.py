"""The project's own data types. SDK results are converted into these at the boundary."""
from __future__ import annotations

import re
import dataclasses
from dataclasses import dataclass, field
from collections.abc import Sequence


@dataclass(frozen=True)
class Passage:
    """One retrievable unit: an article (or one 項 of a long article), or a heading section."""

    doc: str  # document id: path relative to the corpus root, with forward slashes
    seq: int  # position within the document, 0-based
    title: str  # document title (法令名 / 規程名)
    text: str
    article: str | None = None  # as written: 第三十八条, 第19条, 附則第二条
    article_key: str | None = None  # numeric form for matching: "38", "27-2"
    paragraph: str | None = None  # 第二項 when the passage is one 項 of a split article
    page: int | None = None  # 1-based page for paged formats (PDF)
    headings: tuple[str, ...] = ()  # 編/章/節 path, outermost first
    caption: str | None = None  # （目的）-style article caption, without brackets
    supplementary: bool = False  # True inside 附則
    url: str | None = None
    category: str | None = None  # 条例/規則/規程/要綱/法律
    effective_date: str | None = None
    allowed_groups: tuple[str, ...] = ()  # empty = everyone

    @property
    def passage_id(self) -> str:
        return f"{self.doc}#{self.seq}"

    @property
    def citation_name(self) -> str:
        """規程名 第N条 — what a citation calls this passage."""
        if self.article:
            return f"{self.title} {self.article}" + (self.paragraph or "")
        if self.page is not None:
            return f"{self.title} p.{self.page}"
        if self.headings:
            return f"{self.title} {section_name(self.headings, self.title)}"
        return self.title


# A heading that is an item of its section's list (Ａ　収集制限, ｅ　…, ①　…, (1) …, ●　…, 【…事例】)
# says where it is only under that section: the guideline has an Ａ in every section.
_LIST_ITEM_HEADING = re.compile(r"^(?:[Ａ-Ｚａ-ｚ]|[０-９]{1,2}|[①-⑳]|[（(][^）)]{1,3}[）)]|[●○■◆＊※])[\s　]|^【")


# 【第６条 試用期間】: the heading of a commentary (解説) block on an article, as a model set of rules
# prints one after each article (indexer.structure keeps it apart from the article).
# A line of its own in a text (re.M), as retrieval.whole_articles writes it before the commentary.
COMMENTARY_HEADING = re.compile(r"^【(第[0-9０-９一二三四五六七八九十百千]+条(?:の[0-9０-９一二三四五六七八九十]+)*)"
                                r"[^】\n]{0,40}】$", re.M)


def commented_article(heading: str) -> str | None:
    """The article a commentary heading is on (【第６条 試用期間】 -> 第６条), else None."""
    match = COMMENTARY_HEADING.fullmatch(heading.strip())
    return match.group(1) if match else None


def article_header(article: str | None, caption: str | None) -> str:
    """The header every piece of an article repeats (indexer.structure): （caption）, then 第N条 and a
    space; 附則 articles are numbered as written (第一条); an appendix: its title line."""
    if article is not None and article.startswith("別表"):
        return f"{article}　{caption or ''}\n"
    header = f"（{caption}）\n" if caption else ""
    if article is None:
        return header
    return header + article.removeprefix("附則") + "　"


def section_name(headings: Sequence[str], title: str = "") -> str:
    """What a citation calls a section: its heading, with the section it is an item of when the
    heading is a list label's item (「第４－３－⑷　収集・保管制限 / Ａ　収集制限」) — unless
    that section is the document itself (its title is already in the citation)."""
    if len(headings) > 1 and _LIST_ITEM_HEADING.match(headings[-1]) and headings[-2] != title:
        return f"{headings[-2]} / {headings[-1]}"
    return headings[-1]


# The confidence at which a passage is taken to answer: below it for every candidate, the answerers
# abstain (retrieval.extractive; the LLM answerer defers to the same bar).
ANSWER_CONFIDENCE = 0.3


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float
    # 0..1: how much of what the question asks about this passage covers (None if unknown).
    confidence: float | None = None
    # (start, end) in passage.text of the piece that matched, when the passage carries more than it
    # (a whole article returned for its best piece: retrieval.whole_articles); None: all of it.
    focus: tuple[int, int] | None = None
    # The ranking is sure of this passage though its confidence is under the answer bar (a question
    # told in everyday words: retrieval.local_search.STRONG_SCORE): it may answer when nothing else does.
    decisive: bool = False
    # Its place (0-based) in the ranking an answer is decided in, when the list is shown in another
    # order (retrieval.local_search: the sentence model and character bigrams re-order it); None: the
    # list's own order, or a passage only that re-ordering brought into the list.
    answer_rank: int | None = None
    # Its score in that ranking, when the list reports another (a shown list reads best first).
    answer_score: float | None = None


# How many of the ranking's first passages an answer may be drawn from: a concrete value asked for
# must be stated in one of them (retrieval.extractive; 3 -> 5: colloquial tune answered .913 -> .957,
# no unanswerable question of any set answered more). A searcher that re-orders its list keeps them in it.
ANSWER_DEPTH = 5


def in_answer_order(passages: Sequence[ScoredPassage]) -> list[ScoredPassage]:
    """The passages in the order an answer is decided in: by `answer_rank` where the searcher
    set one, passages without one after those (in list order); as listed when none has one. Each
    carries its score in that ranking."""
    if all(p.answer_rank is None for p in passages):
        return list(passages)
    ordered = [p for _, p in sorted(enumerate(passages), key=lambda item: (
        item[1].answer_rank is None, item[1].answer_rank or 0, item[0]))]
    return [p if p.answer_score is None else dataclasses.replace(p, score=p.answer_score) for p in ordered]


@dataclass(frozen=True)
class Citation:
    position: int  # the n of the [n] marker in the answer text
    passage: Passage
    quote: str  # the sentence(s) the answer rests on
    # The 項 (and 号) the quote is from (第二項, 第一項第三号): staff cite the paragraph, not only the
    # article; a passage that holds several paragraphs is named by its first one, the quote may be
    # from a later one.
    paragraph: str | None = None

    @property
    def name(self) -> str:
        """What the answer calls this citation: 規程名 第N条第M項."""
        if self.paragraph and self.passage.article:
            return f"{self.passage.title} {self.passage.article}{self.paragraph}"
        return self.passage.citation_name


@dataclass(frozen=True)
class Answer:
    text: str  # contains [n] markers matching citation positions
    citations: tuple[Citation, ...]
    passages: tuple[ScoredPassage, ...]  # everything retrieved, in rank order
    abstained: bool
    language: str  # "ja" or "en": the language the answer is written in
    follow_ups: tuple[str, ...] = ()  # up to 3 questions the user may want to ask next
    # Why the answer is not a normal cited answer, if it is not ("model_error", "no_valid_citation",
    # ...): the Teams layer may show a short notice. None for a normal answer or abstention.
    notice: str | None = None


@dataclass(frozen=True)
class AnswerDraft:
    """The answer text written so far, while a model is still writing (streaming)."""

    text: str


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation, for follow-up questions."""

    role: str  # "user" or "assistant"
    text: str


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # "ja" or "en"
    user_id: str | None = None
    groups: tuple[str, ...] = field(default_factory=tuple)
    history: tuple[Turn, ...] = ()  # earlier turns of this conversation, oldest first
    # Statutory wording for what is asked, from a language model (retrieval.query_expansion):
    # searched beside the asker's words, never counted as them.
    search_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentRecord:
    doc: str
    title: str
    content_hash: str
    url: str | None = None
    category: str | None = None
    effective_date: str | None = None
    allowed_groups: tuple[str, ...] = ()
    metadata: dict | None = None


@dataclass(frozen=True)
class IndexedPassage:
    """A passage with its analysed terms, ready to store."""

    passage: Passage
    body_terms: Sequence[str]
    title_terms: Sequence[str]
    heading_terms: Sequence[str]
