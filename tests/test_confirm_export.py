"""--confirm in export mode against real torch.export.export (strict and non-strict): statuses, the
located failures, `Dim` specializations, frozen state, TS000 for what no rule predicted."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("torch")

from conftest import ROOT  # noqa: E402
from tslint.config import ConfigError, parse_table  # noqa: E402
from tslint.confirm.export_status import ExportResult, status, unpredicted  # noqa: E402
from tslint.findings import Diagnostic, Mode, Position, Severity  # noqa: E402

DATA = ROOT / "tests" / "confirm_data" / "exported"


def _run(flag: str):
    completed = subprocess.run(
        [sys.executable, "-m", "tslint", "--no-cache", "--format", "json", flag, "exported.py"],
        cwd=DATA,
        capture_output=True,
        timeout=600,
    )
    assert b"Traceback" not in completed.stderr, completed.stderr.decode()
    document = json.loads(completed.stdout)
    return completed.returncode, {(d["location"]["row"], d["code"]): d["confirmation"] for d in document["diagnostics"]}


@pytest.fixture(scope="module")
def everything():
    return _run("--confirm=all")


def test_located_export_failures_confirm_their_findings(everything) -> None:
    code, found = everything
    assert code == 1
    assert found[(9, "TS501")]["status"] == "confirmed"  # ValueBranch: torch names line 9
    assert "torch.export.export(ValueBranch" in found[(9, "TS501")]["detail"]
    assert found[(20, "TS501")]["status"] == "confirmed"  # in a helper forward calls


def test_a_dim_that_specializes_confirms_the_only_ts503(everything) -> None:
    _, found = everything
    assert found[(27, "TS503")]["status"] == "confirmed"
    assert "Constraints violated" in found[(27, "TS503")]["detail"]
    assert not any(code == "TS000" and row in range(25, 30) for row, code in found)


def test_frozen_state_shows_as_another_answer(everything) -> None:
    _, found = everything
    assert found[(38, "TS506")]["status"] == "confirmed" and "answers otherwise" in found[(38, "TS506")]["detail"]


def test_unpredicted_failure_is_ts000_at_torchs_line_and_clean_classes_are_silent(everything) -> None:
    _, found = everything
    assert found[(44, "TS000")]["status"] == "confirmed"  # ToNumpy: .numpy() under non-strict export
    assert [key for key in found if key[1] == "TS000"] == [(44, "TS000")]  # Clean: nothing


def test_a_class_without_inputs_says_what_to_configure(everything) -> None:
    _, found = everything
    assert found[(55, "TS501")]["status"] == "unverified"
    assert 'example-inputs = {"exported:NoInputs"' in found[(55, "TS501")]["detail"]


def test_confirm_findings_exports_only_classes_with_findings() -> None:
    code, found = _run("--confirm=findings")
    assert code == 1
    assert found[(9, "TS501")]["status"] == "confirmed"
    assert (44, "TS000") not in found  # ToNumpy has no finding: not exported


def _finding(code: str, row: int, severity=Severity.ERROR) -> Diagnostic:
    return Diagnostic(
        code=code,
        name="x",
        severity=severity,
        mode=Mode.EXPORT,
        message="m",
        filename=str(DATA / "exported.py"),
        location=Position(row, 1),
        end_location=Position(row, 5),
        symbol="M.forward",
    )


def test_an_error_finding_on_a_line_that_ran_in_an_exported_program_is_refuted() -> None:
    path = str((DATA / "exported.py").resolve())
    finding = _finding("TS501", 9)
    ran = ExportResult(False, True, executed=frozenset({(path, 9)}))
    assert status(finding, [finding], "M", ran, {path}, {})[0] == "refuted"
    not_run = ExportResult(False, True, executed=frozenset({(path, 10)}))
    assert status(finding, [finding], "M", not_run, {path}, {}) == (
        "unverified",
        "torch.export.export(M, strict=False) succeeded, but the example inputs did not run this line",
    )
    assert unpredicted("M", "exported.py", 7, [finding], ran, {path: "exported.py"}, {}) is None


def test_two_warnings_share_a_disagreement_without_a_verdict() -> None:
    first, second = _finding("TS506", 38, Severity.WARNING), _finding("TS507", 39, Severity.WARNING)
    result = ExportResult(False, True, diverged=(2,))
    assert status(first, [first, second], "M", result, set(), {})[0] == "unverified"
    assert status(first, [first], "M", result, set(), {})[0] == "confirmed"


@pytest.mark.parametrize(("value", "expected"), [(False, (False,)), (True, (True,)), ("both", (False, True))])
def test_export_strict_setting(value, expected) -> None:
    config = parse_table({"confirm": {"export-strict": value}}, "pyproject.toml", None, [])
    assert config.confirm.export_strict == expected


@pytest.mark.parametrize("value", ["yes", 1, ["strict"]])
def test_export_strict_rejects_anything_else(value) -> None:
    with pytest.raises(ConfigError, match='`confirm.export-strict` must be true, false or "both"'):
        parse_table({"confirm": {"export-strict": value}}, "pyproject.toml", None, [])
