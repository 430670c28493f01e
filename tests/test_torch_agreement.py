"""The fixtures against real torch: every `Bad*` class fails where tslint flags an error, every
`Good*` class compiles, and each warning's hazard really happens at run time."""
from __future__ import annotations

import sys

import pytest

from conftest import FIXTURES, expectations, fixture_files, fixture_mode
from torch_harness import highlighted_span, load_module, module_classes, script, torch

from tslint.engine import catalogue  # noqa: E402
from tslint.ftypes import Severity  # noqa: E402

ERROR_CODES = {info.code for info in catalogue() if info.severity is Severity.ERROR}
# torch fails on these without naming any source location (an internal error of its own).
UNLOCATED = {
    "BadIgnoredKeywordOnlyDefault": "INTERNAL ASSERT",
    "BadWhileElse": "incompatible constructor arguments",
    "BadUnaryPlus": "'UnaryOp' object has no attribute 'range'",
    "BadTypeCommentOnDefLine": "expected type comment but found 'def' here",
}


def _fixture_classes():
    sys.path.insert(0, str(FIXTURES))
    try:
        for path in fixture_files():
            if path.name == "__init__.py" or fixture_mode(path) == "trace":  # trace fixtures: test_trace_rules.py
                continue
            relative = path.relative_to(FIXTURES).with_suffix("")
            name = ".".join(relative.parts)
            module = __import__(name, fromlist=["_"]) if "pkg" in relative.parts else load_module(path, f"fixture_{name.replace('.', '_')}")
            for cls in module_classes(module):
                if not cls.__name__.startswith("_"):
                    yield pytest.param(cls, id=f"{relative}:{cls.__name__}")
    finally:
        sys.path.remove(str(FIXTURES))


ERROR_LINES = {
    (str(path.resolve()), row) for path in fixture_files() for row, code in expectations(path) if code in ERROR_CODES
}


@pytest.mark.parametrize("cls", list(_fixture_classes()))
def test_fixture_class_against_torch(cls: type) -> None:
    assert cls.__name__.startswith(("Bad", "Good")), "fixture classes say what torch must do"
    scripted, error = script(cls)
    if cls.__name__.startswith("Good"):
        assert error is None, f"{cls.__name__} should compile, torch said:\n{error}"
        return
    assert error is not None, f"{cls.__name__} should fail in torch.jit.script but compiled"
    span = highlighted_span(error, within=FIXTURES)
    if cls.__name__ in UNLOCATED:
        assert span is None and UNLOCATED[cls.__name__] in error, error
        return
    assert span is not None, error
    path, first, last = span
    flagged = [(path, row) for row in range(first, last + 1) if (path, row) in ERROR_LINES]
    assert flagged, f"torch's first error ({path}:{first}-{last}) is not on a line tslint flags:\n{error}"


def test_flag_parameter_fails_at_call_time() -> None:
    """TS104's claim: the class compiles, and passing a bool fails at run time."""
    module = load_module(FIXTURES / "parameter_uses.py", "fixture_parameter_uses_ts104")
    scripted, error = script(module.GoodFlagCompilesButCallFails)
    assert error is None
    with pytest.raises(RuntimeError, match="Expected a value of type 'Tensor"):
        scripted(torch.ones(2), True)


def test_none_default_fails_without_the_argument() -> None:
    """TS105's claim: the class compiles, and leaving out the None-default argument fails."""
    module = load_module(FIXTURES / "signatures.py", "fixture_signatures_ts105")
    scripted, error = script(module.GoodNoneDefault)
    assert error is None
    with pytest.raises(Exception):
        scripted(torch.ones(2))
    assert torch.equal(module.GoodNoneDefault()(torch.ones(2)), torch.ones(2))  # eager mode works
