"""Positions and findings as the client sees them: its line breaks, its column encoding (UTF-16 by
default), LSP diagnostics with their rule pages, hover text."""

from __future__ import annotations

import re
from typing import List, Optional, Sequence

from lsprotocol import types

from tslint import explain
from tslint.findings import Diagnostic, Position, Severity

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the LSP's line breaks (str.splitlines knows more)


def split_lines(text: str) -> List[str]:
    return _LINE_BREAK.split(text)


def code_units(text: str, encoding: str) -> int:
    """The length of `text` in the code units of `encoding` (an LSP PositionEncodingKind)."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def to_client_column(lines: Sequence[str], row: int, column: int, encoding: str) -> int:
    """A 0-based code-point column of line `row` (0-based) in the client's code units."""
    line = lines[row] if 0 <= row < len(lines) else ""
    return code_units(line[:column], encoding)


def from_client_column(lines: Sequence[str], row: int, units: int, encoding: str) -> int:
    """The 0-based code-point column at `units` code units into line `row` (0-based)."""
    line = lines[row] if 0 <= row < len(lines) else ""
    count = 0
    for index, character in enumerate(line):
        if count >= units:
            return index
        count += code_units(character, encoding)
    return len(line)


def page_uri(code: str) -> Optional[str]:
    folder = explain.pages_folder()
    path = folder / f"{code.upper()}.md" if folder is not None else None
    return path.resolve().as_uri() if path is not None and path.is_file() else None


def lsp_range(start: Position, end: Position, lines: Sequence[str], encoding: str) -> types.Range:
    """tslint's 1-based rows and code-point columns (end exclusive) as the client's range."""
    return types.Range(
        start=types.Position(
            line=start.row - 1, character=to_client_column(lines, start.row - 1, start.column - 1, encoding)
        ),
        end=types.Position(line=end.row - 1, character=to_client_column(lines, end.row - 1, end.column - 1, encoding)),
    )


def to_lsp(diagnostic: Diagnostic, lines: Sequence[str], encoding: str) -> types.Diagnostic:
    severity = (
        types.DiagnosticSeverity.Error if diagnostic.severity is Severity.ERROR else types.DiagnosticSeverity.Warning
    )
    href = page_uri(diagnostic.code)
    return types.Diagnostic(
        range=lsp_range(diagnostic.location, diagnostic.end_location, lines, encoding),
        message=diagnostic.message,
        severity=severity,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=href) if href is not None else None,
        source="tslint",
        data={"name": diagnostic.name},
    )


def hover_text(findings: Sequence[Diagnostic]) -> str:
    """Every finding, then the rule page of each code once."""
    parts = [f"**{d.code}** ({d.name}) {d.message}" for d in findings]
    for code in dict.fromkeys(d.code for d in findings):
        page = explain.page(code)
        if page:
            parts.append(page)
    return "\n\n---\n\n".join(parts)


# --- the JSON-RPC layer ---------------------------------------------------------------------------
