"""Run tslint under a subreaper and report every process it left behind. Linux only.

`python tests/subreaper.py SPEC` (SPEC: JSON) is the harness; run_contained() runs it. The harness
makes itself a child subreaper (PR_SET_CHILD_SUBREAPER), so every process tslint starts stays below
it even after its parent dies, whether it calls setsid() or forks twice. It starts tslint in a
session of its own, optionally waits until tslint is at a given point and sends it a signal, waits
for tslint to end, then for up to `settle` seconds for the processes below it to go. It reports
those still there (and any still in tslint's session), then kills them, so a failing test leaves
nothing behind either. It looks only at processes below itself: never at other processes of the
machine.
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

PR_SET_CHILD_SUBREAPER = 36


def _stat(pid: int) -> Optional[List[str]]:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().decode("ascii", "replace").rpartition(")")[2].split()
    except OSError:
        return None


def _live() -> Dict[int, List[str]]:
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat(int(name))
            if fields is not None and fields[0] not in ("Z", "X"):
                found[int(name)] = fields
    return found


def below(root: int) -> List[int]:
    live = _live()
    children: Dict[int, List[int]] = {}
    for pid, fields in live.items():
        children.setdefault(int(fields[1]), []).append(pid)
    result, stack = [], list(children.get(root, ()))
    while stack:
        pid = stack.pop()
        result.append(pid)
        stack.extend(children.get(pid, ()))
    return result


def in_session(session: int) -> List[int]:
    return [pid for pid, fields in _live().items() if int(fields[4]) == session]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return "?"


def _reap() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def harness(spec: dict) -> dict:
    if ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit("cannot become a subreaper")
    with open(spec["report"], "wb") as report, open(spec["errors"], "wb") as errors:
        tslint = subprocess.Popen(
            spec["command"],
            cwd=spec["cwd"],
            stdin=subprocess.DEVNULL,
            stdout=report,
            stderr=errors,
            start_new_session=True,
        )
    deadline = time.monotonic() + spec.get("timeout", 120)

    def ready() -> bool:
        if spec.get("marker"):
            return os.path.exists(spec["marker"])
        return len(below(tslint.pid)) >= spec.get("processes", 0)

    while tslint.poll() is None and not ready() and time.monotonic() < deadline:
        time.sleep(0.005)
    was_ready = ready()
    if spec.get("signal") and tslint.poll() is None:
        time.sleep(random.uniform(0, spec.get("jitter", 0.0)))
        os.kill(tslint.pid, getattr(signal, spec["signal"]))
    try:
        code = tslint.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        tslint.kill()
        code = tslint.wait()
    ended = time.monotonic()
    settle = ended + spec.get("settle", 10.0)
    left = below(os.getpid())
    while left and time.monotonic() < settle:
        _reap()
        time.sleep(0.02)
        left = below(os.getpid())
    cleaned = time.monotonic() - ended
    stray = sorted(set(left) | set(in_session(tslint.pid)))
    names = {str(pid): _command_line(pid) for pid in stray}
    for pid in stray:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.1)
    _reap()
    return {"ready": was_ready, "returncode": code, "left": names, "cleaned_after": cleaned}


def run_contained(command: List[str], cwd: Path, scratch: Path, timeout: float = 240, **spec) -> dict:
    """Run `command` (tslint) under the harness; the harness's answer plus tslint's stdout
    (`report`) and stderr (`errors`) as bytes."""
    report, errors = scratch / "report.out", scratch / "errors.out"
    spec = {
        **spec,
        "command": command,
        "cwd": str(cwd),
        "report": str(report),
        "errors": str(errors),
        "timeout": timeout,
    }
    completed = subprocess.run([sys.executable, __file__, json.dumps(spec)], capture_output=True, timeout=timeout + 60)
    assert completed.returncode == 0, completed.stderr.decode()
    answer = json.loads(completed.stdout)
    answer["report"], answer["errors"] = report.read_bytes(), errors.read_bytes()
    return answer


if __name__ == "__main__":
    print(json.dumps(harness(json.loads(sys.argv[1]))))
