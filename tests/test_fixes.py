"""Fixes proved by torch: every fix applied to the fixtures and to the rule pages' bad examples
removes its finding, and the fixed class scripts (or fails only on a line tslint still flags);
fixing twice changes nothing."""

from __future__ import annotations

import ast
import dataclasses
import os
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from conftest import FIXTURES, ROOT, fixture_mode, per_session
from test_rule_pages import FIX_LINE, example, page
from tslint import fixing
from tslint.api import catalogue, lint_sources
from tslint.config import Config
from tslint.files import discover
from tslint.findings import LintResult, Severity

CONFIG = Config(select=("TS", "TS404"))
ERROR_CODES = {info.code for info in catalogue() if info.severity is Severity.ERROR}


def fix_tree(
    folder: Path, unsafe: bool = True, lints: Optional[list] = None, first: Optional[LintResult] = None
) -> fixing.FixOutcome:
    """Fix the files under `folder`; `lints`, when given, receives each lint's result (the first: the
    whole tree as it was). `first`, when given, is that first lint, made beforehand with CONFIG."""
    sources = discover([str(folder)], None, ())
    contents = {s.display: s.path.read_bytes() for s in sources}

    made = [first] if first is not None else []

    def lint(buffers, only):
        result = made.pop() if made else lint_sources(sources, CONFIG, buffers=buffers, only=only)
        if lints is not None:
            lints.append(result)
        return result

    return fixing.fix_files(contents, lint, unsafe)


def write_fixed(outcome: fixing.FixOutcome) -> None:
    for fixed in outcome.changed():
        Path(fixed.filename).write_bytes(fixed.fixed)


def _moved(result: LintResult, folder: Path) -> LintResult:
    """`result`, a lint of FIXTURES, as the same lint of its copy `folder` gives it (the findings
    name their files, nothing else: no message names a path)."""
    original, copy = str(FIXTURES), str(folder)

    def name(filename: str) -> str:
        assert filename.startswith(original + os.sep), filename
        return copy + filename[len(original) :]

    return dataclasses.replace(
        result,
        diagnostics=tuple(dataclasses.replace(d, filename=name(d.filename)) for d in result.diagnostics),
        errors=tuple(dataclasses.replace(e, filename=name(e.filename)) for e in result.errors),
    )


def _fix_fixtures(base: Path, session_lint: LintResult):
    folder = base / "fixtures"
    shutil.copytree(FIXTURES, folder)
    lints: list = []
    outcome = fix_tree(folder, lints=lints, first=_moved(session_lint, folder))
    write_fixed(outcome)
    return lints[0], outcome, folder  # the fixes' first lint: the findings before any fix


@pytest.fixture(scope="session")
def fixed_fixtures(tmp_path_factory, fixture_lints):
    """(the original findings, the fix outcome, the fixed copy of the fixtures tree): made once per
    test session, shared by the xdist workers (conftest's `per_session`). The first lint of the fixes
    is the session's lint of the fixtures in the default modes (conftest's `fixture_lints`: the same
    files, with CONFIG), moved to the copy."""
    default_modes = fixture_lints[0]
    return per_session(tmp_path_factory, "fixed-fixtures", lambda base: _fix_fixtures(base, default_modes))


def _classes(path: Path) -> List[Tuple[str, int, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.name, node.lineno, node.end_lineno) for node in tree.body if isinstance(node, ast.ClassDef)]


