"""Small helpers shared by tests: local servers, small indexes."""
from __future__ import annotations

import os
import socket
from pathlib import Path


def in_ci() -> bool:
    """Whether CI runs the tests (CI=true): there, a missing tool fails instead of skipping."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_searcher(root: Path, documents: dict[str, str], max_tokens: int = 400):
    """A LocalSearcher over a real SQLite index of `documents` (file name -> text), built under `root`."""
    from indexer.build import Indexer
    from retrieval.analysis import Analyzer
    from retrieval.local_index import LocalIndex
    from retrieval.local_search import LocalSearcher
    from retrieval.tokens import TokenCounter

    (root / "corpus").mkdir()
    for name, text in documents.items():
        (root / "corpus" / name).write_text(text, encoding="utf-8")
    analyzer = Analyzer()
    index = LocalIndex(root / "index.sqlite")
    Indexer(index=index, analyzer=analyzer, tokens=TokenCounter(), max_tokens=max_tokens).run(root / "corpus")
    return LocalSearcher(index=index, analyzer=analyzer)
