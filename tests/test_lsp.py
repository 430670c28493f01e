"""The language server, driven by pygls's own client over the real protocol: a fresh server in
this process over two pipes (tests/lsp_inprocess.py), and `tslint --lsp` in a child for one round.

Every wait is bounded: a wedged server fails the test, it does not hang the suite.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Callable, List, Optional

import pytest

types = pytest.importorskip("lsprotocol.types")
client_module = pytest.importorskip("pygls.lsp.client")

from pygls.io_ import StdoutWriter, run_async  # noqa: E402

from lsp_inprocess import InProcessServer  # noqa: E402
from tslint import lsp  # noqa: E402,F401  (needs pygls, skipped above without it)
from tslint.cache import CACHE_FOLDER, ResultCache  # noqa: E402
from tslint.config import Config  # noqa: E402
from tslint.lsp import context as lsp_context  # noqa: E402
from tslint.lsp import server as lsp_server  # noqa: E402

BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"
CLEAN = BAD.replace(", *args", "")
CHILD = (
    "from .base import Base\n\n\nclass Child(Base):\n    def forward(self, x, scale=2, *, n: int):\n        return x "
    "* scale * n\n"
)
SCRATCH = CHILD.replace("from .base", "from helper")
# Two findings on one span (TS402 and TS406 both start at `torch.tensor`), after two emoji: 24 code
# points before the span, 26 UTF-16 code units, 30 UTF-8 bytes.
EMOJI = (
    "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
    '        outs = x, "\U0001f600\U0001f600", torch.tensor(x.size(0)).item()\n        return outs[0] + outs[2]\n'
)
WAIT = 60  # seconds, for anything the server should answer


async def _connect(client) -> None:
    """Connect the client to a fresh server in this process (tests/lsp_inprocess.py)."""
    client.in_process = InProcessServer()
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    client.transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), client.in_process.output
    )
    client.protocol.set_writer(StdoutWriter(client.in_process.input))
    connection = run_async(
        stop_event=client._stop_event,
        reader=reader,
        protocol=client.protocol,
        error_handler=client.report_server_error,
    )
    client._async_tasks.append(asyncio.create_task(connection))


async def _session(
    workspace: Path, capabilities: Optional[object] = None, options: Optional[object] = None, child: bool = False
):
    """A client and a server, in this process unless `child` (`tslint --lsp` run as editors run it)."""
    client = client_module.BaseLanguageClient("tslint-test", "1")
    published: asyncio.Queue = asyncio.Queue()
    client.shown = []  # window/showMessage texts

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params):
        published.put_nowait(params)

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def on_message(params):
        client.shown.append(params.message)

    client.in_process = None
    if child:
        await client.start_io(sys.executable, "-m", "tslint", "--lsp", cwd=str(workspace))
    else:
        await _connect(client)
    result = await asyncio.wait_for(
        client.initialize_async(
            types.InitializeParams(
                capabilities=capabilities or types.ClientCapabilities(),
                root_uri=workspace.as_uri(),
                initialization_options=options,
            )
        ),
        WAIT,
    )
    client.initialized(types.InitializedParams())
    return client, published, result


async def _close(client) -> None:
    try:
        await asyncio.wait_for(client.shutdown_async(None), WAIT)
        client.exit(None)
        await asyncio.wait_for(client.stop(), WAIT)
    finally:
        if client._server is not None and client._server.returncode is None:
            client._server.kill()
        if client.in_process is not None:
            client.transport.close()
            assert client.in_process.finish(WAIT) == 0  # shut down, then exit: code 0


async def _next(published: asyncio.Queue):
    return await asyncio.wait_for(published.get(), timeout=WAIT)


async def _until(published: asyncio.Queue, accept: Callable[[object], bool]):
    """The first publication `accept` takes, within WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while True:
        params = await asyncio.wait_for(published.get(), timeout=max(0.1, deadline - time.monotonic()))
        if accept(params):
            return params


def _open(client, uri: str, text: str, language_id: str = "python") -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)
        )
    )


def _run(scenario) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 4 * WAIT))


def _codes(params) -> List[str]:
    return [d.code for d in params.diagnostics]


