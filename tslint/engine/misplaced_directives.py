"""TS003: a file-level directive where it has no effect. `# tslint: skip-file` and `# tslint: noqa:
TS101` act only in the file's leading comments or docstring area (before the first statement); one
further down, or at the end of a line of code, is ignored, and a bare `# tslint: noqa` (no codes)
is nothing anywhere. The file is then linted as if the comment were not there: reported, so that
whoever wrote it to skip the file or silence a code learns that it did not."""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from tslint.engine.suppression import leading_comments, scan, split_lines
from tslint.findings import Diagnostic, Mode, Position, RuleInfo, Severity

MISPLACED_DIRECTIVE = RuleInfo(
    code="TS003",
    name="misplaced-file-directive",
    severity=Severity.WARNING,
    mode=Mode.SCRIPT,
    message="{detail}",
    fix_hint="File-level directives go above the first statement, with codes (`# tslint: noqa: TS101`, "
    "`# tslint: skip-file`); for one line, write `# noqa: TS101` at its end.",
    summary="A `# tslint: skip-file` or `# tslint: noqa: TS…` comment below the file's leading area, "
    "or a `# tslint: noqa` naming no codes: it has no effect.",
)

_SKIP = re.compile(r"#\s*tslint:\s*skip-file\b", re.IGNORECASE)
_CODES = re.compile(r"#\s*tslint:\s*noqa\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
_BARE = re.compile(r"#\s*tslint:\s*noqa\b(?!\s*:)", re.IGNORECASE)


def misplaced_directives(text: str, filename: str) -> List[Diagnostic]:
    """One TS003 per file-level directive of `text` that has no effect. A source that does not
    tokenize gives none (its TS001 says why it was not checked)."""
    lowered = text.lower()
    if "tslint" not in lowered or ("skip-file" not in lowered and "noqa" not in lowered):
        return []
    scanned = scan(text)
    if scanned is None:
        return []
    leading = {(row, column) for row, column, _ in leading_comments(text)}
    lines = split_lines(text)
    found = []
    for row, column, comment in scanned[0]:
        problem = _problem(comment, (row, column) in leading, _code_before(lines, row, column))
        if problem is not None:
            start, end, detail = problem
            found.append(_finding(filename, row, column + start, column + end, detail))
    return found


def _code_before(lines: List[str], row: int, column: int) -> bool:
    return row <= len(lines) and bool(lines[row - 1][:column].strip())


def _problem(comment: str, in_leading_area: bool, after_code: bool) -> Optional[Tuple[int, int, str]]:
    """(start, end, message) of the directive in `comment` that has no effect, if any."""
    bare = _BARE.search(comment)
    if bare is not None:
        # At the end of a line of code, a file-level `# tslint: noqa: TS101` would be a TS003 too:
        # point to the line's own forms instead.
        advice = (
            "to suppress on this line, write `# noqa: TS101` (or `# tslint: ignore` for every code)"
            if after_code
            else "name them (`# tslint: noqa: TS101`), or skip the whole file with `# tslint: skip-file`"
        )
        return bare.start(), bare.end(), f"`# tslint: noqa` names no codes, so it suppresses nothing: {advice}."
    if in_leading_area:
        return None
    where = "at the end of a line of code" if after_code else "below the file's first statement"
    skip = _SKIP.search(comment)
    if skip is not None:
        return (
            skip.start(),
            skip.end(),
            (
                f"`# tslint: skip-file` has no effect {where}: it skips the file only in the leading comments "
                "or docstring area, before the first statement."
            ),
        )
    codes = _CODES.search(comment)
    if codes is None:
        return None
    names = ", ".join(re.split(r"[\s,]+", codes.group("codes").strip().upper()))
    advice = f" To suppress on this line, write `# noqa: {names}`." if after_code else ""
    return (
        codes.start(),
        codes.end(),
        (
            f"`# tslint: noqa: {names}` has no effect {where}: a file-level suppression acts only in the "
            f"leading comments or docstring area, before the first statement.{advice}"
        ),
    )


def _finding(filename: str, row: int, start: int, end: int, detail: str) -> Diagnostic:
    info = MISPLACED_DIRECTIVE
    return Diagnostic(
        code=info.code,
        name=info.name,
        severity=info.severity,
        mode=info.mode,
        message=info.message.format(detail=detail),
        filename=filename,
        location=Position(row, start + 1),
        end_location=Position(row, end + 1),
    )
