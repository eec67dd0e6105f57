"""Retrieval latency: p50/p95 of LocalSearcher.search() alone (no answer composition).

    .venv/bin/python bench/search_bench.py [--corpus ../shared/datasets/ja-regulations/corpus]

Uses the eval index of that corpus (built if missing) and the corpus' dev questions, each asked
`--rounds` times after one warm-up pass (the first query loads the in-memory postings).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import default_eval_index  # noqa: E402
from retrieval.analysis import detect_language  # noqa: E402
from retrieval.models import Question  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "datasets" / "ja-regulations" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    services = build_services(load_settings(), index_path=default_eval_index(args.corpus))
    if not services.index.exists():
        services.indexer.run(args.corpus)
    questions = [json.loads(line)["question"]
                 for line in (args.corpus.parent / "questions.dev.jsonl").read_text(encoding="utf-8").splitlines()]
    searcher = services.pipeline.searcher
    started = time.perf_counter()
    searcher.matrix()
    load_seconds = time.perf_counter() - started
    asked = [Question(text=q, language=detect_language(q)) for q in questions]
    for question in asked:  # warm-up: analyser dictionaries, caches
        searcher.rank(question, 10)
    timings = []
    for _ in range(args.rounds):
        for question in asked:
            t0 = time.perf_counter()
            searcher.rank(question, 10)
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95)]
    print(f"corpus: {args.corpus} ({services.index.passage_count()} passages)")
    print(f"in-memory postings load: {load_seconds:.2f} s")
    print(f"search latency over {len(timings)} queries: p50 {statistics.median(timings):.2f} ms,"
          f" p95 {p95:.2f} ms, max {timings[-1]:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
