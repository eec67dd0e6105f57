"""English questions of an `app.py eval` run: how many were found in the top 5, how many answered.

    .venv/bin/python -m eval.english.summary OUT_DIR [OUT_DIR ...]

The ja-regulations dev set holds a few English questions among Japanese ones; their figures are
otherwise buried in the overall metrics.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from retrieval.analysis import detect_language


def summarise(out_dir: Path) -> dict:
    rows = [json.loads(line) for line in (out_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    english = [r for r in rows if detect_language(r["question"]) == "en"]
    answerable = [r for r in english if r["metrics"].get("hit@5") is not None]
    return {
        "english": len(english),
        "found_top5": sum(1 for r in answerable if r["metrics"]["hit@5"]),
        "answerable": len(answerable),
        "answered": sum(1 for r in answerable if not r["abstained"]),
        "missed": [r["id"] for r in answerable if not r["metrics"]["hit@5"]],
        "abstained": [r["id"] for r in answerable if r["abstained"]],
    }


def main(argv: list[str]) -> int:
    for name in argv:
        s = summarise(Path(name))
        print(f"{name}: English {s['english']}, found in top 5 {s['found_top5']}/{s['answerable']}, "
              f"answered {s['answered']}/{s['answerable']}; missed {s['missed']}; abstained {s['abstained']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
