"""No process tslint starts outlives it: -j workers and --confirm children with grandchildren, at
a normal end, a timeout, SIGTERM and SIGKILL. Each test runs tslint under tests/subreaper.py, which
sees every process tslint started (even one that calls setsid() or forks twice) and nothing else."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from subreaper import run_contained

pytestmark = [
    pytest.mark.process,  # signals, process groups and subreapers: only real processes have them
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and subreapers are Linux"),
]

SLEEP = 8  # seconds a grandchild sleeps before its late write, at a normal end
SETTLE = 3.0  # seconds the processes tslint started get to go after it ended

# User code that leaves processes: a grandchild in the child's group, one that calls setsid(), and
# one orphaned by a double fork (also in a session of its own). Each writes a file after sleeping
# (longer than the timeout, where tslint is to be stopped: a sleeper that ended is not left behind).
FORKS = """\
import os
import time

import torch.nn as nn

FOLDER = os.environ["TSLINT_TEST_FOLDER"]


def leave_behind(escape, orphan):
    if os.fork() == 0:
        if orphan and os.fork() != 0:
            os._exit(0)
        if escape:
            os.setsid()
        time.sleep(float(os.environ["TSLINT_TEST_SLEEP"]))
        open(os.path.join(FOLDER, "late-write"), "w").close()
        os._exit(0)


leave_behind(False, False)
leave_behind(True, False)
leave_behind(True, True)
open(os.path.join(FOLDER, "ready"), "w").close()
while os.environ.get("TSLINT_TEST_LOOP"):
    pass


class Net(nn.Module):
    def forward(self, x, *args):
        return x
"""


def _confirm_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.tslint.confirm]\ntimeout = 20\n")
    (project / "forks.py").write_text(FORKS)
    return project


def _tslint(*args) -> list:
    return [sys.executable, "-m", "tslint", "--no-cache", "--format", "json", *args]


@pytest.mark.torch  # --confirm runs torch in the children
@pytest.mark.parametrize("how", ["normal end", "timeout", "SIGTERM", "SIGKILL"])
def test_confirm_children_and_grandchildren_never_outlive_tslint(tmp_path, monkeypatch, how) -> None:
    project = _confirm_project(tmp_path)
    monkeypatch.setenv("TSLINT_TEST_FOLDER", str(tmp_path))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    if how != "normal end":
        monkeypatch.setenv("TSLINT_TEST_LOOP", "1")
    monkeypatch.setenv("TSLINT_TEST_SLEEP", str(SLEEP if how == "normal end" else 120))
    signal_name = how if how.startswith("SIG") else None
    answer = run_contained(
        _tslint("--confirm", "forks.py"),
        project,
        tmp_path,
        marker=str(tmp_path / "ready"),
        signal=signal_name,
        jitter=0.5,
        settle=SETTLE,
    )
    start = time.monotonic()
    assert answer["ready"], answer["errors"].decode()
    assert answer["left"] == {}, f"left behind: {answer['left']}"
    if signal_name is None:
        (finding,) = json.loads(answer["report"])["diagnostics"]
        expected = {"normal end": "confirmed", "timeout": "unverified"}[how]
        assert finding["confirmation"]["status"] == expected, finding
        if how == "timeout":
            assert finding["confirmation"]["detail"] == "timed out after 20 s"
    else:
        assert answer["returncode"] == -getattr(signal, signal_name)
    if how == "normal end":  # the grandchildren's late write would come SLEEP s after `ready`
        time.sleep(max(0.0, SLEEP + 1 - (time.monotonic() - start)))
        assert not (tmp_path / "late-write").exists()
    assert not list(temporary.iterdir()), "files left in the temporary folder"


# User code that kills its own supervisor (same user, so it may) after leaving a grandchild in a
# session of its own: the grandchild is orphaned onto tslint, not onto the supervisor.
KILLS_SUPERVISOR = """\
import os
import signal
import time

import torch.nn as nn

if os.fork() == 0:
    os.setsid()
    time.sleep(120)
    os._exit(0)
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(60)


class Net(nn.Module):
    def forward(self, x, *args):
        return x
"""


@pytest.mark.torch  # --confirm runs torch in the children
def test_user_code_that_kills_its_supervisor_leaves_nothing_behind(tmp_path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "kills.py").write_text(KILLS_SUPERVISOR)
    answer = run_contained(_tslint("--confirm", "kills.py"), project, tmp_path, settle=SETTLE)
    (finding,) = json.loads(answer["report"])["diagnostics"]
    assert finding["confirmation"] == {
        "status": "unverified",
        "detail": "the child process ended unexpectedly (exit code -9)",
    }
    assert answer["left"] == {}, f"left behind: {answer['left']}"


def _big_project(folder: Path) -> Path:
    folder.mkdir()
    body = "".join(
        f"def function_{n}(x: torch.Tensor, y: int = {n}) -> torch.Tensor:\n    return x * y + {n}\n\n\n"
        for n in range(300)
    )
    for index in range(40):
        (folder / f"module_{index}.py").write_text(f"import torch\n\n\n{body}")
    return folder


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_parallel_workers_never_outlive_tslint(tmp_path, signal_name) -> None:
    project = _big_project(tmp_path / "project")
    answer = run_contained(
        _tslint("-j", "2", "."), project, tmp_path, processes=2, signal=signal_name, jitter=0.3, settle=SETTLE
    )
    assert answer["ready"], answer["errors"].decode()
    assert answer["returncode"] == -getattr(signal, signal_name)
    assert answer["left"] == {}, f"left behind: {answer['left']}"


# Becomes `nobody` (no capability left), then checks whether a forked child of the same user can
# open the parent's /proc/<pid>/fd/N (a pipe) with the parent dumpable, and inside hidden_from_children.
HIDDEN = """
import os, sys
from tslint import processes
os.setgid(65534)
os.setuid(65534)
processes._prctl(processes.PR_SET_DUMPABLE, 1)  # a change of uid made it non-dumpable already
read_end, write_end = os.pipe()  # nobody's own: stdout is a pipe nobody may not open

def child_can_open():
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(os.open(f"/proc/{parent}/fd/{write_end}", os.O_WRONLY))
            os._exit(0)
        except OSError:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0

print(child_can_open(), end=" ")
with processes.hidden_from_children() as hidden:
    print(hidden, child_can_open(), end=" ")
print(child_can_open())
"""

# As root: the same with the child dropping CAP_SYS_PTRACE (what the --confirm worker does).
DROPPED = """
import os
from tslint import processes

def child_can_open(drop):
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        if drop and not processes.drop_ptrace():
            os._exit(2)
        try:
            os.close(os.open(f"/proc/{parent}/fd/1", os.O_WRONLY))
            os._exit(0)
        except OSError:
            os._exit(1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

with processes.hidden_from_children():
    print(child_can_open(False), child_can_open(True))
"""


@pytest.mark.skipif(os.getuid() != 0, reason="becoming another user needs root")
def test_a_non_dumpable_process_hides_its_files_from_another_process_of_its_user() -> None:
    completed = subprocess.run([sys.executable, "-c", HIDDEN], capture_output=True, text=True, timeout=60)
    assert completed.stdout.split() == ["True", "True", "False", "True"], completed.stderr


@pytest.mark.skipif(os.getuid() != 0, reason="only root has CAP_SYS_PTRACE to drop")
def test_root_without_cap_sys_ptrace_cannot_open_a_hidden_process_files() -> None:
    completed = subprocess.run([sys.executable, "-c", DROPPED], capture_output=True, text=True, timeout=60)
    assert completed.stdout.split() == ["0", "1"], completed.stderr
