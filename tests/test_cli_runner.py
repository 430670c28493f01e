"""tests/cli_runner.py stands in for `python -m tslint`: the same exit code and output, and nothing of
the test process changed afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

import tslint.cache
from cli_runner import run_cli, run_forked, run_process

BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"


@pytest.mark.process
@pytest.mark.parametrize("arguments", [["a.py"], ["--format", "json", "a.py"], ["--select", "TS999", "a.py"]])
def test_in_process_output_is_the_child_process_output(tmp_path, arguments) -> None:
    (tmp_path / "a.py").write_text(BAD)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TSLINT_DEBUG")}
    child = run_process("--no-cache", *arguments, cwd=tmp_path, env=env, text=True)
    inside = run_cli("--no-cache", *arguments, cwd=tmp_path)
    assert (inside.returncode, inside.stdout, inside.stderr) == (child.returncode, child.stdout, child.stderr)
    forked = run_forked("--no-cache", *arguments, cwd=tmp_path, env=env)
    assert (forked.returncode, forked.stdout.decode(), forked.stderr.decode()) == (
        child.returncode,
        child.stdout,
        child.stderr,
    )


@pytest.mark.process
def test_a_forked_child_reads_its_stdin_and_is_killed_at_its_timeout(tmp_path) -> None:
    """`run_forked`: the bytes given are the child's stdin, a usage error is the process's, and a
    child still running at its timeout is killed (TimeoutExpired), the test process left as it was."""
    completed = run_forked("--format", "json", "-", cwd=tmp_path, stdin=BAD.encode())
    assert completed.returncode == 1 and b'"filename": "-"' in completed.stdout and completed.stderr == b""
    usage = run_forked("--no-such-option")
    assert usage.returncode == 2 and usage.stdout == b"" and usage.stderr.startswith(b"usage: tslint")
    before = (os.getcwd(), dict(os.environ), sys.stdout, sys.stderr)

    def sleeping() -> None:
        (tmp_path / "pid").write_text(str(os.getpid()))
        time.sleep(600)

    with pytest.raises(subprocess.TimeoutExpired):
        run_forked("a.py", cwd=tmp_path, timeout=1, preexec_fn=sleeping)
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(int((tmp_path / "pid").read_text()), 0)
    assert (os.getcwd(), dict(os.environ), sys.stdout, sys.stderr) == before


def test_the_test_process_is_left_as_it_was(tmp_path, monkeypatch) -> None:
    (tmp_path / "a.py").write_text(BAD)
    monkeypatch.setenv("NO_COLOR", "1")
    tslint.cache._KEYS["marker"] = None
    before = (os.getcwd(), dict(os.environ), sys.stdin, sys.stdout, sys.stderr, list(sys.argv))
    completed = run_cli("--color", "auto", "a.py", cwd=tmp_path, stdin="ignored", extra_env={"TSLINT_X": "1"})
    assert completed.returncode == 1 and "a.py:5:26: TS101" in completed.stdout
    assert (os.getcwd(), dict(os.environ), sys.stdin, sys.stdout, sys.stderr, list(sys.argv)) == before
    assert tslint.cache._KEYS.get("marker", "gone") is None


def test_a_fresh_process_has_no_terminal_and_the_given_environment(tmp_path, monkeypatch) -> None:
    """Colour on a pipe only with FORCE_COLOR; a developer's NO_COLOR or FORCE_COLOR is not seen
    unless the test passes it."""
    (tmp_path / "a.py").write_text(BAD)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" not in run_cli("--no-cache", "a.py", cwd=tmp_path).stdout
    assert "\x1b[" in run_cli("--no-cache", "a.py", cwd=tmp_path, extra_env={"FORCE_COLOR": "1"}).stdout


def test_stdin_and_usage_errors_as_a_process_gives_them(tmp_path) -> None:
    completed = run_cli("--format", "json", "-", cwd=tmp_path, stdin=BAD)
    assert completed.returncode == 1 and '"filename": "-"' in completed.stdout
    usage = run_cli("--no-such-option")
    assert usage.returncode == 2 and usage.stdout == "" and usage.stderr.startswith("usage: tslint")
