"""Index benchmark: full build time and peak memory, then a re-index with nothing changed.

    .venv/bin/python bench/index_bench.py [--corpus ../shared/datasets/ja-regulations/corpus]

Each phase runs in a fresh process so peak RSS (ru_maxrss) is that phase's own.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "datasets" / "ja-regulations" / "corpus"

_PHASE = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from services import build_services
from settings import load_settings
started = time.perf_counter()
services = build_services(load_settings(), index_path=Path({index!r}))
summary = services.indexer.run(Path({corpus!r}), full={full})
print(json.dumps({{"seconds": time.perf_counter() - started, "indexer_seconds": summary.seconds,
    "line": summary.line(), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "passages": services.index.passage_count(), "failed": summary.failed}}, ensure_ascii=False))
"""


def phase(corpus: Path, index: Path, full: bool) -> dict:
    code = _PHASE.format(root=str(ROOT), index=str(index), corpus=str(corpus), full=full)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "bench.sqlite"
        full = phase(args.corpus, index, full=True)
        unchanged = phase(args.corpus, index, full=False)
        size_mb = index.stat().st_size / 1e6
    print(f"corpus: {args.corpus}")
    print(f"full index:      {full['indexer_seconds']:.1f} s (process {full['seconds']:.1f} s),"
          f" peak RSS {full['peak_rss_mb']:.0f} MB (largest worker {full['worker_peak_rss_mb']:.0f} MB),"
          f" {full['passages']} passages, index {size_mb:.1f} MB")
    print(f"  {full['line']}")
    for doc, why in full["failed"]:
        print(f"  failed: {doc}: {why}")
    print(f"unchanged index: {unchanged['indexer_seconds']:.2f} s (process {unchanged['seconds']:.1f} s)")
    print(f"  {unchanged['line']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
