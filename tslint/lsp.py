"""`tslint --lsp`: a language server over stdio (pygls, the optional extra `lsp`).

Publishes diagnostics on open, on save and, debounced, on change; each carries its code, severity,
range (in the position encoding negotiated with the client, UTF-16 by default), source `tslint` and
a link to its rule page; hovering over findings shows each one and its rule page.

Only Python documents are linted (languageId `python` and a `.py`/`.pyi` path, or an untitled
Python buffer); anything else the editor opens is ignored.

Context (base classes and helpers in other files) is bounded: the largest enclosing package of the
file within CONTEXT_MAX_FILES / CONTEXT_MAX_BYTES, or, for a file in no package, its folder's own
`.py` files within the same caps. A context is indexed once, in a background thread, and kept in
memory with each file's stat stamp; a save re-reads only the files whose stamp changed. The buffer
itself is linted at once with whatever context is ready, and published again when its context
arrives; a keystroke re-indexes only the buffer. The on-disk result cache is used only under a
project root (a folder holding pyproject.toml or .git, or a workspace folder): tslint never creates
`.tslint_cache` next to an arbitrary file.

The JSON-RPC layer answers what pygls leaves unanswered: a body that is not JSON (ParseError), a
message that is not a request (InvalidRequest), params that do not fit the method (InvalidParams),
a request before `initialize` (ServerNotInitialized) or after `shutdown` (InvalidRequest). A header
block without a usable Content-Length cannot be framed: the server drops it and whatever follows up
to the next Content-Length header, and serves on from there (it recovers; it never waits forever on
a length it does not know).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from tslint import __version__, api, explain
from tslint.cache import CACHE_FOLDER, ResultCache
from tslint.compiled_scope import ProjectScopes
from tslint.config import Config, ConfigError, load_config
from tslint.digests import digest as content_digest
from tslint.engine.parsing import read_source
from tslint.engine.phases import FileSummary, index_source, lint_indexed
from tslint.files import DEFAULT_EXCLUDES, SourceFile, is_excluded
from tslint.findings import Diagnostic, FileError, Severity
from tslint.project_index import FileIndex, ProjectIndex

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3
# A context larger than this is narrowed to the next package inward (or to the file alone). Indexing
# runs at about 200 kB/s, so this bounds the background work of a first open to tens of seconds.
CONTEXT_MAX_FILES = 1000
CONTEXT_MAX_BYTES = 5_000_000
KEPT_CONTEXTS = 8
PYTHON_SUFFIXES = (".py", ".pyi")
PROJECT_MARKERS = ("pyproject.toml", ".git")


# --- documents and contexts -----------------------------------------------------------------------


def _path(uri: str) -> Optional[Path]:
    parsed = urlparse(uri)
    return Path(os.path.normpath(unquote(parsed.path))) if parsed.scheme == "file" else None


def is_python_document(uri: str, language_id: Optional[str]) -> bool:
    """Whether to lint the document: Python by languageId, and by suffix when it is a file."""
    if language_id != "python":
        return False
    path = _path(uri)
    if path is None:
        return urlparse(uri).scheme == "untitled"  # an unsaved Python buffer: linted, without context
    return path.name.endswith(PYTHON_SUFFIXES)


def context_candidates(path: Path) -> List[Tuple[Path, bool]]:
    """The folders whose files may give `path` context, innermost first, as (folder, recursive):
    each enclosing package up to the top one, or, outside a package, the file's own folder alone."""
    folder = path.parent
    if not (folder / "__init__.py").is_file():
        return [(folder, False)]
    chain = []
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        chain.append((folder, True))
        folder = folder.parent
    return chain


def bounded_listing(folder: Path, recursive: bool, root: Optional[Path], exclude: Sequence[str]) -> Optional[List[SourceFile]]:
    """The `.py` files of `folder` (and below it when `recursive`), or None as soon as they pass
    CONTEXT_MAX_FILES or CONTEXT_MAX_BYTES: the walk never goes further than the caps."""
    patterns = (*DEFAULT_EXCLUDES, *exclude)
    found: List[SourceFile] = []
    size = 0
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if recursive and not is_excluded(Path(entry.path), root, patterns):
                        pending.append(Path(entry.path))
                elif entry.name.endswith(".py") and entry.is_file() and not is_excluded(Path(entry.path), root, patterns):
                    size += entry.stat().st_size
                    found.append(SourceFile(Path(entry.path), os.path.normpath(entry.path)))
            except OSError:
                continue
            if len(found) > CONTEXT_MAX_FILES or size > CONTEXT_MAX_BYTES:
                return None
    return sorted(found, key=lambda source: source.display)


def choose_context(path: Path, config: Config) -> Tuple[Optional[Path], Tuple[SourceFile, ...]]:
    """(folder, files) of the largest candidate within the caps; (None, ()) when even the innermost
    is too large (the file is linted alone)."""
    chosen: Tuple[Optional[Path], Tuple[SourceFile, ...]] = (None, ())
    for folder, recursive in context_candidates(path):
        files = bounded_listing(folder, recursive, config.root, config.exclude)
        if files is None:
            break
        chosen = (folder, tuple(files))
    return chosen


