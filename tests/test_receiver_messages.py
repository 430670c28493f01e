"""A message quotes the receiver as the code writes it: `cls.EPS` in a classmethod, `this.cache` in a
method whose first parameter is `this`; never a `self.` the code does not contain (issue #21)."""

from __future__ import annotations

from pathlib import Path

from tslint.api import lint_paths
from tslint.config import Config

SOURCE = """\
import torch.nn as nn


class ClassConstant(nn.Module):
    EPS = 1e-6

    @classmethod
    def _safe_div(cls, a, b):
        return a / (b + cls.EPS)

    def forward(self, x):
        return self._safe_div(x, x)


class OtherReceiver(nn.Module):
    def __init__(this):
        super().__init__()
        this.cache = []

    def forward(this, x):
        y = this.cache
        return x
"""


def findings(tmp_path: Path):
    path = tmp_path / "receivers.py"
    path.write_text(SOURCE)
    result = lint_paths([str(path)], Config())
    return path, {(d.code, d.location.row): d.message for d in result.diagnostics}


def test_messages_quote_the_receiver_as_written(tmp_path: Path) -> None:
    _, found = findings(tmp_path)
    assert found[("TS317", 9)].startswith("`cls.EPS` does not exist on a scripted `ClassConstant`")
    assert found[("TS324", 21)].startswith("`this.cache` holds an empty list")
    assert not any("self." in message for message in found.values()), found


def test_torch_fails_where_the_receiver_findings_are(tmp_path: Path) -> None:
    from torch_harness import first_frame, load_module, script

    path, found = findings(tmp_path)
    module = load_module(path, "receivers_under_test")
    for name, row in (("ClassConstant", 9), ("OtherReceiver", 21)):
        scripted, error = script(getattr(module, name))
        assert scripted is None and first_frame(error) == (str(path.resolve()), row), error
        assert any(r == row for _, r in found)
