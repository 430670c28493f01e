"""The child processes of `--confirm`: a zygote that imports torch once, and a worker per file.

`python -m tslint.confirm.child PARENT_PID` starts the zygote. It imports torch, asks it to script a
function of tslint's own (tslint.confirm.checks.probe) and writes one line on stdout: {"torch":
version}, or {"fatal": why} and it ends. It never imports user code. Then it reads jobs from stdin,
one JSON line per file, and for each forks a worker, which has torch in memory already, imports the
user's file and checks its classes (tslint.confirm.checks). The zygote is each worker's supervisor:
it takes the worker's records through the Gate, stops the worker at the file's timeout, kills every
process below itself when the worker ends, and writes one line for the file: {"file": id,
"records": [...], "end": how the worker ended}. So one `import torch` (3 s of CPU on the
development machine) serves every file, and each file is still checked in a process of its own.

Fork, not spawn: a worker spawned per file (a fresh interpreter, as tslint 0.x did) pays the torch
import for every file; a worker forked from the zygote starts in ~20 ms with torch already imported
(bench/RESULTS.md, "--confirm"). Forking a process that has threads is unsafe (a lock held by
another thread stays held in the child), so the zygote has one thread when it forks: the runner
sets OPENBLAS_NUM_THREADS=1 (numpy's OpenBLAS otherwise starts a thread at import), and the zygote
runs no tensor operation, so torch's own thread pools are never started (tests/test_confirm.py
checks the zygote's thread count).
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
import traceback
import warnings
from typing import Any, Dict, List, Optional, Tuple

from tslint import processes
from tslint.confirm import checks, export_checks

# Kept for the tests and benches that import them from here.
trace_and_compare = checks.trace_and_compare
same_outputs = checks.same_outputs


class _Emitter:
    """Writes records to the zygote's pipe with an encoder and functions taken before user code
    is imported, each line prefixed with the file's token: user code that replaces json.dumps,
    print or sys.stdout, or that writes lines to every open fd, changes nothing."""

    def __init__(self, fd: int, token: bytes) -> None:
        self._fd = fd
        self._prefix = token + b" "
        self._encode = json.JSONEncoder(ensure_ascii=True).encode  # ASCII: no newline inside a record
        self._write = os.write

    def __call__(self, record: Dict[str, Any]) -> None:
        data = self._prefix + self._encode(record).encode("ascii") + b"\n"
        while data:
            data = data[self._write(self._fd, data) :]


# The entry points through which the checks ask torch for its verdict, and the internals those go
# through, as paths from the torch module. Taken before user code is imported and compared after it
# ran: user code that replaces one (`torch.jit.script = lambda m: m`) would otherwise make torch
# "compile" anything, and its classes' findings refuted.
ENTRY_POINTS = (
    "jit",
    "jit.script",
    "jit.trace",
    "jit.trace_module",
    "jit._script",
    "jit._script.script",
    "jit._script.RecursiveScriptModule",
    "jit._trace",
    "jit._trace.trace",
    "jit._trace.trace_module",
    "jit._recursive",
    "jit._recursive.create_script_module",
    "jit._recursive.infer_methods_to_compile",
    "jit.frontend",
    "jit.frontend.get_jit_def",
    "_C",
    "_C._jit_script_compile",
    "_C._jit_script_class_compile",
    "_C._create_function_from_trace",
    "export",
    "export.export",
)
_MISSING = object()


def entry_points(torch) -> Dict[str, Any]:
    """What each of ENTRY_POINTS names now (a missing one as _MISSING)."""
    found: Dict[str, Any] = {}
    for path in ENTRY_POINTS:
        value = torch
        for name in path.split("."):
            try:
                value = getattr(value, name)
            except Exception:  # user code can make getattr raise anything
                value = _MISSING
                break
        found[path] = value
    return found


def replaced_entry_points(torch, before: Dict[str, Any]) -> List[str]:
    """The ENTRY_POINTS that are no longer the objects they were (identity, not equality: user
    code decides what its objects compare equal to)."""
    now = entry_points(torch)
    return [f"torch.{path}" for path in ENTRY_POINTS if now[path] is not before[path]]


def _tampered(entry: Dict[str, Any], replaced: List[str]) -> Dict[str, Any]:
    return {
        "qualname": entry["qualname"],
        "kind": _kind(entry),
        "status": "unverified",
        "detail": f"user code replaced {', '.join(replaced[:3])}: torch's answer cannot be trusted",
    }


def work(torch, job: Dict[str, Any], emit: _Emitter) -> None:
    """The worker, forked from the zygote with torch imported: import user code, check each class.
    A class checked after user code replaced one of torch's entry points is unverified."""
    checks.limit_memory(job["memory_mb"])
    warnings.filterwarnings("ignore")
    os.chdir(job["sys_path"])  # user code may open files relative to its project
    original = entry_points(torch)
    try:
        module = checks.load(job)
    except BaseException as error:  # SystemExit and KeyboardInterrupt from user code too
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        for entry in job["classes"]:
            emit(
                {
                    "qualname": entry["qualname"],
                    "kind": _kind(entry),
                    "status": "unverified",
                    "detail": f"importing the module failed: {detail}",
                }
            )
        return
    for entry in job["classes"]:
        replaced = replaced_entry_points(torch, original)
        if replaced:  # by the import or an earlier class's code: nothing more can be believed
            emit(_tampered(entry, replaced))
            continue
        try:
            if entry.get("kind"):
                record = export_checks.export_class(torch, module, entry, job["sys_path"])
            elif entry.get("trace"):
                record = checks.trace_class(torch, module, entry)
            else:
                record = checks.confirm_class(torch, module, entry)
        except BaseException as error:
            record = {
                "qualname": entry["qualname"],
                "status": "unverified",
                "detail": f"user code raised {type(error).__name__}: {error}",
            }
        replaced = replaced_entry_points(torch, original)  # by this class's own code (its __init__...)
        emit(_tampered(entry, replaced) if replaced else {**record, "kind": _kind(entry)})


