"""Suppressions: which rows a comment covers, `--add-noqa`, and TS002 (unused suppressions) with its fix."""

from __future__ import annotations

import json
import shutil
import textwrap
import warnings
from typing import Optional

import pytest

from conftest import FIXTURES
from test_cli import BAD, run, write
from tslint.api import lint_text
from tslint.config import Config
from tslint.engine.suppression import covers_none, skips_file, suppressions
from tslint.engine.suppression_edits import add_codes_edit, apply_edits, noqa_edits, remove_codes_edit, skip_file_edit

WITH_TS002 = Config(select=("TS", "TS002"))

# Findings on rows that cannot hold a comment: inside a multi-line string, before a backslash.
AWKWARD = textwrap.dedent(
    '''\
    import torch.nn as nn


    class Net(nn.Module):
        def forward(self, x, *args):  # noqa: E501
            f = lambda y: y  # a comment
            s = str(lambda z: z) + """abc
            """
            t = (lambda q: q)(2) + \\
                1
            u = (lambda w: w, """a
    b""", lambda v: v)
            return x
    '''
)
AWKWARD_SUPPRESSED = textwrap.dedent(
    '''\
    import torch.nn as nn


    class Net(nn.Module):
        def forward(self, x, *args):  # noqa: E501, TS101
            f = lambda y: y  # a comment  # noqa: TS201
            s = str(lambda z: z) + """abc
            """  # noqa: TS201
            t = (lambda q: q)(2) + \\
                1  # noqa: TS201
            u = (lambda w: w, """a
    b""", lambda v: v)  # noqa: TS201
            return x
    '''
)


def codes(source: str, config: Optional[Config] = None) -> list:
    return [(d.code, d.location.row) for d in lint_text(source, "m.py", config or Config()).diagnostics]


# --- which rows a comment covers --------------------------------------------------------------------


def test_a_comment_after_a_multiline_string_or_a_continuation_covers_its_rows() -> None:
    assert codes(AWKWARD) == [("TS101", 5), ("TS201", 6), ("TS201", 7), ("TS201", 9), ("TS201", 11), ("TS201", 12)]
    assert codes(AWKWARD_SUPPRESSED, WITH_TS002) == []
    # without the comments that cover them, the rows are reported (the test is not vacuous)
    for row in (8, 10, 12):
        lines = AWKWARD_SUPPRESSED.split("\n")
        lines[row - 1] = lines[row - 1].replace("  # noqa: TS201", "")
        assert ("TS201", row - 1) in codes("\n".join(lines))


def test_only_real_comments_suppress() -> None:
    assert codes(BAD.replace("x, *args):", 'x, s: str = "# noqa: TS101", *args):')) == [("TS101", 5)]
    assert codes(BAD.replace("*args):", '*args, s="# noqa"):')) != []


def test_a_file_that_does_not_tokenize_falls_back_to_each_line() -> None:
    source = "def f(:  # noqa: TS001\n"
    assert codes(source) == [] and not suppressions(source).exact


@pytest.mark.parametrize(
    "source, covered",
    [
        ("import os  # noqa: F401\nx = 1  # NOQA:E501,W291\n", False),
        ("x = 1  # noqa\n", True),
        ("x = 1  # noqa: ts101\n", True),
        ("x = 1  # noqa: F401,\nTS101 = 2\n", True),  # the next line's text read as more codes: a superset
        ('s = "# noqa: TS101"\n', True),  # in a string: no directive, but only tokenizing knows
        ("x = 1  # tslint: ignore[TS999]\n", True),  # `tslint`: always tokenized
    ],
)
def test_covers_none_is_false_where_a_directive_may_cover(source, covered) -> None:
    assert covers_none(source, frozenset({"TS101", "TS201"})) is not covered
    if not covered:  # what it stands for: no directive found by tokenizing covers the codes either
        assert not any(d.covers(code) for d in suppressions(source).all_directives() for code in ("TS101", "TS201"))


# --- --add-noqa ---------------------------------------------------------------------------------------


def test_add_noqa_places_each_code_where_it_is_read(tmp_path, capsys) -> None:
    path = write(tmp_path, "m.py", AWKWARD)
    code, out, err = run(["--add-noqa", "--no-cache", path], capsys)
    assert (code, out, err) == (0, "", "Added 5 noqa directives in 1 file.\n")
    assert path.read_text(encoding="utf-8") == AWKWARD_SUPPRESSED
    assert run(["--no-cache", "--select", "TS,TS002", path], capsys)[0] == 0
    assert run(["--add-noqa", "--no-cache", path], capsys)[2] == "Added 0 noqa directives.\n"
    assert path.read_text(encoding="utf-8") == AWKWARD_SUPPRESSED


