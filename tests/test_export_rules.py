"""The export rules against the real torch.export.export (torch 2.13): each Bad* class of
fixtures/export.py fails to export at a line tslint flags (TS501, TS502, TS505), or exports with a dynamic
first dimension only by specializing it (TS503); each Good* and Migration* class exports, with the
first dimension dynamic, and agrees with eager mode on an input of another size. Bad* classes of
TS506-TS510 have tests of their own: module state the exported program loses, Python random numbers
it freezes, an output or input class it cannot flatten, file I/O it runs once."""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, expectations
from export_harness import export_outcome, in_child, torch  # skips the module without torch
from torch_harness import load_module, module_classes

EXPORT_FIXTURE = FIXTURES / "export.py"
EXPECTED = expectations(EXPORT_FIXTURE)
FAILING = {row for row, code in EXPECTED if code in ("TS501", "TS502", "TS505", "TS511")}
SPECIAL = {"TS506", "TS507", "TS508", "TS509", "TS510"}  # classes with their own test below
Dim = torch.export.Dim


def _codes_in(cls: type) -> set:
    lines, first = inspect.getsourcelines(cls)
    rows = range(first, first + len(lines))
    return {code for row, code in EXPECTED if row in rows}


@functools.cache
def _fixture_module():
    """Loaded once: the parameters must be the classes `fixture_export` names, so that they pickle (by
    reference) to the zygote that runs each test (export_harness.in_child)."""
    return load_module(EXPORT_FIXTURE, "fixture_export")


def _classes(prefix: str):
    module = _fixture_module()
    return [pytest.param(cls, id=cls.__name__) for cls in module_classes(module) if cls.__name__.startswith(prefix)]


def _state_classes():
    return [c for c in _classes("Bad") if "TS506" in _codes_in(c.values[0])]


@pytest.mark.parametrize("cls", _state_classes())
@in_child
def test_state_mutation_is_lost_in_the_exported_program(cls) -> None:
    """TS506: export succeeds (strict and non-strict); called twice, the exported program answers or
    leaves the module's state otherwise than eager mode called twice."""
    for strict in (False, True):
        exported = torch.export.export(cls().eval(), (torch.ones(3, 4),), strict=strict).module()
        eager = cls().eval()
        outputs = [(exported(torch.ones(3, 4)), eager(torch.ones(3, 4))) for _ in range(2)]
        same_outputs = all(torch.equal(a, b) for a, b in outputs)
        name = "calls" if hasattr(eager, "calls") else "total"  # a global counter: neither, outputs tell
        ours, theirs = getattr(exported, name, None), getattr(eager, name, None)
        same_state = isinstance(ours, type(theirs)) and (
            torch.equal(ours, theirs) if isinstance(theirs, torch.Tensor) else ours == theirs
        )
        assert not (same_outputs and same_state), (strict, outputs, ours, theirs)
        if theirs is None:  # a global counter: the exported program answers one constant, eager mode grows
            assert torch.equal(outputs[0][0], outputs[1][0]) and not torch.equal(outputs[0][1], outputs[1][1])


@in_child
def test_python_random_is_frozen_or_refused() -> None:
    """TS507: non-strict export bakes the number drawn into the program (the same answer on every
    call, unlike eager mode); strict export refuses `random.random` at the flagged line."""
    module = load_module(EXPORT_FIXTURE, "fixture_export_random")
    exported = torch.export.export(module.BadPythonRandom(), (torch.ones(3, 4),)).module()
    assert torch.equal(exported(torch.ones(3, 4)), exported(torch.ones(3, 4)))
    eager = module.BadPythonRandom()
    assert not torch.equal(eager(torch.ones(3, 4)), eager(torch.ones(3, 4)))
    outcome = export_outcome(module.BadPythonRandom, str(EXPORT_FIXTURE), strict=True)
    flagged = {row for row, code in EXPECTED if code == "TS507"}
    assert outcome.error is not None and "marked as skipped" in outcome.error and set(outcome.lines) & flagged, outcome


@in_child
def test_unregistered_output_class_fails_export() -> None:
    """TS508: both modes fail; torch names the class but no source line."""
    module = load_module(EXPORT_FIXTURE, "fixture_export_output")
    for strict, words in ((False, "not a known type"), (True, "unrecognized type")):
        outcome = export_outcome(module.BadDataclassOutput, str(EXPORT_FIXTURE), strict=strict)
        assert outcome.error is not None and words in outcome.error, outcome


