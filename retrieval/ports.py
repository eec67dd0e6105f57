"""The small protocols the pipeline and the indexer depend on; each backend implements them.

Everything that may wait on a network (search, a language model) is async. The embedded backend
does its CPU work in a worker thread behind the same async methods, so the event loop never stalls.
Index writing is a batch job (CLI or a background /reindex thread) and stays synchronous.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Protocol

from retrieval.models import Answer, AnswerDraft, DocumentRecord, IndexedPassage, Question, ScoredPassage

# What an answerer emits: drafts (the whole text so far) while it writes, then exactly one Answer.
AnswerEvent = AnswerDraft | Answer


class Searcher(Protocol):
    async def search(self, question: Question, k: int) -> list[ScoredPassage]:
        """Passages for the question, best first, filtered to what the asker may see.

        `ScoredPassage.confidence` is defined the same way for every backend: 0..1, how much of
        what the question asks about the passage covers. Answerers abstain below a threshold.
        None means the backend has no absolute relevance signal for this query (e.g. Azure
        without a semantic reranker score): answerers then judge coverage themselves.
        """

    async def aclose(self) -> None:
        """Release clients and connections."""


class Answerer(Protocol):
    def stream(self, question: Question, passages: Sequence[ScoredPassage]) -> AsyncIterator[AnswerEvent]:
        """Drafts while the answer is being written (none for non-streaming answerers), then the
        final Answer, which cites the passages it rests on or abstains."""

    async def aclose(self) -> None:
        """Release clients."""


class QueryRewriter(Protocol):
    async def rewrite(self, question: Question) -> str:
        """A self-contained search query for a follow-up question, using `question.history`."""


class QueryExpander(Protocol):
    async def expand(self, question: Question) -> tuple[str, ...]:
        """The words the regulations would use for what is asked (育休 -> 育児休業): searched
        beside the asker's own words; () when none can be given."""


class Embedder(Protocol):
    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text."""


class IndexWriter(Protocol):
    """Where the indexer puts parsed passages: the embedded SQLite index or Azure AI Search."""

    def document_hashes(self) -> dict[str, str]:
        """doc id -> content hash of every indexed document (unchanged files are skipped)."""

    def apply_changes(self, upserts: Iterable[tuple[DocumentRecord, list[IndexedPassage]]],
                      removals: Iterable[str] = ()) -> None:
        """Replace or add documents and remove others; a failure leaves what was indexed usable."""

    def stats(self) -> dict:
        """{"documents": n, "passages": n, "last_indexed": str | None}"""

    def exists(self) -> bool:
        """Whether anything is indexed yet."""

    def close(self) -> None: ...
