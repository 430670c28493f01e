"""Every data type that crosses a module boundary, as frozen dataclasses."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional, Tuple


class Severity(str, enum.Enum):
    ERROR = "error"  # torch.jit.script (or, in export mode, torch.export.export) fails
    # trace silently wrong, a silent change of meaning under scripting, or (export mode) a value
    # export specializes or TorchScript-only code to migrate
    WARNING = "warning"


class Mode(str, enum.Enum):
    SCRIPT = "script"
    TRACE = "trace"
    EXPORT = "export"  # torch.export.export


@dataclass(frozen=True, order=True)
class Position:
    """1-based row, 1-based column (end columns are exclusive)."""

    row: int
    column: int


@dataclass(frozen=True)
class TextEdit:
    start: Position
    end: Position
    content: str


class Applicability(str, enum.Enum):
    """Ruff's names: a safe fix keeps the program's meaning; an unsafe one may change it."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Fix:
    message: str
    edits: Tuple[TextEdit, ...] = ()
    applicability: Applicability = Applicability.SAFE


@dataclass(frozen=True)
class Confirmation:
    status: str  # confirmed | refuted | unverified
    detail: str


@dataclass(frozen=True)
class RuleInfo:
    """What the catalogue, the formatters and the docs know about a rule."""

    code: str
    name: str
    severity: Severity
    mode: Mode
    message: str
    fix_hint: str
    summary: str
    # Fragments of what torch says when it fails on this rule's construct: `--confirm` matches them
    # when torch points at no line of the linted files (no location, or inside torch's own source),
    # and when it highlights a flagged line outside the class's scope (a submodule the index missed).
    # tests/test_torch_agreement.py checks each Bad fixture's error against them.
    torch_messages: Tuple[str, ...] = ()
    # False for a rule that only a full code in `select` / `extend-select` turns on (TS002, TS404, TS503).
    default_enabled: bool = True


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    mode: Mode
    message: str
    filename: str
    location: Position
    end_location: Position
    symbol: Optional[str] = None
    fix: Optional[Fix] = None
    confirmation: Optional[Confirmation] = None

    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.filename, self.location.row, self.location.column, self.code)


@dataclass(frozen=True)
class FileError:
    """A file that could not be processed for a reason that is not a finding in it."""

    filename: str
    message: str


@dataclass(frozen=True)
class LintResult:
    diagnostics: Tuple[Diagnostic, ...]
    errors: Tuple[FileError, ...] = ()
    files: int = 0
    internal_errors: int = field(default=0)
    fixed: int = 0  # with --fix: the findings fixes removed (the diagnostics are what remains)