@in_child
def test_file_io_runs_once_or_is_refused() -> None:
    """TS510: non-strict export runs the `open` while tracing and exports; strict export refuses it
    at the flagged line."""
    module = load_module(EXPORT_FIXTURE, "fixture_export_io")
    assert export_outcome(module.BadFileWrite, str(EXPORT_FIXTURE)).agrees
    outcome = export_outcome(module.BadFileWrite, str(EXPORT_FIXTURE), strict=True)
    flagged = {row for row, code in EXPECTED if code == "TS510"}
    assert outcome.error is not None and set(outcome.lines) & flagged, outcome


@in_child
def test_unregistered_input_class_fails_export() -> None:
    """TS509: both modes refuse the example input before tracing; registered, it exports."""
    module = load_module(EXPORT_FIXTURE, "fixture_export_input")
    example = (module.Batch(torch.ones(3, 4)),)
    for strict, words in ((False, "Unsupported input type"), (True, "pytree-flattenable")):
        with pytest.raises(Exception, match=words):
            torch.export.export(module.BadDataclassInput(), example, strict=strict)
    torch.export.register_dataclass(module.Batch)
    exported = torch.export.export(module.BadDataclassInput(), example).module()
    assert torch.equal(exported(*example), module.BadDataclassInput()(*example))


@in_child
def test_buffer_updated_in_place_is_exported() -> None:
    module = load_module(EXPORT_FIXTURE, "fixture_export_buffer")
    exported = torch.export.export(module.GoodBufferUpdatedInPlace().eval(), (torch.ones(3, 4),)).module()
    eager = module.GoodBufferUpdatedInPlace().eval()
    for _ in range(2):
        assert torch.equal(exported(torch.ones(3, 4)), eager(torch.ones(3, 4)))
    assert torch.equal(exported.calls, eager.calls)


@pytest.mark.parametrize("cls", [c for c in _classes("Bad") if not _codes_in(c.values[0]) & SPECIAL])
@in_child
def test_bad_fixture_fails_or_specializes(cls) -> None:
    if "TS503" in _codes_in(cls):
        # Static export succeeds; a dimension declared dynamic is specialized: export fails
        # ("Constraints violated (batch)!", without a source line), and with Dim.AUTO the program
        # rejects or mis-answers the second input size.
        declared = export_outcome(cls, str(EXPORT_FIXTURE), dynamic=Dim("batch", min=2, max=64))
        automatic = export_outcome(cls, str(EXPORT_FIXTURE), dynamic=Dim.AUTO)
        assert export_outcome(cls, str(EXPORT_FIXTURE)).error is None
        assert declared.error is not None and "Constraints violated" in declared.error, declared
        assert automatic.error is None and automatic.agrees is False, automatic
        return
    outcome = export_outcome(cls, str(EXPORT_FIXTURE))  # non-strict: torch 2.13's default
    assert outcome.error is not None, f"{cls.__name__} exports"
    assert set(outcome.lines) & FAILING, (outcome, sorted(FAILING))


@pytest.mark.parametrize("cls", [c for c in _classes("Bad") if not _codes_in(c.values[0]) & SPECIAL])
@in_child
def test_bad_fixture_under_strict_export(cls) -> None:
    """Strict export (TorchDynamo) fails at a flagged line too — except where it turns the construct
    into a runtime check (an `assert` on tensor values exports) or specializes (TS503)."""
    if "TS503" in _codes_in(cls):
        pytest.skip("TS503: see test_bad_fixture_fails_or_specializes")
    outcome = export_outcome(cls, str(EXPORT_FIXTURE), strict=True)
    if cls.__name__ == "BadValueAssert" or _codes_in(cls) == {"TS505"}:
        # strict export keeps an assert as a runtime check, and a converted value symbolic
        assert outcome.error is None and outcome.agrees, outcome
        return
    assert outcome.error is not None and set(outcome.lines) & FAILING, (outcome, sorted(FAILING))


@pytest.mark.parametrize("cls", _classes("Good") + _classes("Migration"))
@in_child
def test_good_fixture_exports_and_agrees(cls) -> None:
    if cls.__name__ == "MigrationFork":
        pytest.skip("see test_fork_fails_strict_export_and_specializes")
    for strict in (False, True):
        outcome = export_outcome(cls, str(EXPORT_FIXTURE), strict=strict, dynamic=Dim.AUTO)
        assert outcome.error is None and outcome.agrees, (strict, outcome)


@in_child
def test_fork_fails_strict_export_and_specializes() -> None:
    """torch.jit.fork: strict export rejects it at the flagged line; non-strict export runs it
    eagerly, exact for the example's size but with the dynamic dimension specialized."""
    module = load_module(EXPORT_FIXTURE, "fixture_export_fork")
    outcome = export_outcome(module.MigrationFork, str(EXPORT_FIXTURE), strict=True)
    assert outcome.error is not None and "marked as skipped" in outcome.error, outcome
    flagged = {row for row, code in EXPECTED if code == "TS504"}
    assert set(outcome.lines) & flagged, outcome
    assert export_outcome(module.MigrationFork, str(EXPORT_FIXTURE)).agrees
    assert export_outcome(module.MigrationFork, str(EXPORT_FIXTURE), dynamic=Dim.AUTO).agrees is False


