"""The tune pool's ranking alone, in one process, so many weight settings can be compared in minutes.

    .venv/bin/python bench/rank_search.py [--weight NAME=VALUE ...]            # one setting vs the defaults
    .venv/bin/python bench/rank_search.py --sweep NAME=V1,V2,...               # one weight, several values
    .venv/bin/python bench/rank_search.py --random 300 [--scale 0.3] [--seed 1]  # random perturbations

Ranks every answerable question of the tune pool (bench/tune_report.py's SETS) with the embedded
searcher and scores its first gold rank exactly as `app.py eval` does (eval.metrics.score_question
over the top 10), without the answerer. The first pass embeds each question once (~45 s); after that
a setting takes about a second, because question vectors are kept for the whole run.

Every line shows both hash halves: choose on half A ("tune"), keep only what half B does not lose.
`--random` perturbs every weight at once (log-normal, `--scale`) and lists the best settings on
half A beside their half-B figure, and the two halves' correlation over all samples: it tells
whether the weights sit at a joint optimum (nothing beats the defaults on A by more than noise) or
a joint move would pay. The ranks of the defaults equal bench/tune_report.py --ranks.
"""
from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import retrieval.passage_vectors as passage_vectors  # noqa: E402
from app import default_eval_index  # noqa: E402
from bench.halves_eval import DATASETS, with_weights  # noqa: E402
from bench.tune_report import bot_question, pool_questions  # noqa: E402
from eval.cli import default_equivalents_path  # noqa: E402
from eval.contract import normalize_response  # noqa: E402
from eval.matching import load_equivalents  # noqa: E402
from eval.metrics import score_question  # noqa: E402
from eval.split import half_of  # noqa: E402
from retrieval.models import Answer  # noqa: E402
from retrieval.serialize import answer_to_dict  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402

K = 10
# The weights --random perturbs: every RankWeights / RerankWeights field that moves the tune pool's
# ranking (the English-only and handbook-only ones, and those at zero, are left out).
PERTURBED = ("expansion_term", "bm25", "coverage", "expansion_coverage", "law_match", "caption_match",
             "supplementary", "other_version", "national_counterpart", "guidance", "defines_named_term",
             "compound_proximity", "asked_coverage", "cited_rule", "loose_concept", "bigram_tail", "dense",
             "caption", "answer_value", "definition", "bound", "document_margin", "modality")


class TunePool:
    """The ja corpus's searcher and the tune pool's answerable questions, loaded once."""

    def __init__(self, datasets: Path = DATASETS) -> None:
        # Every question's vector is kept for the run: the second setting on embeds nothing.
        passage_vectors.RECENT_QUESTIONS = 100_000
        corpus = datasets / "ja-regulations" / "corpus"
        self.services = build_services(load_settings(), index_path=default_eval_index(corpus))
        self.services.warm_up()
        self.searcher = self.services.pipeline.searcher
        self.defaults = (self.searcher.weights, self.searcher.rerank_weights)
        self.equivalents = load_equivalents(default_equivalents_path(corpus))
        self.items = [(f"{label}:{q.id}:{half_of(q.id)}", (q, bot_question(q)))
                      for label, q in pool_questions(datasets) if q.answerable and q.sources]

    def ranks(self, overrides: dict[str, float]) -> dict[str, int | None]:
        """Each question's first gold rank in the top K (None: not there) under these weights."""
        self.searcher.weights, self.searcher.rerank_weights = self.defaults
        with_weights(self.searcher, overrides)
        return {key: first_gold_rank(self.searcher, q, question, K, self.equivalents)[0]
                for key, (q, question) in self.items}


def first_gold_rank(searcher, q, question, k: int, equivalents) -> tuple[int | None, list]:
    """(first gold rank in the top k or None, the ranked results) of one eval question: the ranked
    list alone, scored in the contract `app.py eval` scores (no answer, no citation)."""
    results = searcher.rank(question, k)
    response = answer_to_dict(Answer(text="", citations=(), passages=tuple(results), abstained=False,
                                     language=question.language))
    metrics = score_question(q, normalize_response(response, k=k), k=k, equivalents=equivalents)
    return metrics.get("first_hit_rank"), results


def half_figures(ranks: dict[str, int | None], half: str) -> tuple[float, float]:
    """(MRR@10, hit@5) over one hash half: "A" is the tune half, "B" the other."""
    chosen = [rank for key, rank in ranks.items() if key.endswith(":tune") == (half == "A")]
    return (sum(1 / r for r in chosen if r) / len(chosen),
            sum(1 for r in chosen if r and r <= 5) / len(chosen))


def line(label: str, ranks: dict[str, int | None]) -> str:
    (mrr_a, hit_a), (mrr_b, hit_b) = half_figures(ranks, "A"), half_figures(ranks, "B")
    return f"{label:<40} A MRR={mrr_a:.4f} hit@5={hit_a:.3f} | B MRR={mrr_b:.4f} hit@5={hit_b:.3f}"


def _parse(items: list[str]) -> dict[str, float]:
    return {name: float(value) for name, value in (item.split("=", 1) for item in items)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weight", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--sweep", metavar="NAME=V1,V2,...")
    parser.add_argument("--random", type=int, default=0, metavar="N")
    parser.add_argument("--scale", type=float, default=0.3, help="sd of the log-normal factor per weight")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=10, help="--random: how many best settings to list")
    args = parser.parse_args()
    pool = TunePool()
    print(f"{len(pool.items)} answerable tune-pool questions", flush=True)
    print(line("defaults", pool.ranks({})), flush=True)
    fixed = _parse(args.weight)
    if fixed:
        print(line(" ".join(args.weight), pool.ranks(fixed)), flush=True)
    if args.sweep:
        name, values = args.sweep.split("=", 1)
        for value in values.split(","):
            print(line(f"{name}={value}", pool.ranks({**fixed, name: float(value)})), flush=True)
    if args.random:
        rng = random.Random(args.seed)
        rank, rerank = pool.defaults
        defaults = {name: getattr(rank if hasattr(rank, name) else rerank, name) for name in PERTURBED}
        samples = []
        for _ in range(args.random):
            weights = {name: value * math.exp(rng.gauss(0, args.scale)) for name, value in defaults.items()}
            ranks = pool.ranks({**weights, **fixed})
            samples.append((half_figures(ranks, "A")[0], half_figures(ranks, "B")[0], weights))
        samples.sort(key=lambda sample: -sample[0])
        for mrr_a, mrr_b, weights in samples[:args.show]:
            shown = " ".join(f"{name}={value:.3g}" for name, value in weights.items())
            print(f"A MRR={mrr_a:.4f} B MRR={mrr_b:.4f}  {shown}")
        if len(samples) > 2:
            correlation = statistics.correlation([s[0] for s in samples], [s[1] for s in samples])
            print(f"{len(samples)} samples; halves' MRR correlation {correlation:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
