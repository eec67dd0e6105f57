"""A fixed two-way split of every question set, by a hash of the question id.

Weights and vocabulary are tuned looking at the "tune" half only; the "held" half shows whether a
change generalises. The split depends on nothing but the id, so it never moves when questions are
added, reordered or edited.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol, TypeVar

SPLITS = ("tune", "held", "all")



class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def half_of(question_id: str) -> str:
    """"tune" or "held": the low bit of the first byte of sha256(id)."""
    return "held" if hashlib.sha256(question_id.encode("utf-8")).digest()[0] & 1 else "tune"


def select(questions: Sequence[T], split: str) -> list[T]:
    """The questions of `split` ("tune", "held", or "all"), in their original order."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    if split == "all":
        return list(questions)
    return [q for q in questions if half_of(q.id) == split]
