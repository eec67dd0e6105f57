"""Small helpers shared by tests that start local servers."""
from __future__ import annotations

import os
import socket


def in_ci() -> bool:
    """Whether CI runs the tests (CI=true): there, a missing tool fails instead of skipping."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
