"""`--fix`: apply the fixes of findings, lint again, and repeat until nothing changes (bounded).

Run-level, above the API (it lints through `api.lint_sources`); it writes nothing: the caller decides
whether to write the fixed files (`--fix`), print a diff (`--diff`) or the fixed source (stdin).
Data flows one way: findings -> their fixes, filtered by applicability -> the edits of
non-overlapping fixes applied in one pass (tslint/engine/edits.py) -> a check that the result still
parses -> the next lint of the changed files.
"""

from __future__ import annotations

import ast
import difflib
import io
import sys
import tokenize
import warnings
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import libcst as cst

from tslint.engine.edits import apply_fixes
from tslint.engine.parsing import decode
from tslint.findings import Applicability, Diagnostic, FileError, Fix, LintResult

MAX_ROUNDS = 10  # ruff stops at 100; a fix here rarely enables another, and each round is a lint


@dataclass(frozen=True)
class FixedFile:
    """One file the fixes changed (or would have changed, with `error` set and nothing kept)."""

    filename: str
    original: bytes
    fixed: bytes  # the original bytes when `error` is set
    fixed_codes: Tuple[Tuple[str, int], ...]  # (code, fixes applied), by code
    error: Optional[str] = None

    @property
    def fixed_count(self) -> int:
        return sum(count for _, count in self.fixed_codes)

    def diff(self) -> str:
        """The unified diff from the original to the fixed text ("" when they are equal)."""
        before, after = _decoded(self.original), _decoded(self.fixed)
        lines = difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), self.filename, self.filename
        )
        return "".join(
            line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines
        )


@dataclass(frozen=True)
class FixOutcome:
    result: LintResult  # the findings that remain in the fixed sources
    files: Tuple[FixedFile, ...]  # the files fixes changed, or failed to change (error), by name
    rounds: int = 0

    @property
    def fixed_count(self) -> int:
        return sum(f.fixed_count for f in self.files if f.error is None)

    def changed(self) -> List[FixedFile]:
        return [f for f in self.files if f.error is None and f.fixed != f.original]


def applicable(fix: Optional[Fix], unsafe: bool) -> bool:
    """Whether `fix` is applied: safe fixes always, unsafe ones with `--unsafe-fixes`."""
    return fix is not None and bool(fix.edits) and (unsafe or fix.applicability is Applicability.SAFE)


def unsafe_only(diagnostics: Sequence[Diagnostic]) -> int:
    """How many findings have a fix that only `--unsafe-fixes` applies (ruff's "hidden fixes")."""
    return sum(1 for d in diagnostics if applicable(d.fix, True) and not applicable(d.fix, False))


Lint = Callable[[Mapping[str, bytes], Optional[Sequence[str]]], LintResult]


def fix_files(contents: Mapping[str, bytes], lint: Lint, unsafe: bool = False) -> FixOutcome:
    """Fix the files `contents` (name -> bytes) holds. `lint(buffers, only)` lints the project with
    `buffers` replacing files' contents, reporting only the files `only` names (all when None)."""
    result = lint({}, None)
    first_files = result.files
    texts: Dict[str, str] = {}
    counts: Dict[str, Dict[str, int]] = {}
    errors: Dict[str, str] = {}
    rounds = 0
    while rounds < MAX_ROUNDS:
        changed = _fix_round(result.diagnostics, contents, texts, counts, errors, unsafe)
        if not changed:
            break
        rounds += 1
        buffers = {name: _encoded(text, contents[name]) for name, text in texts.items() if name not in errors}
        again = lint(buffers, sorted(changed))
        kept = [d for d in result.diagnostics if d.filename not in changed]
        result = replace(
            result,
            diagnostics=tuple(sorted([*kept, *again.diagnostics], key=Diagnostic.sort_key)),
            errors=tuple(e for e in result.errors if e.filename not in changed) + again.errors,
            internal_errors=sum(1 for e in result.errors if e.filename not in changed) + again.internal_errors,
        )
    files = []
    for name in sorted(set(counts) | set(errors)):
        original = contents[name]
        if name in errors:
            files.append(FixedFile(name, original, original, (), errors[name]))
            continue
        fixed = _encoded(texts[name], original)
        files.append(FixedFile(name, original, fixed, tuple(sorted(counts[name].items()))))
    failed = tuple(FileError(f.filename, f.error) for f in files if f.error)
    result = replace(
        result, files=first_files, errors=result.errors + failed, internal_errors=result.internal_errors + len(failed)
    )
    return FixOutcome(result, tuple(files), rounds)


def _fix_round(diagnostics, contents, texts, counts, errors, unsafe: bool) -> List[str]:
    """Apply the applicable fixes of `diagnostics` to each file's current text; the files changed."""
    by_file: Dict[str, List[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.filename in contents and diagnostic.filename not in errors and applicable(diagnostic.fix, unsafe):
            by_file.setdefault(diagnostic.filename, []).append(diagnostic)
    changed = []
    for name, found in sorted(by_file.items()):
        if name not in texts:
            try:
                texts[name] = decode(contents[name])
            except ValueError:
                continue
        text, applied, _ = apply_fixes(texts[name], [d.fix for d in found])
        if not applied or text == texts[name]:
            continue
        problem = parse_problem(text) or _encoding_problem(text, contents[name])
        if problem is not None:
            unchecked = _python_error(texts[name])  # libcst parses syntax newer than this Python
            if unchecked is not None:
                python = "Python {}.{}".format(*sys.version_info)
                errors[name] = (
                    f"fixes not applied: the file does not parse on {python}, which runs tslint ({unchecked}),"
                    " so its fixed version cannot be checked; the file is left unchanged"
                )
            else:
                errors[name] = f"fixes not applied: the fixed file would not {problem}; the file is left unchanged"
            changed.append(name)  # linted again as it is on disk: its findings are those of the original
            continue
        texts[name] = text
        tally = counts.setdefault(name, {})
        done = {fix.edits for fix in applied}
        for diagnostic in found:  # findings with the same fix (two reads of one constant) are all fixed
            if diagnostic.fix.edits in done:
                tally[diagnostic.code] = tally.get(diagnostic.code, 0) + 1
        changed.append(name)
    return changed


def parse_problem(text: str) -> Optional[str]:
    """Why `text` is not a Python module libcst and Python both parse, or None when it is."""
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return f"parse (libcst: {str(error).splitlines()[0]})"
    except Exception as error:  # libcst's native parser raises others on odd input
        return f"parse (libcst: {type(error).__name__})"
    error = _python_error(text)
    return f"parse ({error})" if error is not None else None


def _python_error(text: str) -> Optional[str]:
    """Why the parser of the Python running tslint refuses `text`, or None when it takes it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def _encoding_problem(text: str, original: bytes) -> Optional[str]:
    try:
        _encoded(text, original)
    except (UnicodeEncodeError, LookupError) as error:
        return f"encode in the file's encoding ({error})"
    return None


def _encoded(text: str, original: bytes) -> bytes:
    """`text` in the encoding `original` was read with (BOM and coding cookie kept)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(original).readline)
    except SyntaxError:
        encoding = "utf-8"
    return text.encode(encoding)


def _decoded(data: bytes) -> str:
    try:
        return decode(data)
    except ValueError:
        return data.decode("utf-8", "replace")
