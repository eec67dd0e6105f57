"""In-process evaluation of one dataset, both fixed halves, for quick ablations while tuning.

    .venv/bin/python bench/halves_eval.py ja-regulations [--drop-synonym KEY ...] [--drop-glossary KEY ...]
        [--weight NAME=VALUE ...]   # a RankWeights or RerankWeights field, e.g. purpose_article=0
        [--questions eval/colloquial/questions.jsonl]   # another question set over the same corpus

Same scoring as `app.py eval` (eval.metrics.score_question) over the eval index `app.py eval`
built for that corpus, but it loads the analyser and index once and can leave out vocabulary
entries, so the held-half effect of each entry can be measured one at a time.
"""
from __future__ import annotations

import argparse
import dataclasses
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import ask, default_eval_index  # noqa: E402
from eval.cli import default_equivalents_path  # noqa: E402
from eval.contract import normalize_response  # noqa: E402
from eval.matching import load_equivalents  # noqa: E402
from eval.metrics import aggregate, score_question  # noqa: E402
from eval.questions import load_questions  # noqa: E402
from eval.split import half_of  # noqa: E402
from retrieval import query  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
METRICS = ("hit@1", "hit@5", "mrr@10", "answer_f1", "abstain_recall", "answered_rate")


def drop_entries(name: str, keys: list[str]) -> None:
    if not keys:
        return
    mapping = query.load_mapping(name)
    for key in keys:
        mapping.pop(key.lower(), None)


def with_weights(searcher, overrides: dict[str, float]) -> None:
    """Set RankWeights / RerankWeights fields of the embedded searcher (an ablation)."""
    for name, value in overrides.items():
        if hasattr(searcher.weights, name):
            searcher.weights = dataclasses.replace(searcher.weights, **{name: value})
        elif hasattr(searcher.rerank_weights, name):
            searcher.rerank_weights = dataclasses.replace(searcher.rerank_weights, **{name: value})
        else:
            raise SystemExit(f"no weight named {name}")


def evaluate(dataset: str, datasets: Path = DATASETS, weights: dict[str, float] | None = None,
             questions_file: Path | None = None) -> dict[str, dict]:
    corpus = datasets / dataset / "corpus"
    questions = load_questions(questions_file or datasets / dataset / "questions.dev.jsonl")
    equivalents = load_equivalents(default_equivalents_path(corpus))
    index = default_eval_index(corpus)
    if not index.is_file():
        # Searching an index never built would score every question as unanswered: figures of zero
        # that read like a result.
        raise SystemExit(f"no eval index for {corpus}: build it first with "
                         f"`app.py eval --corpus {corpus} --questions {datasets / dataset / 'questions.dev.jsonl'}`")
    services = build_services(load_settings(), index_path=index)
    services.warm_up()
    with_weights(services.pipeline.searcher, weights or {})
    runner = asyncio.Runner()
    rows = []
    try:
        for q in questions:
            response = normalize_response(runner.run(ask(services, q.ask_text(), **q.ask_context())), k=10)
            rows.append((q, score_question(q, response, k=10, equivalents=equivalents), response))
    finally:
        runner.run(services.aclose())
        runner.close()
    out = {}
    for half in ("tune", "held", "all"):
        chosen = [(q, m) for q, m, _ in rows if half == "all" or half_of(q.id) == half]
        out[half] = aggregate([q for q, _ in chosen], [m for _, m in chosen], [0.0] * len(chosen), k=10)
    out["rows"] = rows
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--drop-synonym", action="append", default=[])
    parser.add_argument("--drop-glossary", action="append", default=[])
    parser.add_argument("--weight", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--misses", action="store_true", help="list the questions missed in the top 5")
    parser.add_argument("--questions", type=Path, help="another question file over the same corpus "
                        "(e.g. eval/colloquial/questions.jsonl)")
    args = parser.parse_args()
    drop_entries("synonyms.yaml", args.drop_synonym)
    drop_entries("glossary_en.yaml", args.drop_glossary)
    weights = {name: float(value) for name, value in (item.split("=", 1) for item in args.weight)}
    result = evaluate(args.dataset, weights=weights, questions_file=args.questions)
    for half in ("tune", "held", "all"):
        values = result[half]
        cells = " ".join(f"{m}={values[m]:.3f}" if values.get(m) is not None else f"{m}=-" for m in METRICS)
        print(f"{args.dataset:<18} {half:<5} n={values['n_questions']:<3} {cells}")
    if args.misses:
        for q, m, _response in result["rows"]:
            if q.answerable and not m.get("hit@5"):
                print("MISS", q.id, half_of(q.id), q.question[:60])
            if q.answerable == bool(m.get("abstained")):
                print("ABST" if q.answerable else "ANSW", q.id, half_of(q.id), q.question[:60])
    return 0


if __name__ == "__main__":
    sys.exit(main())
