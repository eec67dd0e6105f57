"""How far the embedded ranking's own signals can go on questions it was never tuned on.

    .venv/bin/python bench/ranking_ceiling.py [--random 100] [--scale 0.5] [--seed 53] [--coordinate 2] [--pool NAME]

For the untouched ja sets (blind7-9 pooled, and blind14-30 written in the dev questions' register;
the same pools as bench/untouched_report.py) and, for comparison, the tune pool, it prints:

1. **Where the gold article is**: the share of answerable questions whose gold is in the first
   1 / 5 / 10 / 20 / 50 / 100 results, and the share whose first result is in a gold *document*
   (right law, maybe the wrong article). The gap between hit@5 and hit@50 is what a better
   re-ranker of the candidates already found could win; the gap to 100% needs better recall.
2. **An upper bound on re-weighting**: `--random` joint perturbations of every ranking weight
   (as bench/rank_search.py --random), each scored on *the pool itself*, and the best MRR@10 any of
   them reaches; then `--coordinate` passes of coordinate ascent from the defaults (each weight in
   turn set to 0, halved or doubled, the best kept), a stronger search. Weights chosen on the very
   questions they are scored on are not a result; they are the most that re-weighting the present
   signals could give, so a target above that needs a new signal, not tuning. Only pooled figures are printed, never a question or a winning setting, so
   running it does not turn an untouched set into a tuned one (nothing here is adopted).

Needs the ja eval index (`app.py eval` on ja-regulations builds it) and REIKI_DENSE=auto for the
figures the product gives. About 3 minutes for the first pass, then 1-6 s per setting and pool.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import retrieval.passage_vectors as passage_vectors  # noqa: E402
from app import default_eval_index  # noqa: E402
from bench.halves_eval import DATASETS, with_weights  # noqa: E402
from bench.rank_search import PERTURBED, first_gold_rank  # noqa: E402
from bench.tune_report import bot_question, pool_questions  # noqa: E402
from bench.untouched_report import SETS as UNTOUCHED_SETS  # noqa: E402
from eval.cli import default_equivalents_path  # noqa: E402
from eval.matching import Equivalents, load_equivalents, normalize_doc  # noqa: E402
from eval.questions import load_questions  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEPTHS = (1, 5, 10, 20, 50, 100)
MRR_K = 10


def recall_at(ranks: Sequence[int | None], depth: int) -> float:
    """Share of questions whose first gold rank is within `depth` (None: not found at all)."""
    return sum(1 for rank in ranks if rank is not None and rank <= depth) / len(ranks) if ranks else 0.0


def mrr_at(ranks: Sequence[int | None], k: int = MRR_K) -> float:
    """MRR@k from first gold ranks, as eval.metrics scores it (a rank beyond k counts 0)."""
    return sum(1 / rank for rank in ranks if rank is not None and rank <= k) / len(ranks) if ranks else 0.0


def first_in_gold_document(passage_docs: Sequence[str], gold_docs: Iterable[str],
                           equivalents: Equivalents) -> bool:
    """Whether the first result is in one of the gold documents (or another version of one)."""
    if not passage_docs:
        return False
    first = normalize_doc(passage_docs[0])
    return any(first == normalize_doc(gold) or equivalents.are_versions(first, normalize_doc(gold))
               for gold in gold_docs)


class Pools:
    """The ja searcher and the answerable questions of each pool, loaded once."""

    def __init__(self) -> None:
        passage_vectors.RECENT_QUESTIONS = 100_000  # every question's vector kept: later settings embed nothing
        corpus = DATASETS / "ja-regulations" / "corpus"
        services = build_services(load_settings(), index_path=default_eval_index(corpus))
        services.warm_up()
        self.searcher = services.pipeline.searcher
        self.defaults = (self.searcher.weights, self.searcher.rerank_weights)
        self.equivalents = load_equivalents(default_equivalents_path(corpus))
        self.pools: dict[str, list] = {"tune pool": [q for _label, q in pool_questions(DATASETS)]}
        for _label, dataset, questions, pool in UNTOUCHED_SETS:
            if dataset == "ja-regulations" and pool:
                self.pools.setdefault(pool, []).extend(load_questions(REPO / questions))
        for name, questions in self.pools.items():
            self.pools[name] = [(q, bot_question(q)) for q in questions if q.answerable and q.sources]

    def ranks(self, name: str, overrides: Mapping[str, float], depth: int) -> tuple[list[int | None], list[bool]]:
        """(first gold rank within `depth`, first result in a gold document) per question of a pool."""
        self.searcher.weights, self.searcher.rerank_weights = self.defaults
        with_weights(self.searcher, dict(overrides))
        ranks, documents = [], []
        for q, question in self.pools[name]:
            rank, results = first_gold_rank(self.searcher, q, question, depth, self.equivalents)
            ranks.append(rank)
            documents.append(first_in_gold_document([r.passage.doc for r in results],
                                                    [s.doc for s in q.sources], self.equivalents))
        return ranks, documents


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--random", type=int, default=100, metavar="N", help="joint perturbations per pool")
    parser.add_argument("--scale", type=float, default=0.5, help="sd of the log-normal factor per weight")
    parser.add_argument("--seed", type=int, default=53)
    parser.add_argument("--coordinate", type=int, default=0, metavar="PASSES", help="coordinate-ascent passes")
    parser.add_argument("--pool", action="append", default=[], help="only these pools (default: every one)")
    args = parser.parse_args()
    pools = Pools()
    rank_weights, rerank_weights = pools.defaults
    defaults = {name: getattr(rank_weights if hasattr(rank_weights, name) else rerank_weights, name)
                for name in PERTURBED}
    for name, questions in pools.pools.items():
        if args.pool and name not in args.pool:
            continue
        ranks, documents = pools.ranks(name, {}, max(DEPTHS))
        print(f"{name:<16} n={len(questions):<4} " + " ".join(f"in{d}={recall_at(ranks, d):.3f}" for d in DEPTHS)
              + f" MRR@10={mrr_at(ranks):.3f} first-in-gold-document={sum(documents) / len(documents):.3f}",
              flush=True)
        if args.random:
            rng = random.Random(args.seed)
            best = mrr_at(ranks)
            for _ in range(args.random):
                weights = {w: value * math.exp(rng.gauss(0, args.scale)) for w, value in defaults.items()}
                best = max(best, mrr_at(pools.ranks(name, weights, MRR_K)[0]))
            print(f"{name:<16} best MRR@10 of the defaults and {args.random} perturbations "
                  f"(scale {args.scale}), chosen on the pool itself: {best:.3f}", flush=True)
        if args.coordinate:
            best, tried = coordinate_ascent(lambda weights, pool=name: mrr_at(pools.ranks(pool, weights, MRR_K)[0]),
                                            defaults, mrr_at(ranks), args.coordinate)
            print(f"{name:<16} best MRR@10 of {tried} settings by coordinate ascent ({args.coordinate} passes), "
                  f"chosen on the pool itself: {best:.3f}", flush=True)
    return 0


def coordinate_ascent(score, start: Mapping[str, float], start_score: float, passes: int,
                      factors: Sequence[float] = (0.0, 0.5, 2.0)) -> tuple[float, int]:
    """(best score, settings tried): each weight in turn multiplied by each factor, the best kept.
    A weight at zero is tried at 0.1 and 1 instead, so it can enter."""
    current, best, tried = dict(start), start_score, 0
    for _ in range(passes):
        for name in current:
            values = [0.1, 1.0] if current[name] == 0 else [current[name] * f for f in factors]
            for value in values:
                tried += 1
                candidate = {**current, name: value}
                figure = score(candidate)
                if figure > best:
                    best, current = figure, candidate
    return best, tried


if __name__ == "__main__":
    sys.exit(main())