def project_root(path: Path, workspace_folders: Sequence[Path]) -> Optional[Path]:
    """The nearest folder above `path` holding pyproject.toml or .git, else the workspace folder
    holding it, else None (no on-disk cache)."""
    for folder in path.parents:
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    for folder in sorted(workspace_folders, key=lambda f: -len(f.parts)):
        if folder in path.parents:
            return folder
    return None


Stamp = Tuple[int, int]  # (mtime in ns, size): a file is read again only when this changes


@dataclass
class Context:
    """The indexes of one context's files, by display name, kept between lints. Written only by the
    context thread, which swaps `entries` whole; readers take the dict as it is."""

    folder: Path
    entries: Dict[str, Tuple[Stamp, FileSummary]] = field(default_factory=dict)
    ready: bool = False


def refresh_context(
    context: Context, sources: Sequence[SourceFile], disk: Optional[ResultCache], stopping: threading.Event
) -> bool:
    """Index what changed since the last refresh (by stamp; through the on-disk cache when there is
    one). Returns whether the summaries changed; False, leaving the context as it was, if stopped."""
    fresh: Dict[str, Tuple[Stamp, FileSummary]] = {}
    changed = not context.ready
    for source in sources:
        if stopping.is_set():
            return False
        try:
            status = source.path.stat()
        except OSError:
            continue
        stamp = (status.st_mtime_ns, status.st_size)
        known = context.entries.get(source.display)
        if known is not None and known[0] == stamp:
            fresh[source.display] = known
            continue
        data, _ = read_source(source)
        if data is None:
            continue  # unreadable: it gives no context (it is reported when it is itself linted)
        digest = content_digest(data)
        summary = disk.summary(source, digest) if disk is not None else None
        if summary is None:
            summary = index_source(source, data).summary()
            if disk is not None and summary.error is None:
                disk.store_summary(source, summary)
        fresh[source.display] = (stamp, summary)
        changed = changed or known is None or known[1].digest != summary.digest
    changed = changed or fresh.keys() != context.entries.keys()
    context.entries = fresh
    context.ready = True
    if disk is not None:
        disk.save()
    return changed


@dataclass(frozen=True)
class BufferResult:
    diagnostics: Tuple[Diagnostic, ...]
    errors: Tuple[FileError, ...]


@dataclass
class ScopeMemo:
    """The scopes of a buffer's last lint. Building them walks every class of the context (seconds
    for thousands of modules); a keystroke that leaves the buffer's index as it was (an edit inside
    an expression, a comment) reuses them, as nothing they hold changed."""

    context: Optional[Dict[str, Tuple[Stamp, FileSummary]]] = None
    index: Optional[FileIndex] = None
    scopes: Optional[ProjectScopes] = None


def lint_buffer(
    text: str, display: str, config: Config, context: Dict[str, Tuple[Stamp, FileSummary]], memo: Optional[ScopeMemo] = None
) -> BufferResult:
    """Lint the buffer as the file `display`, with the context's indexes (the buffer replaces its
    own file's). Only the buffer is parsed."""
    source = SourceFile(Path(display), display)
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes a TS001 decode error
    item = index_source(source, data)
    own = item.summary()
    if memo is not None and memo.scopes is not None and memo.context is context and own.index is not None and memo.index == own.index:
        scopes = memo.scopes
    else:
        summaries = [summary for name, (_, summary) in context.items() if name != display]
        indexed = [s for s in (*summaries, own) if s.index is not None]
        scopes = ProjectScopes(ProjectIndex((s.index for s in indexed), {s.index.path: s.digest for s in indexed}))
        if memo is not None:
            memo.context, memo.index, memo.scopes = context, own.index, scopes
    outcome = lint_indexed(item, data, scopes, api.enabled_rules(config), config)
    return BufferResult(outcome.diagnostics, outcome.errors)


# --- positions ------------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the LSP's line breaks (str.splitlines knows more)


def split_lines(text: str) -> List[str]:
    return _LINE_BREAK.split(text)


def code_units(text: str, encoding: str) -> int:
    """The length of `text` in the code units of `encoding` (an LSP PositionEncodingKind)."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def to_client_column(lines: Sequence[str], row: int, column: int, encoding: str) -> int:
    """A 0-based code-point column of line `row` (0-based) in the client's code units."""
    line = lines[row] if 0 <= row < len(lines) else ""
    return code_units(line[:column], encoding)


def from_client_column(lines: Sequence[str], row: int, units: int, encoding: str) -> int:
    """The 0-based code-point column at `units` code units into line `row` (0-based)."""
    line = lines[row] if 0 <= row < len(lines) else ""
    count = 0
    for index, character in enumerate(line):
        if count >= units:
            return index
        count += code_units(character, encoding)
    return len(line)