@pytest.mark.process
def test_open_change_hover_close(tmp_path: Path) -> None:
    """The whole round, with `tslint --lsp` in a child process as an editor starts it."""

    async def scenario():
        client, published, _ = await _session(tmp_path, child=True)
        uri = (tmp_path / "net.py").as_uri()
        try:
            _open(client, uri, BAD)
            params = await _next(published)
            (diagnostic,) = params.diagnostics
            assert params.uri == uri
            assert (diagnostic.code, diagnostic.source, diagnostic.severity) == (
                "TS101",
                "tslint",
                types.DiagnosticSeverity.Error,
            )
            assert (diagnostic.range.start.line, diagnostic.range.start.character) == (4, 25)
            assert (diagnostic.range.end.line, diagnostic.range.end.character) == (4, 30)
            assert diagnostic.code_description.href.startswith("file://")
            assert diagnostic.code_description.href.endswith("/TS101.md")

            hover = await asyncio.wait_for(
                client.text_document_hover_async(
                    types.HoverParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=types.Position(line=4, character=27),
                    )
                ),
                WAIT,
            )
            assert "# TS101 var-args-in-compiled-function" in hover.contents.value

            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=CLEAN)],
                )
            )
            params = await _next(published)
            assert list(params.diagnostics) == [] and params.version == 2

            client.text_document_did_close(
                types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            assert list((await _next(published)).diagnostics) == []
        finally:
            await _close(client)

    _run(scenario)


def test_buffer_is_linted_with_its_package_as_context(tmp_path: Path) -> None:
    """Child's base class lives in another file of the package: the server must see it, once the
    context is indexed (the buffer may be published first without it)."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(CLEAN.replace("class Net", "class Base"))

    async def scenario():
        client, published, _ = await _session(tmp_path)
        try:
            _open(client, (package / "child.py").as_uri(), CHILD)
            # the scale: script needs a type, trace freezes it
            await _until(published, lambda params: _codes(params) == ["TS103", "TS409"])
        finally:
            await _close(client)

    _run(scenario)


def test_a_save_refreshes_the_context(tmp_path: Path) -> None:
    """base.py changes on disk: a save re-reads it (its stamp changed) and the buffer is linted again."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(CLEAN.replace("class Net", "class Base"))

    async def scenario():
        client, published, _ = await _session(tmp_path)
        uri = (package / "child.py").as_uri()
        try:
            _open(client, uri, CHILD)
            await _until(published, lambda params: _codes(params) == ["TS103", "TS409"])
            (package / "base.py").write_text("class Base:\n    pass\n")  # not a module any more
            client.text_document_did_save(
                types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            await _until(published, lambda params: _codes(params) == [])
        finally:
            await _close(client)

    _run(scenario)


def test_hover_is_answered_while_the_context_is_indexed(tmp_path: Path, monkeypatch) -> None:
    """Indexing a package runs in the background: the buffer is published first without it, and a
    hover meanwhile is answered at once. The indexing of the (in-process) server waits until that
    hover is answered, so a hover that waited for the context would never be answered: the test
    does not depend on how long indexing takes on a loaded machine (it indexed 150 files, ~4 s CPU,
    and timed out at load 17 on 2 cores)."""
    import threading

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(CLEAN.replace("class Net", "class Base"))
    filler = "import torch\n\n\n" + "".join(
        f"def helper_{i}(x, y):\n    z = x + y\n    return z * {i}\n\n\n" for i in range(60)
    )
    for i in range(10):
        (package / f"filler{i}.py").write_text(filler)
    hover_answered = threading.Event()
    refresh = lsp_server.refresh_context

    def refresh_after_the_hover(*args, **kwargs):
        assert hover_answered.wait(WAIT), "the hover was not answered while the context was indexed"
        return refresh(*args, **kwargs)

    monkeypatch.setattr(lsp_server, "refresh_context", refresh_after_the_hover)

    async def scenario():
        client, published, _ = await _session(tmp_path)
        uri = (package / "child.py").as_uri()
        try:
            _open(client, uri, CHILD)
            assert _codes(await _next(published)) == []  # Base is not known yet
            hover = await asyncio.wait_for(
                client.text_document_hover_async(
                    types.HoverParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=types.Position(line=4, character=26),
                    )
                ),
                WAIT,
            )
            assert hover is None and published.empty()  # answered before the context is ready
            hover_answered.set()
            await _until(published, lambda params: _codes(params) == ["TS103", "TS409"])
            hover = await asyncio.wait_for(
                client.text_document_hover_async(
                    types.HoverParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=types.Position(line=4, character=26),
                    )
                ),
                WAIT,
            )
            assert "**TS103**" in hover.contents.value  # on `scale`
            hover = await asyncio.wait_for(
                client.text_document_hover_async(
                    types.HoverParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=types.Position(line=4, character=37),
                    )
                ),
                WAIT,
            )
            assert "**TS409**" in hover.contents.value  # on `n`
        finally:
            await _close(client)

    _run(scenario)


