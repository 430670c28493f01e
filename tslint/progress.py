"""A progress line on stderr for long runs: `tslint [####----] 120/480`, redrawn in place: the
steps done of the run's total, a step being a file indexed or a file linted (or answered by the cache).

Shown only when stderr is a terminal, and only once the run has taken DELAY seconds (a short run
prints nothing); erased when the run ends, so the report starts on a clean line. Never written to
stdout, so it cannot mix into a report that is piped or written as JSON.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Optional

DELAY = 1.0  # seconds before the first draw
INTERVAL = 0.1  # at most this often afterwards


class Progress:
    def __init__(self, label: str, stream: Optional[IO[str]] = None, enabled: Optional[bool] = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.label = label
        self.done = 0
        self.total = 0
        self.start = time.monotonic()
        self.drawn_at: Optional[float] = None

    def add_total(self, count: int) -> None:
        self.total += count
        self._draw()

    def advance(self, count: int = 1) -> None:
        self.done += count
        self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < DELAY or (self.drawn_at is not None and now - self.drawn_at < INTERVAL):
            return
        self.drawn_at = now
        total = max(self.total, self.done)
        width = 24
        filled = width * self.done // total if total else 0
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{total}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.drawn_at is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn_at = None
