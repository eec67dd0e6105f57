"""Run a questions file through ask(), score it, write results.jsonl, summary.json and report.html.

A question whose ask() call raises is recorded with its error and scored as an empty answer (a miss, not
abstained): a crash is never better than a wrong answer, and the run continues with the other questions.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from datetime import datetime, UTC
from pathlib import Path
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from eval.baseline import BaselineComparison, compare_with_baseline
from eval.contract import normalize_response
from eval.judge import Judge, judge_answer, load_prompt
from eval.matching import Equivalents, load_equivalents
from eval.metrics import JUDGE_METRICS, aggregate, metric_names, score_question
from eval.progress import ProgressBar
from eval.questions import EvalQuestion, QuestionFormatError, load_questions
from eval.report import write_report
from eval.split import select
from eval.thresholds import Threshold, ThresholdError, parse_thresholds, violations

PROJECT_ROOT = Path(__file__).resolve().parent.parent

EXIT_OK, EXIT_FAILED_THRESHOLD, EXIT_USAGE = 0, 1, 2


def dataset_fingerprint(questions_path: Path, corpus_dir: Path | None = None) -> str:
    """sha256 over the questions file and, when given, every (non-hidden) corpus file's path and content."""
    digest = hashlib.sha256(b"questions\0" + Path(questions_path).read_bytes())
    if corpus_dir is not None and Path(corpus_dir).is_dir():
        for path in sorted(Path(corpus_dir).rglob("*")):
            relative = path.relative_to(corpus_dir)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                digest.update(b"\0corpus\0" + relative.as_posix().encode("utf-8") + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def app_commit(cwd: Path = PROJECT_ROOT) -> str | None:
    try:
        # Fixed argv, no shell; git from PATH as a developer runs it (only records the app commit in reports).
        completed = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,  # noqa: S607  # nosec B603 B607
                                   timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:  # not a git checkout, or a repository without commits yet
        return None
    return completed.stdout.strip() or None


def evaluate_question(question: EvalQuestion, ask: Callable[..., Mapping[str, Any]], *, k: int,
                      equivalents: Equivalents, judge: Judge | None = None,
                      judge_templates: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One results.jsonl row: the question, what the system returned (top k passages), latency, metrics."""
    error = None
    started = time.perf_counter()
    try:
        response = normalize_response(ask(question.ask_text(), **question.ask_context()), k=k)
    except Exception as exc:  # recorded per question; see the module docstring
        error = f"{type(exc).__name__}: {exc}"
        response = normalize_response({})
    latency_ms = (time.perf_counter() - started) * 1000
    metrics = score_question(question, response, k=k, equivalents=equivalents)
    if error:
        metrics["error"] = True
    elif judge is not None:
        metrics.update(judge_answer(judge, question.question, response, judge_templates))
    row = {"id": question.id, "question": question.question, **response,
           "latency_ms": round(latency_ms, 1), "metrics": metrics}
    if error:
        row["error"] = error
    return row


def summarize(questions: Sequence[EvalQuestion], rows: Sequence[Mapping[str, Any]], k: int
              ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(overall, per tag) aggregates."""
    def over(indices: Sequence[int]) -> dict[str, Any]:
        return aggregate([questions[i] for i in indices], [rows[i]["metrics"] for i in indices],
                         [rows[i]["latency_ms"] for i in indices], k=k)

    tags = sorted({tag for question in questions for tag in question.tags})
    per_tag = {tag: over([i for i, q in enumerate(questions) if tag in q.tags]) for tag in tags}
    return over(range(len(questions))), per_tag


def format_table(overall: Mapping[str, Any], k: int, baseline: BaselineComparison | None = None) -> str:
    lines = [f"{'metric':<20} {'value':>10}" + (f" {'baseline':>10} {'delta':>9}" if baseline else "")]
    for name in metric_names(k):
        if name not in overall:
            continue
        line = f"{name:<20} {_cell(overall[name], name):>10}"
        if baseline:
            delta = baseline.deltas.get(name)
            before = (baseline.summary.get("overall") or {}).get(name)
            change = "" if delta is None else _signed(delta["delta"], name)
            line += f" {_cell(before, name):>10} {change:>9}"
        lines.append(line)
    lines.append(f"questions: {overall.get('n_questions')} (answerable {overall.get('n_answerable')}, "
                 f"unanswerable {overall.get('n_unanswerable')}, errors {overall.get('n_errors')})")
    return "\n".join(lines)


def _cell(value: Any, name: str) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if name.endswith("_ms") or isinstance(value, int) else f"{value:.3f}"


def _signed(value: float, name: str) -> str:
    return f"{value:+.0f}" if name.endswith("_ms") else f"{value:+.3f}"


def _write_jsonl(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def run_eval(questions_path: Path, ask: Callable[..., dict], out_dir: Path, *, k: int = 10,
             dataset_name: str, dataset_hash: str | None = None, settings: Mapping[str, Any] | None = None,
             equivalents_path: Path | None = None, baseline_dir: Path | None = None,
             fail_under: Sequence[str] = (), judge: Judge | None = None, progress: bool = True,
             corpus_dir: Path | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
             split: str = "all") -> int:
    """Evaluate and write out_dir/{results.jsonl, summary.json, report.html}.

    Returns 0, 1 when a --fail-under threshold is violated, 2 on bad input (unknown metric in fail_under,
    invalid questions file, k < 1) — input errors are detected before any question is asked.
    """
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        if k < 1:
            raise ThresholdError(f"k must be at least 1, got {k}")
        thresholds: list[Threshold] = parse_thresholds(fail_under, metric_names(k))
        questions = select(load_questions(Path(questions_path)), split)
        equivalents = load_equivalents(equivalents_path)
    except (ThresholdError, QuestionFormatError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_USAGE
    templates = {metric: load_prompt(metric) for metric in JUDGE_METRICS} if judge is not None else None

    bar = ProgressBar(len(questions), enabled=progress, stream=stderr)
    rows = []
    for done, question in enumerate(questions, start=1):
        rows.append(evaluate_question(question, ask, k=k, equivalents=equivalents, judge=judge,
                                      judge_templates=templates))
        bar.update(done, question.id)

    overall, per_tag = summarize(questions, rows, k)
    baseline = None
    if baseline_dir is not None:
        baseline = compare_with_baseline(Path(baseline_dir), overall, rows, {q.id: q.answerable for q in questions},
                                         hit_metric="hit@5" if k >= 5 else f"hit@{k}")
        if baseline is None:
            print(f"warning: no summary.json in baseline {baseline_dir}; comparison skipped", file=stderr)
    failed = violations(thresholds, overall)
    summary = {
        "dataset": {"name": dataset_name, "questions_path": str(questions_path),
                    "hash": dataset_hash or dataset_fingerprint(Path(questions_path), corpus_dir)},
        "app_commit": app_commit(), "settings": dict(settings or {}), "k": k, "split": split,
        "question_count": len(questions), "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "overall": overall, "per_tag": per_tag,
        "baseline": baseline.to_dict() if baseline else None,
        "fail_under": {"thresholds": list(fail_under), "violations": failed},
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out_dir / "results.jsonl", rows)
    (out_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n",
                                          encoding="utf-8")
    write_report(out_dir / "report.html", summary, rows, questions, baseline=baseline, equivalents=equivalents)

    print(format_table(overall, k, baseline), file=stdout)
    if overall.get("n_errors"):
        print(f"warning: {overall['n_errors']} question(s) failed in ask(); see 'error' in results.jsonl",
              file=stderr)
    for message in failed:
        print(f"FAIL {message}", file=stdout)
    print(f"wrote {out_dir / 'report.html'}", file=stdout)
    return EXIT_FAILED_THRESHOLD if failed else EXIT_OK
