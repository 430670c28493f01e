"""Fixes that pass sizes as one list, proved by torch: TS302 (`x.view(*s[:-1], h, -1)` ->
`x.view(list(s[:-1]) + [h, -1])`, safe) and TS331 (`tuple(s[2:])` -> `s[2:]` where only torch
functions taking a `List[int]` see it, unsafe). The fixed classes script, agree with eager mode, and
fixing twice changes nothing; the forms left alone keep their finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_fixes import fix_tree, torch_ones, write_fixed
from tslint.rules.semantics.starred_list_unpacking import _SIZE_FUNCTIONS, _SIZE_METHODS

STARRED = """\
import torch
import torch.nn as nn


class View(nn.Module):
    def forward(self, x):
        h = 2
        return x.view(*x.shape[:-1], h, -1)


class Alone(nn.Module):
    def forward(self, x):
        return x.reshape(*x.shape).permute(*[2, 1, 0])


class Factory(nn.Module):
    def forward(self, x):
        return x + torch.zeros(*x.shape[1:], dtype=x.dtype)


class Display(nn.Module):
    def forward(self, x):
        size = [*x.shape[:1], -1]
        return x.view(size) + x.new_ones(*x.shape[:1], 1)


class Summed(nn.Module):
    def forward(self, x):
        return x.sum(*x.shape[:1])
"""


def test_starred_sizes_become_one_list(tmp_path: Path) -> None:
    path = tmp_path / "starred.py"
    path.write_text(STARRED, encoding="utf-8")
    outcome = fix_tree(tmp_path, unsafe=False)
    write_fixed(outcome)
    text = path.read_text(encoding="utf-8")
    for fixed in (
        "x.view(list(x.shape[:-1]) + [h, -1])",
        "x.reshape(x.shape).permute([2, 1, 0])",
        "torch.zeros(x.shape[1:], dtype=x.dtype)",
        "size = list(x.shape[:1]) + [-1]",
        "x.new_ones(list(x.shape[:1]) + [1])",
    ):
        assert fixed in text
    # `x.sum(*dims)`: its second positional argument is `keepdim`, not a size: no fix.
    assert [d.symbol for d in outcome.result.diagnostics if d.code == "TS302"] == ["Summed.forward"]
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "fixed_starred")
    x = torch_ones(2, 3, 4).cumsum(0)
    for name in ("View", "Alone", "Factory", "Display"):
        scripted, error = harness.script(getattr(module, name))
        assert error is None, f"{name}: {error}"
        assert bool((scripted(x) == getattr(module, name)()(x)).all()), name
    assert fix_tree(tmp_path).changed() == []


SIZE_CALLS = {
    "view": "x.view(list(s[:-1]) + [1])",
    "reshape": "x.reshape(list(s[:1]) + [3])",
    "expand": "x.unsqueeze(0).expand(list(s[:1]) + list(s))",
    "repeat": "x.repeat(list(s[:1]) + [1, 1])",
    "permute": "x.permute(list(s[:0]) + [2, 1, 0])",
    "tile": "x.tile(list(s[:1]) + [1, 1])",
    "flip": "x.flip(list(s[:0]) + [0, 1])",
    "new_zeros": "x.new_zeros(list(s) + [1])",
    "new_ones": "x.new_ones(list(s) + [1])",
    "new_empty": "x.new_empty(list(s) + [1]).dim()",
    "torch.zeros": "torch.zeros(list(s) + [1])",
    "torch.ones": "torch.ones(list(s) + [1])",
    "torch.empty": "torch.empty(list(s) + [1]).dim()",
    "torch.rand": "torch.rand(list(s) + [1]).dim()",
    "torch.randn": "torch.randn(list(s) + [1]).dim()",
}


def test_every_call_the_fix_rewrites_takes_the_list_in_torch() -> None:
    """Each method and function the TS302 fix rewrites scripts with the list form, as eager mode runs it."""
    torch = pytest.importorskip("torch")
    assert set(SIZE_CALLS) == set(_SIZE_METHODS) | set(_SIZE_FUNCTIONS)
    for name, expression in SIZE_CALLS.items():
        source = f"def f(x: torch.Tensor):\n    s = x.shape\n    return {expression}\n"
        scripted = torch.jit.CompilationUnit(source).f
        namespace = {"torch": torch}
        exec(source, namespace)
        x = torch.ones(2, 3, 1).cumsum(1)
        assert str(scripted(x)) == str(namespace["f"](x)), name


TUPLES = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Upsample(nn.Module):
    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        size = tuple(skip.shape[2:])
        return F.interpolate(x, size=size) + skip


class Direct(nn.Module):
    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return x.view(tuple(x.shape)) + F.adaptive_avg_pool2d(skip, tuple(x.shape[-2:]))


class Returned(nn.Module):
    def forward(self, x: torch.Tensor):
        size = tuple(x.shape[2:])
        return x.view(size), size


class Reassigned(nn.Module):
    def forward(self, x: torch.Tensor):
        size = tuple(x.shape[2:])
        if bool(x.sum() > 0):
            size = (1, 1)
        return x.view(size)
"""


def test_tuple_of_sizes_passed_to_torch_becomes_the_list(tmp_path: Path) -> None:
    path = tmp_path / "sizes.py"
    path.write_text(TUPLES, encoding="utf-8")
    assert fix_tree(tmp_path, unsafe=False).fixed_count == 0  # unsafe only
    outcome = fix_tree(tmp_path)
    write_fixed(outcome)
    text = path.read_text(encoding="utf-8")
    assert "size = skip.shape[2:]" in text
    assert "x.view(x.shape) + F.adaptive_avg_pool2d(skip, x.shape[-2:])" in text
    left = sorted(d.symbol for d in outcome.result.diagnostics if d.code == "TS331")
    assert left == ["Reassigned.forward", "Returned.forward"]
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "fixed_sizes")
    x, skip = torch_ones(1, 2, 3, 3).cumsum(2), torch_ones(1, 2, 6, 6)
    for name in ("Upsample", "Direct"):
        scripted, error = harness.script(getattr(module, name))
        assert error is None, f"{name}: {error}"
        assert bool((scripted(x, skip) == getattr(module, name)()(x, skip)).all()), name
    assert fix_tree(tmp_path).changed() == []
