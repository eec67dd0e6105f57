"""Shared pieces of the benchmarks: dataset paths, percentiles, the eval index, server processes."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("REIKI_BENCH_DATASETS", ROOT.parent / "shared" / "datasets"))
DATASET_NAMES = ("ja-regulations", "contoso-handbook", "lawqa-jp")
JA_CORPUS = DATASETS / "ja-regulations" / "corpus"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def questions(dataset: str) -> list[str]:
    path = DATASETS / dataset / "questions.dev.jsonl"
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def eval_index(corpus: Path) -> Path:
    """The eval index of a corpus (the same file `app.py eval` uses), built or refreshed here."""
    from app import default_eval_index
    from services import build_services
    from settings import load_settings

    path = default_eval_index(corpus)
    services = build_services(load_settings(), index_path=path)
    try:
        services.indexer.run(corpus)  # incremental: a no-op when nothing changed
    finally:
        services.close()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bench server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"bench server did not listen on {port}")


@contextmanager
def bench_server(kind: str, *, index: Path | None = None, extra: list[str] = (), env: dict | None = None):
    """A server process (bench/bench_server.py) on a free loopback port; yields (url, process).

    Each server gets a fresh conversation-state file: with the default data/state.sqlite, a later
    run would find history under the same conversation ids and pay for query rewriting and longer
    prompts that the first run did not."""
    port = free_port()
    state_dir = tempfile.TemporaryDirectory(prefix="reiki-bench-state-")
    env = {"REIKI_STATE_PATH": str(Path(state_dir.name) / "state.sqlite"), **(env or {})}
    command = [sys.executable, str(ROOT / "bench" / "bench_server.py"), kind, "--port", str(port), *extra]
    if index is not None:
        command += ["--index", str(index)]
    log = open(os.devnull, "w")
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log,
                               stderr=None if os.environ.get("REIKI_BENCH_DEBUG") else log)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        state_dir.cleanup()


def rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 1e6


def shared_mb(pid: int) -> float:
    """File-backed pages inside RSS (the mmap'd Sudachi dictionary, shared libraries): shared
    between processes and reclaimable by the kernel, unlike the heap."""
    import psutil

    return psutil.Process(pid).memory_info().shared / 1e6
