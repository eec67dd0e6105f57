"""Word .docx via python-docx: body paragraphs and table rows in document order.

Word heading styles ("Heading 2", Japanese Word's "見出し 2") become `heading_level`; the "Title"
style counts as level 1. A table row becomes one line, its cells joined by a full-width space, so
a 別表 row stays together. Word has no fixed pagination, so `page` is left empty.
"""
from __future__ import annotations

import re
from pathlib import Path
from collections.abc import Iterator
from typing import Any

from indexer.document import LoadedDocument, LoadError, TextBlock

_HEADING_STYLE = re.compile(r"^(?:heading|見出し)\s*([1-9])$", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")


def _clean(text: str) -> list[str]:
    """A paragraph's text split at manual line breaks, trimmed, without empty lines."""
    lines = (_SPACES.sub(" ", line).strip() for line in re.split(r"[\n\r\v]", text))
    return [line for line in lines if line]


def _style_name(paragraph) -> str:
    style = paragraph.style
    return (style.name or "").strip() if style is not None else ""


def _heading_level(paragraph) -> int:
    style = paragraph.style
    # Walk up "based on" styles: a custom "条見出し" based on "Heading 3" is still a heading.
    for _ in range(5):
        if style is None:
            return 0
        name = (style.name or "").strip()
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        style = style.base_style
    return 0


def _row_text(row) -> str:
    cells: list[str] = []
    previous = None
    for cell in row.cells:
        # Merged cells are returned once per grid column they span; keep one copy.
        if previous is not None and cell._tc is previous:
            continue
        previous = cell._tc
        cells.append(" ".join(_clean(cell.text)))
    return "\u3000".join(text for text in cells if text)


def _body_items(document, element=None) -> Iterator[tuple[str, Any]]:
    """("p", Paragraph) / ("tbl", Table) in body order (python-docx lists them separately)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    parent = document.element.body if element is None else element
    for child in parent.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if tag == "p":
            yield "p", Paragraph(child, document)
        elif tag == "tbl":
            yield "tbl", Table(child, document)
        elif tag in ("sdt", "sdtContent"):
            # Content controls (cover pages, template fields) wrap ordinary paragraphs.
            yield from _body_items(document, child)


def _blocks(document) -> tuple[list[TextBlock], str | None]:
    """The document's blocks, and the text of its first "Title"-styled paragraph if any."""
    blocks: list[TextBlock] = []
    title_style_text = None
    for kind, item in _body_items(document):
        if kind == "p":
            lines = _clean(item.text)
            if title_style_text is None and lines and _style_name(item).lower() == "title":
                title_style_text = " ".join(lines)
            level = _heading_level(item)
            blocks.extend(TextBlock(line, heading_level=level) for line in lines)
        else:
            for row in item.rows:
                text = _row_text(row)
                if text:
                    blocks.append(TextBlock(text))
    return blocks, title_style_text


def load(path: Path) -> LoadedDocument:
    import docx  # imported lazily, as the loader registry expects

    try:
        document = docx.Document(str(path))
        blocks, title_style_text = _blocks(document)
        core_title = (document.core_properties.title or "").strip()
    except Exception as exc:  # PackageNotFoundError, BadZipFile, KeyError, XMLSyntaxError...
        raise LoadError(f"not a readable .docx ({exc.__class__.__name__}: {exc})"[:200]) from exc
    if not blocks:
        raise LoadError(".docx has no text")
    return LoadedDocument(blocks=blocks, title=core_title or title_style_text, metadata={})