def _big_tree(folder: Path, files: int) -> None:
    """`files` Python files below `folder`, ~2 kB each, in nested folders (no packages)."""
    body = "import torch\n\n\n" + "".join(f"def helper_{i}(x):\n    return x * {i}\n\n\n" for i in range(60))
    for i in range(files):
        sub = folder / f"group{i % 20}" / f"sub{i % 7}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"m{i}.py").write_text(body)


def test_scratch_file_context_is_its_own_folder_not_the_tree_below(tmp_path: Path, monkeypatch) -> None:
    """A scratch file above 500 files: what bounds the server's work is what it walks and reads, and
    both stay in the scratch file's own folder: one folder listed, its two files read and indexed
    (the on-disk cache, under the project root, lists what it indexed), nothing of the tree below."""
    (tmp_path / ".git").mkdir()  # a project root: the cache is written there
    _big_tree(tmp_path / "data", 500)
    (tmp_path / "helper.py").write_text(CLEAN.replace("class Net", "class Base"))
    scratch = tmp_path / "scratch.py"
    scratch.write_text(SCRATCH)

    listed: List[Path] = []
    read: List[Path] = []
    scandir, read_source = lsp_context.os.scandir, lsp_context.read_source

    def recording_scandir(folder):
        listed.append(Path(folder))
        return scandir(folder)

    def recording_read_source(source):
        read.append(Path(source.path))
        return read_source(source)

    monkeypatch.setattr(lsp_context.os, "scandir", recording_scandir)
    monkeypatch.setattr(lsp_context, "read_source", recording_read_source)

    async def scenario():
        client, published, _ = await _session(tmp_path)
        try:
            _open(client, scratch.as_uri(), SCRATCH)
            await _until(published, lambda params: _codes(params) == ["TS103", "TS409"])
        finally:
            await _close(client)

    _run(scenario)
    data = tmp_path / "data"
    assert [folder for folder in listed if folder == data or data in folder.parents] == []
    assert tmp_path in listed
    assert sorted(set(read)) == sorted({tmp_path / "helper.py", scratch}), read
    assert len(list((tmp_path / CACHE_FOLDER).glob("results-*.pickle"))) == 1
    indexed = set(ResultCache(tmp_path / CACHE_FOLDER).entries)  # read as tslint does: verified
    assert indexed == {str(tmp_path / "helper.py"), str(scratch)}


