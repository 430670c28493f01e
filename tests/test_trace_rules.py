"""The trace rules against the real torch.jit.trace: each Bad* hazard is real (a TracerWarning on a
flagged line, or another answer than eager mode on a second input), each Good* look-alike traces
cleanly and agrees with eager mode."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from conftest import FIXTURES, expectations
from torch_harness import load_module, module_classes, torch, trace_outcome  # skips the module without torch

TRACE_FIXTURE = FIXTURES / "trace.py"
FLAGGED = {row for row, code in expectations(TRACE_FIXTURE) if code.startswith("TS4")}


def _classes():
    module = load_module(TRACE_FIXTURE, "fixture_trace")
    second_calls = module.SECOND_CALL
    return [
        pytest.param(cls, second_calls.get(cls.__name__), id=cls.__name__)
        for cls in module_classes(module) if not cls.__name__.startswith("_")  # parts, traced through their users
    ]


@pytest.mark.parametrize("cls, second_call", _classes())
def test_trace_fixture_against_torch(cls, second_call) -> None:
    warned, diverges = trace_outcome(cls, str(TRACE_FIXTURE), second_call() if second_call else None)
    if cls.__name__.startswith("Good"):
        assert warned == [] and not diverges, (warned, diverges)
    else:
        assert set(warned) & FLAGGED or (diverges and not set(warned) - FLAGGED), (warned, diverges, FLAGGED)


def _page_example(code: str, section: str) -> str:
    from test_rule_pages import example

    return example(code, section)


# The second call (arguments, keyword arguments) for pages whose hazard -ones(5, 4) cannot show; the
# good example of TS409 no longer takes the argument.
PAGE_SECOND_CALL = {
    "TS408": lambda hazardous: ((-torch.ones(5, 4, dtype=torch.float64),), {}),
    "TS409": lambda hazardous: ((-torch.ones(5, 4), 3.0), {}) if hazardous else None,
}


@pytest.mark.parametrize("code", ["TS401", "TS402", "TS403", "TS404", "TS405", "TS406", "TS407", "TS408", "TS409", "TS410"])
def test_trace_page_examples_against_torch(code: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for section, hazardous in (("## Example", True), ("## Use instead", False)):
            path = Path(folder) / f"trace_page_{code}_{hazardous}.py"
            path.write_text(_page_example(code, section), encoding="utf-8")
            (cls,) = [c for c in module_classes(load_module(path, path.stem)) if c.__name__ == "Net"]
            second_call = PAGE_SECOND_CALL[code](hazardous) if code in PAGE_SECOND_CALL else None
            warned, diverges = trace_outcome(cls, str(path), second_call)
            if hazardous:
                assert warned or diverges, f"{code}: the bad example traces correctly"
            else:
                assert not warned and not diverges, f"{code}: the good example is still wrong: {warned}, {diverges}"
