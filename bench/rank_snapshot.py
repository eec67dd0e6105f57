"""The embedded searcher's top 10 for every dev question, to check that a speed-up ranks alike.

    .venv/bin/python bench/rank_snapshot.py --write before.json   # on the old code
    .venv/bin/python bench/rank_snapshot.py --compare before.json # on the new code: differences, exit 1

Per question: (doc, article, page, score, confidence) of each result, scores and confidences
rounded to 5 decimals, and unrounded: a difference once rounded fails the comparison; one in the
last bits only (float32 sums taken in another order) is counted and reported.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DATASET_NAMES, DATASETS, eval_index, questions  # noqa: E402


def snapshot() -> dict[str, list]:
    from retrieval.analysis import detect_language
    from retrieval.models import Question
    from services import build_services
    from settings import load_settings

    out: dict[str, list] = {}
    for dataset in DATASET_NAMES:
        services = build_services(load_settings(), index_path=eval_index(DATASETS / dataset / "corpus"))
        searcher = services.pipeline.searcher
        try:
            for number, text in enumerate(questions(dataset)):
                ranked = searcher.rank(Question(text=text, language=detect_language(text)), 10)
                out[f"{dataset} #{number}: {text}"] = [
                    [s.passage.doc, s.passage.article, s.passage.page, round(s.score, 5), round(s.confidence, 5),
                     s.score, s.confidence]
                    for s in ranked]
        finally:
            services.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--compare", type=Path)
    args = parser.parse_args()
    current = snapshot()
    if args.write:
        args.write.write_text(json.dumps(current, ensure_ascii=False, indent=0), encoding="utf-8")
        print(f"{len(current)} questions written to {args.write}")
        return 0
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    def rounded(key: str, source: dict) -> list | None:
        return None if key not in source else [row[:5] for row in source[key]]

    keys = before.keys() | current.keys()
    changed = [key for key in keys if rounded(key, before) != rounded(key, current)]
    for key in sorted(changed):
        print(f"DIFFERENT {key}\n  before {rounded(key, before)}\n  now    {rounded(key, current)}")
    bit_level = [key for key in keys if key not in changed and before.get(key) != current.get(key)]
    print(f"{len(current)} questions, {len(changed)} ranked differently;"
          f" {len(bit_level)} alike once rounded but with float differences in the last bits")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