def page_uri(code: str) -> Optional[str]:
    folder = explain.pages_folder()
    path = folder / f"{code.upper()}.md" if folder is not None else None
    return path.resolve().as_uri() if path is not None and path.is_file() else None


def to_lsp(diagnostic: Diagnostic, lines: Sequence[str], encoding: str) -> types.Diagnostic:
    severity = types.DiagnosticSeverity.Error if diagnostic.severity is Severity.ERROR else types.DiagnosticSeverity.Warning
    start, end = diagnostic.location, diagnostic.end_location
    href = page_uri(diagnostic.code)
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=start.row - 1, character=to_client_column(lines, start.row - 1, start.column - 1, encoding)),
            end=types.Position(line=end.row - 1, character=to_client_column(lines, end.row - 1, end.column - 1, encoding)),
        ),
        message=diagnostic.message,
        severity=severity,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=href) if href is not None else None,
        source="tslint",
        data={"name": diagnostic.name},
    )


def hover_text(findings: Sequence[Diagnostic]) -> str:
    """Every finding, then the rule page of each code once."""
    parts = [f"**{d.code}** ({d.name}) {d.message}" for d in findings]
    for code in dict.fromkeys(d.code for d in findings):
        page = explain.page(code)
        if page:
            parts.append(page)
    return "\n\n---\n\n".join(parts)


# --- the JSON-RPC layer ---------------------------------------------------------------------------

_CONTENT_LENGTH = b"content-length:"


def frames(stream: IO[bytes]) -> Iterator[bytes]:
    """The message bodies of an LSP stream, until its end.

    Header names are read case-insensitively and a line may end in \\n alone. A header block that
    ends without a usable Content-Length cannot be framed (where its body ends is unknown): lines
    are skipped until one holds a Content-Length header, even after other bytes, as the next
    message's header follows a body that has no line break of its own.
    """
    length: Optional[int] = None
    headers = False  # whether the block being read has a header line
    while True:
        line = stream.readline()
        if not line:
            return
        if not line.strip():
            if length is None:
                if headers:
                    logger.warning("tslint: a message without a usable Content-Length header was dropped")
                headers = False
                continue
            body = stream.read(length)
            if len(body) < length:
                return
            yield body
            length, headers = None, False
            continue
        headers = True
        at = line.lower().rfind(_CONTENT_LENGTH)
        if at >= 0:
            value = line[at + len(_CONTENT_LENGTH):].strip()
            length = int(value) if value.isdigit() else None


class FdReader:
    """readline/read over a file descriptor with os.read: no lock of Python's buffered streams, which
    a daemon thread blocked in sys.stdin would hold when Python exits (a fatal error, exit -6)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()  # appending and deleting from the front are amortised O(1)
        self.ended = False

    def _fill(self) -> bool:
        if self.ended:
            return False
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            self.ended = True
            return False
        self.buffer += chunk
        return True

    def _take(self, size: int) -> bytes:
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def readline(self) -> bytes:
        scanned = 0  # a long line is searched once, not once per chunk
        while True:
            end = self.buffer.find(b"\n", scanned)
            if end >= 0:
                return self._take(end + 1)
            scanned = len(self.buffer)
            if not self._fill():
                return self._take(len(self.buffer))

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size and self._fill():
            pass
        return self._take(size)


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
                self.send_error(data["id"], _error(types.ErrorCodes.InvalidParams, f"invalid params for {data['method']}"))
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
            return load_config([], None, True, [])
        return load_config([str(document.path)], None, False, api.known_codes())

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
        self, uri: str, generation: int, text: str, version: Optional[int], done: "Future[Optional[BufferResult]]"
    ) -> None:
        document = self.documents.get(uri)
        if document is None or document.generation != generation or done.cancelled():
            return
        problem = done.exception()
        if isinstance(problem, ConfigError):
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"tslint: {problem}"))
            return
        if problem is not None:
            self.log(f"internal error: {type(problem).__name__}: {problem}")
            return
        result = done.result()
        if result is None:
            return
        for error in result.errors:
            self.log(f"{error.filename}: {error.message}")
        if (version, result.diagnostics) == (document.published_version, document.findings):
            return  # a lint again with the context found the same: the client already shows them
        document.findings, document.published_version = result.diagnostics, version
        lines, encoding = split_lines(text), self.encoding()
        diagnostics = [to_lsp(d, lines, encoding) for d in result.diagnostics]
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics))

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

    def context_done(self, uri: str, done: "Future[Tuple[Optional[Context], bool]]") -> None:
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
        findings = [d for d in document.findings
                    if (d.location.row, d.location.column) <= here <= (d.end_location.row, d.end_location.column)]
        if not findings:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=hover_text(findings)))

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
            except (OSError, ValueError):
                pass
            finally:
                loop.call_soon_threadsafe(lambda: ended.done() or ended.set_result(None))

        threading.Thread(target=read, name="tslint-stdin", daemon=True).start()
        await ended


server = TslintServer()


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


def main() -> int:
    return server.start_io()
