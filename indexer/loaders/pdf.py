"""PDF via pypdf: one block per extracted line, each tagged with its 1-based page number.

pypdf's plain extraction already yields this corpus's Japanese text in reading order. What this
module adds is the clean-up the structure parser needs: running page numbers and table-of-contents
entries are dropped (a TOC line such as `第１９条（労働時間及び休憩時間）` would otherwise look like an
article start), and `第N条` / `第N章` / `附則` / paragraph numbers get the full-width space of the
canonical statute layout.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

from indexer.document import TOC_LEADER, LoadedDocument, LoadError, TextBlock

_N = "[〇一二三四五六七八九十百千0-9０-９]"

# A line made of a page number only: "12", "１", "- 12 -", "p. 3", "3 / 10", "Page 3 of 10".
_PAGE_NUMBER = re.compile(
    r"^(?:[-‐‑–—―－~〜\s]*(?:p\.?\s*)?[0-9０-９]{1,4}(?:\s*/\s*[0-9０-９]{1,4})?[-‐‑–—―－~〜\s]*"
    r"|page\s+\d{1,4}(?:\s+of\s+\d{1,4})?)$",
    re.I,
)
# Table-of-contents entries: dot leaders ending in a page number (TOC_LEADER), or an article title followed by
# nothing but its caption.
_TOC_ARTICLE = re.compile(rf"^第\s*{_N}+\s*条(?:の{_N}+)*\s*[（(][^）)]*[）)]$")
_TOC_HEADING = re.compile(r"^目\s*次$")

# An article start glued after a caption or the end of a sentence on the same extracted line:
# "（目的）第１条 この規則は…", "…する。第２条 …". References such as "法第３２条第１項" do not
# match: they are not followed by a space, nor preceded by 。 or a closing bracket.
_GLUED_ARTICLE = re.compile(rf"(?<=[。）)」])\s*(?=第{_N}+条(?:の{_N}+)*[ \u3000]+\S)")
_ARTICLE_OR_HEADING = re.compile(rf"^(第{_N}+(?:条|編|章|節|款)(?:の{_N}+)*)[ \u3000]+(?=\S)")
_PARAGRAPH = re.compile(r"^([０-９]{1,2})[ \u3000]+(?=[^\s０-９0-9])")
_SUPPLEMENTARY = re.compile(r"^附[ \u3000]*則(?=$|[ \u3000（(]|抄)")
# Half-width brackets around Japanese only: "(end of rules)" in an English PDF is not a caption.
_CAPTION = re.compile(r"^\(([^()（）]*[\u3040-\u30ff\u4e00-\u9fff][^()（）]*)\)$")
_SPACES = re.compile(r"[ \t\u00a0]+")

# Some PDF fonts map 漢字 to the look-alike Kangxi radical code points (⽇ U+2F47 for 日).
_RADICALS = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)}

# pypdf logs a warning for every recoverable oddity; the file-level outcome is what matters here.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _split_glued(line: str) -> list[str]:
    return [part for part in _GLUED_ARTICLE.split(line) if part.strip()]


def _normalise(line: str) -> tuple[str, int]:
    """Canonical spacing for statute lines; returns (text, heading_level)."""
    line = _ARTICLE_OR_HEADING.sub(lambda m: m.group(1) + "\u3000", line, count=1)
    if _SUPPLEMENTARY.match(line):
        rest = _SUPPLEMENTARY.sub("", line).strip()
        return "附\u3000則" + (f"\u3000{rest}" if rest else ""), 2
    line = _PARAGRAPH.sub(lambda m: m.group(1) + "\u3000", line, count=1)
    caption = _CAPTION.match(line)
    if caption:
        line = f"（{caption.group(1)}）"
    if _looks_like_english_heading(line):
        return line, 3
    return line, 0


_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"})


def _looks_like_english_heading(line: str) -> bool:
    """English PDFs mark sections only by layout; pypdf keeps a heading as a short line in Title
    Case with no closing punctuation ("Out-of-Network Providers"). Sections become passages of
    their own, with the heading indexed as a weighted field."""
    words = line.split()
    if not line.isascii() or not 1 <= len(words) <= 6 or line[-1] in ".,;:!?)" or not line[0].isupper():
        return False
    return all(w[0].isupper() or w.lower() in _SMALL_WORDS or not w[0].isalpha() for w in words)


def _is_toc_page(lines: list[str]) -> bool:
    return any(_TOC_HEADING.match(line) for line in lines[:5]) or sum(
        1 for line in lines if TOC_LEADER.search(line)
    ) >= 2


def page_lines(text: str) -> list[str]:
    """The meaningful lines of one page's extracted text, in order."""
    lines = [_SPACES.sub(" ", raw).strip() for raw in text.translate(_RADICALS).splitlines()]
    lines = [line for line in lines if line]
    # Page numbers are running headers/footers: only the first or last line of a page.
    while lines and _PAGE_NUMBER.match(lines[0]):
        lines.pop(0)
    while lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    if _is_toc_page(lines):
        lines = [line for line in lines if not (TOC_LEADER.search(line) or _TOC_ARTICLE.match(line))]
    return [part.strip() for line in lines for part in _split_glued(line)]


