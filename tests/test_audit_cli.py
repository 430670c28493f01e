"""What a new user runs into first: selectors, extras and option combinations that must fail with
one clear line and exit code 2 instead of silently doing something else (audit, 2026-12-07)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.cli_runner import run_cli

BAD = """\
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, *args):
        return x
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "net.py").write_text(BAD, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("option", ["--select", "--ignore"])
@pytest.mark.parametrize("prefix", ["TS9", "TS6", "TS60", "TS41"])
def test_a_prefix_no_rule_has_is_an_error(tmp_path, option, prefix) -> None:
    """`--select TS9` used to lint with no rule and answer "All checks passed!" (exit 0)."""
    if prefix == "TS41":  # TS410-TS413 exist: a real prefix stays accepted
        result = run_cli(option, prefix, "net.py", cwd=_project(tmp_path))
        assert result.returncode in (0, 1) and not result.stderr
        return
    result = run_cli(option, prefix, "net.py", cwd=_project(tmp_path))
    assert result.returncode == 2
    assert f"'{prefix}', which no rule code starts with" in result.stderr


def test_a_prefix_no_rule_has_is_an_error_in_the_config(tmp_path) -> None:
    project = _project(tmp_path)
    (project / "pyproject.toml").write_text('[tool.tslint]\nselect = ["TS8"]\n', encoding="utf-8")
    result = run_cli("net.py", cwd=project)
    assert result.returncode == 2 and "`select` has the prefix 'TS8'" in result.stderr


def test_lsp_without_pygls_names_the_extra(tmp_path, monkeypatch) -> None:
    """Without the lsp extra, `tslint --lsp` said "internal error: ModuleNotFoundError: No module
    named 'lsprotocol'": the check caught only the import of tslint.lsp, which imports neither."""
    import tslint.lsp

    for name in [m for m in sys.modules if m == "tslint.lsp.server" or m.startswith(("pygls", "lsprotocol"))]:
        monkeypatch.delitem(sys.modules, name)
    # `from tslint.lsp import server` takes the package's attribute when an earlier test imported it
    # (and would then serve on this process's stdin and os._exit it).
    monkeypatch.delattr(tslint.lsp, "server", raising=False)
    monkeypatch.setitem(sys.modules, "lsprotocol", None)
    monkeypatch.setitem(sys.modules, "pygls", None)
    result = run_cli("--lsp", cwd=tmp_path)
    assert result.returncode == 2
    assert "the language server needs pygls" in result.stderr and "internal error" not in result.stderr


TRAINING = """\
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        if self.training:
            x = x * 2
        return x, +x
"""


def _codes(result) -> set:
    return {line.split()[1] for line in result.stdout.splitlines() if ": TS" in line}


@pytest.mark.parametrize(
    "args, table, expected",
    [
        ([], "", {"TS215"}),
        (["--extend-select", "TS404"], "", {"TS215", "TS404"}),
        (["--select", "TS4", "--extend-select", "TS404"], "", {"TS404"}),
        ([], 'extend-select = ["TS404"]', {"TS215", "TS404"}),
        ([], 'select = ["TS4"]\nextend-select = ["TS404"]', {"TS404"}),
        (["--select", "TS2"], 'extend-select = ["TS404"]', {"TS215"}),  # --select replaces both, as in ruff
        (["--extend-select", "TS2"], 'select = ["TS404"]', {"TS215", "TS404"}),
    ],
)
def test_extend_select_adds_to_the_selection(tmp_path, args, table, expected) -> None:
    """DESIGN.md promises `extend-select`; the pages said `--select TS404`, which runs TS404 alone."""
    (tmp_path / "net.py").write_text(TRAINING, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(f"[tool.tslint]\n{table}\n", encoding="utf-8")
    result = run_cli("--no-cache", "--output-format", "concise", *args, "net.py", cwd=tmp_path)
    assert result.returncode == 1 and _codes(result) == expected, result.stderr


@pytest.mark.parametrize(
    "args, table, message",
    [
        (["--extend-select", "TS999"], "", "`--extend-select` names unknown rule 'TS999'"),
        ([], 'extend-select = "TS404"', "`extend-select` must be a list of strings"),
        ([], 'extend-select = ["XY"]', "`extend-select` has an invalid rule selector 'XY'"),
    ],
)
def test_bad_extend_select_exits_2(tmp_path, args, table, message) -> None:
    (tmp_path / "net.py").write_text(TRAINING, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(f"[tool.tslint]\n{table}\n", encoding="utf-8")
    result = run_cli(*args, "net.py", cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr


def test_off_by_default_pages_name_extend_select() -> None:
    root = Path(__file__).resolve().parent.parent
    for code in ("TS404", "TS503"):
        page = (root / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8")
        assert f"--extend-select {code}" in page


@pytest.mark.parametrize(
    "args, message",
    [
        (["--explain", "TS101", "--list-rules"], "--explain and --list-rules cannot be used together"),
        (["--lsp", "--list-rules"], "--lsp and --list-rules cannot be used together"),
        (["--explain", "TS101", "net.py"], "--explain lints nothing: it takes no paths (net.py)"),
        (["--list-rules", "net.py"], "--list-rules lints nothing"),
        (["--list-rules", "--output-format", "sarif"], "--list-rules prints text, or JSON"),
        (["--fix", "--add-noqa", "net.py"], "--add-noqa cannot be combined with --fix or --diff"),
        (["--diff", "--add-noqa", "net.py"], "--add-noqa cannot be combined with --fix or --diff"),
    ],
)
def test_options_that_would_be_silently_dropped_exit_2(tmp_path, args, message) -> None:
    """Each of these used to run one command and ignore the other (a --fix run instead of the
    --add-noqa asked for; a --list-rules in text when SARIF was asked for)."""
    project = _project(tmp_path)
    result = run_cli(*args, cwd=project)
    assert result.returncode == 2 and message in result.stderr and not result.stdout
    assert (project / "net.py").read_text(encoding="utf-8") == BAD


def test_add_noqa_is_not_turned_into_a_fix_by_the_config(tmp_path) -> None:
    project = _project(tmp_path)
    (project / "net.py").write_text(TRAINING, encoding="utf-8")
    (project / "pyproject.toml").write_text("[tool.tslint]\nfix = true\n", encoding="utf-8")
    result = run_cli("--no-cache", "--add-noqa", "net.py", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "return x, +x  # noqa: TS215" in (project / "net.py").read_text(encoding="utf-8")


def test_explain_takes_a_rule_name() -> None:
    result = run_cli("--explain", "var-args-in-compiled-function")
    assert result.returncode == 0 and result.stdout.startswith("# TS101 var-args-in-compiled-function")
    result = run_cli("--explain", "no-such-rule")
    assert result.returncode == 2 and "unknown rule code or name 'no-such-rule'" in result.stderr


def test_a_folder_with_no_python_file_warns(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli("empty", cwd=tmp_path)
    assert result.returncode == 0 and "no Python files found" in result.stderr
    assert run_cli("-q", "empty", cwd=tmp_path).stderr == ""
    assert "no Python files" not in run_cli("net.py", cwd=_project(tmp_path)).stderr


def test_a_path_with_another_config_file_warns(tmp_path) -> None:
    """Settings come from the first path's config file only: `tslint a b` linted b with a's select,
    and `tslint b a` a with b's, without a word."""
    for name, table in (("a", 'select = ["TS2"]'), ("b", "")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "net.py").write_text(TRAINING, encoding="utf-8")
        if table:
            (tmp_path / name / "pyproject.toml").write_text(f"[tool.tslint]\n{table}\n", encoding="utf-8")
    result = run_cli("--no-cache", "a", "b", cwd=tmp_path)
    assert result.returncode == 1
    assert "warning: b is linted with the settings of the first path" in result.stderr
    assert "but it has no config file" in result.stderr
    result = run_cli("--no-cache", "b", "a/net.py", cwd=tmp_path)
    assert "warning: a/net.py is linted with the settings of the first path, no config file" in result.stderr
    for args in (["a/net.py", "a"], ["--isolated", "a", "b"], ["-q", "a", "b"]):
        assert "warning" not in run_cli("--no-cache", *args, cwd=tmp_path).stderr


def test_no_paths_in_an_empty_folder_stays_quiet(tmp_path) -> None:
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""


def test_output_file_never_overwrites_a_python_source(tmp_path) -> None:
    """`tslint -o net.py net.py` replaced the model's source with its own report."""
    project = _project(tmp_path)
    result = run_cli("-o", "net.py", "net.py", cwd=project)
    assert result.returncode == 2 and "refusing to overwrite a Python source file" in result.stderr
    assert (project / "net.py").read_text(encoding="utf-8") == BAD
    assert run_cli("-o", "report.txt", "net.py", cwd=project).returncode == 1
    assert "TS101" in (project / "report.txt").read_text(encoding="utf-8")


FIXABLE = """\
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        return +x
"""


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_show_fixes_keeps_a_machine_report_parseable(tmp_path, output_format) -> None:
    """`--fix --show-fixes --output-format json` appended "Fixed 1 finding: ..." to the JSON."""
    import json

    (tmp_path / "net.py").write_text(FIXABLE, encoding="utf-8")
    result = run_cli("--no-cache", "--fix", "--show-fixes", "--output-format", output_format, "net.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    json.loads(result.stdout)
    assert "Fixed 1 finding" in result.stderr and "TS215" in result.stderr
    (tmp_path / "net.py").write_text(FIXABLE, encoding="utf-8")
    result = run_cli("--no-cache", "--fix", "--show-fixes", "net.py", cwd=tmp_path)
    assert "Fixed 1 finding" in result.stdout


def test_bare_tslint_noqa_after_code_points_to_the_line_forms(tmp_path) -> None:
    """TS003 told `def f(...):  # tslint: noqa` to write `# tslint: noqa: TS101`, which at the end of
    a line is a TS003 in turn; it now names `# noqa: TS101`."""
    (tmp_path / "net.py").write_text(BAD.replace("*args):", "*args):  # tslint: noqa"), encoding="utf-8")
    result = run_cli("--no-cache", "--output-format", "concise", "net.py", cwd=tmp_path)
    (ts003,) = [line for line in result.stdout.splitlines() if " TS003 " in line]
    assert "write `# noqa: TS101` (or `# tslint: ignore` for every code)" in ts003
    assert "`# tslint: noqa: TS101`" not in ts003
    (tmp_path / "net.py").write_text("# tslint: noqa\n" + BAD, encoding="utf-8")
    result = run_cli("--no-cache", "--output-format", "concise", "net.py", cwd=tmp_path)
    assert "name them (`# tslint: noqa: TS101`)" in result.stdout


@pytest.mark.parametrize(
    "args, runs",
    [
        (["--mode", "script", "--select", "TS4"], False),
        (["--mode", "export", "--select", "TS1"], False),
        (["--select", "TS404", "--ignore", "TS4"], False),
        (["--ignore", "TS"], False),
        (["--mode", "trace", "--select", "TS401"], True),
        (["--mode", "export", "--select", "TS503"], True),
        (["--select", "TS1,TS4", "--ignore", "TS4"], True),
    ],
)
def test_a_selection_no_rule_of_the_mode_is_in_exits_2(tmp_path, args, runs) -> None:
    """`--mode script --select TS4` ran no rule and printed "All checks passed!" (exit 0)."""
    result = run_cli("--no-cache", *args, "net.py", cwd=_project(tmp_path))
    if runs:
        assert result.returncode in (0, 1) and "no rule runs" not in result.stderr
    else:
        assert result.returncode == 2 and "tslint: error: no rule runs: mode" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--stdin-filename", ""], "argument --stdin-filename: expected a file name, got ''"),
        (["-o", "", "net.py"], "argument -o/--output-file: expected a file name, got ''"),
        (["--config", "", "net.py"], "argument --config: expected a file name, got ''"),
        ([""], "an empty PATH names no file"),
    ],
)
def test_an_empty_value_is_a_usage_error(tmp_path, args, message) -> None:
    """`--stdin-filename ""` (an editor's untitled buffer) linted the whole folder and ignored stdin;
    `-o ""` printed to stdout; a PATH of "" linted "."."""
    result = run_cli(*args, cwd=_project(tmp_path), stdin=BAD)
    assert result.returncode == 2 and message in result.stderr and not result.stdout


def test_extend_select_turns_on_unused_suppressions(tmp_path) -> None:
    (tmp_path / "net.py").write_text(BAD.replace("return x", "return x  # noqa: TS205"), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.tslint]\nselect = ["TS1", "TS2"]\n', encoding="utf-8")
    result = run_cli("--no-cache", "--output-format", "concise", "--extend-select", "TS002", "net.py", cwd=tmp_path)
    assert _codes(result) == {"TS101", "TS002"}, result.stdout


@pytest.mark.parametrize(
    "data, where",
    [
        (b'x = "\xff"\n', "not valid utf-8: byte 0xff at line 1, byte 6 of the line"),
        (b'x = 1\ny = 2\nz = "ab\xff"\n', "not valid utf-8: byte 0xff at line 3, byte 8 of the line"),
        (b'\xef\xbb\xbfz = "\xff"\n', "not valid utf-8: byte 0xff at line 1, byte 6 of the line"),
        (b'# -*- coding: ascii -*-\nz = "\xc3\xa9"\n', "not valid ascii: byte 0xc3 at line 2, byte 6 of the line"),
    ],
)
def test_an_undecodable_byte_is_located(tmp_path, data, where) -> None:
    """TS001 said "invalid or missing encoding declaration" for a bad byte on the first two lines,
    and "cannot decode as utf-8: ... in position 40" (an offset in the file) further down."""
    (tmp_path / "a.py").write_bytes(data)
    result = run_cli("--no-cache", "--output-format", "concise", "a.py", cwd=tmp_path)
    assert result.returncode == 1 and where in result.stdout, result.stdout
    assert "declare its encoding" in result.stdout
