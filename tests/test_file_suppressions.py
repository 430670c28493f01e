"""File-level suppressions (`# tslint: noqa: TS101, TS205`, ruff's `# ruff: noqa: F401`): where they are
read, what they suppress, TS002 for their unused codes, the edit the editor's "Suppress TSxxx in this
file" makes; and TS001, which no selection turns off."""

from __future__ import annotations

import json
from typing import Optional

import pytest

from test_cli import BAD, run, write
from tslint.api import lint_text
from tslint.config import Config
from tslint.engine.suppression import FILE, file_directives, suppressions
from tslint.engine.suppression_edits import apply_edits, file_noqa_edit

WITH_TS002 = Config(select=("TS", "TS002"))
LAMBDA = BAD.replace("        return x\n", "        f = lambda y: y\n        return f(x)\n")  # TS101 row 5, TS201 row 6


def codes(source: str, config: Optional[Config] = None) -> list:
    return [(d.code, d.location.row) for d in lint_text(source, "m.py", config or Config()).diagnostics]


@pytest.mark.parametrize(
    ("head", "row"),
    [
        ("# tslint: noqa: TS101, TS201\n", 1),
        ("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# tslint: noqa: TS101,TS201\n", 3),
        ('"""Models.\n\nMore words.\n"""\n# TSLint: NOQA: ts101 ts201\n', 5),
        ('# Copyright\n\n"""Models."""  # tslint: noqa: TS101, TS201\n', 3),
        ("# Copyright  # tslint: noqa: TS101, TS201\n", 1),
    ],
)
def test_a_file_directive_in_the_leading_area_suppresses_its_codes_everywhere(head, row) -> None:
    source = head + LAMBDA
    (directive,) = file_directives(source)
    assert directive.kind == FILE and directive.row == row and directive.codes == ("TS101", "TS201")
    assert suppressions(source).directives == ()  # not a line directive as well
    assert codes(source) == [] and codes(source, WITH_TS002) == []


@pytest.mark.parametrize(
    "source",
    [
        '"""Models."""\nimport os\n# tslint: noqa: TS101, TS201\n' + LAMBDA,  # after the first statement
        LAMBDA + "# tslint: noqa: TS101, TS201\n",
        'x = """\n# tslint: noqa: TS101, TS201\n"""\n' + LAMBDA,  # in a string, not a comment
        "# tslint: noqa\n" + LAMBDA,  # no codes: not a file directive (skip-file is that)
    ],
)
def test_what_is_not_a_file_directive(source) -> None:
    assert file_directives(source) == []
    assert [c for c, _ in codes(source) if c != "TS003"] == ["TS101", "TS201"]
    assert ("TS003" in [c for c, _ in codes(source)]) == ("in a string" not in source and "x = " not in source)


# TS003: a file-level directive that has no effect is reported where it stands.
MISPLACED = [
    ('"""Models."""\nimport os\n# tslint: skip-file\n' + LAMBDA, 3, 1, "`# tslint: skip-file` has no effect below"),
    ('"""Models."""\nimport os\n# tslint: noqa: TS101\n' + LAMBDA, 3, 1, "`# tslint: noqa: TS101` has no effect below"),
    (LAMBDA.replace("*args):", "*args):  # tslint: noqa: TS101"), 5, 35, "write `# noqa: TS101`"),
    ("# tslint: noqa\n" + LAMBDA, 1, 1, "`# tslint: noqa` names no codes"),
    (LAMBDA + "    # TSLint:  NOQA  :ts201,ts101 (file-wide)\n", 8, 5, "`# tslint: noqa: TS201, TS101` has no"),
]


@pytest.mark.parametrize(("source", "row", "column", "words"), MISPLACED)
def test_a_directive_with_no_effect_is_ts003_at_the_directive(source, row, column, words) -> None:
    (finding,) = [d for d in lint_text(source, "m.py", Config()).diagnostics if d.code == "TS003"]
    assert (finding.location.row, finding.location.column) == (row, column)
    assert finding.severity.value == "warning" and words in finding.message and finding.fix is None
    assert [c for c, _ in codes(source) if c != "TS003"] == ["TS101", "TS201"]  # it suppressed nothing


@pytest.mark.parametrize(
    "source",
    [
        "#!/usr/bin/env python\n# tslint: noqa: TS101\n" + LAMBDA,  # in the leading area: it works
        '"""Models."""\n# tslint: skip-file\n' + LAMBDA,
        'x = """\n# tslint: skip-file\n# tslint: noqa\n"""\n' + LAMBDA,  # in a string
        LAMBDA + "# tslint-noqa, skip file: not directives\n",
    ],
)
def test_what_is_not_ts003(source) -> None:
    assert "TS003" not in [c for c, _ in codes(source)]


def test_ts003_follows_the_selection_and_its_own_suppression() -> None:
    source = '"""Models."""\nimport os\n# tslint: skip-file\n' + LAMBDA
    assert "TS003" not in [c for c, _ in codes(source, Config(ignore=("TS003",)))]
    assert "TS003" not in [c for c, _ in codes(source.replace("skip-file", "skip-file  # noqa: TS003"))]
    assert [c for c, _ in codes(source, Config(select=("TS003",)))] == ["TS003"]


