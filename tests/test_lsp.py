"""The language server, driven by pygls's own client over the real protocol (stdio)."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

types = pytest.importorskip("lsprotocol.types")
client_module = pytest.importorskip("pygls.lsp.client")


BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"
CLEAN = BAD.replace(", *args", "")
CHILD = "from .base import Base\n\n\nclass Child(Base):\n    def forward(self, x, scale=2):\n        return x * scale\n"


async def _session(tmp_path: Path):
    client = client_module.BaseLanguageClient("tslint-test", "1")
    published: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params):
        published.put_nowait(params)

    await client.start_io(sys.executable, "-m", "tslint", "--lsp", cwd=str(tmp_path))
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri())
    )
    client.initialized(types.InitializedParams())
    return client, published


async def _close(client) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def _next(published: asyncio.Queue):
    return await asyncio.wait_for(published.get(), timeout=60)


def test_open_change_hover_close(tmp_path: Path) -> None:
    async def scenario():
        client, published = await _session(tmp_path)
        uri = (tmp_path / "net.py").as_uri()
        try:
            client.text_document_did_open(types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=BAD)))
            params = await _next(published)
            (diagnostic,) = params.diagnostics
            assert params.uri == uri
            assert (diagnostic.code, diagnostic.source, diagnostic.severity) == ("TS101", "tslint", types.DiagnosticSeverity.Error)
            assert (diagnostic.range.start.line, diagnostic.range.start.character) == (4, 25)
            assert (diagnostic.range.end.line, diagnostic.range.end.character) == (4, 30)

            hover = await client.text_document_hover_async(types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=4, character=27)))
            assert "# TS101 var-args-in-compiled-function" in hover.contents.value

            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=CLEAN)]))
            params = await _next(published)
            assert list(params.diagnostics) == [] and params.version == 2

            client.text_document_did_close(types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=uri)))
            assert list((await _next(published)).diagnostics) == []
        finally:
            await _close(client)

    asyncio.run(scenario())


def test_buffer_is_linted_with_its_package_as_context(tmp_path: Path) -> None:
    """Child's base class lives in another file of the package: the server must see it."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(CLEAN.replace("class Net", "class Base"))

    async def scenario():
        client, published = await _session(tmp_path)
        uri = (package / "child.py").as_uri()
        try:
            client.text_document_did_open(types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=CHILD)))
            params = await _next(published)
            assert [d.code for d in params.diagnostics] == ["TS103", "TS409"]  # the scale: script needs a type, trace freezes it
        finally:
            await _close(client)

    asyncio.run(scenario())
