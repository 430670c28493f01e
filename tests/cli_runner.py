"""`tslint ARGS` run inside the test process: what `python -m tslint ARGS` prints and returns, without
the half second each child process pays to start Python and import libcst and the rules.

`run_cli` calls `tslint.cli.main(argv)` as the entry point does, with what a fresh process would have
and nothing the test process holds: stdin, stdout and stderr are pipes (no terminal, so no colour and
no progress line), the working folder and the environment are the given ones, `sys.argv` names
tslint, warnings are printed to stderr under Python's default filters, and the state tslint keeps per
process (the per-user key cache of tslint/cache.py) starts empty. All of it is restored afterwards.

What it cannot stand in for is kept in a real process. A fresh interpreter (`run_process`, or the
tests' own `subprocess` calls) for the entry point itself (`python -m tslint`, its sys.path fix),
imports observed with `-X importtime`, signals, terminals, parsers that could crash the interpreter
or exhaust its stack, and what Python prints on its own (warnings). A child forked from the test
process (`run_forked`: tslint is imported already, no interpreter to start) for reads that could
hang (FIFOs, endless stdin) and need a timeout, and a child without file permission overrides.
"""

from __future__ import annotations

import functools
import io
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import tslint.cache
from tslint.cli import main

ROOT = Path(__file__).resolve().parent.parent
# Read by tslint and set in a developer's shell: a test must not depend on them unless it sets them.
ISOLATED_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TSLINT_DEBUG")


class _Pipe(io.TextIOWrapper):
    """A text stream over bytes, as a child's stdout or stderr is when the parent captures it."""

    def __init__(self, errors: str) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors=errors, newline="\n", write_through=True)

    def data(self) -> bytes:
        self.flush()
        return self.buffer.getvalue()


