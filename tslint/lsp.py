"""`tslint --lsp`: a language server over stdio (pygls, the optional extra `tslint[lsp]`).

Publishes diagnostics on open, on save and, debounced, on change; each carries its code, severity,
range and source `tslint`, and hovering over a finding shows its rule page. The buffer is linted with
its package as context (base classes and helpers in other files), whose indexes come from the result
cache, so only the buffer is parsed again on each change.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from tslint import __version__, api, explain
from tslint.cache import CACHE_FOLDER, ResultCache
from tslint.config import ConfigError, load_config
from tslint.findings import Diagnostic, Severity

DEBOUNCE_SECONDS = 0.3


def _path(uri: str) -> Optional[Path]:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def _context_folder(path: Path) -> Path:
    """The top of the file's package (walking up while __init__.py exists), or its folder."""
    folder = path.parent
    while (folder / "__init__.py").is_file() and (folder.parent / "__init__.py").is_file():
        folder = folder.parent
    return folder.parent if (folder / "__init__.py").is_file() else folder


def to_lsp(diagnostic: Diagnostic) -> types.Diagnostic:
    severity = types.DiagnosticSeverity.Error if diagnostic.severity is Severity.ERROR else types.DiagnosticSeverity.Warning
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=diagnostic.location.row - 1, character=diagnostic.location.column - 1),
            end=types.Position(line=diagnostic.end_location.row - 1, character=diagnostic.end_location.column - 1),
        ),
        message=diagnostic.message,
        severity=severity,
        code=diagnostic.code,
        source="tslint",
        data={"name": diagnostic.name},
    )


class TslintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("tslint", __version__)
        self.pending: Dict[str, asyncio.TimerHandle] = {}
        self.published: Dict[str, List[Diagnostic]] = {}

    def lint(self, uri: str) -> None:
        self.pending.pop(uri, None)
        document = self.workspace.get_text_document(uri)
        path = _path(uri)
        filename = str(path) if path is not None else uri
        try:
            if path is not None:
                config = load_config([str(path)], None, False, api.known_codes())
                folder = _context_folder(path)
                cache = ResultCache((config.root or folder) / CACHE_FOLDER)
                result = api.lint_text(document.source, filename, config, [str(folder)], cache)
            else:
                result = api.lint_text(document.source, filename, load_config([], None, True, []))
        except ConfigError as error:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"tslint: {error}"))
            return
        self.published[uri] = list(result.diagnostics)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=document.version, diagnostics=[to_lsp(d) for d in result.diagnostics])
        )

    def schedule(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        self.pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, self.lint, uri)


server = TslintServer()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: TslintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.lint(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: TslintServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.lint(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: TslintServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: TslintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    handle = ls.pending.pop(uri, None)
    if handle is not None:
        handle.cancel()
    ls.published.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: TslintServer, params: types.HoverParams) -> Optional[types.Hover]:
    """Over a finding: its message and its rule page."""
    line, character = params.position.line + 1, params.position.character + 1
    for diagnostic in ls.published.get(params.text_document.uri, []):
        start, end = diagnostic.location, diagnostic.end_location
        if (start.row, start.column) <= (line, character) <= (end.row, end.column):
            page = explain.page(diagnostic.code) or ""
            text = f"**{diagnostic.code}** {diagnostic.message}\n\n---\n\n{page}"
            return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
    return None


def main() -> int:
    server.start_io()
    return 0
