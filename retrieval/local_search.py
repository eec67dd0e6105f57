"""The embedded Searcher: query planning, BM25 candidates from SQLite FTS5, feature re-ranking.

Candidates come from three places: BM25 over the asker's words plus their statutory synonyms,
the same restricted to laws the question names, and a direct jump to articles it cites
(地公法38条). A small linear model over interpretable features then orders them; its weights are
set by measurement on the dev sets (see README, "Retrieval quality").
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from retrieval.analysis import Analyzer, normalize
from retrieval.local_index import Candidate, LocalIndex
from retrieval.models import Question, ScoredPassage
from retrieval.query import QueryPlan, QueryPlanner

_ASCII = re.compile(r"^[a-z0-9'\-]+$")


@dataclass(frozen=True)
class RankWeights:
    bm25: float = 1.0
    coverage: float = 1.0  # share (IDF-weighted) of the asker's terms found in the passage
    expansion_coverage: float = 0.5
    law_match: float = 0.6  # the passage belongs to a law the question names
    article_match: float = 2.0  # the passage is the article the question cites
    paragraph_match: float = 0.3
    caption_match: float = 0.3  # a query term appears in the article caption （見出し）
    supplementary: float = -0.4  # 附則 rarely answers a staff question
    other_version: float = -0.3  # another version of the law than the one asked about
    candidate_pool: int = 80


class LocalSearcher:
    def __init__(self, *, index: LocalIndex, analyzer: Analyzer, weights: RankWeights = RankWeights()) -> None:
        self.index = index
        self.planner = QueryPlanner(analyzer)
        self.weights = weights
        self._titles: list[str] | None = None

    def titles(self) -> list[str]:
        if self._titles is None:
            self._titles = self.index.titles()
        return self._titles

    def refresh(self) -> None:
        """Forget cached index facts after a re-index."""
        self._titles = None

    def search(self, question: Question, k: int) -> list[ScoredPassage]:
        plan = self.planner.plan(question.text, self.titles())
        groups = question.groups or None
        # STEP 1: gather candidates
        pool = self.weights.candidate_pool
        found: dict[str, Candidate] = {}
        for candidate in self.index.candidates(plan.all_terms, limit=pool, groups=groups):
            found.setdefault(candidate.passage.passage_id, candidate)
        if plan.laws:
            for candidate in self.index.candidates(plan.all_terms, limit=pool // 2, groups=groups,
                                                   titles=plan.laws):
                found.setdefault(candidate.passage.passage_id, candidate)
        for ref in plan.articles:
            titles = [ref.law] if ref.law else list(plan.laws) or None
            for candidate in self.index.article_candidates(ref.article_key, titles=titles, groups=groups):
                found.setdefault(candidate.passage.passage_id, candidate)
        if not found:
            return []
        # STEP 2: score each candidate on interpretable features, best first
        scored = self._rank(plan, list(found.values()))
        return scored[:k]

    def _rank(self, plan: QueryPlan, candidates: list[Candidate]) -> list[ScoredPassage]:
        w = self.weights
        idf = self._idf(plan.all_terms)
        user_terms = [t for t in plan.terms if not (_ASCII.match(t) and plan.expansions and idf[t] == 0)]
        top_bm25 = max(c.bm25 for c in candidates) or 1.0
        newest = self._newest_versions(candidates)
        results = []
        for c in candidates:
            words = c.body_terms | c.title_terms | c.heading_terms
            coverage = _weighted_share(user_terms, words, idf)
            expansion = _weighted_share(plan.expansions, words, idf)
            p = c.passage
            score = w.bm25 * (c.bm25 / top_bm25) + w.coverage * coverage + w.expansion_coverage * expansion
            if p.title in plan.laws:
                score += w.law_match
            for ref in plan.articles:
                if p.article_key == ref.article_key and not p.supplementary and (
                        ref.law is None or ref.law == p.title):
                    score += w.article_match
                    if ref.paragraph and _has_paragraph(p.text, ref.paragraph):
                        score += w.paragraph_match
            if c.heading_terms & set(plan.all_terms):
                score += w.caption_match
            if p.supplementary:
                score += w.supplementary
            if not self._preferred_version(p.doc, p.title, plan, newest):
                score += w.other_version
            confidence = max(coverage, 0.75 * expansion) if user_terms else expansion
            results.append((score, confidence, p))
        results.sort(key=lambda item: item[0], reverse=True)
        return [ScoredPassage(p, score, confidence=conf) for score, conf, p in results]

    def _idf(self, terms: Sequence[str]) -> dict[str, float]:
        frequencies = self.index.document_frequencies(list(terms))
        total = max(self.index.passage_count(), 1)
        return {t: (math.log(1 + (total - frequencies.get(t, 0) + 0.5) / (frequencies.get(t, 0) + 0.5))
                    if frequencies.get(t, 0) else 0.0) for t in terms}

    @staticmethod
    def _newest_versions(candidates: list[Candidate]) -> dict[str, str]:
        """For each title with several documents among the candidates, the most recent one."""
        by_title: dict[str, set[tuple[str, str]]] = {}
        for c in candidates:
            by_title.setdefault(c.passage.title, set()).add((c.passage.effective_date or "", c.passage.doc))
        return {title: max(docs)[1] for title, docs in by_title.items() if len(docs) > 1}

    @staticmethod
    def _preferred_version(doc: str, title: str, plan: QueryPlan, newest: dict[str, str]) -> bool:
        if title not in newest:
            return True
        is_newest = newest[title] == doc
        return not is_newest if plan.wants_old_version and not plan.wants_current_version else is_newest


def _weighted_share(terms: Sequence[str], words: frozenset[str], idf: dict[str, float]) -> float:
    total = sum(idf.get(t, 0.0) or 1.0 for t in terms)
    if not total:
        return 0.0
    return sum(idf.get(t, 0.0) or 1.0 for t in terms if t in words) / total


def _has_paragraph(text: str, number: int) -> bool:
    """Whether the passage holds paragraph `number` (lines start with ２ / 2 after NFKC)."""
    return number == 1 or re.search(rf"(?:^|\n){number}\s", normalize(text)) is not None
