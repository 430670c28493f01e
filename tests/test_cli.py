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

from conftest import FIXTURES, ROOT, FixturesCli
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
                "required": [
                    "code",
                    "name",
                    "severity",
                    "mode",
                    "message",
                    "filename",
                    "location",
                    "end_location",
                    "symbol",
                    "fix",
                    "confirmation",
                ],
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
            "required": ["files", "errors", "warnings", "refuted"],
            "additionalProperties": False,
            "properties": {k: {"type": "integer", "minimum": 0} for k in ("files", "errors", "warnings", "refuted")},
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


def test_fixtures_exit_1_json_matches_schema_and_is_deterministic(fixtures_cli: FixturesCli) -> None:
    """The session's two lints of the fixtures tree (conftest's `fixtures_cli`, each from a copy
    holding only the fixtures): in one process without the cache, and with workers on a cold one,
    the same JSON."""
    code, first = fixtures_cli.json.returncode, fixtures_cli.json.stdout
    assert code == 1 and fixtures_cli.json.stderr == ""
    assert fixtures_cli.json.args[-3:] == ["--format", "json", "fixtures"]
    document = json.loads(first)
    jsonschema.validate(document, JSON_SCHEMA)
    diagnostics = document["diagnostics"]
    assert diagnostics and document["summary"]["errors"] + document["summary"]["warnings"] == len(diagnostics)
    keys = [(d["filename"], d["location"]["row"], d["location"]["column"], d["code"]) for d in diagnostics]
    assert keys == sorted(keys)
    assert fixtures_cli.cached_json.args[-3:] == ["--format", "json", "fixtures"]
    assert fixtures_cli.cached_json.returncode == 1 and fixtures_cli.cached_json.stdout == first
    for folder in (ROOT, fixtures_cli.folder, fixtures_cli.cached_folder):
        assert str(folder) not in first  # no absolute paths that were not given
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
    [
        (["--select", "TS1"], {"TS101", "TS103"}),
        (["--select", "TS101"], {"TS101"}),
        (["--ignore", "TS101"], {"TS103", "TS409"}),
        (["--select", "TS2"], set()),
    ],
)
def test_select_and_ignore_prefixes(tmp_path, capsys, selection, expected) -> None:
    path = write(
        tmp_path, "bad.py", BAD.replace("def forward(self, x, *args)", "def forward(self, x, k=1, *args, n: int)")
    )
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
    assert code == 0 and [r["code"] for r in rules][:3] == ["TS000", "TS001", "TS002"]
    # The rules only a full code turns on say so, as their pages do ("Off by default").
    off = {r["code"] for r in rules if not r["enabled_by_default"]}
    assert off == {r["code"] for r in rules if "Off by default" in r["summary"]} and "TS002" in off
    assert "TS101  var-args-in-compiled-function" in run(["--list-rules"], capsys)[1]


def test_statistics_and_output_file(tmp_path, capsys) -> None:
    path = write(tmp_path, "bad.py", BAD)
    code, out, _ = run(["--statistics", path], capsys)
    assert code == 1 and out.splitlines()[:2] == ["1  TS101  var-args-in-compiled-function", "1  total"]
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
    [
        ("# tslint: ignore[TS101]", True),
        ("# tslint: ignore", True),
        ("# noqa: TS101", True),
        ("# noqa", True),
        ("# tslint: ignore[TS103]", False),
        ("# noqa: E501", False),
        ("# tslint:ignore[ts101, TS102]", True),
    ],
)
def test_line_suppressions(tmp_path, capsys, comment, suppressed) -> None:
    source = BAD.replace("def forward(self, x, *args):", f"def forward(self, x, *args):  {comment}")
    code, _, _ = run([write(tmp_path, "a.py", source)], capsys)
    assert code == (0 if suppressed else 1)


def test_suppression_on_the_reported_line_of_a_multiline_statement(tmp_path, capsys) -> None:
    source = BAD.replace(
        "def forward(self, x, *args):",
        "def forward(\n        self,\n        x,\n        *args,  # tslint: ignore[TS101]\n    ):",
    )
    assert run([write(tmp_path, "a.py", source)], capsys)[0] == 0


