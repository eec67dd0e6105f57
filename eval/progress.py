"""A dependency-free progress bar on stderr (tqdm is not installed)."""
from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """Redraws one line on a terminal; in a CI log (no tty) prints a line every 10% instead of \\r noise."""

    WIDTH = 30

    def __init__(self, total: int, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.total = max(total, 1)
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_decile = -1

    def update(self, done: int, label: str = "") -> None:
        if not self.enabled:
            return
        filled = self.WIDTH * done // self.total
        line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{self.total} {label[:40]}"
        if self.interactive:
            self.stream.write(f"\r{line:<90}")
            if done >= self.total:
                self.stream.write("\n")
        else:
            decile = 10 * done // self.total
            if decile == self._last_decile and done < self.total:
                return
            self._last_decile = decile
            self.stream.write(line + "\n")
        self.stream.flush()
