"""`--fix`, `--unsafe-fixes`, `--diff`, `--show-fixes` and stdin, as ruff has them; the fix engine's
edits (conflicts, line endings, encodings) and its refusal to write a file that would not parse."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from pathlib import Path

import pytest

from test_cli import run, write
from tslint import fixing
from tslint.engine.edits import apply_fixes
from tslint.findings import Applicability, Diagnostic, Fix, LintResult, Mode, Position, Severity, TextEdit

SOURCE = textwrap.dedent(
    """\
    import torch
    import torch.nn.functional as F
    from torch import nn


    class Net(nn.Module):
        def forward(self, x, n=3):  # keep this comment
            y = F.interpolate(x, scale_factor=2)
            assert (y.dim() == 4, "expected NCHW")
            return +y * n
    """
)
SAFE_FIXED = (
    SOURCE.replace("n=3", "n: int = 3").replace("scale_factor=2)", "scale_factor=2.0)").replace("return +y", "return y")
)
ALL_FIXED = SAFE_FIXED.replace('assert (y.dim() == 4, "expected NCHW")', 'assert y.dim() == 4, "expected NCHW"')


def test_fix_applies_safe_fixes_and_reports_what_remains(tmp_path, capsys) -> None:
    path = write(tmp_path, "net.py", SOURCE)
    code, out, _ = run(["--fix", "--no-cache", path], capsys)
    assert path.read_text(encoding="utf-8") == SAFE_FIXED
    assert code == 1  # the unsafe TS354 remains
    assert "TS354" in out and "Found 4 findings (3 fixed, 1 remaining; 1 file checked)." in out
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in out


def test_unsafe_fixes_fix_everything_and_exit_0(tmp_path, capsys) -> None:
    path = write(tmp_path, "net.py", SOURCE)
    code, out, _ = run(["--fix", "--unsafe-fixes", "--show-fixes", "--no-cache", path], capsys)
    assert path.read_text(encoding="utf-8") == ALL_FIXED and code == 0
    assert "Found 4 findings (4 fixed, 0 remaining; 1 file checked)." in out
    assert (
        "Fixed 4 findings:" in out
        and "1 × TS335 (int-for-float-argument)" in out
        and "1 × TS354 (assert-of-tuple)" in out
    )


def test_without_fix_nothing_is_written_and_the_hint_counts(tmp_path, capsys) -> None:
    path = write(tmp_path, "net.py", SOURCE)
    code, out, _ = run(["--no-cache", path], capsys)
    assert code == 1 and path.read_text(encoding="utf-8") == SOURCE
    assert (
        "[*] 3 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in out
    )


@pytest.mark.parametrize("enabled", [["--unsafe-fixes"], ["--config", "unsafe.toml"]])
def test_with_unsafe_fixes_on_the_hint_counts_them_as_fixable(tmp_path, capsys, enabled) -> None:
    """`--fix` applies unsafe fixes then: none is "hidden" (ruff's hint), whether the option or the
    configuration turns them on, with or without `--fix` (a refused fix is left as it was)."""
    path = write(tmp_path, "net.py", SOURCE)
    (tmp_path / "unsafe.toml").write_text("[tool.tslint]\nunsafe-fixes = true\n")
    enabled = [str(tmp_path / word) if word.endswith(".toml") else word for word in enabled]
    code, out, _ = run(["--no-cache", *enabled, path], capsys)
    assert code == 1 and "[*] 4 fixable with the `--fix` option.\n" in out and "hidden" not in out
    (tmp_path / "new.py").write_text("type Width = int\n" + SOURCE)  # Python 3.11 cannot parse it
    code, out, err = run(["--fix", "--no-cache", *enabled, tmp_path / "new.py"], capsys)
    assert "its fixed version cannot be checked" in out + err and "hidden" not in out


def test_diff_writes_nothing_and_exits_1(tmp_path, capsys) -> None:
    path = write(tmp_path, "net.py", SOURCE)
    code, out, err = run(["--diff", "--no-cache", path], capsys)
    assert code == 1 and path.read_text(encoding="utf-8") == SOURCE
    assert f"--- {path}\n+++ {path}\n" in out
    assert (
        "\n-        y = F.interpolate(x, scale_factor=2)\n" in out
        and "\n+        y = F.interpolate(x, scale_factor=2.0)\n" in out
    )
    assert "assert y.dim()" not in out and "Would fix 3 findings." in err
    clean = write(tmp_path, "clean.py", SAFE_FIXED.replace('assert (y.dim() == 4, "expected NCHW")', "pass"))
    assert run(["--diff", "--no-cache", clean], capsys)[:2] == (0, "")


def test_config_fix_keys_and_no_fix(tmp_path, capsys) -> None:
    path = write(tmp_path, "net.py", SOURCE)
    write(tmp_path, "pyproject.toml", "[tool.tslint]\nfix = true\nunsafe-fixes = true\n")
    assert run(["--no-fix", "--no-cache", path], capsys)[0] == 1 and path.read_text(encoding="utf-8") == SOURCE
    assert run(["--no-cache", path], capsys)[0] == 0 and path.read_text(encoding="utf-8") == ALL_FIXED
    write(tmp_path, "pyproject.toml", "[tool.tslint]\nfix = 1\n")
    code, _, err = run(["--no-cache", path], capsys)
    assert code == 2 and "`fix` must be true or false" in err


def test_stdin_prints_the_fixed_source(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SOURCE.encode())))
    code, out, err = run(["--fix", "--stdin-filename", "models/net.py", "--no-cache"], capsys)
    assert out == SAFE_FIXED and code == 1 and "TS354" in err


def test_crlf_bom_and_comments_are_kept(tmp_path, capsys) -> None:
    path = tmp_path / "net.py"
    path.write_bytes(b"\xef\xbb\xbf" + SOURCE.replace("\n", "\r\n").encode("utf-8"))
    assert run(["--fix", "--unsafe-fixes", "--no-cache", path], capsys)[0] == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + ALL_FIXED.replace("\n", "\r\n").encode("utf-8")


def test_latin1_file_is_written_back_in_latin1(tmp_path, capsys) -> None:
    path = tmp_path / "net.py"
    text = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + SOURCE
    path.write_bytes(text.encode("latin-1"))
    assert run(["--fix", "--unsafe-fixes", "--no-cache", path], capsys)[0] == 0
    assert path.read_bytes() == ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + ALL_FIXED).encode("latin-1")


def test_json_and_sarif_carry_the_fix(tmp_path, capsys) -> None:
    from test_integrations import validate_sarif

    path = write(tmp_path, "net.py", SOURCE)
    _, out, _ = run(["--output-format", "json", "--no-cache", path], capsys)
    fixes = {d["code"]: d["fix"] for d in json.loads(out)["diagnostics"]}
    assert fixes["TS335"] == {
        "message": "Write the float literal `2.0`",
        "applicability": "safe",
        "edits": [{"location": {"row": 8, "column": 43}, "end_location": {"row": 8, "column": 44}, "content": "2.0"}],
    }
    assert fixes["TS354"]["applicability"] == "unsafe"
    _, out, _ = run(["--output-format", "sarif", "--no-cache", path], capsys)
    document = json.loads(out)
    validate_sarif(document)
    (result,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == "TS335"]
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 8, "startColumn": 43, "endLine": 8, "endColumn": 44},
            "insertedContent": {"text": "2.0"},
        }
    ]


def _edit(row: int, start: int, end: int, content: str, safe: bool = True) -> Fix:
    applicability = Applicability.SAFE if safe else Applicability.UNSAFE
    return Fix("edit", (TextEdit(Position(row, start), Position(row, end), content),), applicability)


def test_overlapping_fixes_keep_the_first_and_defer_the_rest() -> None:
    first, overlapping, apart = _edit(1, 1, 4, "abc"), _edit(1, 3, 6, "zzz"), _edit(2, 1, 2, "Q")
    text, applied, deferred = apply_fixes("xxxxxx\r\nyy\r\n", [first, overlapping, apart])
    assert text == "abcxxx\r\nQy\r\n" and applied == [first, apart] and deferred == [overlapping]
    # Two insertions at one point: their order would be a guess.
    text, applied, deferred = apply_fixes("ab\n", [_edit(1, 2, 2, "1"), _edit(1, 2, 2, "2")])
    assert text == "a1b\n" and len(deferred) == 1
    # An edit outside the text is never applied.
    assert apply_fixes("ab\n", [_edit(3, 1, 2, "x")])[1] == []


def _diagnostic(fix: Fix) -> Diagnostic:
    return Diagnostic(
        "TS215",
        "unary-plus-in-compiled-code",
        Severity.ERROR,
        Mode.SCRIPT,
        "m",
        "a.py",
        Position(1, 1),
        Position(1, 2),
        fix=fix,
    )


def test_a_fix_that_would_not_parse_leaves_the_file_untouched() -> None:
    source = b"x = +1\ny = 2\n"
    broken = _diagnostic(_edit(1, 5, 7, "(("))
    outcome = fixing.fix_files({"a.py": source}, lambda buffers, only: LintResult((broken,), files=1))
    (failed,) = outcome.files
    assert failed.fixed == source and outcome.changed() == [] and outcome.fixed_count == 0
    assert "would not parse" in failed.error and outcome.result.errors[0].filename == "a.py"


def test_fixing_stops_after_the_bounded_rounds() -> None:
    """A fix whose finding never goes away (a buggy rule) ends after MAX_ROUNDS, not in a loop."""
    calls = []

    def lint(buffers, only):
        calls.append(1)
        return LintResult((_diagnostic(_edit(1, 5, 6, "1")),), files=1)

    outcome = fixing.fix_files({"a.py": b"x = 2\n"}, lint)
    assert len(calls) == 2 and outcome.rounds == 1  # the second round changes nothing: stable
    grow = iter(range(100))

    def growing(buffers, only):
        calls.append(1)
        return LintResult((_diagnostic(_edit(1, 5, 6, str(next(grow)))),), files=1)

    assert fixing.fix_files({"a.py": b"x = 9\n"}, growing).rounds == fixing.MAX_ROUNDS


def test_an_error_in_the_fixed_file_is_reported_and_exit_2(tmp_path, capsys) -> None:
    path = write(tmp_path, "net.py", SOURCE)
    write(tmp_path, "other.py", "def f(:\n")
    code, out, _ = run(["--fix", "--no-cache", tmp_path], capsys)
    assert path.read_text(encoding="utf-8") == SAFE_FIXED and "TS001" in out and code == 1
    assert Path(tmp_path / "other.py").read_text(encoding="utf-8") == "def f(:\n"


def test_cli_exits_2_when_a_fixed_file_would_not_parse(tmp_path, capsys, monkeypatch) -> None:
    from tslint import fixing as module

    path = write(tmp_path, "net.py", SOURCE)
    monkeypatch.setattr(module, "parse_problem", lambda text: "parse (simulated)")
    code, out, _ = run(["--fix", "--no-cache", path], capsys)
    assert code == 2 and path.read_text(encoding="utf-8") == SOURCE
    assert "fixes not applied: the fixed file would not parse (simulated); the file is left unchanged" in out


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="`except A, B:` without brackets is Python 3.14 syntax")
def test_fixes_in_a_file_of_newer_syntax_say_python_cannot_parse_it(tmp_path, capsys) -> None:
    """libcst parses syntax newer than the Python running tslint (PEP 758's `except A, B:`, PEP 695's
    `type X = ...` before 3.12), so such a file is linted; its fixes cannot be checked with Python's
    parser, and the message says that the file itself is the reason, not the fix."""
    newer = SOURCE + "\n\ndef g():\n    try:\n        pass\n    except ValueError, TypeError:\n        pass\n"
    path = write(tmp_path, "net.py", newer)
    code, out, _ = run(["--fix", "--no-cache", path], capsys)
    assert code == 2 and path.read_text(encoding="utf-8") == newer
    python = "Python {}.{}".format(*sys.version_info)
    assert f"fixes not applied: the file does not parse on {python}, which runs tslint (SyntaxError: " in out
    assert "so its fixed version cannot be checked; the file is left unchanged" in out


def test_diff_of_stdin_and_fix_with_confirm(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SOURCE.encode())))
    code, out, err = run(["--diff", "--stdin-filename", "net.py", "--no-cache"], capsys)
    assert code == 1 and out.startswith("--- net.py\n+++ net.py\n") and "+    def forward(self, x, n: int = 3):" in out
    path = write(tmp_path, "net.py", SOURCE)
    code, _, err = run(["--fix", "--confirm", "--no-cache", path], capsys)
    assert code == 2 and "--confirm cannot be combined with --fix" in err and path.read_text(encoding="utf-8") == SOURCE
