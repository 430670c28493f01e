"""The --confirm zygotes as tslint drives them: start N, hand each one file at a time, read its
result, restart one that user code killed, stop one that stalls, and stop them all at the end.

Each zygote (tslint.confirm.child) runs in a session of its own, so that it and everything below it
is one group to kill; its stdout is the only channel back, and nothing of it reaches this process's
stdout or stderr. This process never imports torch or user code.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Deque, List, Optional, Sequence

# The zygote's working folder: the one holding the tslint package, so that `-m` puts nothing of the
# user's first on its sys.path (the worker adds the project's folder only to import it), and imports
# this tslint (tslint 0.x passed the package's own folder, so an installed tslint ran instead).
_CHILD_CWD = str(Path(__file__).resolve().parents[2])
STARTUP_TIMEOUT = 180.0  # seconds a zygote may take to import torch (a loaded machine is slow)
BACKSTOP = 15.0  # seconds past a file's timeout before tslint stops a zygote that did not answer
STOP_GRACE = 5.0  # seconds a zygote gets to kill its tree after SIGTERM


class ZygoteFailed(Exception):
    """A zygote could not set torch up: torch is missing or refuses TorchScript (its `fatal`), or it
    ended before it said either (no user code runs before that)."""


@dataclass
class FileTask:
    """One file's job for a zygote, and what came back."""

    number: int
    path: Path
    job: dict  # the JSON job, without its number and timeout
    records: List[dict] = field(default_factory=list)
    end: Optional[dict] = None  # how its worker ended, as the zygote saw it
    problem: Optional[str] = None  # why there is no answer from the zygote (it died or stalled)


class _Zygote:
    def __init__(self, timeout: float) -> None:
        environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # one thread when it forks (see child.py)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tslint.confirm.child", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=_CHILD_CWD,
            env=environment,
        )
        self.fd = self.process.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.buffer = b""
        self.version: Optional[str] = None  # set by its setup record
        self.timeout = timeout
        self.task: Optional[FileTask] = None
        self.deadline = time.monotonic() + STARTUP_TIMEOUT

    def give(self, task: FileTask) -> None:
        self.task = task
        line = json.dumps({**task.job, "id": task.number, "timeout": self.timeout}) + "\n"
        try:
            self.process.stdin.write(line.encode("utf-8"))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # it ended: the end of its stdout says so
        if self.version is not None:
            self.deadline = time.monotonic() + self.timeout + BACKSTOP

    def read(self) -> Optional[List[dict]]:
        """The records it wrote since the last call; None at the end of its output."""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return []
        if not chunk:
            return None
        lines = (self.buffer + chunk).split(b"\n")
        self.buffer = lines.pop()
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def stop(self, gently: bool) -> Optional[int]:
        """End it: close its stdin (it ends after its file) or SIGTERM it (it kills its tree), then
        SIGKILL its group; its exit code."""
        try:
            if gently:
                self.process.stdin.close()
            else:
                self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=STOP_GRACE)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            pass
        _kill_group(self.process.pid)  # whatever it could not kill (if user code killed it)
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        return self.process.wait()


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_files(
    tasks: Sequence[FileTask],
    timeout: float,
    workers: int,
    kill_leftovers: Callable[..., bool],
    on_start: Callable[[FileTask], None] = lambda task: None,
    on_done: Callable[[FileTask], None] = lambda task: None,
) -> Optional[str]:
    """Check every task in `workers` zygotes, filling in each task's records and end (or its
    problem); the torch version. Raises ZygoteFailed when torch cannot be used at all."""
    waiting: Deque[FileTask] = deque(tasks)
    slots: List[Optional[_Zygote]] = [None] * max(1, min(workers, len(tasks)))
    version: Optional[str] = None
    try:
        while waiting or any(z is not None and z.task is not None for z in slots):
            for index, zygote in enumerate(slots):
                if zygote is None and waiting:
                    zygote = slots[index] = _Zygote(timeout)
                if zygote is not None and zygote.task is None and waiting:
                    zygote.give(waiting.popleft())
                    on_start(zygote.task)
            busy = {z.fd: z for z in slots if z is not None and z.task is not None}
            now = time.monotonic()
            wait = max(0.0, min([0.5, *(z.deadline - now for z in busy.values())]))
            readable, _, _ = select.select(list(busy), [], [], wait)
            for fd in readable:
                zygote = busy[fd]
                records = zygote.read()
                if records is None:
                    _ended(zygote, slots, kill_leftovers)
                    continue
                for record in records:
                    version = _take(zygote, record, on_done) or version
            for zygote in busy.values():
                if zygote.task is not None and time.monotonic() > zygote.deadline and zygote in slots:
                    _stalled(zygote, slots, kill_leftovers)
    finally:
        for zygote in slots:
            if zygote is not None:
                zygote.stop(gently=zygote.task is None)
    return version


