"""The whole output of `tslint fixtures/`, committed under tests/snapshots/ and compared byte for byte:
test_fixtures checks which codes land on which lines; these snapshots make every change of a message,
column, end position, symbol or fix visible in review. `pytest --snapshot-update` rewrites them."""

from __future__ import annotations

import difflib
from typing import List

import pytest

from cli_runner import run_cli
from conftest import ROOT

SNAPSHOTS = ROOT / "tests" / "snapshots"
UPDATE_COMMAND = "python -m pytest tests/test_snapshots.py --snapshot-update"
# Run from the repository root on the relative path, so filenames in the output are `fixtures/...` and
# not this checkout's location; `--isolated` so no pyproject.toml above the repository changes the
# result; `--no-cache` so a stale .tslint_cache/ cannot answer for the current code.
COMMAND = ["--isolated", "--no-cache"]
RUNS = {
    "fixtures.json": ["--format", "json", "fixtures"],
    "fixtures.txt": ["fixtures"],
    "fixtures-export.txt": ["--mode", "export", "--select", "TS,TS503", "--output-format", "concise", "fixtures"],
}


def tslint_output(arguments: List[str]) -> str:
    # In this process (tests/cli_runner.py): stdout is a pipe, so colour is off; NO_COLOR keeps it off
    # whatever the CLI decides later.
    completed = run_cli(*COMMAND, *arguments, cwd=ROOT, extra_env={"NO_COLOR": "1"})
    assert completed.stderr == "", completed.stderr
    assert completed.returncode == 1, f"exit {completed.returncode}: the fixtures are full of findings"
    return completed.stdout


def mismatch_message(name: str, expected: str, actual: str, limit: int = 60) -> str:
    diff = list(
        difflib.unified_diff(
            expected.splitlines(),
            actual.splitlines(),
            f"tests/snapshots/{name} (committed)",
            "tslint now",
            lineterm="",
        )
    )
    shown = diff[:limit] + ([f"... {len(diff) - limit} more diff lines"] if len(diff) > limit else [])
    return "\n".join(
        [
            f"tests/snapshots/{name} differs from the output of tslint. If the change is intended, run",
            "",
            f"    {UPDATE_COMMAND}",
            "",
            "and commit the rewritten snapshot.",
            "",
        ]
        + shown
    )


@pytest.mark.parametrize("name", sorted(RUNS))
def test_fixture_output_snapshot(name: str, request: pytest.FixtureRequest) -> None:
    actual = tslint_output(RUNS[name])
    path = SNAPSHOTS / name
    if request.config.getoption("--snapshot-update"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.is_file(), f"tests/snapshots/{name} is missing: run `{UPDATE_COMMAND}`"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        pytest.fail(mismatch_message(name, expected, actual), pytrace=False)


def test_snapshot_folder_holds_only_current_runs() -> None:
    """A snapshot no run produces any more would sit there unchecked."""
    assert sorted(p.name for p in SNAPSHOTS.iterdir()) == sorted(RUNS)


def test_mismatch_message_names_the_update_command_and_the_changed_line() -> None:
    message = mismatch_message("fixtures.txt", "a\nold message\nc\n", "a\nnew message\nc\n")
    assert UPDATE_COMMAND in message
    assert "-old message" in message and "+new message" in message
