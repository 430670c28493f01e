"""TS002: a suppression comment that suppresses nothing (ruff's RUF100), with a safe fix that
removes the unused codes, or the whole directive. A file-level `# tslint: noqa: TS101` is judged
as a line's, over the whole file.

Only codes are judged, and only those that start with `TS` (`# noqa: E501` is another tool's). A
bare `# noqa` serves every linter of the line, and a bare `# tslint: ignore` may serve findings of
any mode, while no run checks every mode (script and trace, or export): neither can be known to
suppress nothing, so neither is reported (unknown is silent). A code is unused only if
its rule ran on the file (a rule off by `select`, `ignore`, `per-file-ignores`, `--mode` or by
default could not use it); a `TS` code that is not a tslint code is reported as unknown. TS000 (only
from --confirm) and TS002 itself are never reported."""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Sequence, Set, Tuple

from tslint.engine.suppression import FILE, Directive, Suppressions, split_lines
from tslint.engine.suppression_edits import remove_codes_edit
from tslint.findings import Applicability, Diagnostic, Fix, Mode, Position, RuleInfo, Severity

UNUSED_SUPPRESSION = RuleInfo(
    code="TS002",
    name="unused-suppression",
    severity=Severity.WARNING,
    mode=Mode.SCRIPT,
    message="Unused suppression ({detail}).",
    fix_hint="Remove the codes that suppress nothing (the fix does), or the whole comment.",
    summary="A `# noqa: TS…` or `# tslint: ignore` comment that suppresses nothing. Off by default: "
    "enable it with `--extend-select TS002`.",
    default_enabled=False,
)
NEVER_UNUSED = frozenset({"TS000", UNUSED_SUPPRESSION.code})


def unused_suppressions(
    found: Suppressions,
    used: Dict[Directive, Set[str]],
    ran: FrozenSet[str],
    known: FrozenSet[str],
    text: str,
    filename: str,
) -> List[Tuple[Directive, Diagnostic]]:
    """One TS002 per directive of `found` with codes that suppressed nothing, with its directive. `used`: the codes each
    directive suppressed; `ran`: the codes whose rules ran on the file; `known`: every tslint code."""
    lines = split_lines(text)
    diagnostics = []
    for directive in found.all_directives():
        suppressed = used.get(directive, set())
        if directive.codes is None:
            continue
        ours = [code for code in dict.fromkeys(directive.codes) if code.startswith("TS") and code not in NEVER_UNUSED]
        unknown = [code for code in ours if code not in known]
        unused = [code for code in ours if code in known and code in ran and code not in suppressed]
        if unknown or unused:
            diagnostics.append((directive, _finding(directive, unused, unknown, lines, filename)))
    return diagnostics


def suppresses_own_finding(directive: Directive, others: Sequence[Directive]) -> bool:
    """Whether a TS002 about `directive` is suppressed by one of `others` (the directives of its row
    that cover TS002): another directive, or the directive itself only if it names TS002."""
    return any(other != directive or UNUSED_SUPPRESSION.code in (other.codes or ()) for other in others)


def _finding(
    directive: Directive, unused: Sequence[str], unknown: Sequence[str], lines: Sequence[str], filename: str
) -> Diagnostic:
    info = UNUSED_SUPPRESSION
    parts = []
    if unused:
        where = "in this file" if directive.kind == FILE else "on this line"
        verb = "suppresses" if len(unused) == 1 else "suppress"
        parts.append(f"{', '.join(unused)} {verb} nothing {where}")
    if unknown:
        parts.append(f"{', '.join(unknown)} {'is not a tslint code' if len(unknown) == 1 else 'are not tslint codes'}")
    detail = "; ".join(parts)
    line = lines[directive.row - 1] if directive.row <= len(lines) else ""
    edit = remove_codes_edit(line, directive, [*unused, *unknown], directive.row >= len(lines))
    what = (
        f"Remove {', '.join([*unused, *unknown])} from the suppression"
        if edit.content
        else "Remove the unused suppression"
    )
    return Diagnostic(
        code=info.code,
        name=info.name,
        severity=info.severity,
        mode=info.mode,
        message=info.message.format(detail=detail),
        filename=filename,
        location=Position(directive.row, directive.start + 1),
        end_location=Position(directive.row, directive.end + 1),
        fix=Fix(what, (edit,), Applicability.SAFE),
    )
