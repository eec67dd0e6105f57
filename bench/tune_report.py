"""Every tuning set over the ja-regulations corpus in one run: what a ranking change is chosen on.

    .venv/bin/python bench/tune_report.py [--weight NAME=VALUE ...] [--ranks out.json] [--compare before.json]

The sets are the ones changes may be chosen on (the ja dev and colloquial halves, blind2, blind4,
blind5, blind6, and since sessions 21 to 24 blind10, blind11, blind12 and blind13, each after its one
untouched evaluation); the untouched estimates (blind3, blind7, blind8, blind9) are deliberately not here.
Prints hit@1 / hit@5 / MRR@10 / F1 / abstained / answered per set and half, then the pooled gold-rank
figures over every answerable tune and held question. `--ranks` writes each question's first gold
rank; `--compare` lists the questions whose rank moved against such a file.
Needs the eval index (`app.py eval` on ja-regulations builds it).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.halves_eval import DATASETS, METRICS, evaluate  # noqa: E402
from eval.questions import load_questions  # noqa: E402
from eval.split import half_of  # noqa: E402
from retrieval.analysis import detect_language  # noqa: E402
from retrieval.models import Question  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# (label, question file or None for the dataset's dev set, which halves are chosen on)
SETS = (("ja-dev", None, ("tune", "held")),
        ("colloquial", REPO / "eval/colloquial/questions.jsonl", ("tune", "held")),
        ("blind2", REPO / "eval/blind2/questions.jsonl", ("all",)),
        ("blind4", REPO / "eval/blind4/questions.jsonl", ("all",)),
        ("blind5", REPO / "eval/blind5/questions.jsonl", ("all",)),
        ("blind6", REPO / "eval/blind6/questions.jsonl", ("all",)),
        ("blind10", REPO / "eval/blind10/questions.jsonl", ("all",)),
        ("blind11", REPO / "eval/blind11/questions.jsonl", ("all",)),
        ("blind12", REPO / "eval/blind12/questions.jsonl", ("all",)),
        ("blind13", REPO / "eval/blind13/questions.jsonl", ("all",)))



def pool_questions(datasets: Path = DATASETS) -> list[tuple[str, object]]:
    """(set label, eval question) for every question of the tune pool, in SETS order."""
    return [(label, q) for label, questions_file, _halves in SETS
            for q in load_questions(questions_file or datasets / "ja-regulations" / "questions.dev.jsonl")]


def bot_question(q) -> Question:
    """What the bot is asked for an eval question: its text, asker and groups, as `app.py eval` asks."""
    context = q.ask_context()
    text = q.ask_text()
    return Question(text=text, language=detect_language(text), user_id=context.get("user"),
                    groups=tuple(context.get("groups") or ()))

def _cells(values: dict) -> str:
    return " ".join(f"{m}={values[m]:.3f}" if values.get(m) is not None else f"{m}=-" for m in METRICS)


def pooled(ranks: dict[str, int | None]) -> str:
    n = len(ranks)
    mrr = sum(1 / r for r in ranks.values() if r) / n
    hit = {k: sum(1 for r in ranks.values() if r and r <= k) / n for k in (1, 5, 10)}
    return f"pooled n={n} MRR@10={mrr:.4f} hit@1={hit[1]:.3f} hit@5={hit[5]:.3f} hit@10={hit[10]:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weight", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--ranks", type=Path, help="write each answerable question's first gold rank")
    parser.add_argument("--compare", type=Path, help="a --ranks file to list rank changes against")
    args = parser.parse_args()
    weights = {name: float(value) for name, value in (item.split("=", 1) for item in args.weight)}
    ranks: dict[str, int | None] = {}
    for label, questions_file, halves in SETS:
        result = evaluate("ja-regulations", weights=weights, questions_file=questions_file)
        for half in halves:
            print(f"{label:<11} {half:<4} n={result[half]['n_questions']:<3} {_cells(result[half])}")
        for question, metrics, _response in result["rows"]:
            if question.answerable and question.sources:
                ranks[f"{label}:{question.id}:{half_of(question.id)}"] = metrics.get("first_hit_rank")
    print(pooled(ranks))
    print(pooled({key: rank for key, rank in ranks.items() if key.endswith(":tune") or
                  key.split(":")[0].startswith("blind")}).replace("pooled", "chosen-on"))
    if args.ranks:
        args.ranks.write_text(json.dumps(ranks, ensure_ascii=False, indent=0), encoding="utf-8")
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        for key in sorted(ranks.keys() & before.keys()):
            if ranks[key] != before[key]:
                print(f"moved {key}: {before[key]} -> {ranks[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
