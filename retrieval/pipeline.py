"""The answer pipeline: question in, cited answer out. Knows nothing about Teams."""
from __future__ import annotations

from retrieval.models import Answer, Question
from retrieval.ports import Answerer, Searcher

DEFAULT_TOP_K = 10


class AnswerPipeline:
    def __init__(self, *, searcher: Searcher, answerer: Answerer, top_k: int = DEFAULT_TOP_K) -> None:
        self.searcher = searcher
        self.answerer = answerer
        self.top_k = top_k

    def answer(self, question: Question) -> Answer:
        # STEP 1: retrieve the candidate passages the asker may see
        passages = self.searcher.search(question, self.top_k)
        # STEP 2: answer from them (or abstain), citing what was used
        return self.answerer.answer(question, passages)
