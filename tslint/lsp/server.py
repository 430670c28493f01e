"""The language server: pygls's protocol with the replies it lacks, the open documents, and the
handlers (see the package doc)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, List, Optional, Sequence, Set, Tuple

from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from tslint import __version__, api
from tslint.cache import CACHE_FOLDER, ResultCache
from tslint.config import Config, ConfigError, editor_overrides, load_config
from tslint.findings import Diagnostic
from tslint.lsp.actions import ActionBuilder, wants_quickfix
from tslint.lsp.context import (
    BufferResult,
    Context,
    ScopeMemo,
    _path,
    choose_context,
    is_python_document,
    lint_buffer,
    project_root,
    refresh_context,
)
from tslint.lsp.documents import from_client_column, hover_text, split_lines, to_lsp
from tslint.lsp.framing import FdReader, frames

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3
KEPT_CONTEXTS = 8


def _error(code: int, message: str) -> Dict[str, Any]:
    return {"code": code, "message": message}


class TslintProtocol(LanguageServerProtocol):
    """pygls's protocol, with replies where pygls drops a message in silence (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_received = False

    def send_error(self, msg_id: Any, error: Dict[str, Any]) -> None:
        # Written by hand: pygls leaves out an `id` of null, which JSON-RPC requires in the reply.
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": error})

    def receive(self, body: bytes) -> None:
        """Handle one message body."""
        try:
            data = json.loads(body)
        except ValueError as problem:  # UnicodeDecodeError is a ValueError too
            self.send_error(None, _error(types.ErrorCodes.ParseError, f"the message is not JSON: {problem}"))
            return
        msg_id = data.get("id") if isinstance(data, dict) else None
        valid_id = msg_id is None or isinstance(msg_id, (str, int)) and not isinstance(msg_id, bool)
        if (
            not isinstance(data, dict)
            or data.get("jsonrpc") != "2.0"
            or not valid_id
            or ("method" in data and not isinstance(data["method"], str))
            or ("method" not in data and "id" not in data)
        ):
            reply_id = msg_id if valid_id else None
            self.send_error(reply_id, _error(types.ErrorCodes.InvalidRequest, "not a JSON-RPC 2.0 message"))
            return
        is_request = "method" in data and "id" in data
        if is_request and not self.answerable(data["id"], data["method"]):
            return
        if not is_request and data.get("method") not in (None, types.EXIT) and not self.initialize_received:
            return  # the LSP: notifications before `initialize` are dropped, except `exit`
        try:
            message = self.structure_message(data)
        except Exception as problem:  # params (or result) that do not fit the method's types
            logger.warning("tslint: invalid message %s: %s", data.get("method", ""), problem)
            if is_request:
                self.send_error(
                    data["id"], _error(types.ErrorCodes.InvalidParams, f"invalid params for {data['method']}")
                )
            return
        if "method" in data and data["method"] == types.INITIALIZE:
            self.initialize_received = True
        self.handle_message(message)

    def answerable(self, msg_id: Any, method: str) -> bool:
        """Whether a request may be served now; if not, it has its error reply."""
        if self._shutdown and method != types.EXIT:
            self.send_error(msg_id, _error(types.ErrorCodes.InvalidRequest, "the server is shut down"))
            return False
        if not self.initialize_received and method != types.INITIALIZE:
            self.send_error(msg_id, _error(types.ErrorCodes.ServerNotInitialized, "the server is not initialized"))
            return False
        return True


# --- the server -------------------------------------------------------------------------------------


@dataclass
class OpenDocument:
    display: str
    path: Optional[Path]
    generation: int = 0  # of the latest lint asked for; an older one that has not started is skipped
    debounce: Optional[asyncio.TimerHandle] = None
    context: Optional[Path] = None  # the folder of its context, once chosen
    findings: Tuple[Diagnostic, ...] = ()  # as last published
    text: Optional[str] = None  # the text they were found in
    memo: ScopeMemo = field(default_factory=ScopeMemo)  # used by the buffer thread only
    published_version: Optional[int] = -1