def test_add_noqa_keeps_line_breaks_and_encoding(tmp_path, capsys) -> None:
    crlf = BAD.replace("\n", "\r\n").replace("*args):", "*args):   ").encode("utf-8")
    latin = ("# -*- coding: latin-1 -*-\n" + BAD.replace("return x", "return x  # \xe9")).encode("latin-1")
    bom = b"\xef\xbb\xbf" + BAD.replace("return x", "return x  # \u00e9").encode("utf-8")
    cr = BAD.replace("\n", "\r").encode("utf-8")
    files = {"crlf.py": crlf, "latin.py": latin, "bom.py": bom, "cr.py": cr}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    code, _, err = run(["--add-noqa", "--no-cache", tmp_path], capsys)
    assert code == 0 and err == "Added 4 noqa directives in 4 files.\n"
    expected = {
        "crlf.py": crlf.replace(b"*args):   \r\n", b"*args):  # noqa: TS101\r\n"),
        "latin.py": latin.replace(b"*args):\n", b"*args):  # noqa: TS101\n"),
        "bom.py": bom.replace(b"*args):\n", b"*args):  # noqa: TS101\n"),
        "cr.py": cr.replace(b"*args):\r", b"*args):  # noqa: TS101\r"),
    }
    for name, data in expected.items():
        assert (tmp_path / name).read_bytes() == data, name
    assert run(["--no-cache", tmp_path], capsys)[0] == 0


def test_add_noqa_merges_into_the_directive_of_the_line(tmp_path, capsys) -> None:
    cases = {
        "# noqa: E501": "# noqa: E501, TS101",
        "# noqa:W291,E501": "# noqa: E501, TS101, W291",
        "# tslint: ignore[TS205]": "# tslint: ignore[TS101,TS205]",
        "# type: ignore  # why": "# type: ignore  # why  # noqa: TS101",
    }
    for index, (before, after) in enumerate(cases.items()):
        path = write(tmp_path, f"m{index}.py", BAD.replace("*args):", f"*args):  {before}"))
        assert run(["--add-noqa", "--no-cache", path], capsys)[0] == 0
        assert path.read_text(encoding="utf-8") == BAD.replace("*args):", f"*args):  {after}"), before


@pytest.mark.slow  # the whole fixtures tree linted again, 2 or 3 times
def test_add_noqa_on_the_fixtures_then_nothing_is_reported(tmp_path, capsys, fixture_result) -> None:
    """Every kind of finding the fixtures hold: suppressed, the files still compile, and a second
    run changes nothing."""
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy)
    # What `--select TS,TS404` reports on the fixtures (the copy holds the same files).
    findings = [d for d in fixture_result.diagnostics if d.mode.value != "export"]
    assert len(findings) > 100
    code, _, err = run(["--add-noqa", "--no-cache", "--select", "TS,TS404", copy], capsys)
    lines = len({(d.filename, d.location.row) for d in findings})
    assert code == 0 and err.startswith("Added ") and int(err.split()[1]) <= lines
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fixtures' own SyntaxWarnings
        for path in copy.rglob("*.py"):
            compile(path.read_bytes(), str(path), "exec")
    assert (
        run(["--no-cache", "--select", "TS,TS002,TS404", "--format", "json", copy], capsys)[1].count('"code": "TS') == 0
    )
    snapshot = {path: path.read_bytes() for path in copy.rglob("*.py")}
    assert run(["--add-noqa", "--no-cache", "--select", "TS,TS404", copy], capsys)[2] == "Added 0 noqa directives.\n"
    assert snapshot == {path: path.read_bytes() for path in copy.rglob("*.py")}


def test_add_noqa_refuses_stdin_and_leaves_an_untokenizable_file_alone(tmp_path, capsys) -> None:
    code, _, err = run(["--add-noqa", "-", "--stdin-filename", "x.py"], capsys)
    assert code == 2 and "--add-noqa" in err
    path = write(tmp_path, "broken.py", "def f(:\n    pass\n")
    code, _, err = run(["--add-noqa", "--no-cache", path], capsys)
    assert code == 2 and "no noqa added" in err and path.read_text() == "def f(:\n    pass\n"


# --- TS002 --------------------------------------------------------------------------------------------


def _ts002(source: str, config: Config = WITH_TS002):
    return [d for d in lint_text(source, "m.py", config).diagnostics if d.code == "TS002"]


def test_unused_codes_are_reported_only_when_selected() -> None:
    source = BAD.replace("*args):", "*args):  # noqa: TS101, TS205, E501").replace(
        "return x", "return x  # tslint: ignore[TS999]"
    )
    assert _ts002(source, Config()) == []
    first, second = _ts002(source)
    assert (first.location.row, first.location.column, first.end_location.column) == (5, 35, 61)
    assert "TS205 suppresses nothing" in first.message and "TS999 is not a tslint code" in second.message
    fixed = apply_edits(source, [e for d in (first, second) for e in d.fix.edits])
    assert fixed == BAD.replace("*args):", "*args):  # noqa: TS101, E501")
    assert _ts002(fixed) == [] and codes(fixed, WITH_TS002) == []


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa",
        "# tslint: ignore",
        "# noqa: E501",
        "# noqa: TS404",  # bare, another tool's, a rule off by default
        "# noqa: TS000",
        "# noqa: TS002",
    ],
)
def test_what_is_never_reported(comment) -> None:
    assert _ts002(BAD.replace("return x", f"return x  {comment}")) == []


