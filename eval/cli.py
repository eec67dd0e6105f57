"""Command-line glue for `python app.py eval`: the app adds --corpus/--index and supplies ask()."""
from __future__ import annotations

import argparse
from pathlib import Path
from collections.abc import Callable, Mapping
from typing import Any

from eval.judge import Judge
from eval.runner import run_eval
from eval.split import SPLITS

EQUIVALENTS_FILE = "equivalents.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--questions", type=Path, required=True, metavar="FILE",
                        help="questions JSONL (datasets/FORMAT.md, or azure-search-openai-demo {question, truth})")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder for results.jsonl, summary.json and report.html")
    parser.add_argument("--k", type=int, default=10, help="passages scored per question (default 10)")
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="an earlier --out folder to compare with")
    parser.add_argument("--fail-under", action="extend", nargs="+", default=[], metavar="METRIC=VALUE",
                        help="exit 1 when a metric is below VALUE, e.g. hit@5=0.85 mrr@10=0.7; for "
                             "latency_p50_ms, latency_p95_ms, acl_leaks VALUE is a maximum")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--split", choices=SPLITS, default="all",
                        help="evaluate one fixed half of the questions (eval/split.py): tune the system on "
                             "'tune', check it on 'held' (default all)")


def default_equivalents_path(corpus_dir: Path | None) -> Path | None:
    """Datasets keep equivalents.json next to corpus/ (<dataset>/corpus, <dataset>/equivalents.json)."""
    if corpus_dir is None:
        return None
    candidate = Path(corpus_dir).resolve().parent / EQUIVALENTS_FILE
    return candidate if candidate.is_file() else None


def main_with_ask(args: argparse.Namespace, ask: Callable[..., dict], *, dataset_name: str | None,
                  corpus_dir: Path | None, settings: Mapping[str, Any], judge: Judge | None = None) -> int:
    """Run the evaluation for parsed `add_arguments` options; returns the process exit code."""
    questions: Path = args.questions
    return run_eval(
        questions, ask, args.out, k=args.k,
        dataset_name=dataset_name or questions.resolve().parent.name,
        settings=dict(settings), equivalents_path=default_equivalents_path(corpus_dir),
        baseline_dir=args.baseline, fail_under=list(args.fail_under), judge=judge,
        progress=not args.no_progress, corpus_dir=corpus_dir, split=getattr(args, "split", "all"),
    )
