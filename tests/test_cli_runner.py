"""tests/cli_runner.py stands in for `python -m tslint`: the same exit code and output, and nothing of
the test process changed afterwards."""

from __future__ import annotations

import os
import sys

import pytest

import tslint.cache
from cli_runner import run_cli, run_process

BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"


@pytest.mark.process
@pytest.mark.parametrize("arguments", [["a.py"], ["--format", "json", "a.py"], ["--select", "TS999", "a.py"]])
def test_in_process_output_is_the_child_process_output(tmp_path, arguments) -> None:
    (tmp_path / "a.py").write_text(BAD)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TSLINT_DEBUG")}
    child = run_process("--no-cache", *arguments, cwd=tmp_path, env=env, text=True)
    inside = run_cli("--no-cache", *arguments, cwd=tmp_path)
    assert (inside.returncode, inside.stdout, inside.stderr) == (child.returncode, child.stdout, child.stderr)


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
