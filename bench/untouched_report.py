"""The untouched estimates in one run, summary figures only: what a closing note reports.

    .venv/bin/python bench/untouched_report.py

The sets never chosen on (blind3, blind7, blind8, blind9, blind14 to blind30 over
ja-regulations; contoso-blind2 over the contoso handbook) are scored the way `app.py eval` scores
them, in one process. Only each set's summary is printed (hit@1 / hit@5 / hit@10 / MRR@10 / answer
F1 / citation precision / unanswerable abstained / answerable answered, and how many English
questions are found in the top 5) and two pooled figures (blind7-9, and blind14-30 written in the dev
questions' own register): never a question, so running it does not turn a set into a tuned one. A
set written for a later session is deliberately left out until its one evaluation is recorded.
Needs the eval indexes (`app.py eval` on each corpus builds them).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.halves_eval import evaluate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# The sets written in the dev questions' own register (blind14 on): pooled apart, so the blind7-9
# figure stays comparable. A new set joins by widening the range, once its one evaluation is recorded.
DEV_REGISTER = range(14, 31)
DEV_REGISTER_POOL = f"blind{DEV_REGISTER[0]}-{DEV_REGISTER[-1]}"
# (label, dataset, question file, the pool it joins or None)
SETS = (("blind7", "ja-regulations", "eval/blind7/questions.jsonl", "blind7-9"),
        ("blind8", "ja-regulations", "eval/blind8/questions.jsonl", "blind7-9"),
        ("blind9", "ja-regulations", "eval/blind9/questions.jsonl", "blind7-9"),
        ("blind3", "ja-regulations", "eval/blind3/questions.jsonl", None),
        *((f"blind{n}", "ja-regulations", f"eval/blind{n}/questions.jsonl", DEV_REGISTER_POOL)
          for n in DEV_REGISTER),
        ("contoso-blind2", "contoso-handbook", "eval/contoso-blind2/questions.jsonl", None))
METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "answer_f1", "citation_precision", "abstain_recall",
           "answered_rate")


def _cell(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> int:
    pools: dict[str, list[tuple[int | None, bool]]] = {}  # pool -> (first gold rank, answered) per question
    for label, dataset, questions, pool in SETS:
        result = evaluate(dataset, questions_file=REPO / questions)
        figures = result["all"]
        english = [metrics.get("hit@5") for question, metrics, _ in result["rows"]
                   if question.answerable and question.sources and question.lang == "en"]
        print(f"{label:<15} n={figures['n_questions']:<3} "
              + " ".join(f"{m}={_cell(figures.get(m))}" for m in METRICS)
              + f" english_top5={sum(1 for h in english if h)}/{len(english)}")
        if pool:
            pools.setdefault(pool, []).extend(
                (metrics.get("first_hit_rank"), not metrics.get("abstained"))
                for question, metrics, _ in result["rows"] if question.answerable and question.sources)
    for pool, pooled in pools.items():
        n = len(pooled)
        mrr = sum(1 / rank for rank, _ in pooled if rank) / n
        hit5 = sum(1 for rank, _ in pooled if rank and rank <= 5) / n
        answered = sum(1 for _, said in pooled if said) / n
        print(f"pooled {pool} answerable n={n} MRR@10={mrr:.3f} hit@5={hit5:.3f} answered={answered:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
