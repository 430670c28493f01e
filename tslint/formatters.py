"""Turning a LintResult into text. Formatters never analyse: they only present what they are given."""

from __future__ import annotations

import re
from collections import Counter
from typing import Dict, List, Mapping, Optional, Sequence

from tslint import __version__
from tslint.findings import Applicability, Diagnostic, LintResult, RuleInfo, Severity


def _plural(count: int, word: str, words: str = "") -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


class Style:
    """ANSI styling through colorama, or none at all (not a TTY)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            from colorama import Fore
            from colorama import Style as ColoramaStyle

            self._codes = {
                "bold": ColoramaStyle.BRIGHT,
                "red": Fore.RED,
                "yellow": Fore.YELLOW,
                "cyan": Fore.CYAN,
                "blue": Fore.BLUE,
                "green": Fore.GREEN,
                "dim": ColoramaStyle.DIM,
            }
            self._reset = ColoramaStyle.RESET_ALL

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled:
            return text
        return "".join(self._codes[s] for s in styles) + text + self._reset


# Characters a terminal acts on instead of showing: C0 controls but the tab, DEL, C1 controls (a
# source line or a file name could clear the screen, retitle the window or fake output), and the
# bidirectional controls that display code in another order than it runs ("Trojan Source"), and
# the Unicode line separators, which some terminals break the line at (Python does not).
_UNSAFE = frozenset(
    [
        *range(0x00, 0x09),
        *range(0x0A, 0x20),
        *range(0x7F, 0xA0),
        0x061C,
        0x200E,
        0x200F,
        0x2028,
        0x2029,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
# Python ends a line only at \n, \r\n or \r (str.splitlines also splits at \f, \v, \x1c..., which
# would shift every row after them).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MAX_EXCERPT = 2000


def escape_char(ch: str) -> str:
    if ord(ch) not in _UNSAFE:
        return ch
    return f"\\x{ord(ch):02x}" if ord(ch) <= 0xFF else f"\\u{ord(ch):04x}"


def escape_terminal(text: str) -> str:
    """`text` with every character a terminal would act on written as a visible escape."""
    if not any(ord(ch) in _UNSAFE for ch in text):
        return text
    return "".join(escape_char(ch) for ch in text)


def source_lines(text: str) -> List[str]:
    """The lines of `text` as Python numbers them (rows of the diagnostics)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _source_excerpt(diagnostic: Diagnostic, lines: Sequence[str], style: Style) -> List[str]:
    row = diagnostic.location.row
    if not 1 <= row <= len(lines):
        return []
    raw = lines[row - 1]
    if len(raw) > _MAX_EXCERPT:  # minified or generated code: megabytes of it would drown the report
        return []
    start = diagnostic.location.column - 1
    end = diagnostic.end_location.column - 1 if diagnostic.end_location.row == row else len(raw)
    # Escaped characters are wider than one column: measure the caret on the escaped line.
    shown = [escape_char(ch) for ch in raw]
    line = "".join(shown)
    width = max(1, sum(len(ch) for ch in shown[start:end]))
    gutter = str(row)
    pad = " " * len(gutter)
    # Keep tabs in the caret line so the caret lines up under the code in any terminal.
    prefix = "".join(ch if ch == "\t" else " " * len(ch) for ch in shown[:start])
    caret_colour = "red" if diagnostic.severity is Severity.ERROR else "yellow"
    return [
        style(f"{pad} |", "blue"),
        style(f"{gutter} |", "blue") + f" {line}",
        style(f"{pad} |", "blue") + f" {prefix}" + style("^" * width, caret_colour, "bold"),
    ]


def _status(diagnostic: Diagnostic) -> str:
    if diagnostic.confirmation is None:
        return ""
    return {"confirmed": " [confirmed]", "refuted": " [refuted by torch]"}.get(
        diagnostic.confirmation.status, f" [unverified: {diagnostic.confirmation.detail}]"
    )


