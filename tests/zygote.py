"""Run test functions each in a fresh process, forked from a warmed-up zygote.

`Isolation(warm)` decorates test functions. Calling a decorated test runs it in a child process and
turns the child's outcome into the parent's (a failure with the child's traceback, a skip, or a
pass); whatever the test changes in its process stays in the child. Three ways, the first that is
available:

1. The zygote: forked from the test process at the first call, it runs `warm()` once (for the export
   tests: import torch.export's lazy modules and export a small model, about 2 s CPU that every
   fresh child would otherwise pay again), then forks one child per test. The test function is
   named by its module and qualified name and its arguments are pickled (a class by reference, to
   the module the zygote inherited). The child writes to the parent's current stdout and stderr,
   handed over with each request.
2. A child forked from the test process itself, when the zygote cannot be started or the arguments
   cannot be pickled (no warm-up: each child pays it).
3. A fresh interpreter (`python tests/zygote.py`) importing the test's module, when the platform has
   no fork().

No process outlives its parent: the zygote leaves when the test process closes its end of the
socket (at exit, or when it dies: the kernel closes it), and on Linux both the zygote and each
child get SIGKILL when their parent dies (PR_SET_PDEATHSIG), so a test process killed in the
middle of a test leaves neither behind.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import importlib
import io
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

import pytest

try:
    import resource
except ImportError:  # not on Windows, which has no fork() either: the zygote never runs there
    resource = None

HERE = Path(__file__).resolve().parent
CAN_FORK = hasattr(os, "fork") and hasattr(socket, "send_fds")  # tests turn these off to try the others
USE_ZYGOTE = True
PR_SET_PDEATHSIG = 1
_HEADER = struct.Struct("!Q")

Report = Optional[Tuple[str, str]]  # None: passed; ("skip", reason) or ("fail", traceback text)
# CPU seconds (user + system) of the zygote and of its children so far, which this process has not
# waited for (getrusage's RUSAGE_CHILDREN does not have them yet): for tests/cputime.py.
UNWAITED_CPU = 0.0
_TESTS: Dict[str, Callable] = {}  # every decorated test, by "module:qualname", in each process


def _key(test: Callable) -> str:
    return f"{test.__module__}:{test.__qualname__}"


def _run(test: Callable, args: tuple, kwargs: dict) -> Report:
    try:
        test(*args, **kwargs)
    except BaseException as error:  # noqa: BLE001 - everything goes back to the parent
        if isinstance(error, pytest.skip.Exception):
            return ("skip", str(error))
        return ("fail", traceback.format_exc())
    return None


def _die_with_parent() -> None:
    """SIGKILL this process when its parent dies (Linux; elsewhere the closed socket ends the zygote)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _use_streams(out: int, err: int) -> None:
    """Make fds 1 and 2, and sys.stdout and sys.stderr, the given descriptors (the test's capture)."""
    os.dup2(out, 1)
    os.dup2(err, 2)
    sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), write_through=True)  # noqa: SIM115
    sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), write_through=True)  # noqa: SIM115


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


def _send(sock: socket.socket, payload: bytes, fds: Tuple[int, ...] = ()) -> None:
    header = _HEADER.pack(len(payload))
    if fds:
        socket.send_fds(sock, [header], list(fds))
    else:
        sock.sendall(header)
    sock.sendall(payload)


def _forked(test: Callable, args: tuple, kwargs: dict, streams: Optional[Tuple[int, int]] = None) -> Report:
    """Fork, run the test in the child, and return its report (a crash of the child fails it)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report, and leave without running the parent's cleanup
        try:
            os.close(read)
            _die_with_parent()
            if streams is not None:
                _use_streams(*streams)
            report = pickle.dumps(_run(test, args, kwargs))
            with os.fdopen(write, "wb") as out:
                out.write(report)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        data = source.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        return ("fail", f"the test's child process died ({_describe(status)})")
    return pickle.loads(data)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"


class _Zygote:
    """The forked server: one request at a time, each answered by a fresh child."""

    def __init__(self, warm: Optional[Callable[[], None]]) -> None:
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                _die_with_parent()
                _serve(theirs, warm)
            finally:
                os._exit(0)
        theirs.close()
        self.pid, self.sock, self.parent = pid, ours, os.getpid()
        self.counted = self.zygote_cpu = 0.0  # CPU seconds counted in UNWAITED_CPU; the zygote's own
        try:
            if _read_exactly(self.sock, 1) != b"+":  # ready once warm() has run
                raise EOFError
        except BaseException:
            self.close(kill=True)
            raise

    def run(self, request: bytes) -> Report:
        _send(self.sock, request, (1, 2))
        size = _HEADER.unpack(_read_exactly(self.sock, _HEADER.size))[0]
        report, status, (child, zygote) = pickle.loads(_read_exactly(self.sock, size))
        self._count(child + zygote - self.zygote_cpu)
        self.zygote_cpu = zygote
        if report is None:
            return ("fail", f"the test's child process died ({_describe(status)})")
        return pickle.loads(report)

    def _count(self, seconds: float) -> None:
        global UNWAITED_CPU
        UNWAITED_CPU += seconds
        self.counted += seconds

    def close(self, kill: bool = False) -> None:
        """Close the socket (the zygote leaves on its end of file); wait for it, killing it if asked
        or if it has not gone within five seconds. Once waited for, its CPU time (its children's
        included) is this process's RUSAGE_CHILDREN: no longer counted in UNWAITED_CPU."""
        self.sock.close()
        self._count(-self.counted)
        if kill:
            _kill(self.pid)
        deadline = time.monotonic() + 5
        while True:
            try:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                return
            if time.monotonic() > deadline:
                _kill(self.pid)
                deadline = float("inf")
            time.sleep(0.01)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _serve(sock: socket.socket, warm: Optional[Callable[[], None]]) -> None:
    """The zygote's loop: warm up, then for each request fork a child that runs the test and answer
    with its pickled report (None if it died without one) and its wait status."""
    if warm is not None:
        try:
            warm()
        except Exception:  # noqa: BLE001 - the tests themselves will meet the same error
            pass
    sock.sendall(b"+")
    while True:
        try:
            header, fds, _, _ = socket.recv_fds(sock, _HEADER.size, 2)
        except (OSError, KeyboardInterrupt):
            return
        if not header:
            return  # the test process closed its end: leave
        try:
            header += _read_exactly(sock, _HEADER.size - len(header))
            request = _read_exactly(sock, _HEADER.unpack(header)[0])
        except (EOFError, OSError, KeyboardInterrupt):
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read)
                sock.close()
                _die_with_parent()
                _use_streams(*fds)
                report = _run(*_load_request(request))
                with os.fdopen(write, "wb") as out:
                    out.write(pickle.dumps(report))
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(0)
        os.close(write)
        for fd in fds:
            os.close(fd)
        with os.fdopen(read, "rb") as source:
            data = source.read()
        _, status, usage = os.wait4(pid, 0)
        own = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (usage.ru_utime + usage.ru_stime, own.ru_utime + own.ru_stime)
        try:
            _send(sock, pickle.dumps((data or None, status, cpu)))
        except OSError:
            return


