"""Evaluation metrics: pure functions per question, and their aggregate over a set of questions.

Choices (so the numbers can be read without the code):
- Retrieval (hit@k, mrr@k, ndcg@k) and citation metrics are computed over answerable questions that have gold
  sources only; unanswerable questions are measured by the abstention metrics instead.
- A passage is relevant (binary) when it hits any gold source (eval.matching). nDCG's ideal ranking puts
  min(max(#gold sources, #relevant passages retrieved), k) relevant items first: normally #gold sources, but
  when several passages hit one gold source (doc-only gold, a split article) the ideal grows with them so
  nDCG stays within [0, 1] and still rewards ranking them high.
- Per question, "mrr@k" holds the reciprocal rank (0 when nothing relevant is in the top k); the aggregate
  is its mean, i.e. the MRR.
- Citation precision = citations hitting any gold source / citations (None without citations);
  citation recall = gold sources hit by some citation / gold sources.
- answer_f1: see eval.answer_text; 0 when the system abstained on an answerable question.
- Abstention treats "abstain" as the positive class: precision = correct abstentions / abstentions,
  recall = abstentions on unanswerable / unanswerable; answered_rate = answered / answerable;
  balanced_accuracy = mean(abstain_recall, answered_rate).
- Latency percentiles interpolate linearly between order statistics (numpy's default "linear").
- ACL leaks: for questions that name `forbidden_docs`, the number of top-k passages plus citations from
  those documents (a document both retrieved and cited counts twice: both are exposures).
- Aggregates are macro means over the questions where the metric is defined (None values are skipped).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Mapping, Sequence
from typing import Any

from eval.answer_text import answer_f1
from eval.matching import NO_EQUIVALENTS, Equivalents, Evidence, hits_any, hits_source, normalize_doc
from eval.questions import EvalQuestion, GoldSource

HIT_CUTOFFS = (1, 3, 5, 10)
JUDGE_METRICS = ("groundedness", "relevance")
# For these a fail-under threshold is a maximum (lower is better).
LOWER_IS_BETTER = frozenset({"latency_p50_ms", "latency_p95_ms", "acl_leaks", "acl_leak_questions"})


def hit_cutoffs(k: int) -> tuple[int, ...]:
    return tuple(sorted({c for c in HIT_CUTOFFS if c <= k} | {k}))


def metric_names(k: int) -> tuple[str, ...]:
    """Every aggregate metric name a run with top-k can report (the names fail-under accepts)."""
    return (*(f"hit@{c}" for c in hit_cutoffs(k)), f"mrr@{k}", f"ndcg@{k}",
            "citation_precision", "citation_recall", "answer_f1",
            "abstain_precision", "abstain_recall", "answered_rate", "balanced_accuracy",
            "latency_p50_ms", "latency_p95_ms", "acl_leaks", "acl_leak_questions", *JUDGE_METRICS)


# --- retrieval -------------------------------------------------------------------------------------------

def relevance_flags(passages: Sequence[Mapping[str, Any]], sources: Sequence[GoldSource], k: int,
                    equivalents: Equivalents = NO_EQUIVALENTS) -> list[bool]:
    return [hits_any(Evidence.from_passage(p), sources, equivalents) for p in passages[:k]]


def first_hit_rank(flags: Sequence[bool]) -> int | None:
    return next((rank for rank, relevant in enumerate(flags, start=1) if relevant), None)


def hit_at(flags: Sequence[bool], k: int) -> float:
    return 1.0 if any(flags[:k]) else 0.0


def reciprocal_rank(flags: Sequence[bool], k: int) -> float:
    rank = first_hit_rank(flags[:k])
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at(flags: Sequence[bool], gold_count: int, k: int) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank, relevant in enumerate(flags[:k], start=1) if relevant)
    ideal_count = min(max(gold_count, sum(flags[:k])), k)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_count + 1))
    return dcg / ideal if ideal else 0.0


# --- citations -------------------------------------------------------------------------------------------

def citation_precision(citations: Sequence[Mapping[str, Any]], sources: Sequence[GoldSource],
                       equivalents: Equivalents = NO_EQUIVALENTS) -> float | None:
    if not citations:
        return None
    matched = sum(hits_any(Evidence.from_citation(c), sources, equivalents) for c in citations)
    return matched / len(citations)


def citation_recall(citations: Sequence[Mapping[str, Any]], sources: Sequence[GoldSource],
                    equivalents: Equivalents = NO_EQUIVALENTS) -> float | None:
    if not sources:
        return None
    cited = [Evidence.from_citation(c) for c in citations]
    found = sum(any(hits_source(e, source, equivalents) for e in cited) for source in sources)
    return found / len(sources)


# --- abstention, latency, ACL -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AbstentionCounts:
    """Confusion matrix with "abstained" as the positive prediction and "unanswerable" as the positive truth."""

    abstained_unanswerable: int = 0  # true positive
    abstained_answerable: int = 0  # false positive: refused a question the corpus answers
    answered_unanswerable: int = 0  # false negative: answered (guessed) where it should have abstained
    answered_answerable: int = 0  # true negative

    @classmethod
    def count(cls, outcomes: Sequence[tuple[bool, bool]]) -> AbstentionCounts:
        """outcomes: (answerable, abstained) per question."""
        return cls(sum(not a and s for a, s in outcomes), sum(a and s for a, s in outcomes),
                   sum(not a and not s for a, s in outcomes), sum(a and not s for a, s in outcomes))


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def abstention_metrics(counts: AbstentionCounts) -> dict[str, float | None]:
    precision = _ratio(counts.abstained_unanswerable, counts.abstained_unanswerable + counts.abstained_answerable)
    recall = _ratio(counts.abstained_unanswerable, counts.abstained_unanswerable + counts.answered_unanswerable)
    answered = _ratio(counts.answered_answerable, counts.answered_answerable + counts.abstained_answerable)
    balanced = None if recall is None or answered is None else (recall + answered) / 2
    return {"abstain_precision": precision, "abstain_recall": recall, "answered_rate": answered,
            "balanced_accuracy": balanced}


def percentile(values: Sequence[float], q: float) -> float | None:
    """q in [0, 100], linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def acl_leaks(passages: Sequence[Mapping[str, Any]], citations: Sequence[Mapping[str, Any]],
              forbidden_docs: Sequence[str]) -> int:
    forbidden = {normalize_doc(doc) for doc in forbidden_docs}
    return sum(normalize_doc(item.get("doc")) in forbidden for item in (*passages, *citations))