def test_plain_text_and_files_outside_a_project_create_no_cache(tmp_path: Path) -> None:
    """/etc/passwd-like text is ignored; a .py file outside any project is linted with its context
    from memory only: no `.tslint_cache` anywhere."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "helper.py").write_text(CLEAN.replace("class Net", "class Base"))

    async def scenario():
        client, published, _ = await _session(workspace)
        try:
            _open(client, (etc / "passwd").as_uri(), "root:x:0:0:root:/root:/bin/bash\n", language_id="plaintext")
            _open(client, (etc / "notes.py").as_uri(), BAD, language_id="plaintext")  # not Python by languageId
            uri = (scratch / "net.py").as_uri()
            _open(client, uri, SCRATCH)
            params = await _until(published, lambda params: _codes(params) == ["TS103", "TS409"])
            assert params.uri == uri
            assert published.empty()  # nothing published for the two ignored documents
        finally:
            await _close(client)

    _run(scenario)
    assert not [p for p in tmp_path.rglob(CACHE_FOLDER)]


@pytest.mark.parametrize("encoding, offset", [(None, 2), ("utf-8", 6), ("utf-32", 0)])
def test_columns_in_the_negotiated_encoding_and_every_finding_on_hover(tmp_path: Path, encoding, offset) -> None:
    """Columns count the client's code units (UTF-16 unless negotiated): two emoji before the span
    shift it by 2 UTF-16 units, 6 UTF-8 bytes. Hover shows both findings of the span."""
    capabilities = (
        types.ClientCapabilities(general=types.GeneralClientCapabilities(position_encodings=[encoding]))
        if encoding
        else None
    )

    async def scenario():
        client, published, result = await _session(tmp_path, capabilities)
        uri = (tmp_path / "net.py").as_uri()
        try:
            assert result.capabilities.position_encoding == (encoding or "utf-16")
            _open(client, uri, EMOJI)
            params = await _next(published)
            spans = {
                d.code: (d.range.start.line, d.range.start.character, d.range.end.character) for d in params.diagnostics
            }
            assert spans == {"TS402": (6, 24 + offset, 54 + offset), "TS406": (6, 24 + offset, 47 + offset)}
            hover = await asyncio.wait_for(
                client.text_document_hover_async(
                    types.HoverParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=types.Position(line=6, character=25 + offset),
                    )
                ),
                WAIT,
            )
            assert "**TS402**" in hover.contents.value and "**TS406**" in hover.contents.value
            # Just before the span (the space after the emoji's string): nothing.
            nothing = await asyncio.wait_for(
                client.text_document_hover_async(
                    types.HoverParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=types.Position(line=6, character=23 + offset),
                    )
                ),
                WAIT,
            )
            assert nothing is None
        finally:
            await _close(client)

    _run(scenario)


# --- the parts, in this process ---------------------------------------------------------------------


def test_python_documents_only() -> None:
    assert lsp_context.is_python_document("file:///p/a.py", "python")
    assert lsp_context.is_python_document("file:///p/a.pyi", "python")
    assert lsp_context.is_python_document("untitled:Untitled-1", "python")
    assert not lsp_context.is_python_document("file:///etc/passwd", "python")
    assert not lsp_context.is_python_document("file:///p/a.py", "plaintext")
    assert not lsp_context.is_python_document("file:///p/a.txt", None)


def test_context_is_the_largest_package_within_the_caps(tmp_path: Path, monkeypatch) -> None:
    top = tmp_path / "top"
    inner = top / "inner"
    inner.mkdir(parents=True)
    for folder in (top, inner):
        (folder / "__init__.py").write_text("")
    (inner / "a.py").write_text("")
    (top / "b.py").write_text("")
    (tmp_path / "outside.py").write_text("")
    folder, files = lsp_context.choose_context(inner / "a.py", Config())
    assert folder == top
    assert [Path(f.display).relative_to(tmp_path).as_posix() for f in files] == [
        "top/__init__.py",
        "top/b.py",
        "top/inner/__init__.py",
        "top/inner/a.py",
    ]
    monkeypatch.setattr(lsp_context, "CONTEXT_MAX_FILES", 3)  # the top package is too large: the inner one
    folder, files = lsp_context.choose_context(inner / "a.py", Config())
    assert folder == inner and len(files) == 2
    monkeypatch.setattr(lsp_context, "CONTEXT_MAX_FILES", 1)  # even that: the file alone
    assert lsp_context.choose_context(inner / "a.py", Config()) == (None, ())


def test_context_outside_a_package_is_the_folder_without_subfolders(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("")
    (tmp_path / "b.py").write_text("")
    _big_tree(tmp_path / "below", 3)
    folder, files = lsp_context.choose_context(tmp_path / "a.py", Config())
    assert folder == tmp_path and [Path(f.display).name for f in files] == ["a.py", "b.py"]


def test_project_root(tmp_path: Path) -> None:
    (tmp_path / "proj" / "src").mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    assert lsp_context.project_root(tmp_path / "proj" / "src" / "a.py", []) == tmp_path / "proj"
    (tmp_path / "loose").mkdir()
    assert lsp_context.project_root(tmp_path / "loose" / "a.py", [tmp_path / "loose"]) == tmp_path / "loose"
    assert lsp_context.project_root(tmp_path / "loose" / "a.py", [tmp_path / "proj"]) is None


def test_refresh_reads_only_files_whose_stamp_changed(tmp_path: Path, monkeypatch) -> None:
    import threading

    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("def f(x):\n    return x\n")
    _, files = lsp_context.choose_context(tmp_path / "a.py", Config())
    context = lsp_context.Context(tmp_path)
    assert lsp_context.refresh_context(context, files, None, threading.Event())
    read: List[str] = []
    original = lsp_context.read_source
    monkeypatch.setattr(lsp_context, "read_source", lambda source: read.append(source.display) or original(source))
    assert not lsp_context.refresh_context(context, files, None, threading.Event())
    assert read == []
    (tmp_path / "b.py").write_text("def g(x):\n    return x + 1\n")
    assert lsp_context.refresh_context(context, files, None, threading.Event())
    assert read == [str(tmp_path / "b.py")]


def test_contexts_no_buffer_uses_are_forgotten_beyond_the_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(lsp_server, "KEPT_CONTEXTS", 2)
    server = lsp_server.TslintServer()
    server.documents["file:///a.py"] = lsp_server.OpenDocument("/a.py", Path("/a.py"), context=tmp_path / "used")
    for name in ("used", "old", "newer", "newest"):
        server.keep(lsp_context.Context(tmp_path / name))
    assert list(server.contexts) == [tmp_path / "used", tmp_path / "newest"]


def test_scopes_are_reused_while_the_buffer_index_stays_the_same(tmp_path: Path) -> None:
    """An edit inside an expression keeps the buffer's index: the scopes are reused, and the
    positions still come from the new text; a new parameter changes the index: rebuilt."""
    display = str(tmp_path / "net.py")
    memo, context = lsp_context.ScopeMemo(), {}  # one context, as the server passes while it is unchanged
    first = lsp_context.lint_buffer(BAD, display, Config(), context, memo)
    scopes = memo.scopes
    moved = BAD.replace("class Net", "\nclass Net")  # one line lower, same index
    second = lsp_context.lint_buffer(moved, display, Config(), context, memo)
    assert memo.scopes is scopes
    assert [d.location.row for d in second.diagnostics] == [d.location.row + 1 for d in first.diagnostics]
    third = lsp_context.lint_buffer(CLEAN, display, Config(), context, memo)
    assert memo.scopes is not scopes and third.diagnostics == ()


@pytest.mark.parametrize(
    "table, expected", [("", ["TS103", "TS409"]), ('mode = "trace"', ["TS409"]), ('select = ["TS1"]', ["TS103"])]
)
def test_settings_come_from_the_workspace_config(tmp_path: Path, table, expected) -> None:
    """`mode` and `select` in the project's [tool.tslint] apply to the buffers, as on the command line."""
    (tmp_path / "pyproject.toml").write_text(f"[tool.tslint]\n{table}\n")
    text = CHILD.replace("from .base import Base", "import torch.nn as nn").replace("Child(Base)", "Child(nn.Module)")

    async def scenario():
        client, published, _ = await _session(tmp_path)
        try:
            _open(client, (tmp_path / "model.py").as_uri(), text)
            assert _codes(await _next(published)) == expected
        finally:
            await _close(client)

    _run(scenario)