def test_a_file_directive_leaves_other_codes_reported() -> None:
    assert codes("# tslint: noqa: TS201\n" + LAMBDA) == [("TS101", 6)]
    assert codes("# tslint: noqa: TS2\n" + LAMBDA) == [("TS101", 6), ("TS201", 7)]  # codes, not prefixes


def test_unused_codes_of_a_file_directive_are_ts002_with_a_fix() -> None:
    source = "# Models.\n# tslint: noqa: TS101, TS205, TS999\n" + LAMBDA
    assert codes(source) == [("TS201", 8)]  # TS002 is off by default
    found = lint_text(source, "m.py", WITH_TS002).diagnostics
    assert [(d.code, d.location.row) for d in found] == [("TS002", 2), ("TS201", 8)]
    unused = found[0]
    assert unused.message == "Unused suppression (TS205 suppresses nothing in this file; TS999 is not a tslint code)."
    assert (unused.location.column, unused.end_location.column) == (1, 36)
    assert unused.fix is not None and unused.fix.message == "Remove TS205, TS999 from the suppression"
    fixed = apply_edits(source, unused.fix.edits)
    assert fixed == source.replace("TS101, TS205, TS999", "TS101")
    assert codes(fixed, WITH_TS002) == [("TS201", 8)]


def test_a_file_directive_that_suppresses_nothing_goes_with_its_line() -> None:
    for head, tail in (("# Models.\n", LAMBDA), ("#!/usr/bin/env python\n", LAMBDA), ("", "")):
        source = head + "# tslint: noqa: TS205\n" + tail
        (unused,) = [d for d in lint_text(source, "m.py", WITH_TS002).diagnostics if d.code == "TS002"]
        assert unused.fix is not None and unused.fix.message == "Remove the unused suppression"
        assert apply_edits(source, unused.fix.edits) == head + tail
    source = "# tslint: noqa: TS205"  # the last row, without a line break
    (unused,) = lint_text(source, "m.py", WITH_TS002).diagnostics
    assert unused.fix is not None and apply_edits(source, unused.fix.edits) == ""


def test_a_file_directive_naming_ts002_keeps_its_unused_codes() -> None:
    assert codes("# tslint: noqa: TS002, TS205\n" + BAD, WITH_TS002) == [("TS101", 6)]
    assert codes("# tslint: noqa: TS205\n" + BAD, Config(select=("TS", "TS002"), ignore=("TS2",))) == [("TS101", 6)]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("", "# tslint: noqa: TS101\n"),
        ("#!/usr/bin/env python\n", "#!/usr/bin/env python\n# tslint: noqa: TS101\n"),
        ("# -*- coding: utf-8 -*-\n", "# -*- coding: utf-8 -*-\n# tslint: noqa: TS101\n"),
        ('"""Doc."""\n', '# tslint: noqa: TS101\n"""Doc."""\n'),
        ("# tslint: noqa: TS201\n", "# tslint: noqa: TS101, TS201\n"),
        ('"""Doc."""\n# tslint: noqa: TS999, TS201\n', '"""Doc."""\n# tslint: noqa: TS101, TS201, TS999\n'),
    ],
)
def test_suppress_in_this_file_adds_or_merges(head, expected) -> None:
    source = head + LAMBDA
    edit = file_noqa_edit(source, ["ts101"])
    assert edit is not None
    fixed = apply_edits(source, [edit])
    assert fixed == expected + LAMBDA
    assert [c for c, _ in codes(fixed)] == ([] if "TS201" in expected else ["TS201"])
    assert file_noqa_edit(fixed, ["TS101"]) is None  # there already


def test_suppress_in_this_file_keeps_line_breaks() -> None:
    source = "#!/bin/python\r\n" + BAD.replace("\n", "\r\n")
    edit = file_noqa_edit(source, ["TS101"])
    assert edit is not None and apply_edits(source, [edit]).startswith(
        "#!/bin/python\r\n# tslint: noqa: TS101\r\nimport"
    )
    assert apply_edits("#!/bin/python", [file_noqa_edit("#!/bin/python", ["TS101"])]) == (
        "#!/bin/python\n# tslint: noqa: TS101"
    )


# --- TS001 whatever the selection ----------------------------------------------------------------------


def test_a_file_that_does_not_parse_is_reported_whatever_the_selection(tmp_path, capsys) -> None:
    path = write(tmp_path, "broken.py", "import torch\ndef f(:\n")
    for args in (["--select", "TS401"], ["--mode", "trace", "--select", "TS401"], ["--mode", "export"], []):
        code, out, _ = run(["--no-cache", "--output-format", "json", *args, path], capsys)
        assert code == 1 and [(d["code"], d["location"]["row"]) for d in json.loads(out)["diagnostics"]] == [
            ("TS001", 2)
        ], args
    code, out, _ = run(["--no-cache", "--select", "TS401", path], capsys)
    assert "All checks passed" not in out and "TS001" in out
    # An explicit ignore (or per-file-ignores) still drops it: TS001 also stands for tslint's own limits.
    assert run(["--no-cache", "--select", "TS401", "--ignore", "TS001", path], capsys)[0] == 0
    assert codes("def f(:\n", Config(select=("TS401",))) == [("TS001", 1)]
    assert codes("def f(:\n", Config(per_file_ignores=(("m.py", ("TS001",)),))) == []
