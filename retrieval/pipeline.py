"""The answer pipeline: question in, cited answer out. Knows nothing about Teams or any SDK."""
from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from retrieval.groups import GroupResolver
from retrieval.models import Answer, Question
from retrieval.ports import Answerer, AnswerEvent, QueryExpander, QueryRewriter, Searcher

DEFAULT_TOP_K = 10


class AnswerPipeline:
    def __init__(self, *, searcher: Searcher, answerer: Answerer, top_k: int = DEFAULT_TOP_K,
                 rewriter: QueryRewriter | None = None, groups: GroupResolver | None = None,
                 expander: QueryExpander | None = None) -> None:
        self.searcher = searcher
        self.answerer = answerer
        self.rewriter = rewriter
        self.expander = expander
        self.groups = groups
        self.top_k = top_k

    async def stream(self, question: Question) -> AsyncIterator[AnswerEvent]:
        """Drafts while the answer is written (LLM answerers only), then the final Answer."""
        # STEP 0: the asker's groups come from the directory (or the admin's mapping), never from
        # the client; without a resolver, callers that know the groups (eval, `ask`) pass them
        if self.groups is not None and question.user_id:
            question = dataclasses.replace(question, groups=await self.groups.groups_of(question.user_id))
        # STEP 1: a follow-up ("それは何日まで？") becomes a self-contained search query
        query = question
        if self.rewriter is not None and question.history:
            query = dataclasses.replace(question, text=await self.rewriter.rewrite(question))
        # STEP 1b: the words the regulations would use for it (給料日前に先にもらう -> 非常時払);
        # keyword search cannot bridge a paraphrase by itself
        if self.expander is not None:
            query = dataclasses.replace(query, search_terms=await self.expander.expand(query))
        # STEP 2: retrieve the candidate passages the asker may see
        passages = await self.searcher.search(query, self.top_k)
        # STEP 3: answer from them (or abstain), citing what was used
        async for event in self.answerer.stream(question, passages):
            yield event

    async def answer(self, question: Question) -> Answer:
        final: Answer | None = None
        async for event in self.stream(question):
            if isinstance(event, Answer):
                final = event
        if final is None:
            raise RuntimeError("answerer ended without an answer")
        return final

    async def aclose(self) -> None:
        for part in (self.searcher, self.answerer, self.rewriter, self.groups, self.expander):
            close = getattr(part, "aclose", None)
            if close is not None:
                await close()
