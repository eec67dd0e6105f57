"""Pure helpers that read a Teams activity: the question text without @mentions, the language."""
from __future__ import annotations

import re

_AT_TAG = re.compile(r"<at[^>]*>.*?</at>", re.S | re.I)
_HTML_TAG = re.compile(r"<[^>]+>")


def strip_mentions(text: str | None) -> str:
    """Remove <at>Bot</at> mentions (Teams puts them in channel and group messages) and stray
    HTML, then collapse whitespace."""
    if not text:
        return ""
    text = _AT_TAG.sub(" ", text)
    text = _HTML_TAG.sub(" ", text).replace("&nbsp;", " ")
    return " ".join(text.split())


def parse_command(text: str) -> tuple[str, str] | None:
    """'/reindex now' -> ('reindex', 'now'); None when the text is not a command."""
    if not text.startswith("/"):
        return None
    name, _, rest = text[1:].partition(" ")
    return name.strip().lower(), rest.strip()


def locale_language(locale: str | None) -> str:
    """'en-US' -> 'en'; anything else (ja-JP, missing) -> 'ja'."""
    return "en" if (locale or "").lower().startswith("en") else "ja"