# Bad classes whose flagged line is in a module-level helper they call (test_bad_fixture_fails_or_specializes
# checks that torch fails there).
FLAGGED_IN_A_HELPER = {"BadBranchInHelper", "BadTupleIndexedAfterMixedTest"}


def test_every_bad_class_is_flagged() -> None:
    module = load_module(EXPORT_FIXTURE, "fixture_export_flags")
    for cls in module_classes(module):
        codes = _codes_in(cls)
        if cls.__name__.startswith("Bad") and cls.__name__ not in FLAGGED_IN_A_HELPER:
            assert codes & ({"TS501", "TS502", "TS503", "TS505", "TS511"} | SPECIAL), cls.__name__
        if cls.__name__.startswith("Good"):
            assert not codes, cls.__name__


def _page_module(code: str, section: str, folder: Path):
    from test_rule_pages import example

    path = folder / f"export_page_{code}_{section[3:7].strip()}.py"
    path.write_text(example(code, section), encoding="utf-8")
    return load_module(path, path.stem)


def _page_class(code: str, section: str, folder: Path) -> type:
    (cls,) = [c for c in module_classes(_page_module(code, section, folder)) if c.__name__ == "Net"]
    return cls


@in_child
def test_ts509_page_examples_against_torch(tmp_path: Path) -> None:
    """TS509's bad example refuses its input in both modes; the good one (a NamedTuple) exports."""
    for section, fails in (("## Example", True), ("## Use instead", False)):
        module = _page_module("TS509", section, tmp_path)
        example = (module.Batch(torch.ones(3, 4)),)
        for strict in (False, True):
            try:
                torch.export.export(module.Net(), example, strict=strict)
                failed = False
            except Exception:
                failed = True
            assert failed is fails, (section, strict)


@pytest.mark.parametrize(
    "code", ["TS501", "TS502", "TS503", "TS504", "TS505", "TS506", "TS507", "TS508", "TS510", "TS511"]
)
@in_child
def test_export_page_examples_against_torch(code: str, tmp_path: Path) -> None:
    """The bad example of an error rule fails non-strict export; TS503's exports only by specializing
    a dynamic first dimension; TS504's exports (a migration hint); TS506's exports and loses its
    state. Every good example exports with a dynamic first dimension and agrees with eager mode on
    another size."""
    bad = _page_class(code, "## Example", tmp_path)
    good = _page_class(code, "## Use instead", tmp_path)
    where = str(tmp_path / "unused.py")
    if code == "TS503":
        assert "Constraints violated" in (export_outcome(bad, where, dynamic=Dim("batch", min=2, max=64)).error or "")
    elif code == "TS504":
        assert export_outcome(bad, where, dynamic=Dim.AUTO).agrees
    elif code == "TS510":  # non-strict export opens the file once and exports; strict export refuses it
        assert export_outcome(bad, where).agrees
        assert export_outcome(bad, where, strict=True).error is not None
    elif code == "TS507":  # exports, with the number drawn while exporting as a constant
        exported = torch.export.export(bad(), (torch.ones(3, 4),)).module()
        assert torch.equal(exported(torch.ones(3, 4)), exported(torch.ones(3, 4)))
    elif code == "TS506":  # exports; the second call of the exported program answers otherwise
        exported, eager = torch.export.export(bad(), (torch.ones(3, 4),)).module(), bad()
        answers = [(exported(torch.ones(3, 4)), eager(torch.ones(3, 4))) for _ in range(2)]
        assert torch.equal(*answers[0]) and not torch.equal(*answers[1])
    else:
        assert export_outcome(bad, where).error is not None, f"{code}: the bad example exports"
    for strict in (False, True):
        outcome = export_outcome(good, where, strict=strict, dynamic=Dim.AUTO)
        assert outcome.error is None and outcome.agrees, (code, strict, outcome)


HELPERS = """\
import torch


def suppress(boxes, scores):
    if boxes.numel() > 8:
        return scores.argsort()[:8]
    return scores.argsort()


def filtered(boxes, scores):
    keep = torch.where(scores > 0.5)[0]
    return boxes[keep]
"""
MODEL = """\
import torch.nn as nn

from boxhelpers import ops


class Net(nn.Module):
    def forward(self, x):
        boxes = ops.filtered(x, x.sum(1))
        order = ops.suppress(boxes, boxes.sum(1))
        return boxes[order]


class Fine(nn.Module):
    def forward(self, x):
        boxes = ops.filtered(x, x.sum(1))
        return ops.suppress(x, x.sum(1)).sum() + boxes.sum()
"""


