"""The default answerer when no LLM is configured: quote the best matching articles, cite them.

It never paraphrases or invents: the answer is the sentences of the regulation that match the
question best, each with its [n] marker and article name. It abstains when the best passage does
not cover enough of what the question asks about.
"""
from __future__ import annotations

import re
from typing import Sequence

from prompts import messages
from retrieval.analysis import Analyzer
from retrieval.models import Answer, Citation, Question, ScoredPassage
from retrieval.query import content_terms

_SENTENCE_END = re.compile(r"(?<=[。．])|\n")
MAX_QUOTE_CHARS = 220


class ExtractiveAnswerer:
    def __init__(self, *, analyzer: Analyzer, min_coverage: float = 0.5, max_citations: int = 2,
                 second_score_ratio: float = 0.85) -> None:
        self.analyzer = analyzer
        self.min_coverage = min_coverage
        self.max_citations = max_citations
        self.second_score_ratio = second_score_ratio

    # STEP 1: decide whether the passages answer the question at all
    def coverage(self, question_terms: Sequence[str], passage: ScoredPassage) -> float:
        """Share of the question's distinct content terms found in the passage or its title."""
        wanted = set(question_terms)
        if not wanted:
            return 0.0
        p = passage.passage
        found = set(self.analyzer.terms(f"{p.title} {p.caption or ''} {p.text}"))
        return len(wanted & found) / len(wanted)

    def answer(self, question: Question, passages: Sequence[ScoredPassage]) -> Answer:
        terms = content_terms(self.analyzer, question.text)
        chosen = self._choose(terms, passages)
        if not chosen:
            return self._abstain(question, passages)
        # STEP 2: quote the best sentence(s) of each chosen passage, numbered in order
        text_lines = [messages(question.language)["answer_intro"]]
        citations = []
        for position, scored in enumerate(chosen, start=1):
            quote = best_quote(scored.passage.text, set(terms), self.analyzer)
            citations.append(Citation(position=position, passage=scored.passage, quote=quote))
            text_lines.append(messages(question.language)["answer_item"].format(
                quote=quote, n=position, name=scored.passage.citation_name))
        text_lines.append(messages(question.language)["answer_outro"])
        return Answer(text="\n\n".join(text_lines), citations=tuple(citations),
                      passages=tuple(passages), abstained=False, language=question.language)

    def _choose(self, terms: Sequence[str], passages: Sequence[ScoredPassage]) -> list[ScoredPassage]:
        if not passages or self.coverage(terms, passages[0]) < self.min_coverage:
            return []
        chosen = [passages[0]]
        for candidate in passages[1:]:
            if len(chosen) >= self.max_citations:
                break
            same_article = any(
                c.passage.doc == candidate.passage.doc and c.passage.article == candidate.passage.article
                for c in chosen)
            if (candidate.score >= passages[0].score * self.second_score_ratio and not same_article
                    and self.coverage(terms, candidate) >= self.min_coverage):
                chosen.append(candidate)
        return chosen

    def _abstain(self, question: Question, passages: Sequence[ScoredPassage]) -> Answer:
        text = messages(question.language)
        return Answer(text=f"{text['abstain']}\n\n{text['abstain_hint']}", citations=(),
                      passages=tuple(passages), abstained=True, language=question.language)


def best_quote(text: str, terms: set[str], analyzer: Analyzer) -> str:
    """The sentence of `text` sharing most terms with the question (first wins ties)."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    sentences = [s for s in sentences if not re.fullmatch(r"[（(].*[）)]", s)] or sentences
    best = max(sentences, key=lambda s: len(terms & set(analyzer.terms(s))), default=text)
    if len(best) > MAX_QUOTE_CHARS:
        best = best[: MAX_QUOTE_CHARS - 1] + "…"
    return best
