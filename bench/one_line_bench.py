"""Cost of indexing one text file that has no line break, by size: seconds, and characters handed
to the token counter per character of input (stays flat when parsing is linear).

    .venv/bin/python bench/one_line_bench.py [--sizes 100000 250000 500000 1000000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.build import Indexer  # noqa: E402
from retrieval.analysis import Analyzer  # noqa: E402
from retrieval.local_index import LocalIndex  # noqa: E402
from retrieval.tokens import TokenCounter  # noqa: E402

SENTENCE = "職員の勤務時間は一日につき七時間四十五分とする"  # no 。: the worst case for splitting


class CountingTokens:
    def __init__(self) -> None:
        self.real = TokenCounter()
        self.cache_dir = None
        self.characters = 0

    def count(self, text: str) -> int:
        self.characters += len(text)
        return self.real.count(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 250_000, 500_000, 1_000_000])
    args = parser.parse_args()
    analyzer = Analyzer()
    print(f"{'characters':>10} {'MB (UTF-8)':>10} {'seconds':>8} {'tokenised/char':>14} {'passages':>8}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            corpus = Path(folder) / "corpus"
            corpus.mkdir()
            text = (SENTENCE * (size // len(SENTENCE) + 1))[:size]
            (corpus / "one-line.txt").write_text(text, encoding="utf-8")
            tokens = CountingTokens()
            indexer = Indexer(index=LocalIndex(Path(folder) / "i.sqlite"), analyzer=analyzer, tokens=tokens,
                              workers=1)
            started = time.perf_counter()
            summary = indexer.run(corpus)
            seconds = time.perf_counter() - started
            print(f"{size:>10} {len(text.encode()) / 1e6:>10.1f} {seconds:>8.1f}"
                  f" {tokens.characters / size:>14.1f} {summary.passages:>8}")


if __name__ == "__main__":
    main()
