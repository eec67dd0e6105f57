"""What a loader hands to the structure parser: lines of text with their page, plus metadata.

Loaders only turn a file format into lines; recognising 章/条/項/附則 is done once, in
`indexer.structure`, so every format gets the same article-level passages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# A table-of-contents line's leader to its page number (……… 12): PDF contents pages are dropped by
# it, and the structure parser recognises a contents entry without it.
TOC_LEADER = re.compile(r"[…‥・.．･]{3,}\s*[0-9０-９]{1,4}\s*$")


class LoadError(Exception):
    """A file could not be read as its format claims (corrupt, encrypted, empty...)."""


@dataclass(frozen=True)
class TextBlock:
    """One logical line of a document.

    `heading_level` > 0 marks an explicit heading from the format (Markdown `#`, HTML `<h2>`,
    e-Gov `<ChapterTitle>`); 0 means ordinary text, whose structure the parser infers.
    """

    text: str
    page: int | None = None
    heading_level: int = 0
    # The heading was guessed from layout (a short Title Case line of a PDF), not marked up.
    heading_guessed: bool = False
    # A heading written again to return to its section after a nested part (an HTML definition
    # list of subsections) ended: the same section, not a second heading of that name.
    resumed: bool = False


@dataclass(frozen=True)
class LoadedDocument:
    blocks: list[TextBlock]
    title: str | None = None
    # Front matter / sidecar values (title, url, category, effective_date, allowed_groups, ...)
    metadata: dict[str, Any] = field(default_factory=dict)
