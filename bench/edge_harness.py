"""Shared by the fuzz and soak benches: the real app (`app.py serve`) in a child process on a
loopback port, a stand-in Bot Connector receiving its replies, a /healthz latency sampler, and the
child's RSS. Every address used is 127.0.0.1; every loop is bounded in count and time."""
from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedApp:
    def __init__(self, *, corpus: Path, env: dict | None = None) -> None:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="reiki-bench-"))
        self.log_path = self.workdir / "server.log"
        self.env = {**os.environ, "REIKI_CORPUS_DIR": str(corpus),
                    "REIKI_INDEX_PATH": str(self.workdir / "index.sqlite"),
                    "REIKI_STATE_PATH": str(self.workdir / "state.sqlite"), "REIKI_LOG_FORMAT": "json",
                    "MicrosoftAppId": "", "MicrosoftAppPassword": "", **(env or {})}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 300) -> None:
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve", "--port", str(self.port)],
                                        cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"the app did not start; see {self.log_path}")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()

    def log_summary(self) -> dict:
        tracebacks = errors = lines = 0
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            lines += 1
            if "Traceback" in line:
                tracebacks += 1
            try:
                if json.loads(line).get("level") in ("ERROR", "CRITICAL"):
                    errors += 1
            except ValueError:
                pass
        return {"log_lines": lines, "log_tracebacks": tracebacks, "log_errors": errors}


def _sample_health(url: str, interval: float, halt, worst, samples, failures, lag) -> None:
    while not halt.is_set():
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                lag.value = max(lag.value, json.loads(resp.read()).get("loop_lag_max_ms", 0.0))
        except (OSError, ValueError):
            failures.value += 1
        worst.value = max(worst.value, time.perf_counter() - started)
        samples.value += 1
        halt.wait(interval)


class HealthSampler:
    """Polls /healthz every `interval` seconds from its own process (so the load generator's own
    work does not count against the server); keeps the worst latency."""

    def __init__(self, url: str, interval: float = 0.05) -> None:
        import multiprocessing

        self._halt = multiprocessing.Event()
        self._worst, self._samples, self._failures = (multiprocessing.Value("d", 0.0), multiprocessing.Value("i", 0),
                                                      multiprocessing.Value("i", 0))
        self._lag = multiprocessing.Value("d", 0.0)
        self._process = multiprocessing.Process(target=_sample_health, daemon=True, args=(
            url + "/healthz", interval, self._halt, self._worst, self._samples, self._failures, self._lag))

    def start(self) -> None:
        self._process.start()

    def stop(self) -> None:
        self._halt.set()
        self._process.join(15)

    worst = property(lambda self: self._worst.value)
    samples = property(lambda self: self._samples.value)
    failures = property(lambda self: self._failures.value)
    loop_lag_worst_ms = property(lambda self: self._lag.value)  # as the server's own monitor saw it


class Receiver:
    """The stand-in Bot Connector: counts the replies the bot posts."""

    def __init__(self) -> None:
        self.replies = 0
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _record(self, request: web.Request) -> web.Response:
        await request.read()
        self.replies += 1
        return web.json_response({"id": f"reply-{self.replies}"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._record)  # whatever ids the fuzzer made up
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self._runner.cleanup()


def run(coro):
    return asyncio.run(coro)
