"""Pruning as torch prunes (fixtures/pruning.py holds the torch-verified cases): what the static
pieces decide, and how the script and trace views differ after `if torch.jit.is_scripting(): raise`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest

from tslint.analysis.imports import build_import_table
from tslint.analysis.static_types import KnownTypes, annotation_type, static_isinstance
from tslint.api import lint_text
from tslint.config import Config

HEADER = "import typing\nfrom typing import List, Optional, Tuple, Union\nimport torch\nfrom torch import Tensor\n"


def _function(source: str):
    module = cst.parse_module(HEADER + textwrap.dedent(source))
    imports = build_import_table(module, "m", False, [])
    function = next(s for s in module.body if isinstance(s, cst.FunctionDef))
    return function, imports


def _first_if(function: cst.FunctionDef) -> cst.If:
    found = []

    class Finder(cst.CSTVisitor):
        def visit_If(self, node: cst.If) -> None:
            found.append(node)

    function.visit(Finder())
    return found[0]


@pytest.mark.parametrize(
    "annotation, checked, expected",
    [
        ("Tensor", "torch.Tensor", True),
        ("torch.Tensor", "(int, Tensor)", True),
        ("int", "float", False),
        ("bool", "int", False),  # torch: a bool is not an int
        ("int", "(str, float)", False),
        ("List[int]", "list", True),
        ("List[int]", "List[float]", False),
        ("List[int]", "tuple", False),
        ("Tuple[int, int]", "tuple", True),
        ("Optional[Tensor]", "torch.Tensor", None),  # a refinement: both branches compile
        ("Optional[Tensor]", "int", False),
        ("Union[int, float]", "str", False),
        ("Union[int, float]", "(int, float)", True),
        ("typing.Any", "int", None),
        ("Tensor", "torch.nn.Parameter", None),
        ("Tensor", "SomeClass", None),
        ("List[SomeClass]", "List[int]", None),
    ],
)
def test_static_isinstance(annotation: str, checked: str, expected) -> None:
    function, imports = _function(f"def f(x: {annotation}):\n    if isinstance(x, {checked}):\n        pass\n")
    test = _first_if(function).test
    assert static_isinstance(test, KnownTypes(function, imports, None).at(_first_if(function)), imports) is expected


def test_unannotated_parameters_are_tensors_and_literals_are_typed() -> None:
    function, imports = _function(
        "def f(self, a, b=None, c=3, d: 'int' = 1):\n    k = 2\n    k = 5\n    s = 'x'\n    s = 1\n"
    )
    types = KnownTypes(function, imports, "self")
    assert types.parameters == {"a": ("Tensor",), "b": ("Tensor",)}
    assert types.literals == {"k": ("int",)}
    assert annotation_type(cst.parse_expression("Optional[int]"), imports) == ("Union", ("int",), ("None",))


def test_a_rebound_parameter_is_known_only_before_any_rebinding() -> None:
    function, imports = _function(
        """
        def f(x: int, y: int):
            if x > 0:
                y = 1.5
            if isinstance(x, int):
                x = 2.5
            for _ in range(3):
                if isinstance(y, int):
                    pass
                if isinstance(x, int):
                    pass
                x = 1.5
        """
    )
    types = KnownTypes(function, imports, None)
    tests = []

    class Finder(cst.CSTVisitor):
        def visit_If(self, node: cst.If) -> None:
            tests.append(node)

    function.visit(Finder())
    assert set(types.at(tests[0])) == {"x", "y"}
    assert set(types.at(tests[1])) == {"x"}  # y may have been rebound in the `if` above
    assert set(types.at(tests[2])) == set()  # x rebound before the loop, and again inside it
    assert set(types.at(tests[3])) == set()


def test_a_type_comment_hides_the_parameter_types() -> None:
    function, imports = _function("def f(x):\n    # type: (int) -> int\n    return x\n")
    assert KnownTypes(function, imports, None).parameters == {}


SCRIPTING_RAISES = """
import os
import random

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        if torch.jit.is_scripting():
            raise RuntimeError("trace this model")
        os.getcwd()
        return x * random.random()
"""


def test_after_an_is_scripting_raise_only_tracing_runs(tmp_path: Path) -> None:
    path = tmp_path / "net.py"
    path.write_text(SCRIPTING_RAISES)
    script = lint_text(SCRIPTING_RAISES, str(path), Config(mode="script"))
    trace = lint_text(SCRIPTING_RAISES, str(path), Config(mode="trace"))
    assert [d.code for d in script.diagnostics] == []
    assert [d.code for d in trace.diagnostics] == ["TS405"]


SIDES_FALL_THROUGH = """
import os
from typing import Final

