"""Pure helpers that read a Teams activity: the question text without @mentions, the language."""
from __future__ import annotations

# Teams' own limit on a message is ~28 KB; anything longer is refused as too long anyway, so the
# scan below never looks past this many characters of hostile input.
MAX_SCAN_CHARS = 64_000
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _remove_spans(text: str, opener: str, closer: str) -> str:
    """Replace each `opener ... closer` span with a space in one left-to-right pass.

    A hand-written scan rather than a regex: `<at[^>]*>.*?</at>` and `<[^>]+>` backtrack to the end
    of the text for every unclosed tag, which made a 240 KB `<at>`-heavy message hold the event loop
    for a minute. Every character here is looked at a bounded number of times.
    """
    lowered = text.translate(_ASCII_LOWER)  # same length, so offsets carry over
    parts, position = [], 0
    while True:
        start = lowered.find(opener, position)
        if start < 0:
            break
        end = lowered.find(closer, start + len(opener))
        if end < 0:  # unclosed: nothing after this can close either
            break
        parts.append(text[position:start])
        parts.append(" ")
        position = end + len(closer)
    parts.append(text[position:])
    return "".join(parts)


def strip_mentions(text: str | None) -> str:
    """Remove <at>Bot</at> mentions (Teams puts them in channel and group messages) and stray
    HTML, then collapse whitespace."""
    if not text:
        return ""
    text = text[:MAX_SCAN_CHARS]
    text = _remove_spans(text, "<at", "</at>")
    text = _remove_spans(text, "<", ">").replace("&nbsp;", " ")
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
