"""What a `--confirm` worker says of one class, as the parent reads it: each field checked, since
only user code can have made a malformed record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from tslint.confirm.export_status import ExportResult, _number, _text
from tslint.confirm.export_status import parse as parse_export
from tslint.confirm.torch_errors import TorchSpan, first_span

MAX_DETAIL = 500  # characters of a reason quoted from the child (an exception's text)


@dataclass(frozen=True)
class ClassResult:
    qualname: str
    unverified: Optional[str]  # why torch could not be asked
    line: int = 1
    compiled: bool = False
    failures: Tuple[Tuple[str, Optional[TorchSpan]], ...] = ()
    masked: Tuple[str, ...] = ()
    exported: Tuple[str, ...] = ()  # methods torch was made to compile after masking
    tracer_warnings: Tuple[Tuple[str, int], ...] = ()  # (resolved path, line) of each TracerWarning
    diverged: Tuple[int, ...] = ()  # input sets on which traced and eager answers differ
    warning_texts: Tuple[Tuple[str, int, str], ...] = ()  # (resolved path, line, first line) of each TracerWarning
    input_sets: int = 0
    export: Optional[ExportResult] = None  # an export job's verdict


def _class_result(record: dict) -> ClassResult:
    """A ClassResult from a record, each field checked: a malformed one (which only user code can
    have made) makes the class unverified. Spans are found again here from torch's messages."""
    qualname = record["qualname"]
    try:
        status = record.get("status")
        if str(record.get("kind")).startswith("export") and status in ("failed", "exported"):
            return ClassResult(qualname, None, _number(record.get("line", 1)), export=parse_export(record))
        if status == "traced":
            warned = tuple((_text(p), _number(n)) for p, n in record["warnings"])
            texts = tuple((_text(p), _number(n), _text(t)[:MAX_DETAIL]) for p, n, t in record.get("messages", ()))
            return ClassResult(
                qualname,
                None,
                _number(record.get("line", 1)),
                tracer_warnings=warned,
                diverged=tuple(_number(n) for n in record["diverged"]),
                input_sets=_number(record["input_sets"]),
                warning_texts=texts,
            )
        line = _number(record.get("line", 1))
        if status != "done":
            return ClassResult(qualname, _text(record.get("detail", "unknown"))[:MAX_DETAIL], line)
        messages = [_text(f["message"]) for f in record["failures"]]
        if not isinstance(record["compiled"], bool):
            raise TypeError("compiled")
        return ClassResult(
            qualname,
            None,
            line,
            record["compiled"],
            tuple((m, first_span(m)) for m in messages),
            tuple(_text(s) for s in record["masked"]),
            tuple(_text(s) for s in record.get("exported", ())),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return ClassResult(qualname, "the child process sent a malformed result")