def _metadata_title(reader) -> str | None:
    try:
        raw = reader.metadata.title if reader.metadata else None
    except Exception:  # a broken /Info dictionary must not fail the whole file
        return None
    if not raw:
        return None
    title = re.sub(r"^Microsoft (?:Word|PowerPoint|Excel) - ", "", str(raw)).strip()
    title = re.sub(r"\.(?:docx?|pdf|xlsx?|pptx?|txt|rtf|jtd)$", "", title, flags=re.I).strip()
    if not title or title.lower() in {"untitled", "title", "無題", "タイトル"}:
        return None
    return title


def _first_page_title(lines: list[str]) -> str | None:
    # A cover page ("Contoso Electronics / Employee Handbook") reads best joined into one title.
    candidates = [line for line in lines if len(line) <= 100]
    if not candidates:
        return None
    is_cover = len(lines) <= 3 and sum(map(len, lines)) <= 120
    if is_cover and not any(line.endswith((".", "。")) for line in lines):
        return " ".join(lines)
    return candidates[0]


def _open(path: Path):
    from pypdf import PdfReader  # imported lazily, as the loader registry expects

    try:
        reader = PdfReader(path)
    except Exception as exc:  # pypdf raises PdfReadError, but also ValueError/KeyError on junk
        raise LoadError(f"not a readable PDF ({exc.__class__.__name__}: {exc})"[:200]) from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")  # owner-password-only PDFs open with an empty password
        except Exception as exc:  # e.g. DependencyError for AES without a crypto library
            raise LoadError(f"encrypted PDF that cannot be opened ({exc})"[:200]) from exc
        if not opened:
            raise LoadError("encrypted PDF: a password is required")
    return reader


def load(path: Path) -> LoadedDocument:
    reader = _open(path)
    blocks: list[TextBlock] = []
    first_page: list[str] = []
    try:
        for number, page in enumerate(reader.pages, start=1):
            lines = page_lines(page.extract_text() or "")
            if number == 1:
                first_page = lines
            for line in lines:
                text, level = _normalise(line)
                blocks.append(TextBlock(text, page=number, heading_level=level,
                                        heading_guessed=_looks_like_english_heading(text)))
    except Exception as exc:  # truncated streams, broken xref tables, bad fonts...
        raise LoadError(f"PDF could not be read ({exc.__class__.__name__}: {exc})"[:200]) from exc
    if not blocks:
        raise LoadError("PDF has no extractable text (scanned image only?)")
    title = _metadata_title(reader) or _first_page_title(first_page)
    return LoadedDocument(blocks=blocks, title=title, metadata={})
