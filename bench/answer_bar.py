"""The extractive answerer's operating point on the tune pool: answered vs abstained per confidence bar.

    .venv/bin/python bench/answer_bar.py [--bars 0.2 0.25 0.3 0.35]

The bar (`models.ANSWER_CONFIDENCE`, the share of what the question is about that the lead passage
must cover) trades answerable questions answered against unanswerable ones abstained. This ranks every
question of the tune pool once (the sets of `bench/tune_report.py`; never the untouched ones) and
composes the answer under each bar, printing, per hash half of the question ids: answerable answered,
unanswerable abstained, answer character-F1 and the citation precision over answerable questions (a
wrong citation counts as 0, an abstention as 0). A lower bar answers more, but what it adds is read off
the citation column: an answer that cites the wrong article is not an answer.

Session 27 (the ranking of b4bd314): at 0.25 instead of 0.30, half A answered .884 -> .912 and half B .883 ->
.906, meeting issue #10's answered >= .90 with abstained .847 -> .814 / .820 -> .780, and F1 rose
.384 -> .394 / .378 -> .384. But of the 9 answerable questions it answered, 1 cites the right article,
4 unanswerable ones were answered, and 1 right answer lost its citation (a lower bar lets the first
passage lead instead of the right runner-up): the same right answers, more wrong ones. The bar stays.
Needs the eval index (`app.py eval` on ja-regulations builds it).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import answer_to_dict, default_eval_index  # noqa: E402
from bench.tune_report import bot_question, pool_questions  # noqa: E402
from eval.cli import default_equivalents_path  # noqa: E402
from eval.contract import normalize_response  # noqa: E402
from eval.matching import load_equivalents  # noqa: E402
from eval.metrics import score_question  # noqa: E402
from eval.split import half_of  # noqa: E402
from retrieval.extractive import ExtractiveAnswerer  # noqa: E402
from retrieval.models import ANSWER_CONFIDENCE  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ja-regulations"


def ranked_pool(services) -> list[tuple]:
    """(eval question, our Question, its ranked passages) for every tune-pool question."""
    searcher = services.pipeline.searcher
    asked = [(q, bot_question(q)) for _label, q in pool_questions()]
    return [(q, question, searcher.rank(question, services.pipeline.top_k)) for q, question in asked]


def figures(rows: list[tuple], answerer, equivalents) -> dict[str, dict[str, float]]:
    per_half: dict[str, dict[str, list[float]]] = {}
    for q, question, passages in rows:
        response = normalize_response(answer_to_dict(answerer.compose(question, passages)), k=10)
        scored = score_question(q, response, k=10, equivalents=equivalents)
        half = per_half.setdefault(half_of(q.id), {"answered": [], "abstained": [], "f1": [], "cited": []})
        if q.answerable:
            half["answered"].append(0.0 if scored["abstained"] else 1.0)
            half["f1"].append(scored["answer_f1"] or 0.0)
            half["cited"].append(0.0 if scored["abstained"] else scored["citation_precision"] or 0.0)
        else:
            half["abstained"].append(1.0 if scored["abstained"] else 0.0)
    return {h: {k: sum(v) / len(v) for k, v in values.items() if v} | {"n": len(values["answered"])}
            for h, values in sorted(per_half.items())}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bars", type=float, nargs="+", default=[0.2, 0.25, ANSWER_CONFIDENCE, 0.35])
    args = parser.parse_args()
    corpus = DATASET / "corpus"
    services = build_services(load_settings(), index_path=default_eval_index(corpus))
    try:
        services.warm_up()
        rows = ranked_pool(services)
        equivalents = load_equivalents(default_equivalents_path(corpus))
        analyzer = services.pipeline.searcher.planner.analyzer
        # the product's answerer with only its bar changed: its sentence models as built
        similarity = getattr(services.pipeline.answerer, "sentence_similarity", None)
        meaning = getattr(services.pipeline.answerer, "passage_similarity", None)
        translations = getattr(services.pipeline.answerer, "translations", None)
        for bar in args.bars:
            answerer = ExtractiveAnswerer(analyzer=analyzer, min_coverage=bar, sentence_similarity=similarity,
                                          passage_similarity=meaning, translations=translations)
            for half, values in figures(rows, answerer, equivalents).items():
                print(f"bar={bar:.2f}{' (default)' if bar == ANSWER_CONFIDENCE else '':10s} {half:<4} "
                      f"answered={values['answered']:.3f} abstained={values['abstained']:.3f} "
                      f"F1={values['f1']:.3f} cited_right={values['cited']:.3f} (answerable n={values['n']})")
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
