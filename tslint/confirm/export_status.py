"""`--confirm` in export mode, the parent's side: which classes to export, each worker record checked,
each TS5xx finding confirmed or refuted from torch.export.export's verdict, TS000 for the rest.

A finding is `confirmed` when export failed at one of its lines (a line torch's message or
traceback names), or failed without naming a line of the project with a message the finding's rule
predicts (`Constraints violated` of a `Dim` for the class's only TS503); or, for a warning (a
specialization, frozen state or random numbers), when the exported program answers otherwise than
eager mode and no other finding of the class could explain it. An error finding is `refuted` when
torch exported the class and the example inputs ran the finding's line. Everything else is
`unverified`, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from tslint.compiled_scope import CompiledScope
from tslint.confirm.torch_errors import headline
from tslint.findings import Confirmation, Diagnostic, Mode, Position, Severity

CONFIRMED, REFUTED, UNVERIFIED = "confirmed", "refuted", "unverified"
SPECIALIZATION = "TS503"
MIGRATION_HINT = "TS504"
MAX_DETAIL = 500


@dataclass(frozen=True)
class ExportResult:
    strict: bool
    exported: bool
    error: str = ""
    lines: Tuple[Tuple[str, int], ...] = ()  # (real path, line) torch named, outermost first
    executed: FrozenSet[Tuple[str, int]] = frozenset()
    diverged: Tuple[int, ...] = ()
    dynamic: bool = False


def parse(record: dict) -> ExportResult:
    """An ExportResult from a worker's record, every field checked (TypeError/KeyError otherwise)."""
    strict = record["strict"]
    if not isinstance(strict, bool):
        raise TypeError("strict")
    executed = frozenset((_text(p), _number(n)) for p, n in record["executed"])
    if record["status"] == "failed":
        lines = tuple((_text(p), _number(n)) for p, n in record["lines"])
        return ExportResult(strict, False, _text(record["error"])[:MAX_DETAIL], lines, executed)
    if record["status"] != "exported" or not isinstance(record["dynamic"], bool):
        raise TypeError("status")
    return ExportResult(
        strict, True, executed=executed, diverged=tuple(map(_number, record["diverged"])), dynamic=record["dynamic"]
    )


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _number(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def _rows(finding: Diagnostic) -> range:
    return range(finding.location.row, finding.end_location.row + 1)


def _where(finding: Diagnostic) -> str:
    return str(Path(finding.filename).resolve())


def _call(name: str, result: ExportResult) -> str:
    return f"torch.export.export({name}, strict={result.strict})"


def _located(finding: Diagnostic, result: ExportResult) -> bool:
    where = _where(finding)
    return any(path == where and row in _rows(finding) for path, row in result.lines)


def status(
    finding: Diagnostic,
    findings: Sequence[Diagnostic],
    name: str,
    result: ExportResult,
    linted: Set[str],
    torch_messages: Dict[str, Tuple[str, ...]],
) -> Tuple[str, str]:
    """The status of one finding from one export of its class (`findings`: the class's findings)."""
    if finding.code == MIGRATION_HINT:
        return UNVERIFIED, "a migration hint: export runs this code, nothing for torch to confirm"
    call = _call(name, result)
    if not result.exported:
        if _located(finding, result):
            return CONFIRMED, f"{call} failed here: {result.error}"
        if not any(path in linted for path, _ in result.lines):
            if any(fragment in result.error for fragment in torch_messages.get(finding.code, ())):
                return CONFIRMED, f"{call}: {result.error}"
            specializations = [d for d in findings if d.code == SPECIALIZATION]
            if "Constraints violated" in result.error and specializations == [finding]:
                return CONFIRMED, f"{call}: {result.error}"
        return UNVERIFIED, f"{call} failed elsewhere first: {result.error}"[:MAX_DETAIL]
    ran = any((_where(finding), row) in result.executed for row in _rows(finding))
    if finding.severity is Severity.ERROR:
        if ran:
            return REFUTED, f"{call} exported this code (the example inputs ran this line)"
        return UNVERIFIED, f"{call} succeeded, but the example inputs did not run this line"
    warnings = [d for d in findings if d.severity is Severity.WARNING and d.code != MIGRATION_HINT]
    if result.diverged and warnings == [finding]:
        calls = ", ".join(map(str, result.diverged))
        return CONFIRMED, f"the program of {call} answers otherwise than eager mode (call {calls})"
    if result.diverged:
        return UNVERIFIED, "the exported program answers otherwise than eager mode; several findings could explain it"
    if finding.code == SPECIALIZATION and not result.dynamic:
        return UNVERIFIED, "no dynamic-shapes configured: export makes every dimension static, so nothing specializes"
    return UNVERIFIED, f"{call} exported it and answered as eager mode on the example inputs"


def unpredicted(
    name: str,
    display: str,
    line: int,
    findings: Sequence[Diagnostic],
    result: ExportResult,
    displays: Dict[str, str],
    torch_messages: Dict[str, Tuple[str, ...]],
) -> Optional[Diagnostic]:
    """TS000 for an export failure or disagreement that no finding of the class explains."""
    if not result.exported:
        if any(status(d, findings, name, result, set(displays), torch_messages)[0] == CONFIRMED for d in findings):
            return None
        ours = [(path, row) for path, row in result.lines if path in displays]
        if not ours and any(d.severity is Severity.ERROR for d in findings):
            return None  # torch named no line of the project; the class's findings carry the message
        filename, row = (displays[ours[-1][0]], ours[-1][1]) if ours else (display, line)
        text = f"torch.export.export failed here and no tslint rule predicted it: {headline(result.error)}"
        severity = Severity.ERROR
    elif result.diverged and not findings:
        filename, row, severity = display, line, Severity.WARNING
        calls = ", ".join(map(str, result.diverged))
        text = f"the program of {_call(name, result)} answers otherwise than eager mode (call {calls})"
    else:
        return None
    return Diagnostic(
        code="TS000",
        name="torch-script-failure",
        severity=severity,
        mode=Mode.EXPORT,
        message=text,
        filename=filename,
        location=Position(row, 1),
        end_location=Position(row, 2),
        symbol=name,
        confirmation=Confirmation(CONFIRMED, f"reported by {_call(name, result)}"),
    )


def export_jobs(result, sources, everything: bool, config, index) -> List[dict]:
    """The fields of an export job (tslint.confirm.runner.ClassJob) per module class and configured
    strictness: every class with example inputs, or (--confirm=findings) with a TS5xx finding in
    what export runs for it."""
    by_display = {s.display: s for s in sources}
    export_findings = [d for d in result.diagnostics if d.mode is Mode.EXPORT]
    jobs = []
    for qualname in sorted(index.module_classes):
        info = index.classes[qualname]
        if info.path not in by_display:
            continue
        run = {(f.info.path, f.info.symbol) for f in CompiledScope(index, roots=[qualname], exporting=True).functions()}
        found = [d for d in export_findings if (d.filename, d.symbol) in run]
        module, _, class_name = qualname.rpartition(".")
        inputs = config.confirm.example_inputs.get(f"{module}:{class_name}")
        if found or (everything and inputs is not None):
            shapes = config.confirm.dynamic_shapes.get(f"{module}:{class_name}")
            for strict in config.confirm.export_strict:
                kind = "export-strict" if strict else "export"
                jobs.append(
                    {
                        "qualname": qualname,
                        "path": by_display[info.path].path,
                        "display": info.path,
                        "findings": found,
                        "inputs": inputs,
                        "kind": kind,
                        "shapes": shapes,
                    }
                )
    return jobs