# --- per question and aggregate ---------------------------------------------------------------------------

def score_question(question: EvalQuestion, response: Mapping[str, Any], *, k: int = 10,
                   equivalents: Equivalents = NO_EQUIVALENTS) -> dict[str, Any]:
    """Per-question metrics; retrieval/citation/F1 values are None where they do not apply."""
    passages, citations = response.get("passages") or [], response.get("citations") or []
    abstained = bool(response.get("abstained"))
    scored: dict[str, Any] = {"abstained": abstained, "abstention_correct": abstained != question.answerable}
    has_gold = question.answerable and bool(question.sources)
    flags = relevance_flags(passages, question.sources, k, equivalents) if has_gold else []
    scored["first_hit_rank"] = first_hit_rank(flags)
    for cutoff in hit_cutoffs(k):
        scored[f"hit@{cutoff}"] = hit_at(flags, cutoff) if has_gold else None
    scored[f"mrr@{k}"] = reciprocal_rank(flags, k) if has_gold else None
    scored[f"ndcg@{k}"] = ndcg_at(flags, len(question.sources), k) if has_gold else None
    scored["citation_precision"] = citation_precision(citations, question.sources, equivalents) if has_gold else None
    scored["citation_recall"] = citation_recall(citations, question.sources, equivalents) if has_gold else None
    f1 = answer_f1(response.get("answer") or "", question.answer) if question.answerable else None
    scored["answer_f1"] = 0.0 if f1 is not None and abstained else f1
    if question.forbidden_docs:
        scored["acl_leaks"] = acl_leaks(passages[:k], citations, question.forbidden_docs)
    return scored


def _mean(values: Sequence[Any]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def hit_curve(per_question: Sequence[Mapping[str, Any]], k: int) -> list[float | None]:
    """hit@1..hit@k over questions with gold sources (those whose hit@1 is not None)."""
    ranks = [m.get("first_hit_rank") for m in per_question if m.get("hit@1") is not None]
    if not ranks:
        return [None] * k
    return [sum(r is not None and r <= cutoff for r in ranks) / len(ranks) for cutoff in range(1, k + 1)]


def aggregate(questions: Sequence[EvalQuestion], per_question: Sequence[Mapping[str, Any]],
              latencies_ms: Sequence[float], *, k: int = 10) -> dict[str, Any]:
    """Aggregate metrics plus counts (n_*); metrics that cannot be computed are None or omitted."""
    result: dict[str, Any] = {}
    for name in (*(f"hit@{c}" for c in hit_cutoffs(k)), f"mrr@{k}", f"ndcg@{k}",
                 "citation_precision", "citation_recall", "answer_f1"):
        result[name] = _mean([m.get(name) for m in per_question])
    counts = AbstentionCounts.count([(q.answerable, bool(m.get("abstained")))
                                     for q, m in zip(questions, per_question)])
    result.update(abstention_metrics(counts))
    result["latency_p50_ms"] = percentile(latencies_ms, 50)
    result["latency_p95_ms"] = percentile(latencies_ms, 95)
    leak_counts = [m["acl_leaks"] for m in per_question if "acl_leaks" in m]
    if leak_counts:
        result["acl_leaks"] = sum(leak_counts)
        result["acl_leak_questions"] = sum(1 for n in leak_counts if n)
    for name in JUDGE_METRICS:
        if any(name in m for m in per_question):
            result[name] = _mean([m.get(name) for m in per_question])
    result["n_questions"] = len(questions)
    result["n_answerable"] = sum(q.answerable for q in questions)
    result["n_unanswerable"] = len(questions) - result["n_answerable"]
    result["n_with_gold_sources"] = sum(m.get("hit@1") is not None for m in per_question)
    result["n_errors"] = sum(1 for m in per_question if m.get("error"))
    result["abstention_matrix"] = {"abstained_unanswerable": counts.abstained_unanswerable,
                                   "abstained_answerable": counts.abstained_answerable,
                                   "answered_unanswerable": counts.answered_unanswerable,
                                   "answered_answerable": counts.answered_answerable}
    result["hit_curve"] = hit_curve(per_question, k)
    return result