def test_skip_file(tmp_path, capsys) -> None:
    assert run([write(tmp_path, "a.py", "#!/usr/bin/env python\n# tslint: skip-file\n" + BAD)], capsys)[0] == 0
    assert run([write(tmp_path, "b.py", BAD + "# tslint: skip-file\n")], capsys)[0] == 1  # not in the first block


@pytest.mark.parametrize(
    "head, skipped",
    [
        ('"""Models.\n\nMore words.\n"""\n# tslint: skip-file\n', True),
        ('# Copyright\n\n"""Models."""  # tslint: skip-file\n', True),
        ("'''Models.'''\n\n# tslint: skip-file\n", True),
        ('"""Models."""\nimport os\n# tslint: skip-file\n', False),  # after the first statement: not the leading area
        ('x = """# tslint: skip-file"""\n', False),
    ],
)
def test_skip_file_after_the_module_docstring(tmp_path, capsys, head, skipped) -> None:
    assert run([write(tmp_path, "a.py", head + BAD)], capsys)[0] == (0 if skipped else 1)


# --- configuration ---------------------------------------------------------------------------------


def test_config_ignore_exclude_and_per_file_ignores(tmp_path, capsys) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.tslint]\nexclude = ["generated/"]\nper-file-ignores = {"legacy/*" = ["TS1"]}\n',
    )
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
    [
        ('colour = "red"', "unknown key `tool.tslint.colour`"),
        ('mode = "fast"', "`mode` must be one of"),
        ('select = "TS1"', "`select` must be a list of strings"),
        ('ignore = ["X1"]', "invalid rule selector"),
        ("[tool.tslint.confirm]\ntimeout = -1", "`confirm.timeout` must be a positive"),
        ("[tool.tslint.confirm]\nretries = 1", "unknown key `tool.tslint.confirm.retries`"),
    ],
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
    [
        (b"x = '\xff'\n", "encoding"),
        (b"x = 1\x00\n", "NUL bytes"),
        (b"# -*- coding: latin-9000 -*-\nx = 1\n", "unknown encoding"),
    ],
)
def test_undecodable_files_are_ts001(tmp_path, capsys, data, reason) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(data)
    code, out, _ = run(["--format", "json", path], capsys)
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert code == 1 and diagnostic["code"] == "TS001" and reason in diagnostic["message"]


@pytest.mark.process  # a fresh interpreter whose torch import is blocked
def test_static_path_runs_without_torch(fixtures_cli: FixturesCli) -> None:
    """The session's lint of the fixtures without the cache (every rule runs; a warm cache would run
    none) is made by a child process where importing torch is impossible (conftest's `fixtures_cli`
    and WITHOUT_TORCH): it exits 1 with findings and nothing on stderr (an import of torch would be a
    traceback, torch left in sys.modules exit 3), and its JSON is that of the session's second,
    in-process lint, byte for byte (test_fixtures_exit_1_json_matches_schema_and_is_deterministic)."""
    from conftest import WITHOUT_TORCH

    assert "ImportError" in WITHOUT_TORCH and "main(sys.argv[1:])" in WITHOUT_TORCH
    completed = fixtures_cli.json
    assert completed.args == ["--isolated", "-j", "1", "--no-cache", "--format", "json", "fixtures"]
    assert completed.returncode == 1 and completed.stderr == "", completed.stderr
    assert json.loads(completed.stdout)["summary"]["errors"] > 0


@pytest.mark.process
def test_python_dash_m(tmp_path) -> None:
    completed = subprocess.run([sys.executable, "-m", "tslint", "--version"], capture_output=True, text=True, cwd=ROOT)
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


# --- issue 20: tslint as users meet it ---------------------------------------------------------

BASE = "import torch.nn as nn\n\n\nclass Base(nn.Module):\n    pass\n"
CHILD = "from pkg.base import Base\n\n\nclass Net(Base):\n    def forward(self, x, *args):\n        return x\n"


def package(tmp_path: Path) -> Path:
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/base.py", BASE)
    write(tmp_path, "pkg/sub/__init__.py", "")
    write(tmp_path, "pkg/sub/net.py", CHILD)
    return tmp_path


