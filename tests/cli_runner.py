"""`tslint ARGS` run inside the test process: what `python -m tslint ARGS` prints and returns, without
the half second each child process pays to start Python and import libcst and the rules.

`run_cli` calls `tslint.cli.main(argv)` as the entry point does, with what a fresh process would have
and nothing the test process holds: stdin, stdout and stderr are pipes (no terminal, so no colour and
no progress line), the working folder and the environment are the given ones, `sys.argv` names
tslint, warnings are printed to stderr under Python's default filters, and the state tslint keeps per
process (the per-user key cache of tslint/cache.py) starts empty. All of it is restored afterwards.

What it cannot stand in for is kept in a real process (`run_process`, or the tests' own
`subprocess` calls): the entry point itself (`python -m tslint`, its sys.path fix), imports observed
with `-X importtime`, signals, terminals, reads that could hang (FIFOs, endless stdin) and need a
timeout, parsers that could crash the interpreter, and a child without file permission overrides.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator, Mapping, Optional, Sequence, Union

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