def _headline(diagnostic: Diagnostic, style: Style, with_filename: bool = True) -> str:
    """`file:row:col: CODE message [status]`, the first line of each finding in the text formats."""
    position = f"{diagnostic.location.row}:{diagnostic.location.column}"
    location = f"{escape_terminal(diagnostic.filename)}:{position}:" if with_filename else position
    code_style = "red" if diagnostic.severity is Severity.ERROR else "yellow"
    message = escape_terminal(f"{diagnostic.message}{_status(diagnostic)}")
    return f"{style(location, 'bold')} {style(diagnostic.code, code_style, 'bold')} {message}"


def _file_errors(result: LintResult, style: Style) -> List[str]:
    return [
        (
            f"{style(escape_terminal(error.filename), 'bold')}: {style('error:', 'red', 'bold')} "
            f"{escape_terminal(error.message)}"
        )
        for error in result.errors
    ]


def refuted(diagnostic: Diagnostic) -> bool:
    """Torch compiled the code this finding is about (--confirm): it does not stand."""
    return diagnostic.confirmation is not None and diagnostic.confirmation.status == "refuted"


def counts(result: LintResult) -> Dict[str, int]:
    """The standing findings by severity, and those torch refuted (counted apart: the exit code
    ignores them, so the summary must too)."""
    standing = [d for d in result.diagnostics if not refuted(d)]
    errors = sum(1 for d in standing if d.severity is Severity.ERROR)
    return {"errors": errors, "warnings": len(standing) - errors, "refuted": len(result.diagnostics) - len(standing)}


def _summary(result: LintResult, style: Style) -> str:
    """The last line of the text formats: the standing totals (and how many torch refuted), or that
    all checks passed."""
    totals = counts(result)
    errors, warnings, refuted_count = totals["errors"], totals["warnings"], totals["refuted"]
    by_torch = f"; {refuted_count} refuted by torch" if refuted_count else ""
    if result.fixed:  # ruff's "Found 3 errors (2 fixed, 1 remaining)."
        total = result.fixed + len(result.diagnostics)
        return (
            f"Found {_plural(total, 'finding')} ({result.fixed} fixed, {len(result.diagnostics)} remaining; "
            f"{_plural(result.files, 'file')} checked)."
        )
    if errors or warnings:
        files = len({d.filename for d in result.diagnostics if not refuted(d)})
        return (
            f"Found {_plural(errors, 'error')} and {_plural(warnings, 'warning')} in {_plural(files, 'file')} "
            f"({_plural(result.files, 'file')} checked{by_torch})."
        )
    if result.errors:  # not "All checks passed!": part of the input was not checked
        return style(
            f"No findings, but {_plural(len(result.errors), 'path')} could not be checked "
            f"({_plural(result.files, 'file')} checked{by_torch}).",
            "red",
        )
    return style(f"All checks passed! ({_plural(result.files, 'file')} checked{by_torch})", "green")


def _fixable(result: LintResult, unsafe_fixes: bool) -> List[str]:
    """Ruff's hint under the summary: how many findings `--fix` would fix, and how many more
    `--unsafe-fixes` would (none when unsafe fixes are already on: `--fix` applies them too)."""
    fixes = [d.fix for d in result.diagnostics if d.fix is not None and d.fix.edits]
    fixable = len(fixes) if unsafe_fixes else sum(1 for fix in fixes if fix.applicability is Applicability.SAFE)
    unsafe = len(fixes) - fixable
    hidden = f"{_plural(unsafe, 'hidden fix', 'hidden fixes')} can be enabled with the `--unsafe-fixes` option"
    if result.fixed or not fixable:  # after --fix, what is left needs --unsafe-fixes
        return [f"{hidden[0].upper()}{hidden[1:]}."] if unsafe else []
    return [f"[*] {fixable} fixable with the `--fix` option" + (f" ({hidden})." if unsafe else ".")]


def format_fixes(files: Sequence, catalogue: Mapping[str, RuleInfo]) -> str:
    """`--show-fixes`: ruff's list of what was fixed, per file and code (`files`: fixing.FixedFile)."""
    total = sum(f.fixed_count for f in files)
    if not total:
        return "No fixes applied.\n"
    out = [f"Fixed {_plural(total, 'finding')}:"]
    for fixed in files:
        out.append(f"- {escape_terminal(fixed.filename)}:")
        for code, count in fixed.fixed_codes:
            name = catalogue[code].name if code in catalogue else ""
            out.append(f"    {count} × {code} ({name})")
    return "".join(line + "\n" for line in out)


