"""The scoring of bench/script_realworld.py (torch and torchvision not needed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

from tslint.findings import Severity

BENCH = Path(__file__).resolve().parent.parent / "bench"
spec = importlib.util.spec_from_file_location("_bench_script_realworld", BENCH / "script_realworld.py")
bench = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = bench
spec.loader.exec_module(bench)


def _finding(path, row, code="TS350", symbol="Block.forward", severity=Severity.ERROR):
    return SimpleNamespace(
        code=code,
        severity=severity,
        filename=str(path),
        location=SimpleNamespace(row=row),
        symbol=symbol,
        message=f"{code} at {row}",
    )


def _error(path, row, called_from=None):
    text = (
        "RuntimeError: \nArguments for call are not valid.\n"
        f'  File "{path}", line {row}\n'
        "    def forward(self, x):\n        return torch.cat(x)\n               ~~~~~~~~~~~~ <--- HERE\n"
    )
    if called_from is not None:
        text += "'Block.forward' is being compiled since it was called from 'Net.forward'\n"
        text += f'  File "{called_from[0]}", line {called_from[1]}\n    def forward(self, x):\n'
        text += "        return self.block(x)\n               ~~~~~~~~~~ <--- HERE\n"
    return text


def test_a_failure_is_flagged_only_by_an_error_on_torchs_line(tmp_path):
    root = str(tmp_path / "lib") + "/"
    path = tmp_path / "lib" / "models.py"
    records = [
        {"model": "lib:a", "status": "fail", "error": _error(path, 10, called_from=(path, 30))},
        {"model": "lib:b", "status": "fail", "error": _error(path, 20)},
        {"model": "lib:c", "status": "fail", "error": _error("/elsewhere/torch/x.py", 5)},
    ]
    findings = [
        _finding(path, 10),
        _finding(path, 30),  # the call site torch names second: not torch's line for b
        _finding(path, 20, severity=Severity.WARNING),  # a warning does not flag
    ]
    figures = bench.score_records(records, [root], findings, {})
    assert [m for m, _ in figures["flagged"]] == ["lib:a"]
    assert [m for m, _ in figures["missed"]] == ["lib:b"]
    assert figures["unlocated"] == ["lib:c"]


def test_a_false_positive_is_an_error_in_code_a_scripting_model_compiles(tmp_path):
    root = str(tmp_path / "lib") + "/"
    path = str(tmp_path / "lib" / "models.py")
    records = [
        {
            "model": "lib:ok",
            "status": "ok",
            "classes": [["lib.models.Block", path]],
            "functions": [[path, 50, 60, "lib.models.helper"]],
        },
        {"model": "lib:other", "status": "ok", "classes": [["lib.models.Other", path]], "functions": []},
    ]
    compiled = {"lib.models.Block": {(path, "Block.forward")}, "lib.models.Other": set()}
    findings = [
        _finding(path, 12),  # in Block.forward: compiled for lib:ok
        _finding(path, 55, symbol="helper"),  # in a function torch compiled for lib:ok
        _finding(path, 70, symbol="Block.unused"),  # not compiled
        _finding(path, 13, code="TS401"),  # a trace rule: not counted
        _finding(path, 14, code="TS001"),  # not a type-check code
    ]
    figures = bench.score_records(records, [root], findings, compiled)
    assert sorted((row, models) for (_, row, _, _), models in figures["false_positives"].items()) == [
        (12, ["lib:ok"]),
        (55, ["lib:ok"]),
    ]
    assert figures["scripting"] == ["lib:ok", "lib:other"]
