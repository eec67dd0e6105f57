"""Both dev halves side by side, per dataset and per tag, from finished eval runs.

    python -m eval.halves data/eval-out/ja-regulations data/eval-out/contoso-handbook ...

Reads each run's results.jsonl and the questions file named in its summary.json, splits the
questions by eval.split, and prints the main metrics for tune / held / all. No question is asked
again, so this costs nothing after `app.py eval --split all`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from eval.metrics import aggregate
from eval.questions import load_questions
from eval.split import half_of

METRICS = ("hit@1", "hit@5", "mrr@10", "answer_f1", "abstain_recall", "answered_rate", "balanced_accuracy")


def half_summaries(run_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """{group ("overall" or "tag:<t>"): {"tune"|"held"|"all": aggregate}} for one run folder."""
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    k = summary.get("k", 10)
    questions = {q.id: q for q in load_questions(Path(summary["dataset"]["questions_path"]))}
    rows = [json.loads(line) for line in (run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rows = [r for r in rows if r["id"] in questions]
    groups: dict[str, list[dict]] = {"overall": rows}
    for row in rows:
        for tag in questions[row["id"]].tags:
            groups.setdefault(f"tag:{tag}", []).append(row)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name, members in sorted(groups.items(), key=lambda item: (item[0] != "overall", item[0])):
        out[name] = {}
        for half in ("tune", "held", "all"):
            chosen = [r for r in members if half == "all" or half_of(r["id"]) == half]
            out[name][half] = aggregate([questions[r["id"]] for r in chosen], [r["metrics"] for r in chosen],
                                        [r.get("latency_ms", 0.0) for r in chosen], k=k)
    return out


def format_halves(name: str, halves: dict[str, dict[str, dict[str, Any]]],
                  metrics: Sequence[str] = METRICS) -> str:
    lines = [f"== {name}", f"{'group':<22} {'half':<5} {'n':>3} " + " ".join(f"{m:>17}" for m in metrics)]
    for group, by_half in halves.items():
        for half, values in by_half.items():
            cells = " ".join(f"{_cell(values.get(m)):>17}" for m in metrics)
            lines.append(f"{group:<22} {half:<5} {values.get('n_questions', 0):>3} {cells}")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.halves", description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="eval --out folders")
    parser.add_argument("--overall-only", action="store_true", help="no per-tag rows")
    args = parser.parse_args(argv)
    for run in args.runs:
        halves = half_summaries(run)
        if args.overall_only:
            halves = {"overall": halves["overall"]}
        print(format_halves(run.name, halves))
    return 0


if __name__ == "__main__":
    sys.exit(main())
