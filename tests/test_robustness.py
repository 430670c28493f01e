"""Bad inputs each have a defined outcome: a finding, an error entry or an exit code — never a
traceback, a hang, a crash, or code execution."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from cli_runner import run_cli, run_forked, run_process
from conftest import ROOT
from tslint.api import lint_sources
from tslint.config import Config
from tslint.files import SourceFile

BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"


def tslint(*args, cwd=None, stdin=b"", timeout=120, process=False, forked=False):
    """`tslint ARGS` in this process (tests/cli_runner.py: an exception main() lets through fails the
    test), or the real command in a child process when `process` is set: for inputs that could crash
    the parser, exhaust the stack or take minutes, and for what the process prints on its own; in a
    child forked from this process when `forked` is set, for a run that could take minutes."""
    if process:
        completed = run_process("--no-cache", *args, input=stdin, cwd=cwd or ROOT, timeout=timeout)
    elif forked:
        completed = run_forked("--no-cache", *args, stdin=stdin, cwd=cwd or ROOT, timeout=timeout)
    else:
        completed = run_cli("--no-cache", *args, cwd=cwd or ROOT, stdin=stdin, text=False)
    assert b"Traceback" not in completed.stderr, completed.stderr.decode()
    return completed.returncode, completed.stdout.decode(), completed.stderr.decode()


def diagnostics(*args, **kwargs):
    code, out, err = tslint("--format", "json", *args, **kwargs)
    return code, json.loads(out)["diagnostics"]


def only(found):
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "data",
    [BAD.encode("utf-8-sig"), BAD.replace("\n", "\r\n").encode(), BAD.replace("\n", "\r").encode()],
    ids=["utf-8-bom", "crlf", "cr"],
)
def test_line_endings_and_bom_keep_rows_and_columns(tmp_path, data) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(data)
    code, found = diagnostics(path)
    d = only(found)
    assert code == 1 and (d["code"], d["location"], d["end_location"]) == (
        "TS101",
        {"row": 5, "column": 26},
        {"row": 5, "column": 31},
    )


def test_tabs_count_as_one_column(tmp_path) -> None:
    path = tmp_path / "a.py"
    path.write_text(BAD.replace("    ", "\t"))
    d = only(diagnostics(path)[1])
    assert (d["location"], d["end_location"]) == ({"row": 5, "column": 23}, {"row": 5, "column": 28})


@pytest.mark.process
def test_python_warnings_about_user_code_are_not_printed(tmp_path) -> None:
    (tmp_path / "a.py").write_text('x = "\\d"\ny = 1(2)\n' + BAD)
    code, out, err = tslint(tmp_path / "a.py", process=True)  # warnings a real process prints
    assert code == 1 and err == ""


def test_empty_file(tmp_path) -> None:
    (tmp_path / "empty.py").write_bytes(b"")
    assert diagnostics(tmp_path / "empty.py") == (0, [])


def test_empty_stdin() -> None:
    assert diagnostics("--stdin-filename", "a.py", stdin=b"") == (0, [])


@pytest.mark.process
def test_too_large_file_is_reported_quickly(tmp_path) -> None:
    path = tmp_path / "generated.py"
    path.write_bytes(b"x = 1\n" * 1_800_000)  # 10.8 MB
    d = only(diagnostics(path, timeout=30, forked=True)[1])
    assert d["code"] == "TS001" and "too large" in d["message"]


DEEP = {
    "parentheses": "(" * 5000 + "x" + ")" * 5000,
    "lists": "[" * 5000 + "]" * 5000,
    "long-sum": " + ".join(["x"] * 20000),
    "not-chain": "not " * 20000 + "x",
    # Over many short lines: libcst needs 4 s for these 3000 terms, 17 s for 6000.
    "sum-one-term-a-line": "(x\n" + "    + x\n" * 3000 + ")",
    "sum-ten-terms-a-line": "(\n" + "    x + x + x + x + x + x + x + x + x + x +\n" * 300 + "    x)",
    "backslashes": "x \\\n" + "    + x \\\n" * 3000 + "    + x",
}


@pytest.fixture(scope="module")
def deep_files_linted(tmp_path_factory):
    """The files of DEEP (BAD, then `y = EXPRESSION`), one per expression, linted together by one
    child process (a file's TS001 depends on that file alone); a crash fails every test below."""
    folder = tmp_path_factory.mktemp("deep")
    for name, expression in DEEP.items():
        (folder / f"{name}.py").write_text(BAD + f"\n\ny = {expression}\n")
    return diagnostics(folder, timeout=300, process=True)


@pytest.mark.process
@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_is_ts001_not_a_crash(deep_files_linted, name: str) -> None:
    """libcst's own parser segfaults or takes minutes on these; Python's parser refuses them."""
    code, found = deep_files_linted
    d = only([d for d in found if Path(d["filename"]).stem == name])
    assert code == 1 and d["code"] == "TS001" and "nested too deeply" in d["message"]


@pytest.mark.process
def test_long_elif_chain(tmp_path) -> None:
    """Python's parser gives up on 3000 `elif`s (RecursionError); libcst parses them. A file with
    nothing to report is linted; placing a finding would need Python's statement lines or generating
    the whole chain (as deep), so a file with findings gets TS001 — never an internal error."""
    chain = "".join(f"    elif k == {i}:\n        k = {i}\n" for i in range(1, 3000))
    dispatch = f"\n\ndef dispatch(k):\n    if k == 0:\n        k = 0\n{chain}    return k\n"
    (tmp_path / "clean.py").write_text(BAD.replace(", *args", "") + dispatch)
    (tmp_path / "dispatch.py").write_text(BAD + dispatch)
    code, found = diagnostics(tmp_path, timeout=120, process=True)  # one child for both files
    assert code == 1 and [Path(d["filename"]).name for d in found] == ["dispatch.py"]  # none in clean.py
    assert only(found)["code"] == "TS001" and "nested too deeply" in only(found)["message"]


def test_tree_python_builds_too_deep_for_libcst_is_ts001(monkeypatch) -> None:
    """Python 3.9, 3.10 and 3.13 build trees that 3.11 and 3.12 refuse (DEEP's sums, 3000 `elif`s), and
    libcst then takes minutes on them: tslint refuses them itself. Here Python's parser returns such a
    tree, as 3.9's does for DEEP's "long-sum", for a line long enough to go to Python's parser first."""
    import ast

    from tslint.engine import parsing

    deep = ast.Name("x", ast.Load())
    for _ in range(3100):
        deep = ast.BinOp(deep, ast.Add(), ast.Name("x", ast.Load()))
    tree = ast.Module([ast.Assign([ast.Name("y", ast.Store())], deep, lineno=1, col_offset=0)], [])
    text = "y = " + " + ".join(["x"] * 1000) + "\n"

    class PythonThatBuildsIt:  # the module's `ast` (not `ast` itself, which pytest uses too)
        def __getattr__(self, name):
            return getattr(ast, name)

        def parse(self, source):
            return tree

    monkeypatch.setattr(parsing, "ast", PythonThatBuildsIt())
    monkeypatch.setattr(parsing, "_REFUSES_DEEPER", {})  # what this Python refuses is not asked of the fake
    parsed = parsing.parse_source(SourceFile(Path("long.py"), "long.py"), text.encode())
    problem, parsed_by_libcst = parsed.problem, parsed.module is not None
    assert problem is not None and problem.code == "TS001" and "nested too deeply" in problem.message
    assert not parsed_by_libcst


@pytest.mark.parametrize(
    "shape",
    [
        lambda n: "-" * n + "x",
        lambda n: "x" + " + x" * n,
        lambda n: "x" + ".a" * n,
        lambda n: "x" + "[0]" * n,
        lambda n: "a if b else " * n + "c",
        lambda n: "if a:\n  pass\n" + "elif a:\n  pass\n" * n,
    ],
    ids=["unary", "sum", "attributes", "subscripts", "if-expressions", "elifs"],
)
def test_depth_walk_skipped_only_where_python_refuses_deeper_trees(shape) -> None:
    """The depth walk of Python's tree is skipped where `ast.parse` itself refuses trees deeper than
    the limit (3.11, 3.12): then no shape of code builds one; elsewhere (3.9, 3.10, 3.13) they build
    and the walk finds them."""
    import ast

    from tslint.engine import parsing

    limit = parsing._MAX_TREE_DEPTH
    try:
        tree = ast.parse(shape(limit + 10))
    except (RecursionError, SyntaxError):
        tree = None
    if parsing._python_refuses_deeper(limit):
        assert tree is None
    else:
        assert tree is not None and parsing._deeper_than(tree, limit)
    assert not parsing._python_refuses_deeper(50)  # every Python builds a chain of 51 levels


def test_moderate_nesting_is_linted(tmp_path) -> None:
    path = tmp_path / "nested.py"
    path.write_text(BAD.replace("return x", "return " + "(" * 150 + "x" + ")" * 150))
    assert only(diagnostics(path)[1])["code"] == "TS101"


def test_dangling_symlink_given_explicitly(tmp_path) -> None:
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    d = only(diagnostics(tmp_path / "gone.py")[1])
    assert d["code"] == "TS001" and "cannot read" in d["message"]


def test_folder_named_like_a_python_file(tmp_path) -> None:
    (tmp_path / "models.py").mkdir()
    (tmp_path / "models.py" / "net.py").write_text(BAD)
    code, found = diagnostics(tmp_path)
    assert code == 1 and only(found)["filename"].endswith("models.py/net.py")


def test_symlink_loop_terminates_and_lints_each_file_once(tmp_path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "net.py").write_text(BAD)
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg", target_is_directory=True)
    (tmp_path / "alias.py").symlink_to(tmp_path / "pkg" / "net.py")
    code, found = diagnostics(tmp_path, timeout=30)
    assert code == 1 and len(found) == 1


def test_missing_path_exits_2() -> None:
    code, _, err = tslint("no/such/path.py")
    assert code == 2 and "path does not exist: no/such/path.py" in err


def test_invalid_toml_config(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.tslint\nmode = 'script'\n")
    (tmp_path / "a.py").write_text(BAD)
    code, out, err = tslint("a.py", cwd=tmp_path)
    assert code == 2 and out == "" and "pyproject.toml: invalid TOML" in err and "line 1" in err


def test_linting_never_executes_user_code(tmp_path) -> None:
    marker = tmp_path / "executed"
    (tmp_path / "evil.py").write_text(
        textwrap.dedent(f"""
        import os, sys
        open({str(marker)!r}, "w").write("ran")
        os._exit(3)
        import torch.nn as nn

        class Net(nn.Module):
            def forward(self, x, *args):
                return x
        """)
    )
    code, found = diagnostics(tmp_path)
    assert code == 1 and only(found)["code"] == "TS101"
    assert not marker.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.py"]  # and nothing else was written


def test_static_mode_writes_nothing_but_its_cache(tmp_path) -> None:
    (tmp_path / "a.py").write_text(BAD)
    run_cli("a.py", cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tslint_cache", "a.py"]
    assert (tmp_path / ".tslint_cache" / ".gitignore").read_text().strip().endswith("*")


# --- internal errors: caught per file, named, the run goes on, exit 2 --------------------------


def _tree(tmp_path: Path) -> list:
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(BAD)
    return [SourceFile(tmp_path / name, name) for name in ("a.py", "b.py")]


def test_a_crashing_rule_is_reported_by_name_and_other_files_are_linted(tmp_path, monkeypatch) -> None:
    from tslint.rules.signatures.var_args_in_compiled_function import VarArgsInCompiledFunction

    def explode(self, node, context):
        if context.file.path == "a.py":
            raise ValueError("boom")
        return original(self, node, context)

    original = VarArgsInCompiledFunction.visit_Parameters
    monkeypatch.setattr(VarArgsInCompiledFunction, "visit_Parameters", explode)
    result = lint_sources(_tree(tmp_path), Config())
    assert [d.filename for d in result.diagnostics] == ["b.py"]
    (error,) = result.errors
    assert error.filename == "a.py" and "rule TS101 (var-args-in-compiled-function): ValueError: boom" in error.message
    assert result.internal_errors == 1


def test_a_crashing_indexer_is_an_error_entry(tmp_path, monkeypatch) -> None:
    import tslint.engine.phases

    original = tslint.engine.phases.index_file

    def explode(path, *args):
        if path == "a.py":
            raise KeyError("index bug")
        return original(path, *args)

    monkeypatch.setattr(tslint.engine.phases, "index_file", explode)
    result = lint_sources(_tree(tmp_path), Config())
    assert [d.filename for d in result.diagnostics] == ["b.py"]
    assert [e.filename for e in result.errors] == ["a.py"] and "index bug" in result.errors[0].message


def test_a_dead_worker_is_reported_and_the_rest_finishes(tmp_path, monkeypatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the fork start method carries the patch into the worker")
    import tslint.engine.shard

    original = tslint.engine.shard.index_source

    def die_on_a(source, data):
        if source.display == "a.py":
            os._exit(7)  # as a segfault or the OOM killer would end it
        return original(source, data)

    monkeypatch.setattr(tslint.engine.shard, "index_source", die_on_a)
    result = lint_sources(_tree(tmp_path), Config(), jobs=2)
    assert [d.filename for d in result.diagnostics] == ["b.py"]
    assert [e.filename for e in result.errors] == ["a.py"] and "exit code 7" in result.errors[0].message


@pytest.mark.parametrize("phase", ["index_source", "lint_indexed"])
@pytest.mark.parametrize("fatal", [("m7.py",), ("m6.py", "m7.py")])
def test_a_worker_dying_with_files_in_flight_fails_only_its_current_file(tmp_path, monkeypatch, phase, fatal) -> None:
    """A worker holds two files at a time: when it dies, the one it was working on is reported and
    the one it had not started is linted by the other worker, in either phase — or here, when both
    workers die (m7.py and m6.py are their first files in both phases)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the fork start method carries the patch into the worker")
    import tslint.engine.shard

    names = [f"m{i}.py" for i in range(8)]
    for i, name in enumerate(names):  # sizes differ, so the order workers get them in is fixed
        (tmp_path / name).write_text(BAD + "\n" * i)
    original = getattr(tslint.engine.shard, phase)

    def die(item, *args, **kwargs):
        if getattr(item, "source", item).display in fatal:
            os._exit(7)  # as a segfault or the OOM killer would end it
        return original(item, *args, **kwargs)

    monkeypatch.setattr(tslint.engine.shard, phase, die)
    result = lint_sources([SourceFile(tmp_path / name, name) for name in names], Config(), jobs=2)
    assert sorted(e.filename for e in result.errors) == list(fatal)
    assert all("exit code 7" in e.message for e in result.errors)
    assert sorted(d.filename for d in result.diagnostics) == [n for n in names if n not in fatal]


def test_internal_error_exit_code_and_output(tmp_path, monkeypatch) -> None:
    """Through the real CLI: the error is printed, JSON stays valid, the exit code is 2."""
    from tslint.rules.signatures.var_args_in_compiled_function import VarArgsInCompiledFunction

    def explode(self, node, context):
        raise RuntimeError("boom")

    (tmp_path / "a.py").write_text(BAD)
    monkeypatch.setattr(VarArgsInCompiledFunction, "visit_Parameters", explode)
    completed = run_cli("--no-cache", "--format", "json", "a.py", cwd=tmp_path)
    document = json.loads(completed.stdout)
    assert completed.returncode == 2 and document["diagnostics"] == []
    assert document["errors"] == [
        {
            "filename": "a.py",
            "message": "internal error in rule TS101 (var-args-in-compiled-function): RuntimeError: boom",
        }
    ]


def test_subscripted_base_does_not_stop_the_type_layer(tmp_path) -> None:
    """A base tslint cannot name (`Generic[T]`, as torch's own DataParallel) is an unknown base: it
    used to be passed on as None and stop every rule asking for an attribute's type (TS319 raised)."""
    source = textwrap.dedent(
        """
        from typing import Generic, TypeVar

        import torch
        from torch import nn

        T = TypeVar("T", bound=nn.Module)


        class Wrapper(nn.Module, Generic[T]):
            def __init__(self, module: T) -> None:
                super().__init__()
                self.module = module
                self.dim = 0

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                if self.dim == 0:
                    y = 1
                else:
                    y = 2.0
                return x
        """
    )
    (tmp_path / "wrapper.py").write_text(source)
    code, out, err = tslint("--format", "json", tmp_path / "wrapper.py")
    assert code == 0, err
    assert json.loads(out)["errors"] == []


def test_match_and_except_star_in_a_returning_function_are_their_own_findings_only(tmp_path: Path) -> None:
    """Statements torch rejects outright (`match`: TS221, `except*`: TS203) inside a function annotated to
    return: the type model does not follow them (they crashed TS357 and made it say the body can fall
    off its end), so each is reported once, and nothing else is."""
    source = textwrap.dedent(
        """\
        import torch
        import torch.nn as nn


        class Matched(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                match x.dim():
                    case 1:
                        return x
                    case [first, *rest]:
                        y = x * first
                    case _ as other:
                        return x + 1
                return y


        class Caught(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                try:
                    return x
                except* ValueError:
                    return x + 1


        class EndsInMatch(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                match x.dim():
                    case 1:
                        return x
                    case _:
                        return x.flatten()
        """
    )
    (tmp_path / "model.py").write_text(source)
    result = lint_sources([SourceFile(tmp_path / "model.py", "model.py")], Config())
    assert not result.errors
    assert sorted((d.location.row, d.code) for d in result.diagnostics) == [(7, "TS221"), (19, "TS203"), (27, "TS221")]
