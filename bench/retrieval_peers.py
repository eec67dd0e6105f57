"""Retrieval latency of the embedded searcher against two peers built from the same passages.

    .venv/bin/python bench/retrieval_peers.py [--rounds 5] [--quick]

For each dev set (ja-regulations, contoso-handbook, lawqa-jp): the embedded index (`app.py eval`'s
index of that corpus), and, built here from its passages:
  tantivy        in-memory tantivy index, passages pre-tokenised into character bigrams (ASCII
                 words whole, eval/naive.py's `bigrams`), BM25 over an OR of the question's bigrams
  fts5-trigram   SQLite FTS5 with its trigram tokenizer (eval/naive.py's NaiveSearcher)
Each engine's synchronous ranking call is timed (query analysis included, no thread hop), after
one warm-up pass over the questions. The engines take turns pass by pass (same questions, same
repetitions, see _time), and every timed call meets its question as a new one: our caches keyed
by question text (its Sudachi terms, its answer type) are emptied before it, outside the timing,
as the peers keep nothing per question either; caches of the corpus (postings, per-passage text)
stay warm, as in a serving process. hit@5 (the gold document among the first five) is shown so a
fast peer cannot look good by finding nothing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DATASET_NAMES, DATASETS, eval_index, percentile  # noqa: E402


class TantivyBigrams:
    def __init__(self, passages) -> None:
        import tantivy

        from eval.naive import bigrams

        self._tantivy, self._bigrams, self.passages = tantivy, bigrams, list(passages)
        builder = tantivy.SchemaBuilder()
        builder.add_unsigned_field("row", stored=True)
        builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)  # in RAM
        writer = self.index.writer(heap_size=64_000_000, num_threads=1)
        for row, passage in enumerate(self.passages):
            writer.add_document(tantivy.Document(row=row, body=" ".join(bigrams(passage.text))))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def rank(self, text: str, k: int) -> list:
        tantivy = self._tantivy
        terms = list(dict.fromkeys(self._bigrams(text)))
        if not terms:
            return []
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "body", t)) for t in terms])
        hits = self.searcher.search(query, k).hits
        return [self.passages[self.searcher.doc(address)["row"][0]] for _score, address in hits]


def _gold(dataset: str) -> list[tuple[str, set[str]]]:
    """(question, gold document ids) per dev question; unanswerable ones have no gold docs."""
    out = []
    for line in (DATASETS / dataset / "questions.dev.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        docs = set()
        for source in item.get("sources") or item.get("gold") or []:
            doc = source.get("doc") if isinstance(source, dict) else source
            if doc:
                docs.add(doc)
        out.append((item["question"], docs))
    return out


def forget_question_texts() -> None:
    """Empty the caches keyed by question text, so that a repeated question costs what a new one
    does (Sudachi, intent); the caches of corpus-side words and passages are left warm."""
    from retrieval import answer_types, query

    query.forget_question_texts()
    answer_types.analyse.cache_clear()


def _time(engines: dict, questions, rounds: int) -> tuple[dict[str, list[float]], dict[str, list[list]]]:
    """Per engine: timings (ms) of `rounds` passes over the questions, after a warm-up pass whose
    results are returned (for hit@5). The engines take turns pass by pass: each runs a whole pass
    on its own (its steady state: taking turns per question would let each evict the other's CPU
    caches, which costs tantivy's ~0.1 ms queries most), and a change of outside load on the
    shared machine falls on every engine's passes alike."""
    results = {name: [rank(q) for q in questions] for name, rank in engines.items()}
    timings: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(rounds):
        for name, rank in engines.items():
            for question in questions:
                forget_question_texts()
                started = time.perf_counter()
                rank(question)
                timings[name].append((time.perf_counter() - started) * 1000)
    return timings, results


def _hit_at_5(results: list[list], gold: list[set[str]]) -> float | None:
    scored = [(r, g) for r, g in zip(results, gold) if g]
    if not scored:
        return None
    hits = sum(1 for r, g in scored if any(p.doc in g or any(p.doc.endswith(d) for d in g) for p in r[:5]))
    return hits / len(scored)


def run(rounds: int) -> dict:
    from eval.naive import NaiveSearcher, read_passages
    from retrieval.analysis import detect_language
    from retrieval.models import Question
    from services import build_services
    from settings import load_settings

    pooled: dict[str, list[float]] = {"embedded": [], "tantivy": [], "fts5-trigram": []}
    per_set = {}
    for dataset in DATASET_NAMES:
        corpus = DATASETS / dataset / "corpus"
        index = eval_index(corpus)
        services = build_services(load_settings(), index_path=index)
        searcher = services.pipeline.searcher
        searcher.warm_up()
        passages = read_passages(index)
        started = time.perf_counter()
        tantivy = TantivyBigrams(passages)
        tantivy_build = time.perf_counter() - started
        started = time.perf_counter()
        trigram = NaiveSearcher("trigram", passages)
        trigram_build = time.perf_counter() - started
        items = _gold(dataset)
        texts = [q for q, _ in items]
        # The lambdas run within this iteration (timed below), so binding the loop's engines late is right.
        engines = {
            "embedded": lambda q: [s.passage for s in searcher.rank(Question(text=q, language=detect_language(q)), 10)],  # noqa: B023
            "tantivy": lambda q: tantivy.rank(q, 10),  # noqa: B023
            "fts5-trigram": lambda q: [s.passage for s in trigram.rank(Question(text=q, language="ja"), 10)],  # noqa: B023
        }
        per_set[dataset] = {"passages": len(passages), "build": {"tantivy": tantivy_build, "fts5-trigram": trigram_build}}
        timings, results = _time(engines, texts, rounds)
        for name in engines:
            pooled[name].extend(timings[name])
            per_set[dataset][name] = {"p50": statistics.median(timings[name]), "p99": percentile(timings[name], 99),
                                      "hit5": _hit_at_5(results[name], [g for _, g in items])}
        trigram.close()
        services.close()
    return {"pooled": {name: {"p50": statistics.median(t), "p99": percentile(t, 99), "n": len(t)}
                       for name, t in pooled.items()}, "per_set": per_set}


def rows(result: dict) -> list[list[str]]:
    table = []
    for name, all_sets in result["pooled"].items():
        row = [name, f"{all_sets['p50']:.2f} / {all_sets['p99']:.2f}"]
        for dataset in DATASET_NAMES:
            r = result["per_set"][dataset][name]
            hit = "-" if r["hit5"] is None else f"{r['hit5']:.2f}"
            row.append(f"{r['p50']:.2f} / {r['p99']:.2f} (hit@5 {hit})")
        table.append(row)
    return table


HEADER = ["engine", "all: p50 / p99 ms", *[f"{d}: p50 / p99 ms" for d in DATASET_NAMES]]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from bench.table import print_table

    result = run(1 if args.quick else args.rounds)
    print_table(HEADER, rows(result))
    for dataset, info in result["per_set"].items():
        print(f"  {dataset}: {info['passages']} passages; peers built in"
              f" tantivy {info['build']['tantivy']:.1f} s, fts5-trigram {info['build']['fts5-trigram']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
