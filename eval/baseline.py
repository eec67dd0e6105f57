"""Comparison with an earlier run's output directory: metric deltas and questions whose outcome flipped."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping, Sequence
from typing import Any


@dataclass(frozen=True)
class Flip:
    id: str
    question: str
    kind: str  # "hit@5" (retrieval outcome) or "abstained"
    before: Any
    after: Any
    improved: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "kind": self.kind, "before": self.before,
                "after": self.after, "improved": self.improved}


@dataclass(frozen=True)
class BaselineComparison:
    directory: str
    summary: Mapping[str, Any]  # the baseline's summary.json
    deltas: Mapping[str, Mapping[str, float]]  # metric -> {"baseline", "current", "delta"}
    flips: tuple[Flip, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"directory": self.directory, "deltas": dict(self.deltas),
                "flipped": [flip.to_dict() for flip in self.flips]}


def load_baseline(directory: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]] | None:
    """(summary, results by question id) from a previous run; None when it has no summary.json."""
    summary_path, results_path = Path(directory) / "summary.json", Path(directory) / "results.jsonl"
    if not summary_path.is_file():
        return None
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    results: dict[str, dict[str, Any]] = {}
    if results_path.is_file():
        for line in results_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                results[str(row.get("id"))] = row
    return summary, results


def metric_deltas(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """current - baseline for every metric that is a number in both (counts included, lists skipped)."""
    deltas = {}
    for name, value in current.items():
        before = baseline.get(name)
        if _is_number(value) and _is_number(before):
            deltas[name] = {"baseline": before, "current": value, "delta": value - before}
    return deltas


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def flipped_questions(current_rows: Sequence[Mapping[str, Any]], baseline_rows: Mapping[str, Mapping[str, Any]],
                      answerable_by_id: Mapping[str, bool], hit_metric: str = "hit@5") -> list[Flip]:
    """Questions present in both runs whose retrieval hit or abstention decision changed."""
    flips: list[Flip] = []
    for row in current_rows:
        question_id = str(row["id"])
        before = baseline_rows.get(question_id)
        if before is None:
            continue
        hit_now, hit_then = (row.get("metrics") or {}).get(hit_metric), (before.get("metrics") or {}).get(hit_metric)
        if hit_now is not None and hit_then is not None and hit_now != hit_then:
            flips.append(Flip(question_id, row.get("question", ""), hit_metric, hit_then, hit_now,
                              improved=hit_now > hit_then))
        abstained_now, abstained_then = bool(row.get("abstained")), bool(before.get("abstained"))
        if abstained_now != abstained_then:
            should_abstain = not answerable_by_id.get(question_id, True)
            flips.append(Flip(question_id, row.get("question", ""), "abstained", abstained_then, abstained_now,
                              improved=abstained_now == should_abstain))
    return flips


def compare_with_baseline(directory: Path, current_overall: Mapping[str, Any],
                          current_rows: Sequence[Mapping[str, Any]], answerable_by_id: Mapping[str, bool],
                          hit_metric: str = "hit@5") -> BaselineComparison | None:
    loaded = load_baseline(directory)
    if loaded is None:
        return None
    summary, baseline_rows = loaded
    return BaselineComparison(
        directory=str(directory), summary=summary,
        deltas=metric_deltas(current_overall, summary.get("overall") or {}),
        flips=tuple(flipped_questions(current_rows, baseline_rows, answerable_by_id, hit_metric)))
