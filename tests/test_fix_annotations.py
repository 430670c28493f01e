"""Annotation fixes proved by torch: TS107 (`Tuple[T, ...]` -> `List[T]`, importing `List` where isort
puts it). The fixed classes script and agree with eager mode; fixing twice changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_fixes import fix_tree, torch_ones, write_fixed

ELLIPSES = """\
from typing import Optional, Tuple

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, sizes: Tuple[int, ...], extra: Optional[Tuple[int, ...]] = None):
        n = 0
        for s in sizes:
            n += s
        if extra is not None:
            n += len(extra)
        return x * n


class Nested(nn.Module):
    def forward(self, x, groups: Tuple[Tuple[torch.Tensor, ...], ...], d: Tuple[int, ...] = (1,)):
        for group in groups:
            for t in group:
                x = x + t
        return x
"""


def test_variable_tuples_become_lists_and_list_is_imported(tmp_path: Path) -> None:
    """TS107, unsafe: every `Tuple[T, ...]` of a parameter without a default or defaulting to None becomes
    `List[T]` (nested ones in a second round); `List` joins the typing import; a tuple default keeps its
    finding; the fixed classes script and compute what eager mode does."""
    path = tmp_path / "ellipses.py"
    path.write_text(ELLIPSES, encoding="utf-8")
    assert fix_tree(tmp_path, unsafe=False).fixed_count == 0
    outcome = fix_tree(tmp_path)
    write_fixed(outcome)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("from typing import List, Optional, Tuple\n")
    assert "sizes: List[int], extra: Optional[List[int]] = None" in text
    assert "groups: List[List[torch.Tensor]], d: Tuple[int, ...] = (1,)" in text
    assert [d.location.row for d in outcome.result.diagnostics if d.code == "TS107"] == [18]
    assert fix_tree(tmp_path).changed() == []
    path.write_text(text.replace("d: Tuple[int, ...] = (1,)", "d: int = 1"), encoding="utf-8")
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "fixed_ellipses")
    x = torch_ones(2)
    scripted, error = harness.script(module.Net)
    assert error is None, error
    assert bool((scripted(x, [1, 2], [3]) == module.Net()(x, [1, 2], [3])).all())
    scripted, error = harness.script(module.Nested)
    assert error is None, error
    assert bool((scripted(x, [[x], [x, x]]) == module.Nested()(x, [[x], [x, x]])).all())


def test_list_import_is_a_new_line_when_typing_is_not_imported(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text(
        "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n"
        "    def forward(self, x, sizes: tuple[int, ...]):\n        return x.view(sizes)\n",
        encoding="utf-8",
    )
    write_fixed(fix_tree(tmp_path))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("from typing import List\n\nimport torch\n") and "sizes: List[int]" in text
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "fixed_plain_ellipsis")
    scripted, error = harness.script(module.Net)
    assert error is None, error
    assert scripted(torch_ones(4), [2, 2]).shape == (2, 2)


FLAGS = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, double, negate):
        if double and not negate:
            x = x * 2
        return x if negate else -x


class Scaled(nn.Module):
    def forward(self, x, flag):
        if flag:
            return x * flag
        return x


class Passed(nn.Module):
    def forward(self, x, flag):
        if flag:
            return x
        return self.helper(x, flag)

    def helper(self, x, flag: bool):
        return x
"""


def test_flags_read_only_as_tests_become_bool(tmp_path: Path) -> None:
    """TS104, unsafe: a parameter read only as a truth test is annotated `bool`; one also used as a
    value (`x * flag`, an argument) keeps its finding without a fix; the fixed class scripts, takes
    Python bools and computes what eager mode does."""
    path = tmp_path / "flags.py"
    path.write_text(FLAGS, encoding="utf-8")
    assert fix_tree(tmp_path, unsafe=False).fixed_count == 0
    outcome = fix_tree(tmp_path)
    write_fixed(outcome)
    assert "def forward(self, x, double: bool, negate: bool):" in path.read_text(encoding="utf-8")
    assert [d.symbol for d in outcome.result.diagnostics if d.code == "TS104"] == ["Scaled.forward", "Passed.forward"]
    assert fix_tree(tmp_path).changed() == []
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "fixed_flags")
    scripted, error = harness.script(module.Net)
    assert error is None, error
    x = torch_ones(2)
    for double in (True, False):
        for negate in (True, False):
            assert bool((scripted(x, double, negate) == module.Net()(x, double, negate)).all())