def _lint_cross_file(tmp_path: Path, model_name: str, model_source: str, select: bool):
    """Write the `boxhelpers` package (ops.py, and select.py when asked) and the model file; lint
    them in export mode. Returns the model's path and the findings as (file name, row, code)."""
    from tslint.api import lint_paths
    from tslint.config import Config

    package = tmp_path / "boxhelpers"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "ops.py").write_text(HELPERS, encoding="utf-8")
    if select:
        (package / "select.py").write_text(SELECT, encoding="utf-8")
    model = tmp_path / model_name
    model.write_text(model_source, encoding="utf-8")
    result = lint_paths([str(tmp_path)], Config(mode="export"))
    return model, sorted((Path(d.filename).name, d.location.row, d.code) for d in result.diagnostics)


@contextlib.contextmanager
def _importable(folder: Path):
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))


@in_child
def test_data_dependent_size_followed_across_files(tmp_path: Path) -> None:
    """TS502 across files: a helper of another module returns boxes of data-dependent count, and the
    model hands them to a helper of that module that decides on their size. torch.export fails with
    the model's call in its traceback, where tslint reports; the same helpers on the input's boxes
    export."""
    model, rows = _lint_cross_file(tmp_path, "net.py", MODEL, select=False)
    assert rows == [("net.py", 9, "TS502")], rows
    with _importable(tmp_path):
        module = load_module(model, "export_cross_file_net")
        failed = export_outcome(module.Net, str(model))
        assert failed.error is not None and 9 in failed.lines, failed
        fine = export_outcome(module.Fine, str(model))
        assert fine.error is None and fine.agrees, fine


SELECT = """\
from boxhelpers import ops


def confident_boxes(boxes, scores):
    return ops.filtered(boxes, scores) * 2


def confident_count(boxes, scores):
    return ops.filtered(boxes, scores).shape[0]


def box_count(boxes, scores):
    return boxes.shape[0]
"""
CHAINED_MODEL = """\
import torch.nn as nn

from boxhelpers import ops, select


class Net(nn.Module):
    def forward(self, x):
        boxes = select.confident_boxes(x, x.sum(1))
        order = ops.suppress(boxes, boxes.sum(1))
        return boxes[order]


class Fine(nn.Module):
    def forward(self, x):
        boxes = select.confident_boxes(x, x.sum(1))
        return x.sum() + boxes.sum() + select.confident_count(x, x.sum(1))
"""


@in_child
def test_helper_returning_another_files_helper_result(tmp_path: Path) -> None:
    """A helper returns what a helper of a third file returns (boxes of data-dependent count): the
    model's call of the first is followed through both. torch.export fails at the flagged line;
    computing with the same results (and their count) exports and agrees."""
    model, rows = _lint_cross_file(tmp_path, "chained.py", CHAINED_MODEL, select=True)
    assert rows == [("chained.py", 9, "TS502")], rows
    with _importable(tmp_path):
        module = load_module(model, "export_chained_net")
        failed = export_outcome(module.Net, str(model))
        assert failed.error is not None and 9 in failed.lines, failed
        fine = export_outcome(module.Fine, str(model))
        assert fine.error is None and fine.agrees, fine


COUNTED_MODEL = """\
import torch.nn as nn

from boxhelpers import select


class Net(nn.Module):
    def forward(self, x):
        if select.confident_count(x, x.sum(1)) > 2:
            return x * 2
        return x * 3


class Fine(nn.Module):
    def forward(self, x):
        if select.box_count(x, x.sum(1)) > 2:
            return x * 2
        return x * 3
"""


@in_child
def test_branch_on_another_files_data_dependent_count(tmp_path: Path) -> None:
    """A helper of another file returns the count of boxes of data-dependent count
    (`ops.filtered(...).shape[0]`): the model's `if` on it is TS502, not TS501 — torch.export fails
    there on an unbacked size ("Could not guard on data-dependent expression u0 > 2"), non-strict and
    strict. The same `if` on the input's count (a helper handed `x.sum(1)` too) is no decision on
    data: it exports, both modes, and tslint is silent (TS503 material, off by default)."""
    model, rows = _lint_cross_file(tmp_path, "counted.py", COUNTED_MODEL, select=True)
    assert rows == [("counted.py", 8, "TS502")], rows
    with _importable(tmp_path):
        module = load_module(model, "export_counted_net")
        for strict in (False, True):
            failed = export_outcome(module.Net, str(model), strict=strict)
            assert failed.error is not None and "data-dependent" in failed.error and 8 in failed.lines, failed
            fine = export_outcome(module.Fine, str(model), strict=strict)
            assert fine.error is None and fine.agrees, fine