def _finish(out: List[str], result: LintResult, style: Style, quiet: bool, unsafe_fixes: bool) -> str:
    out.extend(_file_errors(result, style))
    if not quiet:
        out.append(_summary(result, style))
        out.extend(_fixable(result, unsafe_fixes))
        statuses = [d.confirmation.status for d in result.diagnostics if d.confirmation is not None]
        if statuses:  # --confirm
            out.append(
                "torch: " + ", ".join(f"{statuses.count(s)} {s}" for s in ("confirmed", "refuted", "unverified")) + "."
            )
    return "".join(line + "\n" for line in out)


def format_concise(result: LintResult, colour: bool, quiet: bool = False, unsafe_fixes: bool = False) -> str:
    """One line per finding (ruff's `concise`), then the summary; `unsafe_fixes`: whether `--fix`
    applies unsafe fixes (the summary's hint counts them as fixable then)."""
    style = Style(colour)
    return _finish([_headline(d, style) for d in result.diagnostics], result, style, quiet, unsafe_fixes)


def format_grouped(result: LintResult, colour: bool, quiet: bool = False, unsafe_fixes: bool = False) -> str:
    """The findings under the name of their file (ruff's `grouped`), then the summary."""
    style = Style(colour)
    out: List[str] = []
    current = None
    for diagnostic in result.diagnostics:
        if diagnostic.filename != current:
            if current is not None:
                out.append("")
            current = diagnostic.filename
            out.append(style(f"{escape_terminal(current)}:", "bold", "blue"))
        out.append("  " + _headline(diagnostic, style, with_filename=False))
    if out:
        out.append("")
    return _finish(out, result, style, quiet, unsafe_fixes)


def format_text(
    result: LintResult,
    sources: Mapping[str, str],
    catalogue: Mapping[str, RuleInfo],
    colour: bool,
    quiet: bool = False,
    unsafe_fixes: bool = False,
) -> str:
    """ruff's `full`: each finding with its source line, a caret under the span and the rule's hint."""
    style = Style(colour)
    out: List[str] = []
    lines_cache: Dict[str, List[str]] = {}
    for diagnostic in result.diagnostics:
        out.append(_headline(diagnostic, style))
        if diagnostic.filename not in lines_cache:
            lines_cache[diagnostic.filename] = source_lines(sources.get(diagnostic.filename, ""))
        out.extend(_source_excerpt(diagnostic, lines_cache[diagnostic.filename], style))
        info = catalogue.get(diagnostic.code)
        if info is not None and info.fix_hint:
            out.append(f"  {style('help:', 'cyan', 'bold')} {info.fix_hint}")
        out.append("")
    return _finish(out, result, style, quiet, unsafe_fixes)


def diagnostic_to_json(diagnostic: Diagnostic) -> dict:
    fix = None
    if diagnostic.fix is not None:
        fix = {
            "message": diagnostic.fix.message,
            "applicability": diagnostic.fix.applicability.value,
            "edits": [
                {
                    "content": edit.content,
                    "location": {"row": edit.start.row, "column": edit.start.column},
                    "end_location": {"row": edit.end.row, "column": edit.end.column},
                }
                for edit in diagnostic.fix.edits
            ],
        }
    confirmation = None
    if diagnostic.confirmation is not None:
        confirmation = {"status": diagnostic.confirmation.status, "detail": diagnostic.confirmation.detail}
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "mode": diagnostic.mode.value,
        "message": diagnostic.message,
        "filename": diagnostic.filename,
        "location": {"row": diagnostic.location.row, "column": diagnostic.location.column},
        "end_location": {"row": diagnostic.end_location.row, "column": diagnostic.end_location.column},
        "symbol": diagnostic.symbol,
        "fix": fix,
        "confirmation": confirmation,
    }


