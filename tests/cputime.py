"""CPU time per test file: `python -m pytest -p cputime ...` (tests/ on sys.path, as with PYTHONPATH=tests
or from the rootdir's conftest) prints, at the end, the user + system CPU seconds each test file cost:
its tests' setup, call and teardown in the process that ran them, plus every child process those
waited for (tslint children, forked export checks). Collection is not counted. With xdist, each
worker measures its own tests and the controller adds them up. No timing is asserted anywhere: the
figures are for bench/RESULTS.md. With CPUTIME_PER_TEST=1 in the environment, per test instead of per file."""

from __future__ import annotations

import os
import resource
import sys
from collections import defaultdict
from typing import Dict

import pytest

_KEY = "cputime_seconds"
_MARK = pytest.StashKey[float]()


def _cpu() -> float:
    """This process's CPU seconds and its waited-for children's, and those of the export tests' zygote
    and its children (tests/zygote.py), which it waits for only at exit."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    unwaited = getattr(sys.modules.get("zygote"), "UNWAITED_CPU", 0.0)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + unwaited


_per_file: Dict[str, float] = defaultdict(float)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem) -> None:
    item.stash[_MARK] = _cpu()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Each phase's report carries the CPU time since the previous report of the test (or its start)."""
    outcome = yield
    now = _cpu()
    outcome.get_result().user_properties.append((_KEY, now - item.stash.get(_MARK, now)))
    item.stash[_MARK] = now


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == _KEY:
            key = report.nodeid if os.environ.get("CPUTIME_PER_TEST") else report.nodeid.split("::")[0]
            _per_file[key] += value


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    total = sum(_per_file.values())
    what = "test" if os.environ.get("CPUTIME_PER_TEST") else "test file"
    terminalreporter.write_sep("=", f"CPU seconds per {what} (tests only, {total:.1f} s in all)")
    for path, seconds in sorted(_per_file.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:8.1f}  {path}")