@pytest.mark.parametrize(
    "args, files", [(["pkg/sub/net.py"], 1), (["pkg/sub"], 2), (["pkg/sub/net.py", "pkg/base.py"], 2), (["pkg"], 4)]
)
def test_a_file_is_linted_with_its_package_as_context(tmp_path, capsys, args, files) -> None:
    """pre-commit names only the changed file: its base class in another file of the package still
    makes it a module, and only the files named are reported."""
    package(tmp_path)
    code, out, _ = run(["--output-format", "json", "--no-cache", *args], capsys, cwd=tmp_path)
    document = json.loads(out)
    assert code == 1 and [(d["filename"], d["code"]) for d in document["diagnostics"]] == [("pkg/sub/net.py", "TS101")]
    assert document["summary"]["files"] == files  # the context files are not counted as checked


def test_context_of_a_file_in_no_package_is_its_folder(tmp_path, capsys) -> None:
    write(tmp_path, "scripts/base.py", BASE.replace("Base", "Base"))
    write(tmp_path, "scripts/net.py", CHILD.replace("from pkg.base import", "from base import"))
    code, out, _ = run(["--output-format", "concise", "--no-cache", "scripts/net.py"], capsys, cwd=tmp_path)
    assert code == 1 and out.startswith("scripts/net.py:5:26: TS101 ")


def test_context_of_a_script_holds_the_packages_beside_it_that_it_imports(tmp_path, capsys) -> None:
    """`train.py` next to `pkg/` imports `pkg.base` (Python puts a script's folder on its path): the
    base class there makes Net a module; a package beside it that it does not import is not read."""
    package(tmp_path)
    write(tmp_path, "train.py", CHILD)
    write(tmp_path, "other/__init__.py", "")
    write(tmp_path, "other/broken.py", "def (:\n")
    code, out, _ = run(["--output-format", "json", "--no-cache", "train.py"], capsys, cwd=tmp_path)
    document = json.loads(out)
    assert code == 1 and [(d["filename"], d["code"]) for d in document["diagnostics"]] == [("train.py", "TS101")]
    assert document["summary"]["files"] == 1 and document["errors"] == []


def test_an_unreadable_context_file_is_not_reported(tmp_path, capsys) -> None:
    package(tmp_path)
    write(tmp_path, "pkg/broken.py", "def (:\n")
    code, out, _ = run(["--output-format", "json", "--no-cache", "pkg/sub/net.py"], capsys, cwd=tmp_path)
    assert [d["filename"] for d in json.loads(out)["diagnostics"]] == ["pkg/sub/net.py"]


def test_stdin_is_linted_with_its_package_as_context(tmp_path, capsys, monkeypatch) -> None:
    import io

    package(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CHILD.encode())))
    code, out, _ = run(["--output-format", "concise", "--stdin-filename", "pkg/sub/net.py"], capsys, cwd=tmp_path)
    assert code == 1 and out.startswith("pkg/sub/net.py:5:26: TS101 ")


@pytest.mark.slow
def test_every_fixture_file_alone_gives_what_it_gives_with_its_folder(capsys, monkeypatch, fixtures_cli) -> None:
    """A file linted alone is linted against the same project (its folder's other files, as context)
    as when its folder is linted: the same findings. Phase 1 (each file's index, a function of the
    file alone) is computed once, by the first run that reads the file, and each later run reads it
    back as from the result cache (pickled, the tree not kept), so those runs cost about their phase
    2; the folder's run is the session's (conftest's `fixtures_cli`); the lint itself
    is never answered from anything but the rules."""
    import pickle

    import tslint.engine.shard as shard
    from tslint.engine.phases import IndexedFile

    indexed: dict = {}
    index_source = shard.index_source

    def index_once(source, data):
        key = (str(source.path.resolve()), source.display, data)
        if key not in indexed:
            item = index_source(source, data)
            indexed[key] = pickle.dumps(item.summary())
            return item
        summary = pickle.loads(indexed[key])
        return IndexedFile(source, summary.digest, None, summary.index, None, summary.problem, summary.error)

    monkeypatch.setattr(shard, "index_source", index_once)

    def findings(*paths):
        out = run(["--output-format", "json", "--no-cache", "-j", "1", *paths], capsys, cwd=ROOT)[1]
        found = {}
        for d in json.loads(out)["diagnostics"]:
            found.setdefault(d["filename"], []).append(d)
        return found

    # The folder's run: the session's (conftest's `fixtures_cli`, the same options from a copy of the
    # fixtures, so the same relative names); each file's index is then made by the first run that
    # reads the file, and read back by the others.
    assert fixtures_cli.json.args[-3:] == ["--format", "json", "fixtures"] and "--no-cache" in fixtures_cli.json.args
    together: dict = {}
    for d in json.loads(fixtures_cli.json.stdout)["diagnostics"]:
        together.setdefault(d["filename"], []).append(d)
    files = sorted(str(path.relative_to(ROOT)) for path in FIXTURES.rglob("*.py"))
    assert len(files) >= 20 and len(together) >= 10
    for name in files:
        assert findings(name).get(name, []) == together.get(name, []), name
    assert len(indexed) == len(files)  # each file indexed once, whichever runs read it


