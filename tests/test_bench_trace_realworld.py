"""The verdicts of bench/trace_realworld.py's `score`, without the libraries (the bench itself is too
slow for the suite): which models count as diverging and which as exact."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load():
    spec = importlib.util.spec_from_file_location("_bench_trace_realworld", BENCH / "trace_realworld.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


trace_realworld = _load()


def _model(name, status, warned=(), moved=None):
    record = {"model": name, "status": status, "warned": [list(line) for line in warned], "classes": {}}
    if moved is not None:
        record["moved"] = moved
    return record


def test_a_trace_that_fails_after_a_move_is_diverging_not_exact():
    models = [
        _model("exact", "exact", moved="trace ok"),
        _model("unchecked", "exact"),  # a truth collected before the move check
        _model("baked device", "exact", moved="trace fails"),
        _model("output left behind", "exact", moved="trace stays"),
        _model("eager fails too", "exact", moved="eager fails"),  # the move says nothing
        _model("warned", "exact", warned=[("lib.py", 3)], moved="trace ok"),  # neither exact nor diverging
        _model("diverges", "diverges", warned=[("lib.py", 5)], moved="trace ok"),
        _model("raises", "raises", moved="trace fails"),
        _model("untraceable", "untraceable"),
        _model("no second input", "no-second-input", moved="trace fails"),
    ]
    compared, wrong, exact = trace_realworld.verdicts(models)
    assert [m["model"] for m in compared] == [m["model"] for m in models[:8]]
    assert [m["model"] for m in wrong] == ["baked device", "output left behind", "diverges", "raises"]
    assert [m["model"] for m in exact] == ["exact", "unchecked", "eager fails too"]


def test_a_torchscript_errors_own_message_is_kept():
    error = RuntimeError(
        "The following operation failed in the TorchScript interpreter.\n"
        "Traceback of TorchScript (most recent call last):\n"
        "  lib.py(61): forward\n"
        "RuntimeError: Tensor on device cpu is not on the expected device meta!\n"
    )
    assert trace_realworld._last_line(error) == "RuntimeError: Tensor on device cpu is not on the expected device meta!"
    assert trace_realworld._last_line(ValueError("bad\nmore")) == "ValueError: bad"
