"""Code actions (quick fixes) for the findings published for a buffer: the finding's own fix,
"suppress on this line" (`# noqa`, as --add-noqa), "suppress in this file" (the code added to the
file-level `# tslint: noqa: ...`) and, once for all of them, "disable for this file" (`# tslint:
skip-file`, every code). Positions are converted as for the diagnostics."""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from lsprotocol import types

from tslint.engine.suppression_edits import file_noqa_edit, noqa_edits, skip_file_edit
from tslint.findings import Applicability, Diagnostic, TextEdit
from tslint.lsp.documents import lsp_range, to_lsp

Key = Tuple[str, int, int, int, int]


def _key(code: object, range_: types.Range) -> Key:
    return (str(code), range_.start.line, range_.start.character, range_.end.line, range_.end.character)


def wants_quickfix(only: Optional[Sequence[str]]) -> bool:
    """Whether a request's `context.only` admits quick fixes (a kind admits its sub-kinds)."""
    if not only:
        return True
    quickfix = str(types.CodeActionKind.QuickFix.value)
    kinds = [str(getattr(kind, "value", kind)) for kind in only]  # enum members, or strings it does not know
    return any(quickfix == kind or quickfix.startswith(f"{kind}.") for kind in kinds)


class ActionBuilder:
    """The code actions of one buffer, as its findings were published for `text` (version `version`)."""

    def __init__(
        self,
        uri: str,
        version: Optional[int],
        text: str,
        lines: Sequence[str],
        encoding: str,
        findings: Iterable[Diagnostic],
        document_changes: bool,
    ) -> None:
        self.uri, self.version, self.text, self.lines, self.encoding = uri, version, text, lines, encoding
        self.document_changes = document_changes
        self.findings: Dict[Key, Diagnostic] = {}
        for finding in findings:
            self.findings.setdefault(_key(finding.code, to_lsp(finding, lines, encoding).range), finding)

    def finding_for(self, diagnostic: types.Diagnostic) -> Optional[Diagnostic]:
        if diagnostic.source not in (None, "tslint") or diagnostic.code is None:
            return None
        return self.findings.get(_key(diagnostic.code, diagnostic.range))

    def workspace_edit(self, edits: Sequence[TextEdit]) -> types.WorkspaceEdit:
        lsp_edits = [
            types.TextEdit(range=lsp_range(e.start, e.end, self.lines, self.encoding), new_text=e.content)
            for e in edits
        ]
        if self.document_changes:
            identifier = types.OptionalVersionedTextDocumentIdentifier(uri=self.uri, version=self.version)
            return types.WorkspaceEdit(
                document_changes=[types.TextDocumentEdit(text_document=identifier, edits=lsp_edits)]
            )
        return types.WorkspaceEdit(changes={self.uri: lsp_edits})

    def actions(self, diagnostics: Sequence[types.Diagnostic]) -> List[types.CodeAction]:
        found: List[types.CodeAction] = []
        matched: List[types.Diagnostic] = []
        for diagnostic in diagnostics:
            finding = self.finding_for(diagnostic)
            if finding is None:
                continue
            matched.append(diagnostic)
            found.extend(self.for_finding(finding, diagnostic))
        if matched:
            found.append(
                types.CodeAction(
                    title="Disable tslint for this file (# tslint: skip-file)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=matched,
                    edit=self.workspace_edit([skip_file_edit(self.text)]),
                )
            )
        return found

    def for_finding(self, finding: Diagnostic, diagnostic: types.Diagnostic) -> List[types.CodeAction]:
        found = []
        fix = finding.fix
        if fix is not None and fix.edits:
            safe = fix.applicability is Applicability.SAFE
            found.append(
                types.CodeAction(
                    title=fix.message if safe else f"{fix.message} (unsafe)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=safe,
                    edit=self.workspace_edit(fix.edits),
                )
            )
        edits = noqa_edits(self.text, {finding.location.row: {finding.code}})
        if edits:
            found.append(
                types.CodeAction(
                    title=f"Suppress {finding.code} on this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=self.workspace_edit(edits),
                )
            )
        file_edit = file_noqa_edit(self.text, [finding.code])
        if file_edit is not None:
            found.append(
                types.CodeAction(
                    title=f"Suppress {finding.code} in this file",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=self.workspace_edit([file_edit]),
                )
            )
        return found