def _in_loop(callback: Any, *args: Any) -> Any:
    """A done-callback for a future of an executor: `callback(*args, future)` in the event loop's
    thread, where every message to the client is sent; dropped once the loop has closed (exit)."""
    loop = asyncio.get_running_loop()

    def done(future: Future) -> None:
        try:
            loop.call_soon_threadsafe(callback, *args, future)
        except RuntimeError:  # the loop is closed: the server is exiting
            pass

    return done


class TslintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("tslint", __version__, protocol_cls=TslintProtocol)
        self.documents: Dict[str, OpenDocument] = {}
        self.contexts: Dict[Path, Context] = {}
        self.disk_caches: Dict[Path, ResultCache] = {}
        self.stopping = threading.Event()
        # Two threads: a context being indexed must not hold back the lint of a keystroke.
        self.buffer_thread = ThreadPoolExecutor(1, thread_name_prefix="tslint-buffer")
        self.context_thread = ThreadPoolExecutor(1, thread_name_prefix="tslint-context")
        self.context_queued: Set[str] = set()
        self.overrides: Dict[str, Any] = {}  # the editor's settings (mode, select, ignore)
        self.config_problem: Optional[str] = None  # the config error shown last: once, not per keystroke

    # Everything below runs in the event loop's thread, except what is handed to the two executors.

    def encoding(self) -> str:
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        return str(getattr(encoding, "value", encoding))

    def workspace_folders(self) -> List[Path]:
        folders = [_path(folder.uri) for folder in self.workspace.folders.values()]
        root = _path(self.workspace.root_uri) if self.workspace.root_uri else None
        return [f for f in (*folders, root) if f is not None]

    def open(self, uri: str, language_id: Optional[str]) -> None:
        if not is_python_document(uri, language_id):
            return
        path = _path(uri)
        document = self.documents[uri] = OpenDocument(str(path) if path is not None else uri, path)
        # A context already indexed with this file in it serves the first lint too.
        document.context = next((f for f, c in list(self.contexts.items()) if document.display in c.entries), None)
        self.lint(uri)
        self.index_context(uri)

    def close(self, uri: str) -> None:
        document = self.documents.pop(uri, None)
        if document is None:
            return
        if document.debounce is not None:
            document.debounce.cancel()
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def schedule(self, uri: str) -> None:
        document = self.documents.get(uri)
        if document is None:
            return
        if document.debounce is not None:
            document.debounce.cancel()
        document.debounce = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, self.lint, uri)

    def config_for(self, document: OpenDocument) -> Config:
        if document.path is None:
            config = load_config([], None, True, [])
        else:
            config = load_config([str(document.path)], None, False, api.known_codes())
        return config.with_overrides(**self.overrides)

    def configure(self, settings: Any) -> None:
        """Take the editor's settings for tslint and lint the open buffers again with them. Invalid
        settings are shown to the user and ignored as a whole: the project's config applies."""
        try:
            self.overrides = editor_overrides(_tslint_settings(settings), api.known_codes())
        except ConfigError as problem:
            self.overrides = {}
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"tslint: {problem}")
            )
        for uri in list(self.documents):
            self.lint(uri)

    def lint(self, uri: str) -> None:
        """Lint the buffer as it is now, in the buffer thread, with its context as far as it is ready."""
        document = self.documents.get(uri)
        if document is None:
            return
        document.debounce = None
        document.generation += 1
        generation = document.generation
        text_document = self.workspace.get_text_document(uri)
        text, version = text_document.source, text_document.version
        context = self.contexts.get(document.context) if document.context is not None else None
        entries = context.entries if context is not None else {}

        def work() -> Optional[BufferResult]:
            if self.stopping.is_set() or document.generation != generation:
                return None  # a newer lint of this buffer is queued
            return lint_buffer(text, document.display, self.config_for(document), entries, document.memo)

        future = self.buffer_thread.submit(work)
        future.add_done_callback(_in_loop(self.publish, uri, generation, text, version))

    def log(self, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=f"tslint: {message}"))

    def publish(
        self, uri: str, generation: int, text: str, version: Optional[int], done: Future[Optional[BufferResult]]
    ) -> None:
        document = self.documents.get(uri)
        if document is None or document.generation != generation or done.cancelled():
            return
        problem = done.exception()
        if isinstance(problem, ConfigError):
            if f"tslint: {problem}" != self.config_problem:
                self.config_problem = f"tslint: {problem}"
                self.window_show_message(
                    types.ShowMessageParams(type=types.MessageType.Error, message=self.config_problem)
                )
            if document.findings:  # found under the old config, at old positions: stale, so withdrawn
                document.findings, document.published_version, document.text = (), version, text
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=[])
                )
            return
        if problem is not None:
            self.log(f"internal error: {type(problem).__name__}: {problem}")
            return
        result = done.result()
        if result is None:
            return
        if document.path is not None:  # the config read again (an untitled buffer reads none)
            self.config_problem = None
        for error in result.errors:
            self.log(f"{error.filename}: {error.message}")
        if (version, result.diagnostics) == (document.published_version, document.findings):
            return  # a lint again with the context found the same: the client already shows them
        document.findings, document.published_version, document.text = result.diagnostics, version, text
        lines, encoding = split_lines(text), self.encoding()
        diagnostics = [to_lsp(d, lines, encoding) for d in result.diagnostics]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics)
        )

    def index_context(self, uri: str) -> None:
        """Choose and refresh the buffer's context in the context thread; lint again the open buffers
        of that context if it changed."""
        document = self.documents.get(uri)
        if document is None or document.path is None or uri in self.context_queued:
            return
        self.context_queued.add(uri)
        path, folders = document.path, self.workspace_folders()

        def work() -> Tuple[Optional[Context], bool]:
            self.context_queued.discard(uri)
            if self.stopping.is_set():
                return None, False
            config = self.config_for(document)
            folder, sources = choose_context(path, config)
            if folder is None:
                return None, False
            context = self.contexts.setdefault(folder, Context(folder))  # the next job finds it
            return context, refresh_context(context, sources, self.disk_cache(path, folders), self.stopping)

        future = self.context_thread.submit(work)
        future.add_done_callback(_in_loop(self.context_done, uri))

    def disk_cache(self, path: Path, folders: Sequence[Path]) -> Optional[ResultCache]:
        """The on-disk cache of the project holding `path`; None outside a project. Context thread only."""
        root = project_root(path, folders)
        if root is None:
            return None
        if root not in self.disk_caches:
            self.disk_caches[root] = ResultCache(root / CACHE_FOLDER)
        return self.disk_caches[root]

    def context_done(self, uri: str, done: Future[Tuple[Optional[Context], bool]]) -> None:
        if done.cancelled():
            return
        problem = done.exception()
        if problem is not None:
            if not isinstance(problem, ConfigError):  # reported by the buffer's own lint
                self.log(f"internal error while indexing the context: {type(problem).__name__}: {problem}")
            return
        context, changed = done.result()
        folder = context.folder if context is not None else None
        document = self.documents.get(uri)
        if document is not None and folder != document.context:
            document.context = folder
            changed = True
        if context is not None:
            self.keep(context)
        if changed:
            for other_uri, other in list(self.documents.items()):
                if other.context == folder and other.context is not None:
                    self.lint(other_uri)

    def keep(self, context: Context) -> None:
        """Store the context as the most recent; forget the oldest of those no open buffer uses
        beyond KEPT_CONTEXTS (each holds the indexes of up to CONTEXT_MAX_FILES files)."""
        self.contexts.pop(context.folder, None)
        self.contexts[context.folder] = context
        used = {document.context for document in self.documents.values()}
        unused = [folder for folder in self.contexts if folder not in used]
        for folder in unused[: max(0, len(self.contexts) - KEPT_CONTEXTS)]:
            del self.contexts[folder]

    def saved(self, uri: str) -> None:
        """A file on disk changed: lint the buffer and refresh its context (and so its neighbours')."""
        self.lint(uri)
        self.index_context(uri)

    def hover_at(self, uri: str, position: types.Position) -> Optional[types.Hover]:
        document = self.documents.get(uri)
        if document is None or not document.findings:
            return None
        lines = split_lines(self.workspace.get_text_document(uri).source)
        column = from_client_column(lines, position.line, position.character, self.encoding())
        here = (position.line + 1, column + 1)
        findings = [
            d
            for d in document.findings
            if (d.location.row, d.location.column) <= here <= (d.end_location.row, d.end_location.column)
        ]
        if not findings:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=hover_text(findings)))

    def code_actions(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        """Quick fixes for the request's tslint diagnostics; none while the buffer differs from the
        text they were found in (its new diagnostics are on their way)."""
        uri = params.text_document.uri
        document = self.documents.get(uri)
        if document is None or not document.findings or not wants_quickfix(params.context.only):
            return []
        current = self.workspace.get_text_document(uri)
        if document.text is None or current.source != document.text:
            return []
        capabilities = self.client_capabilities.workspace
        edit_capabilities = capabilities.workspace_edit if capabilities is not None else None
        document_changes = bool(edit_capabilities is not None and edit_capabilities.document_changes)
        builder = ActionBuilder(
            uri,
            current.version,
            document.text,
            split_lines(document.text),
            self.encoding(),
            document.findings,
            document_changes,
        )
        return builder.actions(params.context.diagnostics)

    def start_io(self, stdin: Optional[IO[bytes]] = None, stdout: Optional[IO[bytes]] = None) -> int:  # type: ignore[override]
        """Serve over the streams until `exit` or the end of the input; returns the exit code
        (0 after shutdown, else 1, as the LSP says)."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        code = 1
        try:
            asyncio.run(self._serve(stdin or sys.stdin.buffer))
            code = 0 if self.protocol._shutdown else 1
        except SystemExit as exit_:  # pygls's `exit` handler
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BrokenPipeError:
            code = 1
        finally:
            self.stopping.set()
            self.buffer_thread.shutdown(wait=False, cancel_futures=True)
            self.context_thread.shutdown(wait=False, cancel_futures=True)
        return code

    async def _serve(self, stdin: IO[bytes]) -> None:
        # The input is read in a daemon thread: a blocked read must not keep the process alive after
        # `exit` (an executor's threads are joined when Python exits).
        loop = asyncio.get_running_loop()
        ended = loop.create_future()
        protocol: TslintProtocol = self.protocol  # type: ignore[assignment]

        def receive(body: bytes) -> None:
            try:
                protocol.receive(body)
            except (SystemExit, KeyboardInterrupt):
                raise
            except Exception:  # a bug in one message must not end the session
                logger.exception("tslint: failed to handle a message")

        try:
            source: Any = FdReader(stdin.fileno())
        except (AttributeError, OSError, ValueError):  # not a file: read it as it is
            source = stdin

        def read() -> None:
            try:
                for body in frames(source):
                    loop.call_soon_threadsafe(receive, body)
            except (OSError, ValueError, RuntimeError):  # RuntimeError: the loop has closed (exit)
                pass
            finally:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(lambda: ended.done() or ended.set_result(None))

        threading.Thread(target=read, name="tslint-stdin", daemon=True).start()
        await ended


def _tslint_settings(settings: Any) -> Any:
    """The tslint part of what an editor sends: `{"settings": {...}}` (initializationOptions, as
    ruff's server takes them), a `tslint` section (VS Code and Neovim send every section), or the
    settings themselves."""
    for key in ("settings", "tslint"):
        if isinstance(settings, dict) and key in settings:
            settings = settings[key]
    return settings


server = TslintServer()


@server.feature(types.INITIALIZE)
def initialize(ls: TslintServer, params: types.InitializeParams) -> None:
    if params.initialization_options is not None:
        ls.configure(params.initialization_options)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(ls: TslintServer, params: types.DidChangeConfigurationParams) -> None:
    ls.configure(params.settings)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: TslintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.open(params.text_document.uri, params.text_document.language_id)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: TslintServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.saved(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: TslintServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: TslintServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.close(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: TslintServer, params: types.HoverParams) -> Optional[types.Hover]:
    """Over findings: each one, and its rule page."""
    return ls.hover_at(params.text_document.uri, params.position)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
)
def code_action(ls: TslintServer, params: types.CodeActionParams) -> List[types.CodeAction]:
    """Each diagnostic's fix, and suppressing it on its line or in the file."""
    return ls.code_actions(params)


def main() -> int:
    """Serve over stdio, then end the process at once: Python would join the executors' threads at
    exit, so a lint or a context indexing in progress (seconds on a large file) held the process
    after `exit` (tests/test_lsp_protocol.py)."""
    code = server.start_io()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # pygls may have closed stdout
            stream.flush()
    logging.shutdown()
    os._exit(code)
