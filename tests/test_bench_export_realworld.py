"""The scoring of bench/export_realworld.py's `libs` and its worker's input choice, without the
libraries (the bench itself is too slow for the suite)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name):
    sys.path.insert(0, str(BENCH))  # export_realworld imports its sibling trace_realworld
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


export_realworld = _load("export_realworld")
worker = _load("realworld_worker")


def _records(folder: Path):
    model, helper = str(folder / "model.py"), str(folder / "helper.py")
    return [
        # fails at helper.py:7, called from model.py:20: flagged when either line has a TS5xx error
        {"qualname": "lib.A", "built": "x", "held": ["lib.A"], "status": "failed", "lines": [[helper, 7], [model, 20]]},
        # fails at a line without a finding
        {"qualname": "lib.B", "built": "x", "held": ["lib.B"], "status": "failed", "lines": [[model, 40]]},
        # fails without naming a library line (an output export cannot flatten): not located
        {"qualname": "lib.C", "built": "x", "held": ["lib.C"], "status": "failed", "lines": [], "detail": "pytree"},
        # exports although a class it holds (lib.Inner) carries a finding: a false positive
        {"qualname": "lib.D", "built": "x", "held": ["lib.D", "lib.Inner"], "status": "exported"},
        # exports, and the finding is in a class it does not hold
        {"qualname": "lib.E", "built": "x", "held": ["lib.E"], "status": "exported"},
        {"qualname": "lib.F", "built": "x", "held": ["lib.F"], "status": "eager-failed", "detail": "shape"},
        {"qualname": "lib.G", "built": "x", "held": ["lib.G"], "status": "no-inputs"},
        {"qualname": "lib.H", "built": None, "detail": "no constructor call worked"},
        {"qualname": "lib.I", "built": "?", "error": None, "crash": "timed out after 120 s"},
        # fails at the same line as lib.A: one site
        {"qualname": "lib.J", "built": "x", "held": ["lib.J"], "status": "failed", "lines": [[helper, 7]]},
        # over the parameter cap: built on the meta device only, neither outcome
        {"qualname": "lib.K", "built": "meta", "status": "too-large", "parameters": 10**9},
    ]


def test_score_classes_counts_located_failures_and_false_positives(tmp_path):
    flagged = {(str(tmp_path / "model.py"), 20)}
    by_class = {"lib.Inner": ["TS502 lib/model.py:20"], "lib.Other": ["TS501 lib/model.py:60"]}
    outcomes, figures = export_realworld.score_classes(_records(tmp_path), flagged, by_class)
    assert figures == {
        "classes": 11,
        "built": 10,
        "exported": 2,
        "failed": 4,
        "eager_failed": 1,
        "no_inputs": 1,
        "crashed": 1,
        "too_large": 1,
        "located": 3,
        "located_flagged": 1,
        "sites": 2,
        "sites_flagged": 1,  # helper.py:7, where lib.A was flagged (at its caller)
        "false_positives": 1,
    }
    by_name = {o["qualname"]: o for o in outcomes}
    assert by_name["lib.A"]["flagged"] and not by_name["lib.B"]["flagged"] and not by_name["lib.J"]["flagged"]
    assert by_name["lib.D"]["findings"] == ["TS502 lib/model.py:20"] and by_name["lib.E"]["findings"] == []


def test_a_site_is_flagged_when_any_failure_there_is(tmp_path):
    helper = str(tmp_path / "helper.py")
    records = [
        {"qualname": "lib.A", "built": "x", "held": [], "status": "failed", "lines": [[helper, 7], [helper, 30]]},
        {"qualname": "lib.B", "built": "x", "held": [], "status": "failed", "lines": [[helper, 7]]},
    ]
    _, figures = export_realworld.score_classes(records, {(helper, 30)}, {})
    assert (figures["located_flagged"], figures["sites"], figures["sites_flagged"]) == (1, 1, 1)


def test_forward_arguments_tensors_numbers_and_what_no_value_fits():
    class Tensor:  # torch's stands here: the worker goes by the annotation's name
        pass

    class Model:
        def forward(self, x, mask: Tensor | None, cutoff: float, steps: int, flag: bool, scale=2.0, *rest):
            pass

        def takes_a_list(self, x, sizes: list):
            pass

        def takes_a_string(self, x, name: str):
            pass

        def keyword_only(self, x, *, y):
            pass

        def nothing(self, scale=1.0):
            pass

    model = Model()
    assert worker.forward_arguments(model.forward) == [None, None, 0.5, 4, False]
    assert worker.forward_arguments(model.takes_a_list) is None
    assert worker.forward_arguments(model.takes_a_string) is None
    assert worker.forward_arguments(model.keyword_only) is None
    assert worker.forward_arguments(model.nothing) == []


def test_library_lines_are_the_librarys_each_once_in_order(tmp_path):
    library = str(tmp_path / "lib") + "/"
    message = (
        "Could not guard on data-dependent expression u0 > 0\n"
        f'  File "{library}ops.py", line 12, in helper\n'
        f"(at {library}model.py:30 in forward)\n"
        f'  File "{tmp_path}/elsewhere.py", line 3\n'
        f'  File "{library}ops.py", line 12, in helper\n'
    )
    lines = worker.library_lines(RuntimeError(message), str(Path(library).resolve()) + "/")
    assert [(Path(p).name, n) for p, n in lines] == [("ops.py", 12), ("model.py", 30)]


def test_read_partial_resumes_from_the_records_written_so_far(tmp_path):
    path = tmp_path / "lib-0.partial.jsonl"
    lines = [
        json.dumps({"classes": ["lib.A", "lib.B", "lib.C"]}),
        json.dumps({"qualname": "lib.A", "built": "?", "crash": "timed out after 60 s"}),
        json.dumps({"qualname": "lib.B", "built": "x", "status": "exported"}),
        json.dumps({"qualname": "lib.A", "built": "x", "status": "failed"}),  # written again: the last wins
        '{"qualname": "lib.C", "bui',  # cut short by a killed run
    ]
    path.write_text("\n".join(lines))
    classes, records = export_realworld.read_partial(path)
    assert classes == ["lib.A", "lib.B", "lib.C"]
    assert {r["qualname"]: r.get("status") for r in records} == {"lib.A": "failed", "lib.B": "exported"}
