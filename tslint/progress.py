"""A progress line on stderr for long runs, one stage at a time, redrawn in place:
`tslint: indexing [####----] 120/489`, then `checking`, then under --confirm
`confirming [##------] 3/12 (net.py)`. A stage's steps are files indexed, files linted (or answered
by the cache), classes compiled by torch.

Shown only when stderr is a terminal, and only once the run has taken DELAY seconds (a short run
prints nothing); erased when the run ends, so the report starts on a clean line. Never written to
stdout, so it cannot mix into a report that is piped or written as JSON; the CLI also turns it off
for the machine formats (json, sarif, github), --quiet and --silent.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Dict, Optional

from tslint.formatters import escape_terminal

DELAY = 1.0  # seconds before the first draw
INTERVAL = 0.1  # at most this often afterwards


class Progress:
    def __init__(self, label: str, stream: Optional[IO[str]] = None, enabled: Optional[bool] = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.label = label
        self.stage = ""
        self.done: Dict[str, int] = {}
        self.total: Dict[str, int] = {}
        self.detail = ""
        self.start = time.monotonic()
        self.drawn_at: Optional[float] = None

    def add_total(self, stage: str, count: int) -> None:
        self.total[stage] = self.total.get(stage, 0) + count
        self.stage = self.stage or stage

    def advance(self, stage: str, count: int = 1, detail: str = "") -> None:
        """`count` more steps of `stage` done (the stage shown from now on); `detail` (a file name)
        is shown after the count."""
        self.done[stage] = self.done.get(stage, 0) + count
        if stage != self.stage:
            self.drawn_at = None  # a new stage is drawn at once
        self.stage = stage
        self.detail = detail
        self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < DELAY or (self.drawn_at is not None and now - self.drawn_at < INTERVAL):
            return
        self.drawn_at = now
        done = self.done.get(self.stage, 0)
        total = max(self.total.get(self.stage, 0), done)
        width = 24
        filled = width * done // total if total else 0
        bar = "#" * filled + "-" * (width - filled)
        detail = f" ({escape_terminal(self.detail)})" if self.detail else ""
        self.stream.write(f"\r{self.label}: {self.stage} [{bar}] {done}/{total}{detail}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.drawn_at is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn_at = None
