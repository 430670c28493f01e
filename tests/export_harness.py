"""Running real torch.export.export on fixture and example code (the ground truth for the TS5xx rules)."""

from __future__ import annotations

import re
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Set, Tuple

import pytest

from zygote import Isolation

torch = pytest.importorskip("torch")
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*TorchScript.*")

FIRST_INPUT = (3, 4)
SECOND_INPUT = (5, 4)


@dataclass(frozen=True)
class ExportOutcome:
    error: Optional[str]  # "Type: first line" of what export raised, None when it exported
    lines: Tuple[int, ...]  # the lines of `source_file` torch's message and traceback point at
    agrees: Optional[bool] = None  # exported: whether it answers as eager mode on the second input


def _lines(error: BaseException, where: str) -> Set[int]:
    """The lines of `where` that torch names: in its message (`File "...", line N`, `path:N`, the
    form non-strict and strict export use) and in the traceback's frames."""
    text = str(error)
    name = re.escape(where)
    found = {int(n) for n in re.findall(name + r'", line (\d+)', text)}
    found |= {int(n) for n in re.findall(name + r":(\d+)", text)}
    frames = traceback.extract_tb(error.__traceback__)
    found |= {frame.lineno for frame in frames if frame.filename == where and frame.lineno is not None}
    return found


def export_outcome(
    cls: type, source_file: str, strict: bool = False, dynamic: Optional[object] = None
) -> ExportOutcome:
    """Export an instance (eval mode) on ones(3, 4) — with the first dimension dynamic when `dynamic`
    (a `Dim`, `Dim.AUTO`...) is given; if it exports, compare the exported program with eager mode
    on -ones(5, 4) (on ones(3, 4) when the first dimension is static)."""
    torch.manual_seed(0)
    model = cls().eval()
    where = str(Path(source_file).resolve())
    shapes = {"x": {0: dynamic}} if dynamic is not None else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            program = torch.export.export(model, (torch.ones(*FIRST_INPUT),), dynamic_shapes=shapes, strict=strict)
        except Exception as error:  # torch raises many exception types
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return ExportOutcome(f"{type(error).__name__}: {first}", tuple(sorted(_lines(error, where))))
        second = -torch.ones(*SECOND_INPUT) if dynamic is not None else -torch.ones(*FIRST_INPUT)
        try:
            exported = program.module()(second)
        except Exception:  # a guard of the exported program rejects the second input: specialized
            return ExportOutcome(None, (), agrees=False)
        torch.manual_seed(0)
        expected = cls().eval()(second)  # a fresh instance: the exported module shares the buffers
    return ExportOutcome(None, (), agrees=bool(torch.allclose(exported, expected)))


def _warm_export() -> None:
    """What the first export of a process costs (about 2 s CPU: torch.export's and TorchDynamo's lazy
    imports, sympy, the first trace), paid once in the zygote instead of in every test's child."""

    class Warm(torch.nn.Module):
        def forward(self, x):
            return x.sin() * 2 + x.shape[0]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for strict in (False, True):
            shapes = {"x": {0: torch.export.Dim.AUTO}}
            program = torch.export.export(Warm(), (torch.ones(3, 4),), dynamic_shapes=shapes, strict=strict)
            program.module()(torch.ones(5, 4))


# torch.export leaves the process changed for the tests that come after it (strict export imports
# TorchDynamo and Inductor, which register operators such as `prims::inductor_seeds` and patch
# `nn.Module` with attributes such as `___needs_generation_tag_patch`): each export test runs in a
# child process of its own (tests/zygote.py), forked from a zygote that has exported once. An
# assertion (or any error) in the child fails the test in the parent with the child's traceback.
in_child = Isolation(warm=_warm_export)
