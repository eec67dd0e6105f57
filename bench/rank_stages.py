"""Where the embedded searcher's time per question goes, stage by stage.

    .venv/bin/python bench/rank_stages.py [--rounds 5] [--profile]

Over the three dev sets, after a warm-up pass, each question is ranked `--rounds` times as a new
question: the caches keyed by question text are emptied before each call (see
bench.retrieval_peers.forget_question_texts), the corpus-side caches stay warm. Each stage's
method is wrapped with a timer; "rest" is rank() minus the stages. Also printed, as floors: the
raw Sudachi tokenisation of the question alone, and the tantivy peer's whole query.
--profile: a cProfile of the same loop instead (cumulative, then own time).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DATASET_NAMES, DATASETS, eval_index, percentile, questions  # noqa: E402
from bench.retrieval_peers import forget_question_texts  # noqa: E402

STAGES = {  # stage -> (owner attribute path from the searcher, method name)
    "plan (QueryPlanner.plan)": ("planner", "plan"),
    "name words / spelling": ("", "_without_name_words"),
    "article rows": ("", "_article_rows"),
    "BM25F (TermMatrix.scores)": ("matrix", "scores"),
    "features + confidence": ("", "_features"),
    "rerank (top candidates)": ("", "_rerank"),
    "English proximity": ("", "_english_proximity"),
    "page context": ("", "_page_context"),
    "dense (sentence model)": ("", "_with_dense"),
    "bigram tail": ("", "_with_bigram_tail"),
}


INNER = ("Sudachi + term filter", "answer type (regexes)")


def _timed(method, spent: list[float]):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started
    if hasattr(method, "cache_clear"):  # a cached function stays clearable (forget_question_texts)
        wrapper.cache_clear = method.cache_clear  # type: ignore[attr-defined]
    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    from retrieval.analysis import detect_language
    from retrieval.models import Question
    from services import build_services
    from settings import load_settings
    from eval.naive import read_passages
    from bench.retrieval_peers import TantivyBigrams

    sets = []
    for dataset in DATASET_NAMES:
        index = eval_index(DATASETS / dataset / "corpus")
        services = build_services(load_settings(), index_path=index)
        searcher = services.pipeline.searcher
        searcher.warm_up()
        asked = [Question(text=q, language=detect_language(q)) for q in questions(dataset)]
        for question in asked:
            searcher.rank(question, 10)
        sets.append((dataset, services, searcher, asked, TantivyBigrams(read_passages(index))))

    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        for _ in range(args.rounds):
            for _dataset, _services, searcher, asked, _tantivy in sets:
                for question in asked:
                    forget_question_texts()
                    profile.enable()
                    searcher.rank(question, 10)
                    profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        return 0

    spent: dict[str, list[float]] = defaultdict(lambda: [0.0])
    # Inside the plan: Sudachi with our term filtering (once per question text), and the answer
    # type (retrieval.answer_types.analyse, regular expressions).
    from retrieval import query

    for name in ("_tagged_content",) if hasattr(query, "_tagged_content") else ("_content_terms", "_content_nouns"):
        setattr(query, name, _timed(getattr(query, name), spent[INNER[0]]))  # (the latter: older code)
    query.analyse = _timed(query.analyse, spent[INNER[1]])
    for _dataset, _services, searcher, _asked, _tantivy in sets:
        matrix = searcher.matrix()
        for stage, (owner, name) in STAGES.items():
            target = {"": searcher, "planner": searcher.planner, "matrix": matrix}[owner]
            setattr(target, name, _timed(getattr(target, name), spent[stage]))
    totals: list[float] = []
    tokenise: list[float] = []
    tantivy_times: list[float] = []
    count = 0
    for _ in range(args.rounds):
        for _dataset, _services, searcher, asked, tantivy in sets:
            tokenizer = searcher.planner.analyzer._tokenizer()
            for question in asked:  # each in its own pass, as bench/retrieval_peers.py times them
                forget_question_texts()
                started = time.perf_counter()
                searcher.rank(question, 10)
                totals.append((time.perf_counter() - started) * 1000)
                count += 1
            for question in asked:
                started = time.perf_counter()
                tokenizer.tokenize(question.text)
                tokenise.append((time.perf_counter() - started) * 1000)
            for question in asked:
                started = time.perf_counter()
                tantivy.rank(question.text, 10)
                tantivy_times.append((time.perf_counter() - started) * 1000)
    mean_total = sum(totals) / count
    print(f"{count} rankings ({args.rounds} rounds of {count // args.rounds} dev questions), mean ms per question")
    accounted = 0.0
    for stage in STAGES:
        ms = spent[stage][0] * 1000 / count
        accounted += ms
        print(f"  {stage:<28} {ms:7.3f}")
    print(f"  {'rest of rank()':<28} {mean_total - accounted:7.3f}")
    print(f"  {'rank() total (mean)':<28} {mean_total:7.3f}   p50 {statistics.median(totals):.3f}"
          f"  p99 {percentile(totals, 99):.3f}")
    print("  included in the stages above (planner, confidence):")
    for inner in INNER:
        print(f"    {inner:<26} {spent[inner][0] * 1000 / count:7.3f}")
    print(f"floors: Sudachi tokenize(question) alone p50 {statistics.median(tokenise):.3f} ms;"
          f" tantivy whole query p50 {statistics.median(tantivy_times):.3f} ms")
    for _dataset, services, *_ in sets:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