@pytest.mark.parametrize("flag", ["--output-format", "--format"])
def test_output_formats_concise_and_grouped(tmp_path, capsys, flag) -> None:
    write(tmp_path, "a.py", BAD)
    write(tmp_path, "b.py", BAD.replace("*args", "*rest"))
    code, out, _ = run([flag, "concise", "a.py", "b.py"], capsys, cwd=tmp_path)
    assert code == 1 and out.splitlines() == [
        "a.py:5:26: TS101 Compiled function takes a variable number of arguments (`*args`).",
        "b.py:5:26: TS101 Compiled function takes a variable number of arguments (`*rest`).",
        "Found 2 errors and 0 warnings in 2 files (2 files checked).",
    ]
    code, out, _ = run([flag, "grouped", "a.py", "b.py"], capsys, cwd=tmp_path)
    assert out.splitlines()[:5] == [
        "a.py:",
        "  5:26 TS101 Compiled function takes a variable number of arguments (`*args`).",
        "",
        "b.py:",
        "  5:26 TS101 Compiled function takes a variable number of arguments (`*rest`).",
    ]
    assert run([flag, "text", "a.py"], capsys, cwd=tmp_path)[1] == run([flag, "full", "a.py"], capsys, cwd=tmp_path)[1]
    code, _, err = run([flag, "long", "a.py"], capsys, cwd=tmp_path)
    assert code == 2 and "invalid choice" in err


def test_output_format_from_the_config(tmp_path, capsys) -> None:
    write(tmp_path, "pyproject.toml", '[tool.tslint]\noutput-format = "concise"\n')
    write(tmp_path, "a.py", BAD)
    assert run(["a.py"], capsys, cwd=tmp_path)[1].startswith("a.py:5:26: TS101 ")
    assert run(["--output-format", "grouped", "a.py"], capsys, cwd=tmp_path)[1].startswith("a.py:\n")
    write(tmp_path, "pyproject.toml", '[tool.tslint]\noutput-format = "long"\n')
    code, _, err = run(["a.py"], capsys, cwd=tmp_path)
    assert code == 2 and "output-format" in err


def test_quiet_and_silent(tmp_path, capsys) -> None:
    write(tmp_path, "a.py", BAD)
    write(tmp_path, "clean.py", CLEAN)
    assert run(["-q", "clean.py"], capsys, cwd=tmp_path)[:2] == (0, "")
    code, out, _ = run(["-q", "--output-format", "concise", "a.py"], capsys, cwd=tmp_path)
    assert code == 1 and out.splitlines() == [
        "a.py:5:26: TS101 Compiled function takes a variable number of arguments (`*args`)."
    ]
    assert run(["--silent", "a.py"], capsys, cwd=tmp_path) == (1, "", "")


