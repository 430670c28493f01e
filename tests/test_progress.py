"""The progress line, seen as a user sees it: stderr on a real terminal (a pty), stdout piped.

The child lowers tslint.progress's DELAY to 0 (a run of three small files takes well under the
second after which the line is first drawn) and otherwise runs the CLI unchanged. Which runs draw no
line on a terminal is checked in this process (`run_here`): tslint decides from `sys.stderr.isatty()`
(tslint/progress.py), so a stderr that answers True stands for the terminal; a control run with the
same stand-in shows that it does draw the line when the run may."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Tuple

import pytest

import tslint.progress
from tslint.cli import main

# A progress line is drawn on a terminal only: tslint runs in a child process on a pty (the tests
# marked `process`), or in this process with a stand-in terminal (`run_here`).
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty semantics of Linux")

DRIVER = (
    "import sys\n"
    "import tslint.progress as progress\n"
    "progress.DELAY = progress.INTERVAL = 0.0\n"
    "from tslint.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
MODEL = "import torch.nn as nn\n\n\nclass Net{n}(nn.Module):\n    def forward(self, x, *args):\n        return x\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for n in range(3):
        (tmp_path / f"model_{n}.py").write_text(MODEL.format(n=n))
    return tmp_path


def run(project: Path, *args: str, terminal: bool = True) -> Tuple[int, str, str]:
    """(exit code, stdout, stderr) of the CLI with stderr a pty (or a pipe)."""
    import pty

    master, slave = pty.openpty() if terminal else os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, "--no-cache", "-j", "1", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    chunks = []

    def read_stderr() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the pty's other end closed when the child ended
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read_stderr)  # stdout is read meanwhile: neither pipe fills up
    reader.start()
    try:
        stdout, _ = process.communicate(timeout=300)
    finally:
        reader.join(timeout=30)
        os.close(master)
    return process.returncode, stdout.decode(), b"".join(chunks).decode()


class _Terminal(io.TextIOWrapper):
    """A stderr that says it is a terminal, as a pty's end does, and keeps what is written."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", newline="\n", write_through=True)

    def isatty(self) -> bool:
        return True

    def text(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode()


def run_here(project: Path, monkeypatch, *args: str) -> Tuple[int, str, str]:
    """(exit code, stdout, stderr) of the CLI in this process, stderr a stand-in terminal, with the
    driver's DELAY and INTERVAL of 0."""
    monkeypatch.setattr(tslint.progress, "DELAY", 0.0)
    monkeypatch.setattr(tslint.progress, "INTERVAL", 0.0)
    monkeypatch.chdir(project)
    stdout, stderr = io.StringIO(), _Terminal()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    code = main(["--no-cache", "-j", "1", *args])
    monkeypatch.undo()
    return code, stdout.getvalue(), stderr.text()


def test_the_stand_in_terminal_shows_the_line(project: Path, monkeypatch) -> None:
    """The control of test_none_for_machine_formats_and_quiet_runs: a run that may draw does."""
    code, stdout, stderr = run_here(project, monkeypatch, ".")
    assert code == 1 and "TS101" in stdout
    assert "tslint: indexing [" in stderr and "tslint: checking [" in stderr and stderr.endswith("\r\x1b[K")


@pytest.mark.process
def test_each_stage_is_shown_on_a_terminal_then_erased(project: Path) -> None:
    code, stdout, stderr = run(project, ".")
    assert code == 1 and "TS101" in stdout
    assert "tslint: indexing [" in stderr and "] 3/3" in stderr
    assert "tslint: checking [" in stderr
    assert stderr.index("indexing") < stderr.index("checking")
    assert stderr.endswith("\r\x1b[K")  # erased: the report starts on a clean line
    assert "indexing" not in stdout and "\r" not in stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--output-format", "json"],
        ["--output-format", "sarif"],
        ["--output-format", "github"],
        ["--format", "json"],
        ["-q"],
        ["--quiet"],
        ["--silent"],
    ],
)
def test_none_for_machine_formats_and_quiet_runs(project: Path, args, monkeypatch) -> None:
    code, stdout, stderr = run_here(project, monkeypatch, *args, ".")
    assert code == 1
    assert "indexing" not in stderr and "checking" not in stderr and "\x1b[K" not in stderr


@pytest.mark.process
def test_none_when_stderr_is_not_a_terminal(project: Path) -> None:
    code, stdout, stderr = run(project, ".", terminal=False)
    assert code == 1 and "TS101" in stdout
    assert "indexing" not in stderr and "\x1b[K" not in stderr


@pytest.mark.process
def test_confirm_shows_the_classes_compiled(project: Path) -> None:
    pytest.importorskip("torch")
    code, stdout, stderr = run(project, "--confirm", ".")
    assert "[confirmed]" in stdout, stdout + stderr
    assert "tslint: confirming [" in stderr and "] 3/3 (model_" in stderr
    assert stderr.endswith("\r\x1b[K")