def format_json(result: LintResult, tool_extra: Optional[Mapping[str, str]] = None) -> str:
    import json  # only the formats that need it pay for importing it

    document = {
        "version": 1,
        "tool": {"name": "tslint", "version": __version__, **(tool_extra or {})},
        "diagnostics": [diagnostic_to_json(d) for d in result.diagnostics],
        "errors": [{"filename": e.filename, "message": e.message} for e in result.errors],
        "summary": {"files": result.files, **counts(result)},
    }
    return json.dumps(document, indent=2) + "\n"


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(result: LintResult) -> str:
    lines = []
    for d in result.diagnostics:
        # A finding torch refuted does not fail the run: a notice, not an error on the pull request.
        level = "notice" if refuted(d) else ("error" if d.severity is Severity.ERROR else "warning")
        lines.append(
            f"::{level} file={_github_escape(d.filename, True)},line={d.location.row},col={d.location.column},"
            f"endLine={d.end_location.row},endColumn={d.end_location.column},"
            f"title={_github_escape(f'tslint ({d.code})', True)}::{_github_escape(d.message + _status(d))}"
        )
    for error in result.errors:
        lines.append(
            f"::error file={_github_escape(error.filename, True)},title=tslint::{_github_escape(error.message)}"
        )
    return "".join(line + "\n" for line in lines)


def statistics(result: LintResult, catalogue: Mapping[str, RuleInfo]) -> List[dict]:
    """Per code: code, name, severity and count, by code."""
    counts = Counter(d.code for d in result.diagnostics)
    rows = []
    for code in sorted(counts):
        info = catalogue.get(code)
        rows.append(
            {
                "code": code,
                "name": info.name if info else "",
                "severity": info.severity.value if info else "error",
                "count": counts[code],
            }
        )
    return rows


def format_statistics(
    result: LintResult,
    catalogue: Mapping[str, RuleInfo],
    output_format: str = "full",
    colour: bool = False,
    quiet: bool = False,
    tool_extra: Optional[Mapping[str, str]] = None,
) -> str:
    """--statistics: the count of findings per code and their total, in the output format (SARIF
    has its own document: see format_sarif's `statistics`)."""
    rows = statistics(result, catalogue)
    total = len(result.diagnostics)
    if output_format == "json":
        import json

        document = {
            "version": 1,
            "tool": {"name": "tslint", "version": __version__, **(tool_extra or {})},
            "statistics": rows,
            "errors": [{"filename": e.filename, "message": e.message} for e in result.errors],
            "summary": {"files": result.files, **counts(result), "total": total},
        }
        return json.dumps(document, indent=2) + "\n"
    if output_format == "github":
        title = _github_escape("tslint statistics", True)
        texts = [f"{r['count']} {r['code']} {r['name']}" for r in rows] + [f"{total} in total"]
        return "".join(f"::notice title={title}::{_github_escape(text)}\n" for text in texts)
    style = Style(colour)
    width = max([len(str(total)), *(len(str(r["count"])) for r in rows)])
    out = [
        (
            f"{r['count']:>{width}}  {style(r['code'], 'red' if r['severity'] == 'error' else 'yellow', 'bold')}  "
            f"{r['name']}"
        )
        for r in rows
    ]
    if rows:
        out.append(f"{total:>{width}}  {style('total', 'bold')}")
    if not quiet:  # the file errors are on stderr (the CLI); the summary still says they exist
        out.append(_summary(result, style))
    return "".join(line + "\n" for line in out)


def format_rule_list(rules: Sequence[RuleInfo], as_json: bool) -> str:
    if as_json:
        import json

        return (
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "severity": r.severity.value,
                        "mode": r.mode.value,
                        "message": r.message,
                        "summary": r.summary,
                        "fix": r.fix_hint,
                        "enabled_by_default": r.default_enabled,
                    }
                    for r in rules
                ],
                indent=2,
            )
            + "\n"
        )
    width = max(len(r.name) for r in rules)
    return "".join(
        f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.mode.value:<6}  {r.summary}\n" for r in rules
    )
