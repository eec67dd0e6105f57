"""Indexing cost and how it grows: full build, unchanged re-index, and 1x/4x/16x the corpus.

    .venv/bin/python bench/index_growth.py [--factors 1 4 16] [--quick]

Full and unchanged builds are real `Indexer.run` calls on the ja-regulations corpus, each in a
fresh process so its peak RSS is its own (bench/index_bench.py).

The growth curve replicates that corpus N times with distinct document ids (`copyK/<doc>`). The
parsing stage works file by file, independently (a worker pool over files), so N copies cost N
times the 1x parse; it is not re-run N times here (16x would take ~5 minutes on this machine).
What can grow faster than the corpus is measured at each size: the single SQLite write
transaction (passages + FTS5 terms), the index size, the in-memory postings load, the searcher's
RSS after loading, and query p50 over the ja-regulations dev questions.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import JA_CORPUS, ROOT  # noqa: E402
from bench.index_bench import phase  # noqa: E402

_REPLICATE = """
import dataclasses, json, resource, sqlite3, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from retrieval.local_index import LocalIndex
from retrieval.models import DocumentRecord, IndexedPassage
source = LocalIndex(Path({source!r}))
passages, analysed = source.analysed_passages()
conn = sqlite3.connect({source!r})
records = {{row[0]: DocumentRecord(doc=row[0], title=row[1], content_hash=row[2], url=row[3], category=row[4],
           effective_date=row[5], allowed_groups=tuple(json.loads(row[6] or "[]")), metadata=json.loads(row[7] or "{{}}"))
           for row in conn.execute("SELECT doc, title, content_hash, url, category, effective_date, allowed_groups,"
                                   " metadata FROM documents")}}
by_doc = {{}}
for passage, (body, title, headings) in zip(passages, analysed):
    by_doc.setdefault(passage.doc, []).append((passage, body.split(), title.split(), headings.split()))
upserts = []
for copy in range({factor}):
    for doc, items in by_doc.items():
        new_doc = f"copy{{copy}}/{{doc}}"
        upserts.append((dataclasses.replace(records[doc], doc=new_doc),
                        [IndexedPassage(dataclasses.replace(p, doc=new_doc), b, t, h) for p, b, t, h in items]))
target = LocalIndex(Path({target!r}))
started = time.perf_counter()
target.apply_changes(upserts)
print(json.dumps({{"write_seconds": time.perf_counter() - started, "passages": target.passage_count()}}))
"""

_SEARCH = """
import json, statistics, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
import psutil
from bench.common import questions
from retrieval.analysis import detect_language
from retrieval.models import Question
from services import build_services
from settings import load_settings
services = build_services(load_settings(), index_path=Path({index!r}))
searcher = services.pipeline.searcher
started = time.perf_counter()
services.warm_up()  # dictionary + the in-memory postings
load_seconds = time.perf_counter() - started
loaded = psutil.Process().memory_info().rss / 1e6
asked = [Question(text=q, language=detect_language(q)) for q in questions("ja-regulations")]
for q in asked:
    searcher.rank(q, 10)
timings = []
for _ in range({rounds}):
    for q in asked:
        t0 = time.perf_counter(); searcher.rank(q, 10); timings.append((time.perf_counter() - t0) * 1000)
print(json.dumps({{"rss_mb": loaded, "rss_after_queries_mb": psutil.Process().memory_info().rss / 1e6,
                  "load_seconds": load_seconds, "p50_ms": statistics.median(timings)}}))
"""


def _python(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(factors: list[int], rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "1x-built.sqlite"
        full = phase(JA_CORPUS, base, full=True)
        unchanged = phase(JA_CORPUS, base, full=False)
        growth = []
        for factor in factors:
            target = Path(tmp) / f"{factor}x.sqlite"
            written = _python(_REPLICATE.format(root=str(ROOT), source=str(base), target=str(target), factor=factor))
            searched = _python(_SEARCH.format(root=str(ROOT), index=str(target), rounds=rounds))
            growth.append({"factor": factor, **written, **searched,
                           "size_mb": sum(p.stat().st_size for p in target.parent.glob(target.name + "*")) / 1e6})
            for path in target.parent.glob(target.name + "*"):
                path.unlink()
    write_1x = next((g["write_seconds"] for g in growth if g["factor"] == 1), 0.0)
    parse_1x = max(full["indexer_seconds"] - write_1x, 0.0)
    for g in growth:
        g["build_seconds"] = parse_1x * g["factor"] + g["write_seconds"]
    return {"full": full, "unchanged": unchanged, "growth": growth, "parse_1x": parse_1x}


def summary_lines(result: dict) -> list[str]:
    full, unchanged, growth = result["full"], result["unchanged"], result["growth"]
    lines = [f"full index (1x, {full['passages']} passages): {full['indexer_seconds']:.1f} s,"
             f" peak RSS {full['peak_rss_mb']:.0f} MB (largest parse worker {full['worker_peak_rss_mb']:.0f} MB);"
             f" unchanged re-index {unchanged['indexer_seconds']:.2f} s (process {unchanged['seconds']:.1f} s)"]
    if len(growth) >= 2:
        first, last = growth[0], growth[-1]
        per_passage = (last["rss_mb"] - first["rss_mb"]) / max(last["passages"] - first["passages"], 1)
        fixed = first["rss_mb"] - per_passage * first["passages"]
        for budget in (350, 1500):
            fits = (budget - fixed) / per_passage if per_passage > 0 else float("inf")
            lines.append(f"searcher RSS ~ {fixed:.0f} MB + {per_passage * 1000:.1f} MB per 1000 passages:"
                         f" {budget} MB holds ~{fits:,.0f} passages (~{fits / first['passages'] * first['factor']:.1f}x"
                         " this corpus)")
    return lines


def rows(result: dict) -> list[list[str]]:
    base = result["growth"][0]
    out = []
    for g in result["growth"]:
        scale = g["factor"] / base["factor"]
        out.append([f"{g['factor']}x", f"{g['passages']:,}", f"{g['build_seconds']:.1f} (write {g['write_seconds']:.1f})",
                    f"{g['size_mb']:.0f}", f"{g['load_seconds']:.2f}", f"{g['rss_mb']:.0f}", f"{g['p50_ms']:.2f}",
                    f"{g['write_seconds'] / base['write_seconds'] / scale:.2f} / {(g['rss_mb']) / base['rss_mb'] / scale:.2f}"
                    f" / {g['p50_ms'] / base['p50_ms'] / scale:.2f}"])
    return out


HEADER = ["corpus", "passages", "build s (= parse x N + write)", "index MB", "warm-up s (dict + postings)",
          "search RSS MB", "query p50 ms", "write / RSS / p50 per unit of corpus (1 = linear)"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from bench.table import print_table

    result = run([1, 4] if args.quick else args.factors, 1 if args.quick else args.rounds)
    print_table(HEADER, rows(result))
    for line in summary_lines(result):
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
