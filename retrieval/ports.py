"""The small protocols the pipeline depends on; the local and Azure backends implement them."""
from __future__ import annotations

from typing import Protocol, Sequence

from retrieval.models import Answer, Question, ScoredPassage


class Searcher(Protocol):
    def search(self, question: Question, k: int) -> list[ScoredPassage]:
        """Passages for the question, best first, filtered to what the asker may see."""


class Answerer(Protocol):
    def answer(self, question: Question, passages: Sequence[ScoredPassage]) -> Answer:
        """An answer that cites the passages it rests on, or an abstention."""