def _fixed_classes(before, folder: Path) -> List[Tuple[Path, str, int, int, Counter]]:
    """(file, class, first row, last row in the fixed file, codes fixed in it) of each class a fix edited
    (the findings' rows are those of the original fixture: a fix that adds lines moves the classes)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        fixable = [d for d in before.diagnostics if Path(d.filename) == path and fixing.applicable(d.fix, True)]
        fixed_rows = {name: (first, last) for name, first, last in _classes(path)}
        for name, first, last in _classes(FIXTURES / path.relative_to(folder)):
            codes = Counter(d.code for d in fixable if first <= d.location.row <= last)
            if codes and name in fixed_rows:
                found.append((path, name, *fixed_rows[name], codes))
    return found


def _counts(diagnostics, path: Path, first: int, last: int) -> Counter:
    return Counter(d.code for d in diagnostics if Path(d.filename) == path and first <= d.location.row <= last)


@pytest.mark.slow  # every fix applied to the whole fixtures tree, linted again in rounds, then afresh
def test_fixes_reach_a_fixed_point(fixed_fixtures) -> None:
    before, outcome, folder = fixed_fixtures
    assert outcome.fixed_count >= 15 and outcome.rounds < fixing.MAX_ROUNDS
    assert all(f.error is None for f in outcome.files), [f.error for f in outcome.files]
    again = fix_tree(folder)
    assert again.changed() == [] and again.fixed_count == 0  # fixing twice changes nothing


@pytest.mark.slow  # the fixed copy of the whole fixtures tree (`fixed_fixtures`, shared with the above)
def test_fixed_fixtures_lose_their_findings(fixed_fixtures) -> None:
    before, outcome, folder = fixed_fixtures
    for path, name, first, last, codes in _fixed_classes(before, folder):
        rows = next((a, b) for n, a, b in _classes(FIXTURES / path.relative_to(folder)) if n == name)
        had = _counts(before.diagnostics, path, *rows)
        left = _counts(outcome.result.diagnostics, path, first, last)
        kept = {code for code, count in codes.items() if left[code] > had[code] - count}
        assert not kept, f"{path.name}:{name} still has the fixed {sorted(kept)} after its fix"


def _script_fixed_class(path: Path, name: str, folder: Path):
    harness = pytest.importorskip("torch_harness")
    sys.path.insert(0, str(folder))
    try:
        module = harness.load_module(path, f"fixed_{path.stem}_{abs(hash(str(path)))}")
    finally:
        sys.path.remove(str(folder))
    return harness, harness.script(getattr(module, name))[1]


def test_fixed_fixture_classes_against_torch(fixed_fixtures) -> None:
    """Each fixed class compiles, or torch fails on a line where tslint still reports an error."""
    before, outcome, folder = fixed_fixtures
    flagged = {
        (str(Path(d.filename).resolve()), d.location.row) for d in outcome.result.diagnostics if d.code in ERROR_CODES
    }
    checked = 0
    for path, name, _first, _last, codes in _fixed_classes(before, folder):
        if "pkg" in path.parts or fixture_mode(path) == "trace":
            continue
        harness, error = _script_fixed_class(path, name, folder)
        checked += 1
        if error is None:
            continue
        span = harness.highlighted_span(error, within=folder)
        assert span is not None and any((span[0], row) in flagged for row in range(span[1], span[2] + 1)), (
            f"{path.name}:{name} fixed ({sorted(codes)}) fails in torch where tslint reports nothing:\n{error}"
        )
    assert checked >= 10


# Fixes proved in their own suite: TS002 removes an unused noqa; TS401's result is traced, not scripted.
PROVED_ELSEWHERE = {"TS002": "tests/test_suppressions.py", "TS401": "tests/test_fix_traced.py"}


def fix_kind(code: str) -> str:
    """What the rule's page says its fixes are (`safe`, `unsafe`, `safe or unsafe` or `none`): the
    rule's own statement, which test_rule_pages checks against the fixes it offers on the fixtures
    and on the page's bad example (and fails when the page has no such line, or more than one)."""
    kinds = FIX_LINE.findall(page(code))
    return kinds[0] if len(kinds) == 1 else "none"


# Every rule that fixes, read from the rules' pages: a new rule with a fix is proved here unedited.
FIXED_CODES = sorted(
    info.code for info in catalogue() if fix_kind(info.code) != "none" and info.code not in PROVED_ELSEWHERE
)
# Pages whose bad example has no fix (their page's Fix line says which forms have one).
PAGE_WITHOUT_FIX = {
    "TS212",  # a format spec (`{n:>2}`): no f-string field TorchScript takes says the same
}