@contextmanager
def _environment(env: Optional[Mapping[str, str]], extra: Optional[Mapping[str, str]]) -> Iterator[None]:
    saved = dict(os.environ)
    updated = dict(os.environ if env is None else env)
    for name in ISOLATED_VARIABLES:
        if env is None:
            updated.pop(name, None)
    updated.update(extra or {})
    os.environ.clear()
    os.environ.update(updated)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _process_state(args: Sequence[str], cwd: Optional[Union[str, Path]], stdin: BinaryIO) -> Iterator[tuple]:
    """The streams, argv, working folder, warning filters and tslint's per-process caches of a
    fresh process; the test process's own are back afterwards."""
    streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_argv, saved_cwd, saved_keys = sys.argv, os.getcwd(), dict(tslint.cache._KEYS)
    out, err = _Pipe("strict"), _Pipe("backslashreplace")
    sys.stdin = io.TextIOWrapper(stdin, encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    sys.argv = ["tslint", *args]
    tslint.cache._KEYS.clear()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with warnings.catch_warnings():
            warnings.resetwarnings()  # Python's defaults, as in a fresh process (not pytest's filters)
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", category)
            warnings.showwarning = _show_warning
            yield out, err
    finally:
        os.chdir(saved_cwd)
        sys.stdin, sys.stdout, sys.stderr = streams
        sys.argv = saved_argv
        tslint.cache._KEYS.clear()
        tslint.cache._KEYS.update(saved_keys)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def run_cli(
    *args: Union[str, Path],
    cwd: Optional[Union[str, Path]] = None,
    stdin: Union[bytes, str] = b"",
    env: Optional[Mapping[str, str]] = None,
    extra_env: Optional[Mapping[str, str]] = None,
    text: bool = True,
) -> subprocess.CompletedProcess:
    """`tslint ARGS` in this process, as `subprocess.run([python, -m, tslint, ARGS], cwd=cwd,
    input=stdin, env=env, capture_output=True, text=text)` would run it: the same exit code, stdout
    and stderr (str, or bytes when `text` is false). `env` replaces the environment, `extra_env` adds
    to it; without `env`, the variables that change tslint's output (colour, debug) are unset.

    A traceback never reaches stderr here: an exception main() lets through fails the test."""
    argv = [str(a) for a in args]
    data = stdin.encode() if isinstance(stdin, str) else stdin
    with _environment(env, extra_env), _process_state(argv, cwd, io.BytesIO(data)) as (out, err):
        code = main(argv)
    stdout, stderr = out.data(), err.data()
    if text:
        return subprocess.CompletedProcess(argv, code, stdout.decode(), stderr.decode("utf-8", "backslashreplace"))
    return subprocess.CompletedProcess(argv, code, stdout, stderr)


def run_process(*args: Union[str, Path], timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """`python -m tslint ARGS` in a child process (this checkout: conftest puts it on PYTHONPATH),
    for what only a real process shows; output captured, keyword arguments as subprocess.run's."""
    return subprocess.run(
        [sys.executable, "-m", "tslint", *map(str, args)], capture_output=True, timeout=timeout, **kwargs
    )


def run_forked(
    *args: Union[str, Path],
    cwd: Optional[Union[str, Path]] = None,
    stdin: Union[bytes, BinaryIO] = b"",
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 120,
    preexec_fn: Optional[Callable[[], None]] = None,
) -> subprocess.CompletedProcess:
    """`tslint ARGS` in a child process forked from this one, as `run_process(*args, input=stdin,
    cwd=cwd, env=env, timeout=timeout, preexec_fn=preexec_fn)` runs it (output as bytes; a file
    object as `stdin` is the child's standard input itself): its descriptors 0 to 2 are real pipes
    or files, `preexec_fn` runs in it after the change of folder, and at `timeout` it is killed and
    subprocess.TimeoutExpired raised. It has tslint, libcst and the rules imported already (about
    half a second of CPU less than a fresh interpreter), and starts from a fresh process's state as
    `run_cli` makes it (`_forked_child`). Without fork (Windows), `run_process`."""
    argv = [str(a) for a in args]
    if not hasattr(os, "fork"):
        given = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin}
        return run_process(*argv, cwd=cwd, env=env, timeout=timeout, preexec_fn=preexec_fn, **given)
    _imports_of_a_lint()
    data, (in_read, in_write) = (stdin, os.pipe()) if isinstance(stdin, bytes) else (b"", (stdin.fileno(), -1))
    (out_read, out_write), (err_read, err_write) = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:
        _forked_child(argv, (in_read, out_write, err_write), cwd, env, preexec_fn)  # never returns
    for fd in (out_write, err_write, *((in_read,) if in_write >= 0 else ())):
        os.close(fd)
    deadline = time.monotonic() + timeout
    try:
        stdout, stderr = _exchange(data, in_write, (out_read, err_read), deadline)
        status = _wait(pid, deadline)
    except BaseException as error:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if isinstance(error, subprocess.TimeoutExpired):
            raise subprocess.TimeoutExpired(["tslint", *argv], timeout) from None
        raise
    return subprocess.CompletedProcess(argv, os.waitstatus_to_exitcode(status), stdout, stderr)


@functools.cache
def _imports_of_a_lint() -> None:
    """Imports, in this process, what a lint imports on first use (libcst, the rules, the output
    formats), by a lint of a small module in each format: once, so that no forked child pays them."""
    with tempfile.TemporaryDirectory() as folder:
        for output_format in ("text", "json", "sarif"):
            arguments = ("--isolated", "--no-cache", "--format", output_format, "--stdin-filename", "m.py")
            run_cli(*arguments, cwd=folder, stdin="import torch.nn as nn\n\n\nclass M(nn.Module):\n    pass\n")


def _exchange(data: bytes, in_write: int, outputs: Tuple[int, int], deadline: float) -> Tuple[bytes, bytes]:
    """Writes `data` to the child's stdin (`in_write`, -1 for none; closed once written or once the
    child closed its end) and reads its stdout and stderr (`outputs`) to their end, by `deadline`."""
    read: Dict[int, List[bytes]] = {fd: [] for fd in outputs}
    open_fds = [*outputs, *((in_write,) if in_write >= 0 else ())]
    with selectors.DefaultSelector() as selector:
        for fd in outputs:
            selector.register(fd, selectors.EVENT_READ)
        if in_write >= 0:
            os.set_blocking(in_write, False)
            selector.register(in_write, selectors.EVENT_WRITE)
        try:
            while selector.get_map():
                left = deadline - time.monotonic()
                ready = selector.select(left) if left > 0 else []
                if not ready:
                    raise subprocess.TimeoutExpired("tslint", 0)
                for key, _ in ready:
                    chunk = b""
                    if key.fd == in_write:
                        try:
                            data = data[os.write(in_write, data[:65536]) :] if data else b""
                        except BrokenPipeError:
                            data = b""
                        chunk = data
                    else:
                        chunk = os.read(key.fd, 65536)
                        read[key.fd].append(chunk)
                    if not chunk:  # written, or read to the end
                        selector.unregister(key.fd)
                        os.close(key.fd)
                        open_fds.remove(key.fd)
        finally:
            for fd in open_fds:
                os.close(fd)
    return b"".join(read[outputs[0]]), b"".join(read[outputs[1]])


def _wait(pid: int, deadline: float) -> int:
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired("tslint", 0)
        time.sleep(0.005)


def _forked_child(
    argv: List[str], fds: Tuple[int, int, int], cwd, env: Optional[Mapping[str, str]], preexec_fn
) -> None:
    """In the forked child: descriptors 0 to 2 from `fds` and no other one of the test process's,
    default signal handling, the folder, the environment, `preexec_fn`, then the state `run_cli`
    gives a fresh process (new standard streams on the descriptors, argv as `python -m tslint` sets
    it, Python's warning filters, tslint's per-process caches empty); `tslint.cli.main(argv)`, and
    the exit code. An exception it lets through is printed with its traceback, exit code 1, as the
    interpreter does; nothing of the test process (its atexit handlers, buffers) runs."""
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096)
        import faulthandler

        faulthandler.disable()  # pytest's writes to a descriptor the child no longer has
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if cwd is not None:
            os.chdir(cwd)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if preexec_fn is not None:
            preexec_fn()
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115  (left open: os._exit)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        sys.argv = [str(Path(tslint.cache.__file__).with_name("__main__.py")), *argv]
        tslint.cache._KEYS.clear()
        warnings.resetwarnings()  # Python's defaults, as in a fresh process (not pytest's filters)
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.simplefilter("ignore", category)
        warnings.showwarning = _show_warning
        code = main(argv)
    except SystemExit as leaving:  # as the interpreter: None is 0, another object is printed, 1
        code = leaving.code if isinstance(leaving.code, int) else 0 if leaving.code is None else 1
        if not isinstance(leaving.code, (int, type(None))):
            print(leaving.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
