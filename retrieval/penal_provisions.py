"""Which penal provision (罰則) punishes the breach of which article of the same law.

A statute states a duty in one article (第三条　何人も、不正アクセス行為をしてはならない。) and its
punishment in the 罰則 chapter by the duty's number alone (第十一条　第三条の規定に違反した者は、三年以下
の拘禁刑…に処する。). Asked what happens to someone who breaks the duty, the words of the question find
the duty; the article that answers shares nothing with it but the number. So a penalty question's
best-ranked duty brings the penal provisions that cite it along (LocalSearcher._penalties_for_duties).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.models import Passage
from retrieval.numerals import NUMBER_CLASS, article_key

# What a penal provision imposes: a criminal penalty (四年以下の拘禁刑, 百万円以下の罰金) or an
# administrative fine (過料に処する). A disciplinary measure (戒告, 免職) is no 罰則.
_PENAL = re.compile(r"以下の(?:懲役|禁錮|拘禁刑|罰金|科料)|(?:罰金|科料|過料)に処する")
# The articles a provision cites, by number (第三十四条, 第三条の二) or as 前条 (the one before).
# A number written straight after a law's name (刑法第六十条, 同法第十条) is another law's.
_CITED = re.compile(rf"前条|(?<![法令則例])第({NUMBER_CLASS}+条(?:の{NUMBER_CLASS}+)*)")


def is_penal(text: str) -> bool:
    return bool(_PENAL.search(text))


def cited_keys(text: str, previous_key: str | None) -> set[str]:
    """The article keys a provision cites ("34", "3-2"); 前条 is `previous_key`."""
    keys = set()
    for match in _CITED.finditer(text):
        key = previous_key if match.group(0) == "前条" else article_key(f"第{match.group(1)}")
        if key:
            keys.add(key)
    return keys


@dataclass(frozen=True)
class PenalIndex:
    by_duty: dict[tuple[str, str], list[int]]  # (document, article key) -> rows of the provisions citing it
    penal: frozenset[tuple[str, str]]  # (document, article key) of every penal provision


def penal_index(passages: Sequence[Passage]) -> PenalIndex:
    """Which rows of `passages` are penal provisions, and which articles of their own document they cite.

    A document's articles are read in their order (`seq`), so 前条 is the article printed before. A
    long article is indexed in pieces: it is penal when any piece is (第百九条　次の各号のいずれかに該当
    する者は、一年以下の拘禁刑…に処する。 heads the items that cite the duties), and each piece counts for
    the articles it cites. A provision never counts as its own duty, and the 附則 are left out (their
    numbers are not the 本則's)."""
    articles: dict[tuple[str, str], list[int]] = {}
    for row, passage in enumerate(passages):
        if passage.article_key and not passage.supplementary:
            articles.setdefault((passage.doc, passage.article_key), []).append(row)
    order = sorted(articles, key=lambda key: (key[0], min(passages[r].seq for r in articles[key])))
    by_duty: dict[tuple[str, str], list[int]] = {}
    penal: set[tuple[str, str]] = set()
    previous: tuple[str, str] | None = None
    for doc, key in order:
        rows = articles[(doc, key)]
        before = previous[1] if previous is not None and previous[0] == doc else None
        previous = (doc, key)
        if not any(is_penal(passages[r].text) for r in rows):
            continue
        penal.add((doc, key))
        for row in rows:
            for cited in cited_keys(passages[row].text, before) - {key}:
                by_duty.setdefault((doc, cited), []).append(row)
    return PenalIndex(by_duty, frozenset(penal))