@pytest.mark.parametrize("code", FIXED_CODES)
def test_fixed_page_examples_against_torch(code: str, tmp_path: Path) -> None:
    """The rule page's bad example, fixed (unsafe fixes too): the finding is gone and torch compiles it."""
    path = tmp_path / f"page_{code}.py"
    path.write_text(example(code, "## Example"), encoding="utf-8")
    outcome = fix_tree(tmp_path)
    if code in PAGE_WITHOUT_FIX:
        assert outcome.fixed_count == 0 and any(d.code == code and d.fix is None for d in outcome.result.diagnostics)
        return
    assert outcome.fixed_count >= 1, f"{code}: no fix applied to the page's example"
    write_fixed(outcome)
    assert code not in {d.code for d in outcome.result.diagnostics}
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, f"fixed_page_{code}")
    errors = [harness.script(cls)[1] for cls in harness.module_classes(module)]
    assert not any(errors), f"{code}: the fixed example fails in torch: {errors}"
    assert fix_tree(tmp_path).changed() == []


def test_fixes_proved_elsewhere_are_fixes_proved_there() -> None:
    for code, suite in PROVED_ELSEWHERE.items():
        assert fix_kind(code) != "none" and code in (ROOT / suite).read_text(encoding="utf-8"), code


BARE_ALIASES = """\
from typing import List, Tuple, Union

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x: Union[List[int], Tuple[int, int]]) -> int:
        if isinstance(x, (Tuple, set)):
            return 1
        if isinstance(x, List):
            return 2
        return 3
"""


def test_bare_list_and_tuple_in_isinstance_become_builtins(tmp_path: Path) -> None:
    """TS318: `List` / `Tuple` become `list` / `tuple` (the same test in Python); `set` keeps its
    finding and gets no fix; the fixed class scripts and agrees with eager mode; `list` rebound: no fix."""
    path = tmp_path / "bare.py"
    path.write_text(BARE_ALIASES, encoding="utf-8")
    outcome = fix_tree(tmp_path, unsafe=False)
    assert outcome.fixed_count == 2
    write_fixed(outcome)
    text = path.read_text(encoding="utf-8")
    assert "isinstance(x, (tuple, set))" in text and "isinstance(x, list)" in text
    assert [d.code for d in outcome.result.diagnostics if d.code == "TS318"] == ["TS318"]  # `set`
    path.write_text(text.replace("(tuple, set)", "tuple"), encoding="utf-8")
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "fixed_bare_aliases")
    scripted, error = harness.script(module.Net)
    assert error is None, error
    for value in ([1, 2], (1, 2)):
        assert scripted(value) == module.Net()(value)
    path.write_text(BARE_ALIASES.replace("int:\n", "int:\n        list = 0\n", 1), encoding="utf-8")
    assert not any(d.fix for d in fix_tree(tmp_path).result.diagnostics if d.code == "TS318")


DICT_UNIONS = """\
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from torch import Tensor


class Net(nn.Module):
    def forward(self, x: Union[Tensor, Dict[str, Tensor]], y: Optional[Dict[str, List[int]]] = None) -> Tensor:
        n = 0
        if y is not None and isinstance(y, dict):
            n = len(y)
        if isinstance(x, dict):
            return x["a"] + n
        if isinstance(x, (dict, list)):
            return x
        return x + n
"""