def _kind(entry: Dict[str, Any]) -> str:
    return entry.get("kind") or ("trace" if entry.get("trace") else "script")


# The trust boundary: the worker imports user code, and user code in a process can do anything that
# process can, so what the worker reports about the classes it checked cannot be proven: code that
# patches torch.jit.script or json's encoder internals, or reads the token from memory, can lie
# about its own classes (turn their findings into "refuted"); plainly replacing one of torch's
# entry points (ENTRY_POINTS) is caught and makes the classes checked from then on unverified. Only
# the user running --confirm on their own code can let a subtler lie through, and it stays confined
# to that file's classes: each file has
# a worker and a token of its own, and the zygote forks the next worker only after every process
# below it is dead. What is guaranteed: user code cannot end the run (`fatal` and `torch` come from
# the zygote before any user code exists), cannot reach tslint's output or the zygote's (their
# /proc/<pid>/fd; see tslint.processes), cannot blindly forge records (token) nor override the
# worker's own (differing records make the class unverified), and leaves no process behind (user
# code that kills the zygote orphans its grandchildren onto tslint, which kills them).

MAX_LINE = 4 << 20  # a longer line is dropped: no record the worker writes is that long


class _Stop(BaseException):
    """SIGTERM: tslint stops the run, or tslint died (PR_SET_PDEATHSIG)."""


def _stop(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the cleanup
    raise _Stop()


class Gate:
    """Which of the worker's lines the zygote passes on: the token's lines only, one record per
    class of the job; a class with differing records gets an unverified one."""

    def __init__(self, token: bytes, job: Dict[str, Any]) -> None:
        self.prefix = token + b" "
        self.expected = {(entry["qualname"], _kind(entry)) for entry in job["classes"]}
        self.classes: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.conflicts: set = set()
        self.pending = b""
        self.skipping = False  # inside an overlong line

    def feed(self, data: bytes) -> None:
        lines = (self.pending + data).split(b"\n")
        self.pending = lines.pop()
        for line in lines:
            if self.skipping:
                self.skipping = False
            else:
                self.take(line)
        if len(self.pending) > MAX_LINE:
            self.pending, self.skipping = b"", True

    def take(self, line: bytes) -> None:
        if not line.startswith(self.prefix):
            return
        try:
            record = json.loads(line[len(self.prefix) :])
        except ValueError:
            return
        if not isinstance(record, dict):
            return
        key = (record.get("qualname"), record.get("kind"))
        if key not in self.expected:
            return
        if key in self.classes and self.classes[key] != record:
            self.conflicts.add(key)
        self.classes.setdefault(key, record)

    def records(self) -> List[Dict[str, Any]]:
        found: List[Dict[str, Any]] = []
        for key, record in sorted(self.classes.items()):
            if key in self.conflicts:
                record = {
                    "qualname": key[0],
                    "kind": key[1],
                    "status": "unverified",
                    "detail": "the child process sent conflicting results for this class",
                }
            found.append(record)
        return found


def _worker_process(torch, job: Dict[str, Any], fd: int, token: bytes, zygote: int) -> None:
    """In the forked worker: never returns."""
    code = 70  # EX_SOFTWARE: an error of tslint's own below
    try:
        processes.die_with_parent(zygote)
        null = os.open(os.devnull, os.O_RDWR)
        for target in (0, 1, 2):  # user output goes nowhere; fds 0 and 1 were the zygote's with tslint
            os.dup2(null, target)
        os.close(null)
        processes.drop_ptrace()
        work(torch, job, _Emitter(fd, token))
        code = 0
    finally:
        os._exit(code)  # no atexit handler or finalizer of user code runs


def _outcome(status: Optional[int], timed_out: bool) -> Dict[str, Any]:
    if timed_out:
        return {"timeout": True}
    if status is None:
        return {"stopped": True}
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70}


