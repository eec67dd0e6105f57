"""Penalty questions made from the corpus itself: does a duty's 罰則 rank, with and without the penalty step?

    .venv/bin/python bench/penalty_pseudo.py [--corpus ../shared/datasets/ja-regulations/corpus] [--n 80]

No dev question is used. Statutes punish by number (第五条の規定に違反した者は…), so every article some
penal provision of its law cites is a duty (retrieval.penal_provisions.penal_index); `--n` of them, drawn
at random, are asked in two wordings built from the duty's caption (…に違反したらどんな罰がありますか？,
…を守らなかった場合の罰則は？). The gold is any provision citing the duty. Prints hit@1 and hit@5 with
`RankWeights.penalty_duties` at 0 (the step off) and at its default. Needs the eval index
(`app.py eval` on the corpus builds it).
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import default_eval_index  # noqa: E402
from retrieval.local_search import RankWeights  # noqa: E402
from retrieval.models import Question  # noqa: E402
from retrieval.penal_provisions import penal_index  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "datasets" / "ja-regulations" / "corpus"
WORDINGS = ("{caption}に違反したらどんな罰がありますか？", "{caption}を守らなかった場合の罰則は？")


def pseudo_questions(passages, n: int, seed: int = 3) -> list[tuple[str, str, set[str]]]:
    """(question, document, the articles whose ranking counts as a hit) for n duties with a caption."""
    index = penal_index(passages)
    by_article = {(p.doc, p.article_key): p for p in passages if p.article_key and not p.supplementary}
    duties = [(by_article[duty], {passages[row].article for row in rows})
              for duty, rows in index.by_duty.items() if duty in by_article and by_article[duty].caption]
    duties.sort(key=lambda duty: (duty[0].doc, duty[0].seq))
    random.Random(seed).shuffle(duties)
    return [(wording.format(caption=duty.caption), duty.doc, gold)
            for duty, gold in duties[:n] for wording in WORDINGS]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=80)
    args = parser.parse_args()
    services = build_services(load_settings(), index_path=default_eval_index(args.corpus))
    services.warm_up()
    searcher = services.pipeline.searcher
    questions = pseudo_questions(searcher.matrix().passages, args.n)
    default = searcher.weights
    for depth in (0, RankWeights().penalty_duties):
        searcher.weights = dataclasses.replace(default, penalty_duties=depth)
        first = []
        for text, doc, gold in questions:
            ranked = [(r.passage.doc, r.passage.article) for r in searcher.rank(Question(text, "ja"), 10)]
            first.append(next((i for i, (d, a) in enumerate(ranked, 1) if d == doc and a in gold), None))
        hit1 = sum(1 for rank in first if rank == 1) / len(first)
        hit5 = sum(1 for rank in first if rank and rank <= 5) / len(first)
        print(f"penalty_duties={depth}: {len(first)} questions hit@1={hit1:.3f} hit@5={hit5:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