def _take(zygote: _Zygote, record: dict, on_done: Callable[[FileTask], None]) -> Optional[str]:
    """Use one record of the zygote's; the torch version when it is its setup record."""
    if zygote.version is None:
        if isinstance(record.get("fatal"), str):
            raise ZygoteFailed(record["fatal"])
        if isinstance(record.get("torch"), str):
            zygote.version = record["torch"]
            zygote.deadline = time.monotonic() + zygote.timeout + BACKSTOP
        return zygote.version
    task = zygote.task
    if task is None or record.get("file") != task.number:
        return None
    records, end = record.get("records"), record.get("end")
    task.records = [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
    task.end = end if isinstance(end, dict) else {}
    zygote.task = None
    on_done(task)
    return None


def _ended(zygote: _Zygote, slots: List[Optional[_Zygote]], kill_leftovers: Callable[..., bool]) -> None:
    """The zygote's output ended: user code killed it (or it stopped on SIGTERM). Its file gets
    the reason; the next file gets a new zygote."""
    code = zygote.stop(gently=False)
    slots[slots.index(zygote)] = None
    _spare_the_others(slots, kill_leftovers)
    if zygote.version is None:
        raise ZygoteFailed(f"the child process ended before torch was ready (exit code {code})")
    if zygote.task is not None:
        zygote.task.problem = f"the child process ended unexpectedly (exit code {code})"


def _stalled(zygote: _Zygote, slots: List[Optional[_Zygote]], kill_leftovers: Callable[..., bool]) -> None:
    """The zygote did not answer in time (user code stopped it, or torch's import is stuck)."""
    zygote.stop(gently=False)
    slots[slots.index(zygote)] = None
    _spare_the_others(slots, kill_leftovers)
    if zygote.version is None:
        raise ZygoteFailed(f"the child process did not import torch within {STARTUP_TIMEOUT:g} s")
    if zygote.task is not None:
        zygote.task.problem = f"timed out after {zygote.timeout:g} s"


def _spare_the_others(slots: List[Optional[_Zygote]], kill_leftovers: Callable[..., bool]) -> None:
    """Kill what a dead zygote left below tslint (orphans adopted by tslint, the subreaper), but
    not the other zygotes or what runs below them."""
    kill_leftovers(keep=[z.process.pid for z in slots if z is not None])


def end_reason(task: FileTask) -> Optional[str]:
    """Why the classes of a task without a record have none: how its worker ended."""
    if task.problem is not None:
        return task.problem
    end = task.end
    if end is None:
        return "the child process ended unexpectedly"
    if end.get("timeout") is True:
        return None  # the caller knows the timeout
    if end.get("stopped") is True:
        return "the child process was stopped"
    if isinstance(end.get("signal"), int):
        try:
            name = signal.Signals(end["signal"]).name
        except ValueError:
            name = f"signal {end['signal']}"
        return f"the child process crashed ({name})"
    if isinstance(end.get("exit"), int) and end["exit"] != 0:
        return f"user code ended the child process (exit code {end['exit']})"
    return None
