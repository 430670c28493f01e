"""TS412 across files and where it stays silent (static: tests/test_trace_rules.py traces the fixtures)."""

from __future__ import annotations

from pathlib import Path

from tslint.api import lint_sources
from tslint.config import Config
from tslint.files import discover

MODEL = """import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(3)

    def forward(self, x):
        return self.bn(x)
"""

MAIN = """import torch
from pkg.model import Net


def main():
    net = Net()
    return torch.jit.trace(net, torch.ones(2, 3, 4, 4))


def given(net):
    return torch.jit.trace(net, torch.ones(2, 3, 4, 4))


def bound_in_a_branch(flag):
    net = Net()
    if flag:
        net = Net()
    return torch.jit.trace(net, torch.ones(2, 3, 4, 4))


def traced_in_a_loop():
    net = Net()
    for _ in range(2):
        torch.jit.trace(net, torch.ones(2, 3, 4, 4))


def eval_later():
    net = Net()
    traced = torch.jit.trace(net, torch.ones(2, 3, 4, 4))
    net.eval()
    return traced


net = Net()
traced = torch.jit.trace(net, torch.ones(2, 3, 4, 4))
"""


def test_trace_in_training_mode_across_files(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "model.py").write_text(MODEL, encoding="utf-8")
    (tmp_path / "pkg" / "main.py").write_text(MAIN, encoding="utf-8")
    result = lint_sources(discover([str(tmp_path)], None, ()), Config(), jobs=1)
    found = sorted((Path(d.filename).name, d.location.row) for d in result.diagnostics if d.code == "TS412")
    # Only `main`: a parameter, a name bound in a branch, a call in a loop, a function that calls
    # `.eval()` anywhere and module-level code are unknown or not looked at.
    assert found == [("main.py", 7)]
