"""The files an open document is linted with: a bounded context around it, indexed in the
background and kept with each file's stat stamp, and the buffer lint itself (see the package doc)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlparse

from tslint import api
from tslint.cache import ResultCache
from tslint.compiled_scope import ProjectScopes
from tslint.config import Config
from tslint.digests import digest as content_digest
from tslint.engine.parsing import read_source
from tslint.engine.phases import FileSummary, index_source, lint_indexed
from tslint.files import DEFAULT_EXCLUDES, SourceFile, is_excluded
from tslint.findings import Diagnostic, FileError
from tslint.index.model import FileIndex
from tslint.index.project import ProjectIndex

# A context larger than this is narrowed to the next package inward (or to the file alone). Indexing
# runs at about 200 kB/s, so this bounds the background work of a first open to tens of seconds.
CONTEXT_MAX_FILES = 1000
CONTEXT_MAX_BYTES = 5_000_000
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


def bounded_listing(
    folder: Path, recursive: bool, root: Optional[Path], exclude: Sequence[str]
) -> Optional[List[SourceFile]]:
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
                elif (
                    entry.name.endswith(".py") and entry.is_file() and not is_excluded(Path(entry.path), root, patterns)
                ):
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
    text: str,
    display: str,
    config: Config,
    context: Dict[str, Tuple[Stamp, FileSummary]],
    memo: Optional[ScopeMemo] = None,
) -> BufferResult:
    """Lint the buffer as the file `display`, with the context's indexes (the buffer replaces its
    own file's). Only the buffer is parsed."""
    source = SourceFile(Path(display), display)
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes a TS001 decode error
    item = index_source(source, data)
    own = item.summary()
    exporting = config.mode == "export"
    if (
        memo is not None
        and memo.scopes is not None
        and memo.context is context
        and own.index is not None
        and memo.index == own.index
        and (memo.scopes.export is not None) == exporting
    ):
        scopes = memo.scopes
    else:
        summaries = [summary for name, (_, summary) in context.items() if name != display]
        indexed = [s for s in (*summaries, own) if s.index is not None]
        scopes = ProjectScopes(
            ProjectIndex((s.index for s in indexed), {s.index.path: s.digest for s in indexed}), exporting
        )
        if memo is not None:
            memo.context, memo.index, memo.scopes = context, own.index, scopes
    outcome = lint_indexed(item, data, scopes, api.enabled_rules(config), config)
    return BufferResult(outcome.diagnostics, outcome.errors)


# --- positions ------------------------------------------------------------------------------------
