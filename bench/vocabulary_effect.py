"""Each colloquial-vocabulary entry's measured effect on the tuning sets: what it is worth, one by one.

    .venv/bin/python bench/vocabulary_effect.py [--only-changed]

For every entry of `retrieval/data/synonyms.yaml` that fires on some answerable question of the tuning
sets (bench/tune_report.py's SETS; the untouched estimates are not read), the question's first gold rank
is measured again with that entry alone made inert (its key kept, its expansions emptied), and the
difference in reciprocal rank is printed: positive when the entry helps. Only the questions an entry
fires on can move, so each entry costs a few questions' ranking, not a whole run (about 30 s in all).
Needs the eval index (`app.py eval` on ja-regulations builds it).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import ask, default_eval_index  # noqa: E402
from bench.halves_eval import DATASETS  # noqa: E402
from bench.tune_report import SETS  # noqa: E402
from eval.cli import default_equivalents_path  # noqa: E402
from eval.contract import normalize_response  # noqa: E402
from eval.matching import load_equivalents  # noqa: E402
from eval.metrics import score_question  # noqa: E402
from eval.questions import EvalQuestion, load_questions  # noqa: E402
from eval.split import half_of  # noqa: E402
from retrieval import query  # noqa: E402
from retrieval.analysis import Analyzer, normalize, without_courtesies  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402


def fired_keys(analyzer: Analyzer, text: str) -> set[str]:
    """The synonym keys the planner matches in `text`: as substrings, and by their terms (払わ)."""
    flat = without_courtesies(normalize(text))
    keys, _words = query.QueryPlanner._synonyms(flat)
    by_term = query._synonym_keys_by_term(analyzer).get_all(query.content_terms(analyzer, flat))
    return set(keys) | set(by_term)


def reciprocal(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only-changed", action="store_true", help="list only entries that move a rank")
    args = parser.parse_args()
    corpus = DATASETS / "ja-regulations" / "corpus"
    equivalents = load_equivalents(default_equivalents_path(corpus))
    services = build_services(load_settings(), index_path=default_eval_index(corpus))
    services.warm_up()
    analyzer = services.pipeline.searcher.planner.analyzer
    runner = asyncio.Runner()

    def rank(question: EvalQuestion) -> int | None:
        query.forget_question_texts()  # the plan must be made again with the mapping as it now is
        response = normalize_response(runner.run(ask(services, question.ask_text(), **question.ask_context())), k=10)
        return score_question(question, response, k=10, equivalents=equivalents).get("first_hit_rank")

    questions = [(f"{label}:{q.id}:{half_of(q.id)}", q)
                 for label, questions_file, _halves in SETS
                 for q in load_questions(questions_file or DATASETS / "ja-regulations" / "questions.dev.jsonl")
                 if q.answerable and q.sources]
    firing: dict[str, list[tuple[str, EvalQuestion]]] = {}
    for key, question in questions:
        for entry in fired_keys(analyzer, question.ask_text()):
            firing.setdefault(entry, []).append((key, question))
    mapping = query.load_mapping("synonyms.yaml")
    totals = {"helps": 0, "hurts": 0, "neutral": 0}
    net = 0.0
    try:
        fired_on = dict(item for items in firing.values() for item in items)
        with_entry = {key: rank(question) for key, question in fired_on.items()}
        for entry, items in sorted(firing.items()):
            saved, mapping[entry] = mapping[entry], []
            try:
                without = {key: rank(question) for key, question in items}
            finally:
                mapping[entry] = saved
            gain = sum(reciprocal(with_entry[key]) - reciprocal(without[key]) for key, _ in items)
            net += gain
            totals["helps" if gain > 0 else "hurts" if gain < 0 else "neutral"] += 1
            moved = " ".join(f"{key.split(':')[1]} {without[key]}->{with_entry[key]}"
                             for key, _ in items if without[key] != with_entry[key])
            if moved or not args.only_changed:
                print(f"{entry}\tfires on {len(items)}\tRR gain {gain:+.3f}\t{moved}")
    finally:
        runner.run(services.aclose())
        runner.close()
    print(f"{len(firing)} entries fire on some of the {len(questions)} answerable tuning questions: "
          f"{totals['helps']} help, {totals['hurts']} hurt, {totals['neutral']} move nothing; "
          f"net MRR gain of the vocabulary {net / len(questions):+.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