def _request(test: Callable, args: tuple, kwargs: dict) -> Optional[bytes]:
    """The test named by module and qualified name, with its pickled arguments; None when they do not
    pickle (or the test is not reachable by name)."""
    try:
        return pickle.dumps((test.__module__, test.__qualname__, pickle.dumps((args, kwargs))))
    except Exception:  # noqa: BLE001 - pickle raises many types
        return None


def _load_request(request: bytes) -> Tuple[Callable, tuple, dict]:
    """The test and its arguments. In a fresh interpreter, importing the test's module registers the
    test (decorated at import) and loads what its arguments refer to; a test decorated later is
    found by name, under the decorator."""
    module_name, qualname, arguments = pickle.loads(request)
    test = _TESTS.get(f"{module_name}:{qualname}")
    if test is None:
        test = importlib.import_module(module_name)
        for name in qualname.split("."):
            test = getattr(test, name)
        test = _TESTS.get(f"{module_name}:{qualname}", getattr(test, "__wrapped__", test))
    args, kwargs = pickle.loads(arguments)
    return test, args, kwargs


def _fresh_interpreter(request: bytes) -> Report:
    """Run the test in `python tests/zygote.py REQUEST REPORT`: for platforms without fork()."""
    with tempfile.TemporaryDirectory() as scratch:
        request_path, report_path = Path(scratch, "request"), Path(scratch, "report")
        request_path.write_bytes(request)
        path = os.pathsep.join(filter(None, [str(HERE), str(HERE.parent), os.environ.get("PYTHONPATH")]))
        completed = subprocess.run(
            [sys.executable, __file__, str(request_path), str(report_path)],
            env={**os.environ, "PYTHONPATH": path},
            cwd=str(HERE.parent),
            capture_output=True,
            text=True,
        )
        sys.stdout.write(completed.stdout)
        sys.stderr.write(completed.stderr)
        if not report_path.exists():
            return ("fail", f"the test's interpreter ended without a report (exit status {completed.returncode})")
        return pickle.loads(report_path.read_bytes())


class Isolation:
    """A decorator running each test in a child process (see the module's docstring); `warm`, run
    once in the zygote, prepares what every child would otherwise prepare itself."""

    def __init__(self, warm: Optional[Callable[[], None]] = None) -> None:
        self.warm = warm
        self.zygote: Optional[_Zygote] = None
        self.failed_to_start = False
        atexit.register(self.close)

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote, zygote = None, self.zygote
            zygote.close()

    def _zygote(self) -> Optional[_Zygote]:
        if self.zygote is not None and self.zygote.parent != os.getpid():
            self.zygote = None  # inherited through a fork: not ours to use
        if self.zygote is None and USE_ZYGOTE and not self.failed_to_start:
            try:
                self.zygote = _Zygote(self.warm)
            except (OSError, EOFError):
                self.failed_to_start = True
        return self.zygote

    def report(self, test: Callable, args: tuple, kwargs: dict) -> Report:
        request = _request(test, args, kwargs)
        if not CAN_FORK:
            if request is None:
                return ("fail", "the test's arguments do not pickle, and there is no fork() to run it in a child")
            return _fresh_interpreter(request)
        zygote = self._zygote() if request is not None else None
        if zygote is None:
            return _forked(test, args, kwargs)
        try:
            return zygote.run(request)
        except (OSError, EOFError):  # the zygote is gone: the next test starts another
            self.zygote = None
            zygote.close(kill=True)
            return _forked(test, args, kwargs)
        except BaseException:  # interrupted while a child runs: take the zygote and the child down
            self.zygote = None
            zygote.close(kill=True)
            raise

    def __call__(self, test: Callable) -> Callable:
        _TESTS[_key(test)] = test

        @functools.wraps(test)
        def wrapper(*args, **kwargs):
            report = self.report(test, args, kwargs)
            if report is not None:
                kind, text = report
                if kind == "skip":
                    pytest.skip(text)
                pytest.fail(text, pytrace=False)

        return wrapper


def _main(request_path: str, report_path: str) -> None:
    report = _run(*_load_request(Path(request_path).read_bytes()))
    Path(report_path).write_bytes(pickle.dumps(report))


if __name__ == "__main__":
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    import zygote  # the registry the test modules fill, not this `__main__`'s copy

    zygote._main(*sys.argv[1:3])
