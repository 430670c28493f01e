"""Inline suppressions: `# tslint: ignore[TS101]`, bare `# tslint: ignore`, `# noqa: TS101`, and in
the file's leading comments or docstring area `# tslint: noqa: TS101, TS205` (those codes everywhere
in the file, ruff's `# ruff: noqa: F401`) and `# tslint: skip-file` (every code).

A suppression comment covers the row it is on. A row that ends inside a multi-line string or with a
backslash continuation cannot hold a comment: such rows are joined to the row where the string or
the continuation ends, whose comment covers them all (ruff's rule for `# noqa`). Only real comments
count (found with Python's tokenizer); a file that does not tokenize falls back to a search of each
line's text."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

_IGNORE = re.compile(r"#\s*tslint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_SKIP_FILE = re.compile(r"#\s*tslint:\s*skip-file\b", re.IGNORECASE)
_FILE_NOQA = re.compile(r"#\s*tslint:\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # libcst's and the tokenizer's line breaks (not str.splitlines's)

ALL = frozenset({"*"})
NOQA, IGNORE = "noqa", "ignore"
FILE = "file"  # a file-level directive in the leading area: its codes on every row


@dataclass(frozen=True)
class Directive:
    """One suppression comment (or the part of a comment that is one)."""

    row: int  # 1-based
    start: int  # 0-based code-point columns of the directive in its line, end exclusive
    end: int
    kind: str  # one of NOQA, IGNORE and FILE
    codes: Optional[Tuple[str, ...]]  # upper-cased, as written; None: bare, every code
    comment: int = 0  # 0-based column where the comment holding it starts

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


@dataclass
class Suppressions:
    """The directives of one source, and which rows each row's comment covers."""

    directives: Tuple[Directive, ...] = ()  # line directives (NOQA, IGNORE): each covers its row
    anchors: Dict[int, int] = field(default_factory=dict)  # row -> the later row whose comment covers it
    exact: bool = True  # False: the source did not tokenize and the lines were searched instead
    file_directives: Tuple[Directive, ...] = ()  # FILE directives: each covers every row

    def __post_init__(self) -> None:
        self.by_row: Dict[int, List[Directive]] = {}
        for directive in self.directives:
            self.by_row.setdefault(directive.row, []).append(directive)

    def anchor(self, row: int) -> int:
        return self.anchors.get(row, row)

    def matching(self, code: str, row: int) -> List[Directive]:
        """The directives that suppress `code` reported on `row`: its row's, then the file's."""
        on_row = [d for d in self.by_row.get(self.anchor(row), ()) if d.covers(code)]
        return on_row + [d for d in self.file_directives if d.covers(code)]

    def all_directives(self) -> Tuple[Directive, ...]:
        return (*self.file_directives, *self.directives)


def split_lines(source: str) -> List[str]:
    return _LINE_BREAK.split(source)


def _codes(text: Optional[str]) -> Optional[Tuple[str, ...]]:
    if text is None:
        return None
    codes = tuple(code.upper() for code in re.split(r"[\s,]+", text.strip()) if code)
    return codes or None


def directives_in(text: str, row: int, offset: int = 0, is_comment: bool = True) -> List[Directive]:
    """The directives in `text`, which starts at column `offset` of `row`: a comment, or else a whole
    line (each directive is then taken to start its comment)."""
    found = []
    for kind, pattern in ((IGNORE, _IGNORE), (NOQA, _NOQA)):
        for match in pattern.finditer(text):
            start, end = offset + match.start(), offset + match.end()
            found.append(
                Directive(row, start, end, kind, _codes(match.group("codes")), offset if is_comment else start)
            )
    return sorted(found, key=lambda d: d.start)


def _tokens(source: str) -> Iterator[tokenize.TokenInfo]:
    # Universal newlines: `\r` alone ends a line, as for libcst (the rows must agree).
    return tokenize.generate_tokens(io.StringIO(source, newline=None).readline)


_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def scan(source: str) -> Optional[Tuple[List[Tuple[int, int, str]], Dict[int, int]]]:
    """(comments as (row, column, text), anchors) of `source`, or None if it does not tokenize."""
    comments: List[Tuple[int, int, str]] = []
    spans: List[Tuple[int, int]] = []
    fstrings: List[int] = []
    previous: Optional[tokenize.TokenInfo] = None
    try:
        for token in _tokens(source):
            kind = token.type
            if kind == tokenize.COMMENT:
                comments.append((token.start[0], token.start[1], token.string))
            elif kind == tokenize.STRING and token.end[0] > token.start[0]:
                spans.append((token.start[0], token.end[0]))
            elif _FSTRING_START is not None and kind == _FSTRING_START:
                fstrings.append(token.start[0])
            elif _FSTRING_END is not None and kind == _FSTRING_END and fstrings:
                first = fstrings.pop()
                if token.end[0] > first:
                    spans.append((first, token.end[0]))
            if (
                previous is not None
                and token.start[0] > previous.end[0]
                and previous.type not in (tokenize.NEWLINE, tokenize.NL)
                and kind not in (tokenize.DEDENT, tokenize.ENDMARKER)
            ):  # a backslash continuation: no NEWLINE or NL token between the two rows
                spans.append((previous.end[0], token.start[0]))
            previous = token
    except (tokenize.TokenError, SyntaxError):
        return None
    return comments, _anchors(spans)


