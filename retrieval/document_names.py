"""Names a question may use for a document, beyond the law abbreviations in retrieval/data:
its file name, and for English documents the title words that tell it from the others."""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from collections.abc import Iterable, Mapping, Sequence

from retrieval.models import Passage


def document_names(passages: Sequence[Passage]) -> dict[str, str]:
    """Names a question may use for a document -> its title: the title itself, and the file
    name when it reads as a name (Northwind_Standard_Benefits_Details.pdf -> "northwind standard
    benefits details"). One-word or numbered file names (content.xml, 001_...) are left out."""
    names = {p.title: p.title for p in passages}
    for p in passages:
        stem = PurePosixPath(p.doc).stem
        words = re.split(r"[_\-\s]+", stem)
        if len(words) >= 2 and len(stem) >= 10 and not any(w.isdigit() for w in words):
            names.setdefault(" ".join(words), p.title)
    return names


_WORD = re.compile(r"[a-z][a-z']+")
_TITLE_STOPWORDS = frozenset({"the", "and", "for", "of", "plan", "details", "program", "employee", "employees"})


def distinctive_title_words(titles: Iterable[str]) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """For English titles: title -> (its words, the words no other title has)."""
    words = {t: frozenset(_WORD.findall(t.lower())) - _TITLE_STOPWORDS for t in set(titles) if t.isascii()}
    out = {}
    for title, own in words.items():
        others = frozenset().union(*(w for t, w in words.items() if t != title))
        out[title] = (own, own - others)
    return out


def titles_named_by_words(text: str,
                          title_words: Mapping[str, tuple[frozenset[str], frozenset[str]]]) -> tuple[str, ...]:
    """English documents a question names by two of their title words, one of them distinctive
    ("Northwind Standard" names "... Northwind Health Standard Plan", not the "Plus" plan)."""
    asked = set(_WORD.findall(text.lower()))
    return tuple(title for title, (own, distinctive) in title_words.items()
                 if asked & distinctive and len(asked & own) >= 2)
