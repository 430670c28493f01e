"""`tslint --add-noqa` (ruff's name): suppress every remaining finding in place with `# noqa: TSxxx`
on the row whose comment tslint reads for it, merged into the `# noqa: ...` already there. The
file's encoding (BOM, coding cookie), line breaks and every other byte are kept."""

from __future__ import annotations

import io
import os
import tokenize
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

from tslint.engine.suppression_edits import apply_edits, noqa_edits
from tslint.engine.unused_suppressions import UNUSED_SUPPRESSION
from tslint.files import SourceFile
from tslint.findings import Diagnostic

# Not suppressed: an unused suppression is removed (its fix), not suppressed in turn.
NOT_SUPPRESSED = frozenset({UNUSED_SUPPRESSION.code})


@dataclass(frozen=True)
class AddNoqaReport:
    added: int  # directives added or extended, one per line changed
    files: int  # files changed
    problems: Tuple[Tuple[str, str], ...]  # (filename, why it was left alone)


def add_noqa(diagnostics: Sequence[Diagnostic]) -> AddNoqaReport:
    rows: Dict[str, Dict[int, Set[str]]] = defaultdict(lambda: defaultdict(set))
    for d in diagnostics:
        if d.code not in NOT_SUPPRESSED:
            rows[d.filename][d.location.row].add(d.code)
    added = files = 0
    problems: List[Tuple[str, str]] = []
    for filename in sorted(rows):
        try:
            count = add_to_file(Path(filename), rows[filename])
        except _LeftAlone as why:
            problems.append((filename, str(why)))
            continue
        added += count
        files += 1 if count else 0
    return AddNoqaReport(added, files, tuple(problems))


class _LeftAlone(Exception):
    pass


def add_to_file(path: Path, codes_by_row: Dict[int, Set[str]]) -> int:
    """Add the directives to the file at `path`; the number of lines changed."""
    from tslint.engine.parsing import MAX_FILE_BYTES, read_source

    data, problem = read_source(SourceFile(path, str(path)))
    if data is None or len(data) > MAX_FILE_BYTES:
        raise _LeftAlone(problem.message if problem is not None else "the file is too large")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        raise _LeftAlone(f"cannot decode the file ({error})") from None
    edits = noqa_edits(text, codes_by_row)
    if edits is None:
        raise _LeftAlone("the file does not tokenize, so no comment can be placed safely")
    if not edits:
        return 0
    try:
        new = apply_edits(text, edits).encode(encoding)
    except UnicodeEncodeError as error:  # a code is ASCII: cannot happen, but never write half a file
        raise _LeftAlone(f"cannot encode the file as {encoding} ({error})") from None
    _write_in_place(path, new)
    return len(edits)


def _write_in_place(path: Path, data: bytes) -> None:
    """Write `data` over the file's contents (the same inode: permissions, links and owner stay)."""
    try:
        with open(path, "r+b") as stream:
            stream.write(data)
            stream.truncate()
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as error:
        raise _LeftAlone(f"cannot write the file ({error.strerror or error})") from None


def run_add_noqa(result, silent: bool) -> bool:
    """--add-noqa on a run's result: the files edited, what happened said on stderr. True when a
    file was left alone or part of the input could not be checked."""
    import sys

    from tslint.formatters import escape_terminal

    report = add_noqa(result.diagnostics)
    for filename, why in report.problems:
        sys.stderr.write(escape_terminal(f"tslint: error: {filename}: no noqa added: {why}") + "\n")
    for error in result.errors:
        sys.stderr.write(escape_terminal(f"tslint: error: {error.filename}: {error.message}") + "\n")
    if not silent:
        plural = "directive" if report.added == 1 else "directives"
        files = f" in {report.files} file{'' if report.files == 1 else 's'}" if report.added else ""
        sys.stderr.write(f"Added {report.added} noqa {plural}{files}.\n")
    return bool(report.problems or result.internal_errors)