def _anchors(spans: Sequence[Tuple[int, int]]) -> Dict[int, int]:
    anchors: Dict[int, int] = {}
    merged: List[List[int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    for first, last in merged:
        for row in range(first, last):
            anchors[row] = last
    return anchors


def joined_rows(source: str) -> Optional[Dict[int, int]]:
    """Row -> the row whose end may hold its comment (rows not in it: themselves); None if the
    source does not tokenize."""
    scanned = scan(source)
    return None if scanned is None else scanned[1]


def suppressions(source: str, always_scan: bool = False) -> Suppressions:
    """The suppression directives of `source`. Cheap for a source that has none, unless
    `always_scan` (the rows a comment covers are then known even without a directive)."""
    lowered = source.lower()
    if not always_scan and "tslint" not in lowered and "noqa" not in lowered:
        return Suppressions()
    file_level = tuple(file_directives(source)) if "tslint" in lowered else ()
    scanned = scan(source)
    if scanned is None:
        found = [
            d
            for row, line in enumerate(split_lines(source), start=1)
            if "#" in line
            for d in directives_in(line, row, 0, False)
        ]
        return Suppressions(tuple(found), {}, False, file_level)
    comments, anchors = scanned
    found = [d for row, column, text in comments for d in directives_in(text, row, column)]
    return Suppressions(tuple(found), anchors, True, file_level)


def covers_none(source: str, codes: FrozenSet[str]) -> bool:
    """True when no suppression directive of `source` can cover any of `codes`, known without
    tokenizing it (`suppressions` tokenizes a file holding `noqa` or `tslint`, as most with flake8's
    `# noqa: F401` do). Without `tslint` in the source, its directives are `# noqa` ones, and every
    one in a comment is also a match of `_NOQA` in the whole text: a match starts at a `#` and holds
    no other, so none before a comment's `#` reaches into it, and from there the match is the
    comment's own (its codes perhaps followed by more from the next line: a superset). False: ask
    `suppressions`."""
    if "tslint" in source.lower():
        return False
    for match in _NOQA.finditer(source):
        found = _codes(match.group("codes"))
        if found is None or not codes.isdisjoint(found):
            return False
    return True


def line_suppressions(source: str) -> Dict[int, FrozenSet[str]]:
    """1-based row of a comment -> codes it suppresses (`{"*"}` for all)."""
    found: Dict[int, Set[str]] = {}
    for directive in suppressions(source).directives:
        found.setdefault(directive.row, set()).update(directive.codes or ALL)
    return {row: frozenset(codes) for row, codes in found.items()}


def leading_comments(source: str) -> Iterator[Tuple[int, int, str]]:
    """The comments of the file's leading area, as (row, column, text): the comments and blank lines
    before the first statement, the module docstring, and the comments right after it. Stops at the
    first statement, or where the source stops tokenizing."""
    in_docstring, docstring_done = False, False
    try:
        for token in _tokens(source):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.start[1], token.string
            elif token.type == tokenize.STRING and not docstring_done:
                in_docstring = True  # "a" "b" is one docstring of two tokens
            elif token.type == tokenize.NEWLINE and in_docstring:
                in_docstring, docstring_done = False, True
            elif token.type not in (tokenize.NL, tokenize.ENCODING):
                return
    except (tokenize.TokenError, SyntaxError):
        return


def file_directives(source: str) -> List[Directive]:
    """The `# tslint: noqa: TS101, TS205` directives of the file's leading area (FILE directives)."""
    if "noqa" not in source.lower():
        return []
    found = []
    for row, column, text in leading_comments(source):
        for match in _FILE_NOQA.finditer(text):
            start, end = column + match.start(), column + match.end()
            found.append(Directive(row, start, end, FILE, _codes(match.group("codes")), column))
    return found


def skips_file(source: str) -> bool:
    """True if `# tslint: skip-file` is in the file's leading area (see leading_comments). A file that
    does not tokenize before it is not skipped: the engine reports its TS001."""
    if "skip-file" not in source.lower():
        return False
    return any(_SKIP_FILE.search(text) for _, _, text in leading_comments(source))
