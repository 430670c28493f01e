"""Code actions of the language server, over the real protocol (the server in this process,
tests/lsp_inprocess.py): a client asks for the actions of a published diagnostic, applies one, and
gets the expected text (which lints as expected)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import List, Optional

import pytest

types = pytest.importorskip("lsprotocol.types")
pytest.importorskip("pygls.lsp.client")

from test_lsp import WAIT, _close, _open, _run, _session, _until  # noqa: E402
from tslint.api import lint_text  # noqa: E402
from tslint.config import Config  # noqa: E402
from tslint.engine.suppression_edits import apply_edits  # noqa: E402
from tslint.findings import Position, TextEdit  # noqa: E402
from tslint.lsp.documents import from_client_column, split_lines  # noqa: E402

# An emoji before the findings: the client's UTF-16 columns differ from code points.
SOURCE = (
    "#!/usr/bin/env python\n"
    "import torch.nn as nn\n\n\n"
    "class Net(nn.Module):\n"
    "    def forward(self, x, *args):\n"
    '        y = "\U0001f600"  # noqa: E501, TS205\n'
    "        return x\n"
)
SELECT_TS002 = '[tool.tslint]\nselect = ["TS", "TS002"]\n'


def _apply(text: str, edits: List[object]) -> str:
    """Apply the client's LSP edits (UTF-16 columns) to `text`."""
    lines = split_lines(text)

    def position(p) -> Position:
        return Position(p.line + 1, from_client_column(lines, p.line, p.character, "utf-16") + 1)

    return apply_edits(text, [TextEdit(position(e.range.start), position(e.range.end), e.new_text) for e in edits])


def _edits(action, uri: str, version: Optional[int]) -> List[object]:
    edit = action.edit
    if edit.document_changes is not None:
        (change,) = edit.document_changes
        assert change.text_document.uri == uri and change.text_document.version == version
        return list(change.edits)
    return list(edit.changes[uri])


async def _actions(client, uri: str, diagnostic, only=None):
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
    )
    return await asyncio.wait_for(client.text_document_code_action_async(params), WAIT)


@pytest.mark.parametrize("document_changes", [True, False])
def test_quick_fixes_for_a_diagnostic_give_the_expected_text(tmp_path: Path, document_changes: bool) -> None:
    (tmp_path / "pyproject.toml").write_text(SELECT_TS002)
    capabilities = (
        types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)
            )
        )
        if document_changes
        else None
    )

    async def scenario():
        client, published, result = await _session(tmp_path, capabilities)
        provider = result.capabilities.code_action_provider
        assert types.CodeActionKind.QuickFix in provider.code_action_kinds
        uri = (tmp_path / "net.py").as_uri()
        try:
            _open(client, uri, SOURCE)
            params = await _until(published, lambda p: sorted(d.code for d in p.diagnostics) == ["TS002", "TS101"])
            by_code = {d.code: d for d in params.diagnostics}
            for diagnostic in params.diagnostics:
                assert diagnostic.code_description.href.endswith(f"/{diagnostic.code}.md")

            # TS002's own fix, a safe one: preferred; the rest of the file is untouched.
            actions = await _actions(client, uri, by_code["TS002"])
            titles = [a.title for a in actions]
            assert titles == [
                "Remove TS205 from the suppression",
                "Suppress TS002 on this line",
                "Suppress TS002 in this file",
                "Disable tslint for this file (# tslint: skip-file)",
            ]
            fix = actions[0]
            assert (
                fix.kind == types.CodeActionKind.QuickFix
                and fix.is_preferred
                and list(fix.diagnostics) == [by_code["TS002"]]
            )
            fixed = _apply(SOURCE, _edits(fix, uri, 1))
            assert fixed == SOURCE.replace("# noqa: E501, TS205", "# noqa: E501")

            # Suppressing TS101 on its line: the text --add-noqa writes, and nothing is reported then.
            actions = await _actions(client, uri, by_code["TS101"])
            suppress = next(a for a in actions if a.title == "Suppress TS101 on this line")
            suppressed = _apply(SOURCE, _edits(suppress, uri, 1))
            assert suppressed == SOURCE.replace("*args):\n", "*args):  # noqa: TS101\n")
            assert [d.code for d in lint_text(suppressed, str(tmp_path / "net.py"), Config()).diagnostics] == []

            # Suppressing TS101 in the file: the file-level directive, after the shebang.
            in_file = next(a for a in actions if a.title == "Suppress TS101 in this file")
            suppressed = _apply(SOURCE, _edits(in_file, uri, 1))
            assert suppressed == SOURCE.replace("python\n", "python\n# tslint: noqa: TS101\n", 1)
            assert lint_text(suppressed, str(tmp_path / "net.py"), Config()).diagnostics == ()

            # The whole-file skip is still offered, last, once: it goes where `skip-file` is read.
            skip = actions[-1]
            assert skip.title == "Disable tslint for this file (# tslint: skip-file)"
            skipped = _apply(SOURCE, _edits(skip, uri, 1))
            assert skipped.startswith("#!/usr/bin/env python\n# tslint: skip-file\nimport torch")
            assert lint_text(skipped, str(tmp_path / "net.py"), Config(select=("TS", "TS002"))).diagnostics == ()

            # Only what the client asked for, and no action for a diagnostic that is not tslint's.
            assert await _actions(client, uri, by_code["TS101"], only=[types.CodeActionKind.Refactor]) in (None, [], ())
            assert len(await _actions(client, uri, by_code["TS101"], only=[types.CodeActionKind.QuickFix])) == 3
            foreign = types.Diagnostic(range=by_code["TS101"].range, message="x", code="E501", source="flake8")
            assert await _actions(client, uri, foreign) in (None, [], ())
        finally:
            await _close(client)

    _run(scenario)


def test_no_actions_once_the_buffer_changed(tmp_path: Path) -> None:
    """Edits computed for an older text would land in the wrong place: none until the new lint."""

    async def scenario():
        client, published, _ = await _session(tmp_path)
        uri = (tmp_path / "net.py").as_uri()
        try:
            _open(client, uri, SOURCE)
            params = await _until(published, lambda p: [d.code for d in p.diagnostics] == ["TS101"])
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text="\n" + SOURCE)],
                )
            )
            assert await _actions(client, uri, params.diagnostics[0]) in (None, [], ())
        finally:
            await _close(client)

    _run(scenario)
