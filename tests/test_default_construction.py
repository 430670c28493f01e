"""TS361 / TS362 decide an attribute from `__init__` run with its defaults, and stay silent whenever a
test on the way is not decided by them (the partial evaluation in analysis/default_construction.py)."""

from __future__ import annotations

import textwrap

import pytest

from tslint.api import lint_text
from tslint.config import Config

HEADER = "import torch\nimport torch.nn as nn\n\n"
FORWARD = """
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.flag:
            x = x + self.w
        return x
"""


def codes(source: str) -> list:
    """(code, the reported line's text) of each TS361 / TS362 finding."""
    text = HEADER + textwrap.dedent(source)
    result = lint_text(text, "m.py", Config(select=("TS361", "TS362")))
    lines = text.splitlines()
    return sorted((d.code, lines[d.location.row - 1].strip()) for d in result.diagnostics)


def module(init: str, forward: str = FORWARD, head: str = "class Net(nn.Module):") -> str:
    return head + "\n" + textwrap.indent(textwrap.dedent(init), "    ") + forward


@pytest.mark.parametrize(
    "init",
    [
        # a parameter without a default decides the test
        """
        def __init__(self, flag: bool):
            super().__init__()
            self.flag = flag
            if flag:
                self.w = nn.Parameter(torch.zeros(2))
        """,
        # a test on a call's result is not decided
        """
        def __init__(self, flag: bool = False):
            super().__init__()
            self.flag = flag
            if flag or torch.cuda.is_available():
                self.w = nn.Parameter(torch.zeros(2))
        """,
        # a default that is not a literal
        """
        def __init__(self, flag: bool = DEFAULT_FLAG):
            super().__init__()
            self.flag = flag
            if flag:
                self.w = nn.Parameter(torch.zeros(2))
        """,
        # created in a loop or a try: not known
        """
        def __init__(self, flag: bool = False):
            super().__init__()
            self.flag = flag
            for _ in range(1):
                self.w = nn.Parameter(torch.zeros(2))
        """,
        # a method `__init__` calls may change what the test reads
        """
        def __init__(self, flag: bool = False):
            super().__init__()
            self.flag = flag
            self.setup()
            if self.flag:
                self.w = nn.Parameter(torch.zeros(2))
        """,
        # an early return on an undecided path
        """
        def __init__(self, flag: bool = False, n=None):
            super().__init__()
            self.flag = flag
            if n is None or n.x:
                return
            self.w = nn.Parameter(torch.zeros(2))
        """,
    ],
)
def test_undecided_paths_are_silent(init: str) -> None:
    assert codes(module(init)) == []


ABSENT = """
def __init__(self, flag: bool = False, dim: int = 2):
    super().__init__()
    self.flag = flag
    if self.flag and dim > 1:
        self.w = nn.Parameter(torch.zeros(dim))
"""


def test_decided_by_the_defaults() -> None:
    assert codes(module(ABSENT)) == [("TS361", "x = x + self.w")]


def test_elif_chain_and_negation() -> None:
    init = """
    def __init__(self, kind: str = "group", flag=False):
        super().__init__()
        self.flag = not (not flag)
        if kind == "layer":
            self.w = nn.Parameter(torch.zeros(2))
        elif kind == "group" and flag:
            self.w = nn.Parameter(torch.zeros(3))
    """
    assert codes(module(init)) == [("TS361", "x = x + self.w")]


def test_subclass_passing_the_deciding_parameter_is_not_known() -> None:
    base = module(ABSENT, head="class Base(nn.Module):")
    for call in ("super().__init__(True)", "super().__init__(flag=True)", "super().__init__(**kw)"):
        sub = f"\n\nclass Sub(Base):\n    def __init__(self, **kw):\n        {call}\n"
        assert codes(base + sub) == [], call
    sub = "\n\nclass Sub(Base):\n    def __init__(self):\n        super().__init__(dim=3)\n"
    assert codes(base + sub) == [("TS361", "x = x + self.w")]


def test_none_called_under_a_flag_but_not_when_tested() -> None:
    init = """
    def __init__(self, flag: bool = False):
        super().__init__()
        self.flag = flag
        self.w = nn.Linear(2, 2) if flag else None
    """
    called = """
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.flag:
            x = self.w(x)
        if self.w is not None:
            x = self.w(x)
        return x
"""
    assert codes(module(init, called)) == [("TS362", "x = self.w(x)")]


def test_none_stored_by_a_setter_called_last() -> None:
    setter = "class Mixin:\n    def set_processor(self, processor):\n        self.processor = processor\n\n\n"
    called = """
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.processor(x)
"""
    init = """
    def __init__(self, processor=None):
        super().__init__()
        self.set_processor(processor)
    """
    head = "class Net(nn.Module, Mixin):"
    assert codes(setter + module(init, called, head)) == [("TS362", "return self.processor(x)")]
    replaced = init.rstrip() + "\n        if processor is None:\n            self.set_processor(nn.Identity())\n"
    assert codes(setter + module(replaced, called, head)) == []
    later = init.rstrip() + "\n        self.reset()\n"
    assert codes(setter + module(later, called, head)) == []


def test_or_gives_an_operand_not_a_bool() -> None:
    init = """
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim or 64
        self.flag = self.dim == 64
        if self.flag:
            self.w = nn.Parameter(torch.zeros(2))
    """
    assert codes(module(init)) == []
    assert codes(module(init.replace("== 64", "!= 64"))) == [("TS361", "x = x + self.w")]


def test_an_assert_the_defaults_fail_builds_nothing() -> None:
    """`assert isinstance(channels, (tuple, list))` with `channels=None`: the default construction
    raises, so nothing it would leave is known (TS369 stays silent on `self.channels[0]`)."""
    source = """
    from typing import List, Optional

    class Net(nn.Module):
        def __init__(self, channels: Optional[List[int]] = None):
            super().__init__()
            assert isinstance(channels, (tuple, list))
            self.channels = channels

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * self.channels[0]
    """
    text = HEADER + textwrap.dedent(source)
    result = lint_text(text, "m.py", Config(select=("TS369",)))
    assert [d.code for d in result.diagnostics] == []
    failing = "\n".join(line for line in text.splitlines() if "assert" not in line)
    result = lint_text(failing, "m.py", Config(select=("TS369",)))
    assert [d.code for d in result.diagnostics] == ["TS369"]