def test_isinstance_of_dict_becomes_torch_jit_isinstance_of_the_declared_dict(tmp_path: Path) -> None:
    """TS318, unsafe: `isinstance(x, dict)` of a value whose type has one dict member becomes
    `torch.jit.isinstance(x, Dict[...])`; a tuple of types keeps its finding; the fixed class scripts and
    agrees with eager mode on a dict and on a tensor."""
    path = tmp_path / "dicts.py"
    path.write_text(DICT_UNIONS, encoding="utf-8")
    assert fix_tree(tmp_path, unsafe=False).fixed_count == 0
    outcome = fix_tree(tmp_path)
    write_fixed(outcome)
    text = path.read_text(encoding="utf-8")
    assert "if torch.jit.isinstance(x, Dict[str, Tensor]):" in text
    assert "torch.jit.isinstance(y, Dict[str, List[int]])" in text
    assert [d.location.row for d in outcome.result.diagnostics if d.code == "TS318"] == [15]
    path.write_text(text.replace("(dict, list)", "list"), encoding="utf-8")
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "fixed_dicts")
    scripted, error = harness.script(module.Net)
    assert error is None, error
    torch = pytest.importorskip("torch")
    for args in [({"a": torch.ones(2)},), (torch.ones(2), {"k": [1, 2]}), (torch.ones(2),)]:
        assert bool((scripted(*args) == module.Net()(*args)).all())


PRINTS = """\
import sys

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        print("a", "b", sep=" ", end="\\n", flush=False)
        print("c", file=sys.stdout, sep=", ")
        print("d", "e", sep=None)
        print("f", end="")
        print("g", "h", sep=", ")
        print("i", file=sys.stderr)
        return x
"""


def test_print_keyword_fixes_are_safe_only_when_the_output_is_the_same(tmp_path: Path, capsys) -> None:
    """TS308: safe fixes remove keywords that print the same (eager output compared); the unsafe ones
    (`end=""`, `sep=", "` with two values, `file=sys.stderr`) only with --unsafe-fixes; the result scripts."""
    path = tmp_path / "prints.py"
    path.write_text(PRINTS, encoding="utf-8")
    harness = pytest.importorskip("torch_harness")
    harness.load_module(path, "prints_before").Net()(None)
    before = capsys.readouterr()
    outcome = fix_tree(tmp_path, unsafe=False)
    write_fixed(outcome)
    assert outcome.fixed_count == 6 and sum(d.code == "TS308" for d in outcome.result.diagnostics) == 3
    harness.load_module(path, "prints_safe").Net()(None)
    assert capsys.readouterr() == before
    outcome = fix_tree(tmp_path, unsafe=True)
    write_fixed(outcome)
    assert outcome.fixed_count == 3 and not any(d.code == "TS308" for d in outcome.result.diagnostics)
    assert harness.script(harness.load_module(path, "prints_unsafe").Net)[1] is None


TUPLES = """\
from typing import Tuple

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x: torch.Tensor) -> Tuple[Tuple[int, int], Tuple[int], Tuple[int, int]]:
        e = tuple()
        one = tuple([x.shape[0]])
        t = tuple([x.shape[0], x.shape[1]])
        u = tuple([
            x.shape[1],  # kept: a fix of a list on several lines would lose this comment
            x.shape[0],
        ])
        return t, one, (len(e), len(e))
"""


def test_tuple_of_a_list_display_becomes_a_tuple(tmp_path: Path) -> None:
    """TS331: `tuple([a, b])` -> `(a, b)`, `tuple([a])` -> `(a,)`, `tuple()` -> `()`, safe; the fixed class
    scripts and agrees with eager mode; the list on several lines gets no fix."""
    path = tmp_path / "tuples.py"
    path.write_text(TUPLES, encoding="utf-8")
    outcome = fix_tree(tmp_path, unsafe=False)
    write_fixed(outcome)
    assert outcome.fixed_count == 3
    assert [d.location.row for d in outcome.result.diagnostics if d.code == "TS331"] == [12]
    text = path.read_text(encoding="utf-8")
    assert "e = ()" in text and "one = (x.shape[0],)" in text and "t = (x.shape[0], x.shape[1])" in text
    path.write_text(text.replace("u = tuple([", "u = ([", 1), encoding="utf-8")  # the rest must compile
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "fixed_tuples")
    scripted, error = harness.script(module.Net)
    assert error is None, error
    x = torch_ones(2, 3)
    assert scripted(x) == module.Net()(x) == ((2, 3), (2,), (0, 0))


def torch_ones(*size):
    torch = pytest.importorskip("torch")
    return torch.ones(*size)
