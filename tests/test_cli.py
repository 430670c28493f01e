"""The command-line contract of DESIGN.md: exit codes, formats, config, suppressions, TS001."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, ROOT
from tslint.cli import main

BAD = textwrap.dedent(
    """\
    import torch.nn as nn


    class Net(nn.Module):
        def forward(self, x, *args):
            return x
    """
)
CLEAN = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n"

POSITION = {
    "type": "object",
    "required": ["row", "column"],
    "additionalProperties": False,
    "properties": {"row": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1}},
}
JSON_SCHEMA = {
    "type": "object",
    "required": ["version", "tool", "diagnostics", "errors", "summary"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "tool": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"const": "tslint"}, "version": {"type": "string"}},
        },
        "diagnostics": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["code", "name", "severity", "mode", "message", "filename", "location",
                             "end_location", "symbol", "fix", "confirmation"],
                "properties": {
                    "code": {"type": "string", "pattern": "^TS[0-9]{3}$"},
                    "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                    "severity": {"enum": ["error", "warning"]},
                    "mode": {"enum": ["script", "trace"]},
                    "message": {"type": "string", "minLength": 1},
                    "filename": {"type": "string"},
                    "location": POSITION,
                    "end_location": POSITION,
                    "symbol": {"type": ["string", "null"]},
                    "fix": {"type": ["object", "null"]},
                    "confirmation": {"type": ["object", "null"]},
                },
            },
        },
        "errors": {"type": "array"},
        "summary": {
            "type": "object",
            "required": ["files", "errors", "warnings"],
            "additionalProperties": False,
            "properties": {k: {"type": "integer", "minimum": 0} for k in ("files", "errors", "warnings")},
        },
    },
}


def run(args, capsys, cwd=None):
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        code = main([str(a) for a in args])
    finally:
        os.chdir(old)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_fixtures_exit_1_and_json_matches_schema(capsys) -> None:
    code, out, _ = run(["--format", "json", FIXTURES], capsys)
    assert code == 1
    document = json.loads(out)
    jsonschema.validate(document, JSON_SCHEMA)
    diagnostics = document["diagnostics"]
    assert diagnostics and document["summary"]["errors"] + document["summary"]["warnings"] == len(diagnostics)
    keys = [(d["filename"], d["location"]["row"], d["location"]["column"], d["code"]) for d in diagnostics]
    assert keys == sorted(keys)


def test_json_output_is_deterministic(capsys) -> None:
    first = run(["--format", "json", "fixtures"], capsys, cwd=ROOT)[1]
    assert run(["--format", "json", "fixtures"], capsys, cwd=ROOT)[1] == first
    assert str(ROOT) not in first  # no absolute paths that were not given
    assert '"filename": "fixtures/signatures.py"' in first


def test_clean_file_exits_0(tmp_path, capsys) -> None:
    code, out, _ = run([write(tmp_path, "clean.py", CLEAN)], capsys)
    assert code == 0 and "All checks passed" in out


def test_exit_zero(tmp_path, capsys) -> None:
    assert run(["--exit-zero", write(tmp_path, "bad.py", BAD)], capsys)[0] == 0


def test_text_format(tmp_path, capsys) -> None:
    path = write(tmp_path, "bad.py", BAD)
    code, out, _ = run([path], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{path}:5:26: TS101 Compiled function takes a variable number of arguments (`*args`)."
    assert lines[2] == "5 |     def forward(self, x, *args):"
    assert lines[3] == "  |                          ^^^^^"
    assert lines[-1] == "Found 1 error and 0 warnings in 1 file (1 file checked)."
    assert "\x1b[" not in out  # no colour when not a TTY


def test_github_format(tmp_path, capsys) -> None:
    path = write(tmp_path, "bad.py", BAD)
    _, out, _ = run(["--format", "github", path], capsys)
    assert out == (
        f"::error file={path},line=5,col=26,endLine=5,endColumn=31,title=tslint (TS101)::"
        "Compiled function takes a variable number of arguments (`*args`).\n"
    )


def test_missing_path_exits_2(capsys) -> None:
    code, _, err = run(["does/not/exist.py"], capsys)
    assert code == 2 and "path does not exist" in err


def test_unknown_flag_exits_2(capsys) -> None:
    assert run(["--no-such-flag"], capsys)[0] == 2


@pytest.mark.parametrize(
    "selection, expected",
    [(["--select", "TS1"], {"TS101", "TS103"}), (["--select", "TS101"], {"TS101"}),
     (["--ignore", "TS101"], {"TS103", "TS409"}), (["--select", "TS2"], set())],
)
def test_select_and_ignore_prefixes(tmp_path, capsys, selection, expected) -> None:
    path = write(tmp_path, "bad.py", BAD.replace("def forward(self, x, *args)", "def forward(self, x, k=1, *args, n: int)"))
    _, out, _ = run(["--format", "json", *selection, path], capsys)
    assert {d["code"] for d in json.loads(out)["diagnostics"]} == expected


def test_unknown_selector_exits_2(tmp_path, capsys) -> None:
    code, _, err = run(["--select", "TS999", write(tmp_path, "a.py", CLEAN)], capsys)
    assert code == 2 and "TS999" in err


def test_explain_and_list_rules(capsys) -> None:
    code, out, _ = run(["--explain", "ts101"], capsys)
    assert code == 0 and out.startswith("# TS101 var-args-in-compiled-function")
    assert run(["--explain", "TS999"], capsys)[0] == 2
    code, out, _ = run(["--list-rules", "--format", "json"], capsys)
    rules = json.loads(out)
    assert code == 0 and [r["code"] for r in rules][:3] == ["TS000", "TS001", "TS101"]
    assert "TS101  var-args-in-compiled-function" in run(["--list-rules"], capsys)[1]


def test_statistics_and_output_file(tmp_path, capsys) -> None:
    path = write(tmp_path, "bad.py", BAD)
    code, out, _ = run(["--statistics", path], capsys)
    assert code == 1 and out.split() == ["1", "TS101", "var-args-in-compiled-function"]
    report = tmp_path / "report.json"
    code, out, _ = run(["--format", "json", "-o", report, path], capsys)
    assert code == 1 and out == "" and json.loads(report.read_text())["summary"]["errors"] == 1


def test_stdin_filename(tmp_path, capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD.encode())))
    code, out, _ = run(["--format", "json", "--stdin-filename", "models/net.py"], capsys)
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert code == 1 and diagnostic["filename"] == "models/net.py" and diagnostic["code"] == "TS101"


# --- suppressions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "comment, suppressed",
    [("# tslint: ignore[TS101]", True), ("# tslint: ignore", True), ("# noqa: TS101", True), ("# noqa", True),
     ("# tslint: ignore[TS103]", False), ("# noqa: E501", False), ("# tslint:ignore[ts101, TS102]", True)],
)
def test_line_suppressions(tmp_path, capsys, comment, suppressed) -> None:
    source = BAD.replace("def forward(self, x, *args):", f"def forward(self, x, *args):  {comment}")
    code, _, _ = run([write(tmp_path, "a.py", source)], capsys)
    assert code == (0 if suppressed else 1)


def test_suppression_on_the_reported_line_of_a_multiline_statement(tmp_path, capsys) -> None:
    source = BAD.replace("def forward(self, x, *args):", "def forward(\n        self,\n        x,\n        *args,  # tslint: ignore[TS101]\n    ):")
    assert run([write(tmp_path, "a.py", source)], capsys)[0] == 0


def test_skip_file(tmp_path, capsys) -> None:
    assert run([write(tmp_path, "a.py", "#!/usr/bin/env python\n# tslint: skip-file\n" + BAD)], capsys)[0] == 0
    assert run([write(tmp_path, "b.py", BAD + "# tslint: skip-file\n")], capsys)[0] == 1  # not in the first block


# --- configuration ---------------------------------------------------------------------------------


def test_config_ignore_exclude_and_per_file_ignores(tmp_path, capsys) -> None:
    write(tmp_path, "pyproject.toml", '[tool.tslint]\nexclude = ["generated/"]\nper-file-ignores = {"legacy/*" = ["TS1"]}\n')
    write(tmp_path, "generated/a.py", BAD)
    write(tmp_path, "legacy/b.py", BAD)
    write(tmp_path, "src/c.py", BAD)
    _, out, _ = run(["--format", "json", "."], capsys, cwd=tmp_path)
    assert [d["filename"] for d in json.loads(out)["diagnostics"]] == ["src/c.py"]
    _, out, _ = run(["--format", "json", "--isolated", "."], capsys, cwd=tmp_path)
    assert len(json.loads(out)["diagnostics"]) == 3


def test_explicit_file_is_linted_even_if_excluded(tmp_path, capsys) -> None:
    write(tmp_path, "pyproject.toml", '[tool.tslint]\nexclude = ["generated/"]\n')
    write(tmp_path, "generated/a.py", BAD)
    assert run(["generated/a.py"], capsys, cwd=tmp_path)[0] == 1


def test_cli_overrides_config(tmp_path, capsys) -> None:
    write(tmp_path, "pyproject.toml", '[tool.tslint]\nignore = ["TS101"]\n')
    path = write(tmp_path, "a.py", BAD)
    assert run([path], capsys, cwd=tmp_path)[0] == 0
    assert run(["--ignore", "TS2", path], capsys, cwd=tmp_path)[0] == 1


@pytest.mark.parametrize(
    "table, message",
    [('colour = "red"', "unknown key `tool.tslint.colour`"), ('mode = "fast"', "`mode` must be one of"),
     ('select = "TS1"', "`select` must be a list of strings"), ('ignore = ["X1"]', "invalid rule selector"),
     ("[tool.tslint.confirm]\ntimeout = -1", "`confirm.timeout` must be a positive"),
     ("[tool.tslint.confirm]\nretries = 1", "unknown key `tool.tslint.confirm.retries`")],
)
def test_bad_config_exits_2_naming_the_key(tmp_path, capsys, table, message) -> None:
    write(tmp_path, "pyproject.toml", f"[tool.tslint]\n{table}\n")
    write(tmp_path, "a.py", CLEAN)
    code, out, err = run(["a.py"], capsys, cwd=tmp_path)
    assert code == 2 and message in err and "pyproject.toml" in err and out == ""
    assert len(err.strip().splitlines()) == 1


def test_invalid_toml_names_file_and_line(tmp_path, capsys) -> None:
    write(tmp_path, "pyproject.toml", "[tool.tslint]\nmode = \n")
    write(tmp_path, "a.py", CLEAN)
    code, _, err = run(["a.py"], capsys, cwd=tmp_path)
    assert code == 2 and "pyproject.toml: invalid TOML" in err and "line 2" in err


def test_mode_trace_skips_script_rules(tmp_path, capsys) -> None:
    assert run(["--mode", "trace", write(tmp_path, "a.py", BAD)], capsys)[0] == 0


# --- files tslint cannot read ----------------------------------------------------------------------


def test_syntax_error_is_ts001_at_its_location(tmp_path, capsys) -> None:
    path = write(tmp_path, "a.py", "import torch\n\nclass Net(nn.Module)\n    pass\n")
    code, out, _ = run(["--format", "json", path], capsys)
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert code == 1 and diagnostic["code"] == "TS001" and diagnostic["location"]["row"] == 3


@pytest.mark.parametrize(
    "data, reason",
    [(b"x = '\xff'\n", "encoding"), (b"x = 1\x00\n", "NUL bytes"),
     (b"# -*- coding: latin-9000 -*-\nx = 1\n", "unknown encoding")],
)
def test_undecodable_files_are_ts001(tmp_path, capsys, data, reason) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(data)
    code, out, _ = run(["--format", "json", path], capsys)
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert code == 1 and diagnostic["code"] == "TS001" and reason in diagnostic["message"]


def test_static_path_runs_without_torch() -> None:
    """Run the CLI in a child process where importing torch is impossible."""
    program = textwrap.dedent(
        f"""
        import sys
        class NoTorch:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ImportError("torch is blocked in this test")
        sys.meta_path.insert(0, NoTorch())
        from tslint.cli import main
        code = main(["--format", "json", {str(FIXTURES)!r}])
        assert "torch" not in sys.modules
        sys.exit(code)
        """
    )
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT)
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["summary"]["errors"] > 0


def test_python_dash_m(tmp_path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tslint", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert completed.returncode == 0 and completed.stdout.startswith("tslint ")


@pytest.mark.parametrize(
    "relative, pattern, excluded",
    [
        ("build", "build", True),  # a name
        ("src/build", "build", True),  # a name anywhere
        ("gen/x.py", "gen/", True),  # a folder, given with its slash
        ("pkg/gen/x.py", "pkg/gen", True),  # a path from the root
        ("a/b/c.py", "*/b/c.py", True),
        ("a/b_pb2.py", "*_pb2.py", True),
        ("generated.py", "gen", False),
        ("src/x.py", "[ab]*", False),
        ("a/x.py", "[ab]", True),  # the folder `a` matches
    ],
)
def test_exclude_patterns(tmp_path, relative, pattern, excluded) -> None:
    from tslint.files import is_excluded

    assert is_excluded(tmp_path / relative, tmp_path, [pattern]) is excluded