def _relay(read_end: int, worker: int, gate: Gate, deadline: float) -> Optional[int]:
    """Feed the worker's lines to the gate until the worker ends (its wait status) or the
    deadline passes (None)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        readable, _, _ = select.select([read_end], [], [], min(0.2, left))
        if readable:
            chunk = os.read(read_end, 1 << 16)
            if not chunk:  # every writer closed the pipe: only the end of the worker is left to wait for
                while True:
                    pid, status = os.waitpid(worker, os.WNOHANG)
                    if pid:
                        return status
                    if time.monotonic() > deadline:
                        return None
                    time.sleep(0.01)
            gate.feed(chunk)
        pid, status = os.waitpid(worker, os.WNOHANG)
        if pid:
            return status


def _drain(read_end: int, gate: Gate) -> None:
    """What the worker wrote before it ended (its descendants are dead: no writer is left)."""
    os.set_blocking(read_end, False)
    try:
        while True:
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            gate.feed(chunk)
    except BlockingIOError:
        pass
    gate.feed(b"\n")


def check_file(torch, job: Dict[str, Any], out) -> None:
    """Fork the worker for one file, pass on what the gate lets through, and kill every process
    below the zygote on every way out (the worker's end, the timeout, SIGTERM). Re-raises _Stop
    after writing the file's line."""
    token = os.urandom(16).hex().encode("ascii")
    gate = Gate(token, job)
    status: Optional[int] = None
    timed_out = stopped = False
    read_end, write_end = os.pipe()
    zygote = os.getpid()
    try:
        # SIGTERM stays pending across the fork: the forked worker must never run the zygote's
        # _Stop handling (and write to its stdout).
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        worker = os.fork()
        if worker == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
            os.close(read_end)
            _worker_process(torch, job, write_end, token, zygote)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        os.close(write_end)
        status = _relay(read_end, worker, gate, time.monotonic() + job["timeout"])
        timed_out = status is None
    except _Stop:
        stopped = True
    finally:
        processes.kill_descendants()
    _drain(read_end, gate)
    os.close(read_end)
    out.write(json.dumps({"file": job["id"], "records": gate.records(), "end": _outcome(status, timed_out)}) + "\n")
    out.flush()
    if stopped:
        raise _Stop()


def _setup() -> Tuple[Any, Dict[str, str]]:
    """Import torch and probe it: (torch, the setup record)."""
    warnings.filterwarnings("ignore")
    try:
        import torch
    except Exception as error:
        return None, {"fatal": f"cannot import torch: {type(error).__name__}: {error}"}
    refusal = checks.probe(torch)
    if refusal is not None:
        return None, {"fatal": refusal}
    return torch, {"torch": torch.__version__}


def serve(parent: int, jobs, out) -> None:
    """The zygote: set up torch, then check one file per line of `jobs` until it ends."""
    signal.signal(signal.SIGTERM, _stop)
    processes.die_with_parent(parent, signal.SIGTERM)
    processes.become_subreaper()
    try:
        torch, setup = _setup()
        out.write(json.dumps(setup) + "\n")
        out.flush()
        if torch is None:
            return
        for line in jobs:
            check_file(torch, json.loads(line), out)
    except _Stop:
        pass
    finally:
        processes.kill_descendants()


def main(argv: List[str]) -> int:
    """`python -m tslint.confirm.child PARENT_PID`: jobs as JSON lines on stdin, results on stdout."""
    parent = int(argv[0])
    with processes.hidden_from_children():  # no worker may reach this process's stdout
        serve(parent, sys.stdin.buffer, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
