"""Property-based: for any program, tslint terminates without an internal error, its output is
deterministic, and every diagnostic lies inside the file."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tslint.api import lint_text
from tslint.config import Config
from tslint.formatters import format_json

# hypothesmith compiles what it generates; Python's SyntaxWarnings about that code are its own.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")
# Two profiles: "fast" (the default, for the edit loop and CI) and "thorough" (before a release, or
# after touching the parser or the engine): TSLINT_HYPOTHESIS=thorough python -m pytest tests/test_properties.py
for _name, _examples in (("fast", 20), ("thorough", 500)):
    settings.register_profile(
        f"tslint-{_name}", max_examples=_examples, deadline=None, suppress_health_check=list(HealthCheck)
    )
SETTINGS = settings.get_profile(f"tslint-{os.environ.get('TSLINT_HYPOTHESIS', 'fast')}")


def _grammar():
    """hypothesmith's strategy, built on first use: importing hypothesmith builds its whole grammar
    (about 5 s CPU), which every process collecting the suite paid, used or not."""
    import hypothesmith

    return hypothesmith.from_grammar()


def check(source: str) -> None:
    first = lint_text(source, "prop.py", Config())
    assert first.errors == () and first.internal_errors == 0
    assert format_json(lint_text(source, "prop.py", Config())) == format_json(first)
    lines = source.splitlines() or [""]
    for d in first.diagnostics:
        assert 1 <= d.location.row <= len(lines) + 1
        assert 1 <= d.location.column and (d.end_location.row, d.end_location.column) >= (
            d.location.row,
            d.location.column,
        )
        if d.code != "TS001":
            assert d.end_location.row <= len(lines)
            assert d.location.column <= len(lines[d.location.row - 1]) + 1


@SETTINGS
@given(st.deferred(lambda: _grammar()))
def test_any_python_program(source: str) -> None:
    check(source)


@SETTINGS
@given(
    st.lists(
        st.sampled_from(list("()[]{}:=\n\t #'\"\\xdefclasimportrun*,.") + ["\r\n", "\x00", "é", "def ", "class "]),
        max_size=120,
    ).map("".join)
)
def test_any_text(source: str) -> None:
    check(source)


NAMES = st.sampled_from(["x", "mask", "flag", "steps", "mode", "scale"])
ANNOTATIONS = st.sampled_from(["", ": int", ": bool", ": torch.Tensor", ": Optional[torch.Tensor]", ": str"])
DEFAULTS = st.sampled_from(["", " = None", " = 2", " = 'a'", " = (1, 2)", " = torch.ones(1)", " = True"])
STATEMENTS = st.sampled_from(
    [
        "if {p}:\n            x = x + 1",
        "for _ in range({p}):\n            x = x * 2",
        "if {p} == 'train':\n            x = x - 1",
        "if {p} in ('a', 'b'):\n            pass",
        "if {p} is not None:\n            x = x + 1",
        "if not torch.jit.is_scripting():\n            x = self.helper(x, {p})",
        "x = self.helper(x, {p})",
        "{p} = 3",
        "y = [{p} for _ in range(2)]",
        "if self.proj is not None:\n            x = self.helper(x, x)",
    ]
)
DECORATORS = st.sampled_from(
    [
        "",
        "@torch.jit.ignore\n    ",
        "@torch.jit.unused\n    ",
        "@torch.jit.export\n    ",
        "@property\n    ",
        "@staticmethod\n    ",
    ]
)


@st.composite
def module_classes(draw) -> str:
    params = []
    seen_default = False
    for name in draw(st.lists(NAMES, unique=True, max_size=4)):
        default = draw(DEFAULTS)
        if seen_default and not default:
            default = " = None"
        seen_default = seen_default or bool(default)
        params.append(f"{name}{draw(ANNOTATIONS)}{default}")
    if draw(st.booleans()):
        params.insert(draw(st.integers(0, len(params))), draw(st.sampled_from(["*args", "*", "**kwargs"])))
    signature = ", ".join(["self", "x", *params]).replace("*, **kwargs", "**kwargs")
    if signature.endswith(", *"):
        signature = signature[:-3]
    body = "\n        ".join(draw(STATEMENTS).format(p=draw(NAMES)) for _ in range(draw(st.integers(0, 4))))
    return (
        "from typing import Optional\nimport torch\nimport torch.nn as nn\n\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.proj = None\n\n"
        f"    {draw(DECORATORS)}def forward({signature}):\n        {body or 'pass'}\n        return x\n\n"
        f"    {draw(DECORATORS)}def helper(self, x, *rest, k=1):\n        return x\n"
    )


@SETTINGS
@given(module_classes())
def test_generated_module_classes(source: str) -> None:
    try:
        compile(source, "prop.py", "exec")
    except SyntaxError:
        return  # the generator can build an invalid signature; TS001 is covered elsewhere
    check(source)
