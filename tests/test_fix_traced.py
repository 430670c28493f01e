"""TS401's fix proved by torch.jit.trace: a data-dependent branch moved into a
`@torch.jit.script_if_tracing` helper keeps its control flow in the trace. Every fixed class of the
trace fixture and the rule page's example traces without a warning on the moved branch and answers as
eager mode on the second input (or warns only on lines tslint still flags); fixing twice changes
nothing; eager mode is unchanged."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from test_fixes import CONFIG, fix_tree, write_fixed
from test_rule_pages import example
from torch_harness import load_module, script, torch, trace_outcome  # skips the module without torch
from tslint import fixing
from tslint.api import lint_sources
from tslint.files import discover

TRACE_CODES = ("TS401",)


def _class_rows(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: (node.lineno, node.end_lineno) for node in tree.body if isinstance(node, ast.ClassDef)}


@pytest.fixture(scope="module")
def fixed_trace_fixture(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fixed_trace")
    path = folder / "trace.py"
    shutil.copy(FIXTURES / "trace.py", path)
    before = lint_sources(discover([str(folder)], None, ()), CONFIG)
    fixed_symbols = {
        d.symbol.split(".")[0] for d in before.diagnostics if d.code in TRACE_CODES and fixing.applicable(d.fix, True)
    }
    outcome = fix_tree(folder)
    write_fixed(outcome)
    return path, fixed_symbols, outcome


def test_fixed_branches_trace_as_eager_mode_runs(fixed_trace_fixture) -> None:
    path, fixed_symbols, outcome = fixed_trace_fixture
    assert "BadValueBranch" in fixed_symbols and "BadSizeBranch" not in fixed_symbols  # a size: no fix
    module = load_module(path, "fixed_trace_fixture")
    original = load_module(FIXTURES / "trace.py", "original_trace_fixture")
    rows = _class_rows(path)
    for name in sorted(fixed_symbols):
        first, last = rows[name]
        left = [d for d in outcome.result.diagnostics if first <= d.location.row <= last]
        assert not any(d.code in TRACE_CODES for d in left), f"{name} keeps {[d.code for d in left]}"
        second, first_call = module.SECOND_CALL.get(name), module.FIRST_CALL.get(name)
        cls = getattr(module, name)
        warned, diverges = trace_outcome(
            cls, str(path), second() if second else None, first_call() if first_call else None
        )
        flagged = {d.location.row for d in left if d.code.startswith("TS4")}
        assert set(warned) <= flagged and (not diverges or flagged), (name, warned, diverges, flagged)
        if script(getattr(original, name))[1] is None:  # what scripted before still does
            assert script(cls)[1] is None, name
    assert fix_tree(path.parent).changed() == []


def test_fixed_page_example_traces_and_scripts(tmp_path: Path) -> None:
    path = tmp_path / "page_TS401.py"
    path.write_text(example("TS401", "## Example"), encoding="utf-8")
    assert fix_tree(tmp_path, unsafe=False).fixed_count == 0  # unsafe only
    outcome = fix_tree(tmp_path)
    assert outcome.fixed_count == 1
    write_fixed(outcome)
    assert "TS401" not in {d.code for d in outcome.result.diagnostics}
    assert "@torch.jit.script_if_tracing" in path.read_text(encoding="utf-8")
    module = load_module(path, "fixed_page_TS401")
    warned, diverges = trace_outcome(module.Net, str(path))
    assert warned == [] and not diverges
    scripted = torch.jit.script(module.Net())  # scripting a caller compiles the helper too
    for x in (torch.ones(3, 4), -torch.ones(5, 4)):
        assert torch.equal(scripted(x), module.Net()(x))
    assert fix_tree(tmp_path).changed() == []


UNFIXED = """\
import torch
import torch.nn as nn


class Loop(nn.Module):
    def forward(self, x):
        for _ in range(2):
            if x.sum() > 0:
                x = x * 2
        return x


class Limit(nn.Module):
    def __init__(self):
        super().__init__()
        self.limit = 2

    def forward(self, x):
        if x.shape[0] > self.limit:
            return x[: self.limit]
        return x


class Padded(nn.Module):
    def forward(self, x):
        pad = x.shape[0] % 2
        if pad > 0:
            x = torch.nn.functional.pad(x, (0, 0, 0, pad))
        return x


class Sized(nn.Module):
    def forward(self, x):
        batch = x.shape[0]
        return x * 2 if batch > 4 else x * 3


class Flagged(nn.Module):
    def forward(self, x, flag):
        if flag:
            return x * 2
        return x


class Masked(nn.Module):
    def forward(self, x, mask=None):
        if mask is not None and mask.sum() > 0:
            x = x * mask
        return x


class Named(nn.Module):
    def forward(self, x, mode):
        if mode == "train":
            return x
        return x * 2
"""


def test_branches_left_alone(tmp_path: Path) -> None:
    """No fix in a loop, for code reading `self`, for a size used other than in a comparison (the
    helper would take it as a Tensor: scripting the class would then fail), for a name compared with a
    string, an unannotated parameter's truth (a bool, most likely) or one defaulting to None (None
    would reach the helper's Tensor parameter)."""
    (tmp_path / "unfixed.py").write_text(UNFIXED, encoding="utf-8")
    outcome = fix_tree(tmp_path)
    assert not any(code == "TS401" for f in outcome.files for code, _ in f.fixed_codes)  # TS104/TS105 fix some
    before = lint_sources(discover([str(tmp_path)], None, ()), CONFIG)
    # `mode == "train"` in the traced forward makes `mode` a str input: TS409, not TS401.
    assert [d.fix for d in before.diagnostics if d.code == "TS401"] == [None] * 6
    assert any(d.code == "TS409" and "`mode`" in d.message for d in before.diagnostics)


ANNOTATED = """\
from typing import Dict

import torch
import torch.nn as nn


class GraphNetWithAttributes(nn.Module):
    def forward(self, x: torch.Tensor, data: Dict[str, torch.Tensor]):
        y = x
        if "batch" in data:
            y = y + data["batch"]
        if x.sum() > 0:
            return y * 2
        return y
"""


def test_helper_parameters_keep_tensor_annotations_and_dicts_get_no_fix(tmp_path: Path) -> None:
    path = tmp_path / "annotated.py"
    path.write_text(ANNOTATED, encoding="utf-8")
    before = lint_sources(discover([str(tmp_path)], None, ()), CONFIG)
    fixes = [d.fix for d in before.diagnostics if d.code == "TS401"]
    assert len(fixes) == 2 and fixes[0] is None  # `"batch" in data`: a dict, not a tensor
    write_fixed(fix_tree(tmp_path))
    text = path.read_text(encoding="utf-8")
    assert "def _graph_net_with_attributes_forward_branch(x: torch.Tensor, y):" in text
    module = load_module(path, "fixed_annotated")
    data = {"batch": torch.ones(3, 4)}
    traced = torch.jit.trace(module.GraphNetWithAttributes(), (torch.ones(3, 4), data), strict=False)
    for x in (torch.ones(3, 4), -torch.ones(3, 4) * 5):
        assert torch.equal(traced(x, data), module.GraphNetWithAttributes()(x, data))
    assert script(module.GraphNetWithAttributes)[1] is None