@pytest.mark.parametrize(
    "config",
    [
        Config(select=("TS", "TS002"), ignore=("TS2",)),
        Config(select=("TS1", "TS3", "TS002")),
        Config(select=("TS", "TS002"), mode="trace"),
        Config(select=("TS", "TS002"), mode="export"),
        Config(select=("TS", "TS002"), per_file_ignores=(("m.py", ("TS205",)),)),
    ],
)
def test_codes_of_rules_that_did_not_run_are_not_unused(config) -> None:
    source = BAD.replace("return x", "return x  # noqa: TS205")
    assert _ts002(source, config) == []
    assert len(_ts002(source)) == 1


def test_a_rule_off_by_default_is_judged_once_selected() -> None:
    source = BAD.replace("return x", "return x  # noqa: TS404")
    assert len(_ts002(source, Config(select=("TS", "TS002", "TS404")))) == 1


def test_a_suppression_meant_to_stay() -> None:
    source = BAD.replace("return x", "return x  # noqa: TS205")
    (finding,) = _ts002(source)
    assert apply_edits(source, finding.fix.edits) == BAD
    assert _ts002(source.replace("TS205", "TS205, TS002")) == []
    assert (
        _ts002(source.replace("# noqa: TS205", "# noqa: TS205  # tslint: ignore")) == []
    )  # another directive of the row


def test_nothing_is_judged_in_a_file_with_a_ts001() -> None:
    source = "class A(:\n    x = 1  # noqa: TS205\n"
    assert [d.code for d in lint_text(source, "m.py", WITH_TS002).diagnostics] == ["TS001"]


def test_ts002_follows_the_cache(tmp_path, capsys) -> None:
    path = write(tmp_path, "m.py", BAD.replace("return x", "return x  # noqa: TS205"))
    assert run([path], capsys, cwd=tmp_path)[0] == 1  # TS101 only, now cached
    code, out, _ = run(["--select", "TS,TS002", "--format", "json", path], capsys, cwd=tmp_path)
    assert [d["code"] for d in json.loads(out)["diagnostics"]] == ["TS101", "TS002"]


# --- the edits ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, removed, expected",
    [
        ("x = 1  # noqa: TS101", ["TS101"], "x = 1"),
        ("x = 1  # noqa: TS101, E501", ["TS101"], "x = 1  # noqa: E501"),
        ("x = 1  # tslint: ignore[TS101, TS205]", ["TS205"], "x = 1  # tslint: ignore[TS101]"),
        ("x = 1  # type: int  # noqa: TS101", ["TS101"], "x = 1  # type: int"),
        ("x = 1  # noqa: TS101  # why", ["TS101"], "x = 1  # why"),
        ("x = 1  # noqa: TS101 why", ["TS101"], "x = 1  # why"),
        ("x = 1  # type: int  # noqa: TS101  # why", ["TS101"], "x = 1  # type: int  # why"),
    ],
)
def test_remove_codes(line, removed, expected) -> None:
    found = suppressions(line)
    (directive,) = found.directives
    assert apply_edits(line, [remove_codes_edit(line, directive, removed)]) == expected


def test_add_codes_leaves_a_line_with_a_bare_directive_alone() -> None:
    (directive,) = suppressions("x = 1  # noqa").directives
    assert add_codes_edit("x = 1  # noqa", 1, ["TS101"], [directive]) is None
    assert noqa_edits("x = (\n", {1: {"TS101"}}) is None  # does not tokenize


@pytest.mark.parametrize(
    "head",
    [
        "",
        "#!/usr/bin/env python\n",
        "# -*- coding: utf-8 -*-\n",
        "#!/usr/bin/env python\n# vim: set fileencoding=utf-8 :\n",
        '"""Doc."""\n',
    ],
)
def test_skip_file_goes_where_it_is_read(head) -> None:
    source = head + BAD
    fixed = apply_edits(source, [skip_file_edit(source)])
    kept = head if head.startswith("#") else ""
    assert (
        skips_file(fixed)
        and fixed.startswith(kept + "# tslint: skip-file\n")
        and fixed.replace("# tslint: skip-file\n", "") == source
    )
    assert apply_edits("#!/bin/python", [skip_file_edit("#!/bin/python")]) == "#!/bin/python\n# tslint: skip-file"