import torch.nn as nn


class Net(nn.Module):
    flag: Final[bool]

    def __init__(self, use_norm: bool = True):
        super().__init__()
        self.flag = True
        if use_norm:
            self.norm = nn.LayerNorm(4)
        else:
            self.norm = None

    def forward(self, x):
        if self.norm is not None:
            x = self.norm(x)
        if self.flag:
            x = x + 1
        else:
            x = x - 1
        os.getcwd()
        return x
"""


def test_code_after_an_if_whose_sides_both_fall_through_is_compiled(tmp_path: Path) -> None:
    """Whichever side torch compiles (per instance), what follows is compiled."""
    path = tmp_path / "net.py"
    path.write_text(SIDES_FALL_THROUGH)
    result = lint_text(SIDES_FALL_THROUGH, str(path), Config(mode="script"))
    assert [(d.location.row, d.code) for d in result.diagnostics] == [(26, "TS316")]


TYPE_DECIDED = """
import random

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        if isinstance(x, torch.Tensor):
            return x
        return x * random.random()
"""


def test_isinstance_is_decided_by_the_value_when_tracing(tmp_path: Path) -> None:
    """torch.jit.script prunes by type; torch.jit.trace runs Python, which decides on the value."""
    path = tmp_path / "net.py"
    path.write_text(TYPE_DECIDED)
    assert lint_text(TYPE_DECIDED, str(path), Config(mode="script")).diagnostics == ()
    assert [d.code for d in lint_text(TYPE_DECIDED, str(path), Config(mode="trace")).diagnostics] == ["TS405"]


def test_a_submodule_that_may_be_none_is_not_certainly_compiled_with_its_holder(tmp_path: Path) -> None:
    """torch scripts the submodules the built instance holds: one set on a path of `__init__` where
    another leaves None is not certainly among them (the real-world bench counts findings in what
    CompiledScope(roots=[holder]) compiles)."""
    from tslint.compiled_scope import CompiledScope
    from tslint.index.indexer import index_file
    from tslint.index.project import ProjectIndex

    source = textwrap.dedent(
        """
        import torch.nn as nn


        class Norm(nn.Module):
            def forward(self, x):
                return x


        class Gate(nn.Module):
            def forward(self, x):
                return x


        class Holder(nn.Module):
            def __init__(self, norm: bool = False):
                super().__init__()
                self.norm = None
                if norm:
                    self.norm = Norm()
                self.gate = Gate()
                if norm:
                    self.either = Norm()
                else:
                    self.either = Gate()

            def forward(self, x):
                return self.gate(x)
        """
    )
    path = tmp_path / "holder.py"
    path.write_text(source)
    index, _ = index_file(str(path), cst.parse_module(source), "holder", False)
    scope = CompiledScope(ProjectIndex([index]), roots=["holder.Holder"])
    compiled = {f.info.qualname for f in scope.functions()}
    assert "holder.Gate.forward" in compiled
    assert "holder.Norm.forward" not in compiled  # through `norm` (None or Norm) nor `either`


CACHED_HELPER = """
import functools
import operator

import torch
import torch.nn as nn

CHECKS = {"<": operator.lt, ">=": operator.ge}


def compare(a: str, operation: str, b: str):
    if operation not in CHECKS.keys():
        raise ValueError(operation)
    return CHECKS[operation](a, b)


@functools.lru_cache(maxsize=None)
def version_holds(operation: str, version: str) -> bool:
    return compare(torch.__version__, operation, version)


class Net(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "mps" and version_holds("<", "2.0.0"):
            return x.float()
        return x
"""


def test_a_cached_module_function_is_called_in_python_not_compiled(tmp_path: Path) -> None:
    """torch.jit.script sees functools' cache wrapper, not a function: it calls it in Python with the
    wrapped signature's types, as an ignored function (probed in torch 2.13: `Net` scripts). Without
    the cache, `compare` is compiled and its global reads fail."""
    path = tmp_path / "net.py"
    path.write_text(CACHED_HELPER)
    assert lint_text(CACHED_HELPER, str(path), Config(mode="script")).diagnostics == ()
    uncached = CACHED_HELPER.replace("@functools.lru_cache(maxsize=None)\n", "")
    found = lint_text(uncached, str(path), Config(mode="script")).diagnostics
    assert [d.code for d in found] == ["TS341", "TS341"]