def test_editor_settings_override_the_workspace_config(tmp_path: Path) -> None:
    """The editor's settings (initializationOptions, then workspace/didChangeConfiguration) win over
    [tool.tslint] key by key; invalid ones are shown to the user and the project's config applies."""
    (tmp_path / "pyproject.toml").write_text('[tool.tslint]\nselect = ["TS4"]\n')
    text = CHILD.replace("from .base import Base", "import torch.nn as nn").replace("Child(Base)", "Child(nn.Module)")
    uri = (tmp_path / "model.py").as_uri()

    def configure(client, settings) -> None:
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))

    async def scenario():
        client, published, _ = await _session(tmp_path, options={"settings": {"select": ["TS1"]}})
        try:
            _open(client, uri, text)
            assert _codes(await _next(published)) == ["TS103"]
            configure(client, {"tslint": {"select": ["TS"], "ignore": []}})
            assert _codes(await _next(published)) == ["TS103", "TS409"]
            configure(client, {"tslint": {"mode": "fast"}})
            assert _codes(await _next(published)) == ["TS409"]
            assert any("editor settings: `mode` must be one of" in message for message in client.shown)
        finally:
            await _close(client)

    _run(scenario)


def test_editor_settings_are_validated_as_the_config_file() -> None:
    from tslint.config import ConfigError, editor_overrides

    known = ["TS101", "TS409"]
    assert editor_overrides(None, known) == {}
    assert editor_overrides({"mode": "trace", "select": ["ts1"]}, known) == {"mode": "trace", "select": ("TS1",)}
    for settings, message in [
        (["TS1"], "expected an object"),
        ({"exclude": ["x"]}, "unknown key `exclude`"),
        ({"select": "TS1"}, "`select` must be a list of strings"),
        ({"ignore": ["TS999"]}, "unknown rule 'TS999'"),
    ]:
        with pytest.raises(ConfigError, match=message):
            editor_overrides(settings, known)
    assert lsp_server._tslint_settings({"settings": {"tslint": {"mode": "script"}}}) == {"mode": "script"}
