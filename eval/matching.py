"""Does a retrieved passage (or a citation) hit a gold source? The rule of datasets/FORMAT.md, literally.

Same document, then in this order of preference — the first field the gold source gives decides alone:
  1. `quote`   the passage text contains it (NFKC, whitespace removed on both sides)
  2. `article` same article number (漢数字 and 算用数字 compared as numbers via retrieval.numerals)
  3. `page`    same page
  4. only `doc` any passage of the document
A passage from another *version* of the gold document (equivalents.json) counts only through rule 1:
article numbers do not carry across versions because numbering changes.

Why whitespace is removed rather than collapsed to one space: Japanese has no spaces between words, so a
line break inside a sentence becomes "" or " " depending on the extractor. Removing all whitespace makes
both forms equal; anything that matched after collapsing still matches.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable, Mapping
from typing import Any

from eval.questions import GoldSource
from retrieval.numerals import article_key

_WHITESPACE = re.compile(r"\s+")
# A citation quote shorter than this is too unspecific to count as "part of the gold quote".
MIN_PARTIAL_QUOTE_CHARS = 10


def normalize_for_match(text: str | None) -> str:
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def normalize_doc(doc: str | None) -> str:
    """Document ids compare as NFC paths with forward slashes (macOS hands out NFD file names)."""
    doc = unicodedata.normalize("NFC", (doc or "").strip()).replace("\\", "/")
    return doc[2:] if doc.startswith("./") else doc


def article_number(article: str | None) -> str | None:
    """第三十八条 -> "38"; 附則第二条 -> "附則:2" so supplementary provisions never equal main articles."""
    key = article_key(article)
    if key is None:
        return None
    return f"附則:{key}" if "附則" in unicodedata.normalize("NFKC", article or "") else key


@dataclass(frozen=True)
class Evidence:
    """What matching needs from a retrieved passage or a citation."""

    doc: str
    article: str | None
    page: int | None
    text: str
    is_citation: bool = False

    @classmethod
    def from_passage(cls, passage: Mapping[str, Any]) -> Evidence:
        return cls(doc=passage.get("doc") or "", article=passage.get("article"), page=passage.get("page"),
                   text=passage.get("text") or "")

    @classmethod
    def from_citation(cls, citation: Mapping[str, Any]) -> Evidence:
        return cls(doc=citation.get("doc") or "", article=citation.get("article"), page=citation.get("page"),
                   text=citation.get("quote") or "", is_citation=True)


@dataclass(frozen=True)
class Equivalents:
    """Groups of documents that are versions of one law."""

    groups: tuple[frozenset[str], ...] = ()

    def are_versions(self, doc_a: str, doc_b: str) -> bool:
        a, b = normalize_doc(doc_a), normalize_doc(doc_b)
        return a != b and any(a in group and b in group for group in self.groups)


NO_EQUIVALENTS = Equivalents()


def load_equivalents(path: Path | None) -> Equivalents:
    """equivalents.json ({"groups": [[doc, doc], ...]}); a missing path or file means no equivalents."""
    if path is None or not Path(path).is_file():
        return NO_EQUIVALENTS
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not all(
            isinstance(g, list) and all(isinstance(d, str) for d in g) for g in groups):
        raise ValueError(f"{path}: expected {{\"groups\": [[\"doc\", \"doc\", ...], ...]}}")
    return Equivalents(tuple(frozenset(normalize_doc(d) for d in group) for group in groups))


def _contains_quote(evidence: Evidence, quote: str) -> bool:
    gold = normalize_for_match(quote)
    text = normalize_for_match(evidence.text)
    if evidence.is_citation:  # the app shortens long citation quotes with a trailing "…" (NFKC: "...")
        text = text.removesuffix("...")
    if not gold or not text:
        return False
    if gold in text:
        return True
    # A citation quotes one sentence, possibly shortened with "…": a sentence that is itself part of the
    # gold quote cites the gold evidence too. Passages are whole articles, so they get no such leniency.
    return evidence.is_citation and len(text) >= MIN_PARTIAL_QUOTE_CHARS and text in gold


def _same_article(evidence_article: str | None, gold_article: str) -> bool:
    gold_key, evidence_key = article_number(gold_article), article_number(evidence_article)
    if gold_key is not None or evidence_key is not None:
        return gold_key == evidence_key
    # Neither parses as 第N条 (e.g. 前文): compare the written form.
    return bool(evidence_article) and normalize_for_match(evidence_article) == normalize_for_match(gold_article)


def hits_source(evidence: Evidence, source: GoldSource, equivalents: Equivalents = NO_EQUIVALENTS) -> bool:
    if normalize_doc(evidence.doc) != normalize_doc(source.doc):
        return bool(source.quote and equivalents.are_versions(evidence.doc, source.doc)
                    and _contains_quote(evidence, source.quote))
    if source.quote:
        return _contains_quote(evidence, source.quote)
    if source.article:
        return _same_article(evidence.article, source.article)
    if source.page is not None:
        return evidence.page == source.page
    return True


def hits_any(evidence: Evidence, sources: Iterable[GoldSource], equivalents: Equivalents = NO_EQUIVALENTS) -> bool:
    return any(hits_source(evidence, source, equivalents) for source in sources)
