"""Edits to suppression comments, shared by `--add-noqa`, the unused-suppression fix (TS002) and the
language server's "suppress" code actions: add codes to a row's `# noqa` (or start one) or to the
file-level directive (or start one), remove codes from a directive, add `# tslint: skip-file`. Pure
text: 1-based rows and columns (code points), end exclusive, as tslint.findings.TextEdit."""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set

from tslint.engine.suppression import FILE, IGNORE, NOQA, Directive, file_directives, split_lines, suppressions
from tslint.findings import Position, TextEdit

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=]")  # PEP 263: the cookie may only be on line 1 or 2


def _directive_text(kind: str, codes: Sequence[str]) -> str:
    if kind == FILE:
        return f"# tslint: noqa: {', '.join(codes)}"
    return f"# noqa: {', '.join(codes)}" if kind == NOQA else f"# tslint: ignore[{','.join(codes)}]"


def _sorted_codes(codes: Iterable[str]) -> List[str]:
    return sorted({code.upper() for code in codes})


def add_codes_edit(line: str, row: int, codes: Iterable[str], directives: Sequence[Directive]) -> Optional[TextEdit]:
    """The edit that makes the comment of `line` (row `row`, no line break) suppress `codes`: merged
    into its `# noqa: ...` (else its `# tslint: ignore[...]`), codes sorted and unique, or a new
    `  # noqa: ...` at the end of the line. None when the line suppresses them already."""
    wanted = set(_sorted_codes(codes))
    if any(d.codes is None for d in directives) or not wanted:
        return None  # a bare directive suppresses every code already
    for kind in (NOQA, IGNORE):
        target = next((d for d in directives if d.kind == kind and d.codes is not None), None)
        if target is None:
            continue
        assert target.codes is not None
        if wanted <= set(target.codes):
            return None
        merged = _sorted_codes([*target.codes, *wanted])
        return TextEdit(Position(row, target.start + 1), Position(row, target.end + 1), _directive_text(kind, merged))
    kept = line.rstrip()
    separator = "  " if kept else ""
    return TextEdit(
        Position(row, len(kept) + 1), Position(row, len(line) + 1), f"{separator}# noqa: {', '.join(sorted(wanted))}"
    )


def noqa_edits(source: str, codes_by_row: Mapping[int, Iterable[str]]) -> Optional[List[TextEdit]]:
    """The edits that suppress each row's codes with `# noqa`, one per line changed: a code reported
    on a row that ends inside a multi-line string or with a backslash goes on the row where that
    ends (the row whose comment covers it). None when `source` does not tokenize."""
    found = suppressions(source, always_scan=True)
    if not found.exact:
        return None
    lines = split_lines(source)
    wanted: Dict[int, Set[str]] = {}
    for row, codes in codes_by_row.items():
        if 1 <= row <= len(lines):
            wanted.setdefault(found.anchor(row), set()).update(codes)
    edits = []
    for row, codes in sorted(wanted.items()):
        edit = add_codes_edit(lines[row - 1], row, codes, found.by_row.get(row, ()))
        if edit is not None:
            edits.append(edit)
    return edits


def remove_codes_edit(line: str, directive: Directive, codes: Iterable[str], last_row: bool = False) -> TextEdit:
    """The edit that removes `codes` from `directive` (on `line`), or the whole directive (and the
    comment, when nothing else is in it) if no code would remain. A file-level directive alone on its
    line goes with the line (and its line break, unless `last_row`)."""
    row, start, end = directive.row, directive.start, directive.end
    removed = {code.upper() for code in codes}
    remaining = list(dict.fromkeys(c for c in directive.codes or () if c not in removed))
    if remaining:
        return TextEdit(Position(row, start + 1), Position(row, end + 1), _directive_text(directive.kind, remaining))
    before_end = len(line[:start].rstrip())  # the whitespace before the directive goes with it
    after = line[end:]
    if directive.kind == FILE and not before_end and not after.strip() and not last_row:
        return TextEdit(Position(row, 1), Position(row + 1, 1), "")
    if not after.strip():  # nothing after it: drop it to the end of the line
        return TextEdit(Position(row, before_end + 1), Position(row, len(line) + 1), "")
    if start > directive.comment:  # `# type: ignore  # noqa: TS101  # why`: keep both neighbours
        return TextEdit(Position(row, before_end + 1), Position(row, end + 1), "")
    rest = after.lstrip()
    if rest.startswith("#"):  # `# noqa: TS101  # why` -> `# why`
        return TextEdit(Position(row, start + 1), Position(row, end + len(after) - len(rest) + 1), "")
    return TextEdit(Position(row, start + 1), Position(row, end + 1), "#")  # `# noqa: TS101 why` -> `# why`


def _top_row(lines: Sequence[str]) -> int:
    """The first row after a shebang and an encoding cookie (which must stay on the first two lines)."""
    row = 1
    while row <= min(2, len(lines)) and (_CODING.match(lines[row - 1]) or (row == 1 and lines[0].startswith("#!"))):
        row += 1
    return row


def _insert_at_top(source: str, text: str) -> TextEdit:
    """The edit that inserts the line `text` at the top of `source`: after a shebang and an encoding
    cookie, in the file's line breaks."""
    lines = split_lines(source)
    match = _LINE_BREAK.search(source)
    newline = match.group(0) if match else "\n"
    row = _top_row(lines)
    if row > len(lines):  # only a shebang or a cookie, and no line break after it
        last = lines[-1]
        return TextEdit(Position(len(lines), len(last) + 1), Position(len(lines), len(last) + 1), f"{newline}{text}")
    return TextEdit(Position(row, 1), Position(row, 1), f"{text}{newline}")


def skip_file_edit(source: str) -> TextEdit:
    """The edit that adds `# tslint: skip-file` at the top of `source` (see _insert_at_top)."""
    return _insert_at_top(source, "# tslint: skip-file")


def file_noqa_edit(source: str, codes: Iterable[str]) -> Optional[TextEdit]:
    """The edit that makes the file-level directive of `source` suppress `codes`: merged into its first
    `# tslint: noqa: ...` (codes sorted and unique), or a new one at the top, after a shebang and an
    encoding cookie. None when the file suppresses them already."""
    wanted = set(_sorted_codes(codes))
    if not wanted:
        return None
    existing = file_directives(source)
    if wanted <= {code for d in existing for code in d.codes or ()}:
        return None
    if existing:
        target = existing[0]
        merged = _sorted_codes([*(target.codes or ()), *wanted])
        return TextEdit(
            Position(target.row, target.start + 1), Position(target.row, target.end + 1), _directive_text(FILE, merged)
        )
    return _insert_at_top(source, _directive_text(FILE, sorted(wanted)))


def apply_edits(source: str, edits: Iterable[TextEdit]) -> str:
    """`source` with `edits` applied; they must not overlap (positions refer to `source`)."""
    starts = [0, *(match.end() for match in _LINE_BREAK.finditer(source))]

    def offset(position: Position) -> int:
        if position.row > len(starts):
            return len(source)
        return min(starts[position.row - 1] + position.column - 1, len(source))

    text = source
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: offset(edit.start)] + edit.content + text[offset(edit.end) :]
    return text