def test_color_flag_and_environment(tmp_path, capsys, monkeypatch) -> None:
    from tslint.cli import use_colour

    class Tty:
        def isatty(self):
            return True

    assert use_colour("always", None, {"NO_COLOR": "1"}) and not use_colour("never", None, {"FORCE_COLOR": "1"})
    assert use_colour("auto", None, {}, Tty()) and not use_colour("auto", None, {"NO_COLOR": "1"}, Tty())
    assert use_colour("auto", None, {"FORCE_COLOR": "1"}) and not use_colour("auto", None, {})
    assert not use_colour("auto", "report.txt", {}, Tty()) and not use_colour("auto", None, {"NO_COLOR": ""})
    write(tmp_path, "a.py", BAD)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\x1b[" in run(["--color", "always", "a.py"], capsys, cwd=tmp_path)[1]
    assert "\x1b[" not in run(["a.py"], capsys, cwd=tmp_path)[1]  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(["--output-format", "concise", "a.py"], capsys, cwd=tmp_path)[1]
    assert "\x1b[" not in run(["--color", "never", "a.py"], capsys, cwd=tmp_path)[1]
    assert "\x1b[" not in run(["--output-format", "json", "a.py"], capsys, cwd=tmp_path)[1]


def test_statistics_in_every_format_with_a_total(tmp_path, capsys) -> None:
    write(tmp_path, "a.py", BAD)
    write(tmp_path, "b.py", BAD.replace("*args", "*rest"))
    code, out, _ = run(["--statistics", "--output-format", "json", "a.py", "b.py"], capsys, cwd=tmp_path)
    document = json.loads(out)
    assert code == 1 and document["statistics"] == [
        {"code": "TS101", "name": "var-args-in-compiled-function", "severity": "error", "count": 2}
    ]
    assert document["summary"]["total"] == 2
    _, out, _ = run(["--statistics", "--output-format", "github", "a.py", "b.py"], capsys, cwd=tmp_path)
    assert out.splitlines() == [
        "::notice title=tslint statistics::2 TS101 var-args-in-compiled-function",
        "::notice title=tslint statistics::2 in total",
    ]
    _, out, _ = run(["--statistics", "--output-format", "sarif", "a.py", "b.py"], capsys, cwd=tmp_path)
    (sarif_run,) = json.loads(out)["runs"]
    assert sarif_run["properties"]["total"] == 2 and sarif_run["properties"]["statistics"][0]["count"] == 2
    _, out, _ = run(["--statistics", "--output-format", "concise", "a.py", "b.py"], capsys, cwd=tmp_path)
    assert out.splitlines()[:2] == ["2  TS101  var-args-in-compiled-function", "2  total"]


@pytest.mark.parametrize("extra", [[], ["--isolated"]])
def test_config_naming_a_missing_file_is_exit_2(tmp_path, capsys, extra) -> None:
    write(tmp_path, "a.py", CLEAN)
    code, out, err = run([*extra, "--config", "missing.toml", "a.py"], capsys, cwd=tmp_path)
    assert code == 2 and out == "" and ("missing.toml" in err or "--isolated" in err)


def test_exit_code_when_torch_refuted_every_finding() -> None:
    from tslint.cli import exit_code
    from tslint.findings import Confirmation, LintResult

    result = json_free_result()
    refuted = tuple(replace_confirmation(d, Confirmation("refuted", "torch compiled it")) for d in result.diagnostics)
    assert exit_code(result) == 1
    assert exit_code(LintResult(refuted, (), files=1)) == 0
    mixed = (refuted[0], replace_confirmation(result.diagnostics[0], Confirmation("confirmed", "")))
    assert exit_code(LintResult(mixed, (), files=1)) == 1


def test_summaries_count_only_the_findings_that_stand() -> None:
    """A finding torch refuted is counted apart, in every summary: the text line, JSON, --statistics."""
    from tslint import formatters
    from tslint.catalogue import Catalogue
    from tslint.findings import Confirmation, LintResult

    finding = json_free_result().diagnostics[0]
    other = replace_confirmation(finding, Confirmation("confirmed", "torch agrees"))
    gone = replace_confirmation(finding, Confirmation("refuted", "torch compiled it"))
    mixed = LintResult((other, gone), (), files=1)
    assert "Found 1 error and 0 warnings in 1 file (1 file checked; 1 refuted by torch)." in formatters.format_concise(
        mixed, False
    )
    assert json.loads(formatters.format_json(mixed))["summary"] == {
        "files": 1,
        "errors": 1,
        "warnings": 0,
        "refuted": 1,
    }
    only_refuted = LintResult((gone,), (), files=1)
    assert "All checks passed! (1 file checked; 1 refuted by torch)" in formatters.format_text(
        only_refuted, {}, {}, False
    )
    statistics = json.loads(formatters.format_statistics(only_refuted, Catalogue(), "json"))["summary"]
    assert statistics == {"files": 1, "errors": 0, "warnings": 0, "refuted": 1, "total": 1}
    plain = LintResult((finding,), (), files=1)
    assert json.loads(formatters.format_json(plain))["summary"]["refuted"] == 0
    assert "refuted" not in formatters.format_concise(plain, False)


def json_free_result():
    from tslint.api import lint_text
    from tslint.config import Config

    result = lint_text(BAD, "a.py", Config())
    assert result.diagnostics
    return result


def replace_confirmation(diagnostic, confirmation):
    from dataclasses import replace

    return replace(diagnostic, confirmation=confirmation)


def test_every_option_has_help() -> None:
    from tslint.arguments import build_parser

    for action in build_parser()._actions:
        assert action.help, action.option_strings or action.dest
    text = build_parser().format_help()
    assert "--output-format" in text and "--no-respect-gitignore" in text and "Exit codes" in text


def gitrepo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_gitignore_is_respected_with_nested_files_and_negation(tmp_path, capsys) -> None:
    gitrepo(tmp_path)
    write(tmp_path, ".gitignore", "generated/\n*_pb2.py\n/top_only.py\n")
    write(tmp_path, "src/.gitignore", "local_*.py\n!local_keep.py\n")
    write(tmp_path, ".git/info/exclude", "scratch.py\n")
    write(tmp_path, "src/pkg/__init__.py", "")  # src/pkg/top_only.py: another module than top_only.py
    for name in [
        "generated/a.py",
        "src/x_pb2.py",
        "top_only.py",
        "src/local_a.py",
        "scratch.py",
        "src/pkg/top_only.py",
        "src/local_keep.py",
        "src/ok.py",
    ]:
        write(tmp_path, name, BAD)
    _, out, _ = run(["--output-format", "json", "--no-cache", "."], capsys, cwd=tmp_path)
    assert sorted(d["filename"] for d in json.loads(out)["diagnostics"]) == [
        "src/local_keep.py",
        "src/ok.py",
        "src/pkg/top_only.py",
    ]
    _, out, _ = run(["--output-format", "json", "--no-cache", "--no-respect-gitignore", "."], capsys, cwd=tmp_path)
    assert len(json.loads(out)["diagnostics"]) == 8
    # A file named on the command line is linted even if ignored, as an excluded one is.
    assert run(["--no-cache", "generated/a.py"], capsys, cwd=tmp_path)[0] == 1
    write(tmp_path, "pyproject.toml", "[tool.tslint]\nrespect-gitignore = false\n")
    _, out, _ = run(["--output-format", "json", "--no-cache", "."], capsys, cwd=tmp_path)
    assert len(json.loads(out)["diagnostics"]) == 8


def test_gitignore_means_nothing_outside_a_repository(tmp_path, capsys) -> None:
    write(tmp_path, ".gitignore", "*.py\n")
    write(tmp_path, "a.py", BAD)
    assert run(["--no-cache", "."], capsys, cwd=tmp_path)[0] == 1


def test_progress_line_only_on_a_terminal_and_erased(monkeypatch) -> None:
    import io

    from tslint import progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    stream = Terminal()
    bar = progress.Progress("tslint", stream)
    bar.add_total("indexing", 4)
    bar.add_total("checking", 2)
    bar.advance("indexing", 1)
    bar.advance("indexing", 3)
    bar.advance("checking", 1, "a\x1bb.py")
    bar.close()
    drawn = stream.getvalue()
    assert "tslint: indexing [" in drawn and "] 1/4" in drawn and "] 4/4" in drawn
    assert "tslint: checking [" in drawn and "] 1/2 (a\\x1bb.py)" in drawn  # a file name's escapes are shown
    assert drawn.endswith("\r\x1b[K")
    piped = io.StringIO()
    bar = progress.Progress("tslint", piped)
    bar.add_total("indexing", 2)
    bar.advance("indexing", 2)
    bar.close()
    assert piped.getvalue() == ""


def test_progress_counts_every_file_of_a_run(tmp_path, monkeypatch) -> None:
    from tslint import api
    from tslint.config import Config
    from tslint.files import discover

    class Counter:
        def __init__(self):
            self.total = {}
            self.done = {}

        def add_total(self, stage, count):
            self.total[stage] = self.total.get(stage, 0) + count

        def advance(self, stage, count=1):
            self.done[stage] = self.done.get(stage, 0) + count

    sources = discover([str(FIXTURES / "pkg"), str(FIXTURES / "import_styles")], None, ())
    assert len(sources) >= 8
    for jobs in (1, 2):
        counter = Counter()
        api.lint_sources(sources, Config(), jobs=jobs, progress=counter)
        assert counter.total == counter.done == {"indexing": len(sources), "checking": len(sources)}
