"""The whole output of `tslint fixtures/`, committed under tests/snapshots/ and compared byte for byte:
test_fixtures checks which codes land on which lines; these snapshots make every change of a message,
column, end position, symbol or fix visible in review. The README's table of rules is generated from
the catalogue the same way. `pytest tests/test_snapshots.py --snapshot-update` rewrites them all."""

from __future__ import annotations

import difflib

import pytest

from conftest import EXPORT_SNAPSHOT_ARGUMENTS, ROOT, ExportCli, FixturesCli
from tslint.api import catalogue

SNAPSHOTS = ROOT / "tests" / "snapshots"
UPDATE_COMMAND = "python -m pytest tests/test_snapshots.py --snapshot-update"
# Run on the relative path (the JSON and text runs from the session's copy of the fixtures, the export
# run from the repository root: see `session_output`), so filenames in the output are `fixtures/...`
# and not this checkout's location; `--isolated` so no pyproject.toml above changes the result;
# `--no-cache` (or a cache the session's own cold run wrote) so a stale .tslint_cache/ cannot answer
# for the current code. In this process (tests/cli_runner.py) but the JSON run's child: stdout is a
# pipe, so colour is off; NO_COLOR keeps it off whatever the CLI decides later.
RUNS = {
    "fixtures.json": ["--format", "json", "fixtures"],
    "fixtures.txt": ["fixtures"],
    "fixtures-export.txt": EXPORT_SNAPSHOT_ARGUMENTS,
}


def mismatch_message(filename: str, expected: str, actual: str, limit: int = 60) -> str:
    """`filename`: the file as the message names it, from the repository root."""
    diff = list(
        difflib.unified_diff(
            expected.splitlines(),
            actual.splitlines(),
            f"{filename} (committed)",
            "tslint now",
            lineterm="",
        )
    )
    shown = diff[:limit] + ([f"... {len(diff) - limit} more diff lines"] if len(diff) > limit else [])
    return "\n".join(
        [
            f"{filename} differs from the output of tslint. If the change is intended, run",
            "",
            f"    {UPDATE_COMMAND}",
            "",
            "and commit the rewritten file.",
            "",
        ]
        + shown
    )


def session_output(name: str, fixtures_cli: FixturesCli, export_cli: ExportCli) -> str:
    """The session's runs: JSON and text from conftest's `fixtures_cli` (`-j 1`, from a copy of the
    fixtures, the text answered by the result cache its cold JSON run wrote), export mode from
    conftest's `export_cli` (`-j 1`, from the repository root; its lint is also the session's export
    lint of the fixtures, `fixture_lints`)."""
    completed = {"fixtures.json": fixtures_cli.json, "fixtures.txt": fixtures_cli.text}.get(name)
    completed = completed or export_cli.completed
    assert completed.args[-len(RUNS[name]) :] == RUNS[name]
    assert "--isolated" in completed.args and ("--no-cache" in completed.args or name == "fixtures.txt")
    assert completed.stderr == "", completed.stderr
    assert completed.returncode == 1, f"exit {completed.returncode}: the fixtures are full of findings"
    return completed.stdout


@pytest.mark.parametrize("name", sorted(RUNS))
def test_fixture_output_snapshot(
    name: str, request: pytest.FixtureRequest, fixtures_cli: FixturesCli, export_cli: ExportCli
) -> None:
    actual = session_output(name, fixtures_cli, export_cli)
    path = SNAPSHOTS / name
    if request.config.getoption("--snapshot-update"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.is_file(), f"tests/snapshots/{name} is missing: run `{UPDATE_COMMAND}`"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        pytest.fail(mismatch_message(f"tests/snapshots/{name}", expected, actual), pytrace=False)


def test_snapshot_folder_holds_only_current_runs() -> None:
    """A snapshot no run produces any more would sit there unchecked."""
    assert sorted(p.name for p in SNAPSHOTS.iterdir()) == sorted(RUNS)


def test_mismatch_message_names_the_update_command_and_the_changed_line() -> None:
    message = mismatch_message("tests/snapshots/fixtures.txt", "a\nold message\nc\n", "a\nnew message\nc\n")
    assert UPDATE_COMMAND in message and message.startswith("tests/snapshots/fixtures.txt differs")
    assert "-old message" in message and "+new message" in message


README = ROOT / "README.md"
RULE_TABLE_HEADER = "| code | name | severity |"


def readme_with_rule_table(readme: str) -> str:
    """The README with its table of rules (the rows under RULE_TABLE_HEADER) made from the catalogue."""
    lines = readme.split("\n")
    start = lines.index(RULE_TABLE_HEADER) + 2  # after the header and its `| --- |` line
    end = start
    while end < len(lines) and lines[end].startswith("| "):
        end += 1
    rows = [f"| {info.code} | {info.name} | {info.severity.value} |" for info in catalogue()]
    return "\n".join(lines[:start] + rows + lines[end:])


def test_readme_lists_every_rule(request: pytest.FixtureRequest) -> None:
    current = README.read_text(encoding="utf-8")
    generated = readme_with_rule_table(current)
    if request.config.getoption("--snapshot-update"):
        README.write_text(generated, encoding="utf-8", newline="\n")
        return
    if generated != current:
        pytest.fail(mismatch_message("README.md", current, generated), pytrace=False)


def test_rule_table_is_rewritten_from_the_catalogue() -> None:
    readme = f"intro\n{RULE_TABLE_HEADER}\n| --- | --- | --- |\n| TS999 | gone | error |\n\nmore\n"
    rewritten = readme_with_rule_table(readme)
    assert "TS999" not in rewritten and "| TS101 | var-args-in-compiled-function | error |" in rewritten
    assert rewritten.startswith("intro\n") and rewritten.endswith("|\n\nmore\n")
