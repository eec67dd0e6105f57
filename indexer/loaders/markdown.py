"""Markdown with optional YAML front matter (title, url, category, effective_date, allowed_groups)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from indexer.document import LoadedDocument, LoadError, TextBlock
from indexer.loaders.plaintext import read_text

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MARKUP = re.compile(r"(\*\*|__|`)")


def split_front_matter(text: str) -> tuple[dict, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"invalid front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise LoadError("front matter is not a mapping")
    return meta, text[match.end():]


def load(path: Path) -> LoadedDocument:
    meta, body = split_front_matter(read_text(path))
    blocks: list[TextBlock] = []
    title = meta.get("title")
    first_heading = None  # the title when there is no H1 (law excerpts start at `## 法令名`)
    for raw_line in body.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        heading = _HEADING.match(line)
        if heading:
            level, text = len(heading.group(1)), _MARKUP.sub("", heading.group(2))
            if title is None and (level == 1 or first_heading is None):
                first_heading = first_heading or text
                if level == 1:
                    title = text
            blocks.append(TextBlock(text, heading_level=level))
            continue
        line = re.sub(r"^[-*+]\s+", "", line)  # list bullets carry no meaning in 例規 text
        blocks.append(TextBlock(_MARKUP.sub("", line)))
    return LoadedDocument(blocks=blocks, title=title or first_heading, metadata=meta)
