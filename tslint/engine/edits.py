"""Applying fixes to a file's text: the edits of non-overlapping fixes in one pass.

Positions are those of the findings (tslint/findings.py): 1-based rows and columns counted in
characters of the decoded text, end exclusive. Rows are split as Python and libcst split them
(`\\r\\n`, `\\r` or `\\n`), so a CRLF file keeps its line endings: only the edited ranges change.
"""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

from tslint.findings import Fix, Position, TextEdit

_NEWLINE = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> List[int]:
    """The offset of each row's first character: row 1 at index 0."""
    return [0] + [match.end() for match in _NEWLINE.finditer(text)]


def offset(starts: Sequence[int], text_length: int, position: Position) -> Optional[int]:
    """The text offset of `position`, or None when it is not in the text."""
    if not 1 <= position.row <= len(starts) or position.column < 1:
        return None
    row_end = starts[position.row] if position.row < len(starts) else text_length
    value = starts[position.row - 1] + position.column - 1
    return value if value <= row_end else None


def newline_of(text: str) -> str:
    """The file's line ending: that of its first line (\\n when it has none)."""
    match = _NEWLINE.search(text)
    return match.group(0) if match else "\n"


def _span(starts: Sequence[int], length: int, edit: TextEdit) -> Optional[Tuple[int, int]]:
    start, end = offset(starts, length, edit.start), offset(starts, length, edit.end)
    if start is None or end is None or end < start:
        return None
    return start, end


def _overlaps(span: Tuple[int, int], taken: Sequence[Tuple[int, int]]) -> bool:
    """Whether `span` touches a span already taken: two insertions at one point conflict too, since
    their order would be a guess."""
    start, end = span
    for other_start, other_end in taken:
        if start < other_end and other_start < end:
            return True
        if start == end == other_start or other_start == other_end == start:
            return True
    return False


def apply_fixes(text: str, fixes: Sequence[Fix]) -> Tuple[str, List[Fix], List[Fix]]:
    """`text` with the edits of `fixes` applied in one pass: (new text, fixes applied, fixes deferred).
    Fixes are taken in order; one whose edits overlap an applied fix's, or fall outside the text,
    is deferred (the next round, on the new text, reports it again if it still applies)."""
    starts = line_starts(text)
    newline = newline_of(text)
    taken: List[Tuple[int, int]] = []
    replacements: List[Tuple[int, int, str]] = []
    applied: List[Fix] = []
    deferred: List[Fix] = []
    for fix in fixes:
        spans = [_span(starts, len(text), edit) for edit in fix.edits]
        if not fix.edits or any(span is None for span in spans) or any(_overlaps(s, taken) for s in spans):
            deferred.append(fix)
            continue
        if _overlaps_itself(spans):
            deferred.append(fix)
            continue
        for span, edit in zip(spans, fix.edits):
            taken.append(span)
            replacements.append((span[0], span[1], _with_newline(edit.content, newline)))
        applied.append(fix)
    for start, end, content in sorted(replacements, reverse=True):
        text = text[:start] + content + text[end:]
    return text, applied, deferred


def _overlaps_itself(spans) -> bool:
    seen: List[Tuple[int, int]] = []
    for span in spans:
        if _overlaps(span, seen):
            return True
        seen.append(span)
    return False


def _with_newline(content: str, newline: str) -> str:
    """Edit text generated with `\\n` line breaks, in the file's own line ending."""
    if newline == "\n" or "\n" not in content:
        return content
    return _NEWLINE.sub(newline, content)
