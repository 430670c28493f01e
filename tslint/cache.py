"""The result cache under `.tslint_cache/`: a file's index by content, its outcome by content, settings
and the project facts its analysis used. A corrupt or unwritable cache is ignored, never fatal.

The cache lives in the project, so a repository can commit one: nothing in it is trusted. Each file
carries a MAC (keyed BLAKE2b) under a per-user secret key kept outside every project
(`$XDG_CACHE_HOME/tslint/key`, else `~/.cache/tslint/key`, mode 0600). The MAC covers the exact bytes
of the payload, the cache folder's path and tslint's code digest, and is checked BEFORE anything is
unpickled; a file that fails is ignored and overwritten. Even then the payload is read by an
unpickler that can only build the tslint data classes below (defence in depth). Without a usable key
there is no cache at all: nothing is read, nothing is written.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import stat
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Optional

from tslint import __version__
from tslint.digests import hasher
from tslint.files import SourceFile, module_name

try:
    from _blake2 import blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b
try:
    from _operator import _compare_digest as compare_digest  # what hmac.compare_digest is, without hashlib
except ImportError:
    from hmac import compare_digest

CACHE_FOLDER = ".tslint_cache"
KEY_SIZE = 32
MAGIC = b"tslint-results\x00v1\x00"  # then the MAC, then the pickled payload
MAC_SIZE = 32
MAX_CACHE_BYTES = 1 << 30  # a larger "cache" is not one tslint wrote: ignored unread
STALE_TEMPORARY = 3600  # seconds: a `.results-*` file this old was left by a killed run

# What the cache holds: FileSummary and FileOutcome and the types their fields use. Nothing else can
# be built from a cache file (tests/test_cache_security.py checks this against the field types).
ALLOWED_CLASSES: Dict[str, frozenset] = {
    "tslint.engine.phases": frozenset({"FileSummary", "FileOutcome"}),
    "tslint.findings": frozenset(
        {"Applicability", "Confirmation", "Diagnostic", "FileError", "Fix", "Mode", "Position", "Severity", "TextEdit"}
    ),
    "tslint.index.model": frozenset(
        {"AttributeAssignment", "AttributeKind", "CallKind", "CallSite", "ClassInfo", "FileIndex", "FunctionInfo"}
    ),
    "tslint.analysis.branch_guards": frozenset({"Guard", "GuardKind"}),
    "tslint.analysis.imports": frozenset({"ImportTable"}),
}


def code_digest(package: Optional[Path] = None) -> str:
    """A digest of tslint's own files, source and data (the torch signature tables): a pre-commit hook
    pinned to a newer commit of the same version, an editable install after a rule change or new
    signature data must not reuse results of the old code."""
    package = package or Path(__file__).resolve().parent
    digest = hasher()
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo") or not path.is_file():
            continue
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key_path() -> Optional[Path]:
    """Where the per-user key lives: never inside a project."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the XDG spec says to ignore it
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError, OSError):
            return None
    return Path(base) / "tslint" / "key"


def _read_key(path: Path) -> Optional[bytes]:
    """The key if it is a regular file of the right size, ours and private; else None."""
    key = _read_regular(path, KEY_SIZE, private=True)
    return key if key is not None and len(key) == KEY_SIZE else None


def _private_file(status: os.stat_result) -> bool:
    if not stat.S_ISREG(status.st_mode):
        return False
    if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o077):
        return False  # someone else's, or readable by others: not a secret
    return True


def _create_key(path: Path) -> None:
    """Write a fresh key atomically: a complete file appears under its name, or nothing does (another
    process that won the race keeps its key)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mode 0600
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(os.urandom(KEY_SIZE))
        try:
            os.link(temporary, path)  # fails if the key exists: never replaces one in use
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


_KEYS: Dict[str, Optional[bytes]] = {}


def secret_key() -> Optional[bytes]:
    """The per-user cache key, created on first use; None (no cache) when it cannot be had."""
    path = key_path()
    if path is None:
        return None
    if str(path) not in _KEYS:
        key = _read_key(path)
        if key is None and not os.path.lexists(path):
            try:
                _create_key(path)
            except OSError:
                pass
            key = _read_key(path)
        _KEYS[str(path)] = key
    return _KEYS[str(path)]


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if name not in ALLOWED_CLASSES.get(module, ()):
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a tslint cache")
        found = getattr(importlib.import_module(module), name)
        if not isinstance(found, type):
            raise pickle.UnpicklingError(f"{module}.{name} is not a class")
        return found


def restricted_loads(data: bytes, start: int = 0) -> Any:
    """Unpickle `data[start:]`, building only ALLOWED_CLASSES (BytesIO shares the bytes: no copy)."""
    stream = io.BytesIO(data)
    stream.seek(start)
    return _RestrictedUnpickler(stream).load()


def _mac(key: bytes, folder: Path, code: str, payload: bytes) -> bytes:
    mac = blake2b(key=key, digest_size=MAC_SIZE, person=b"tslint-cache")
    for part in (os.fsencode(str(folder)), code.encode()):
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    mac.update(payload)
    return mac.digest()


def _read_regular(path: Path, limit: int, private: bool = False) -> Optional[bytes]:
    """The bytes of a regular file (not a symlink, FIFO or device) of at most `limit` bytes, else None;
    with `private`, only a file of this user that others cannot read (`_private_file`)."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit or (private and not _private_file(status)):
            return None
        with os.fdopen(os.dup(handle), "rb") as stream:
            data = stream.read(limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(handle)


class ResultCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / f"results-{__version__}.pickle"
        self.entries: Dict[str, Dict[str, Any]] = {}
        self.changed = False
        self.code = code_digest()
        self.key = secret_key()
        self.usable = self.key is not None and not os.path.islink(folder)
        if self.usable:
            self.entries = self._load()

    def _load(self) -> Dict[str, Dict[str, Any]]:
        """The verified entries, or {} (and the file is rewritten on save) for anything else."""
        data = _read_regular(self.path, MAX_CACHE_BYTES)
        if data is None:
            return {}
        start = len(MAGIC) + MAC_SIZE
        mac = _mac(self.key, self.folder.resolve(), self.code, memoryview(data)[start:])
        if data[: len(MAGIC)] != MAGIC or not compare_digest(data[len(MAGIC):start], mac):
            self.changed = True  # forged, corrupt, another user's or another code's: overwrite it
            return {}
        try:
            loaded = restricted_loads(data, start)
        except Exception:  # signed by us, yet unreadable (a tslint type renamed): start empty
            self.changed = True
            return {}
        if not isinstance(loaded, dict) or not isinstance(loaded.get("entries"), dict):
            self.changed = True
            return {}
        return loaded["entries"]

    def _entry(self, source: SourceFile, digest: str) -> Optional[Dict[str, Any]]:
        entry = self.entries.get(source.display)
        if not isinstance(entry, dict) or entry.get("digest") != digest:
            return None
        # The module name depends on the folders' __init__.py files, not on the content.
        if entry.get("module") != module_name(source.path):
            return None
        return entry

    def summary(self, source: SourceFile, digest: str):
        entry = self._entry(source, digest)
        return entry.get("summary") if entry is not None else None

    def store_summary(self, source: SourceFile, summary) -> None:
        if not self.usable:
            return
        entry = self._entry(source, summary.digest)
        if entry is None or entry.get("summary") != summary:
            self.entries[source.display] = {"digest": summary.digest, "module": module_name(source.path),
                                            "summary": summary, "outcomes": {}}
            self.changed = True

    def outcome(self, source: SourceFile, digest: str, key: str):
        entry = self._entry(source, digest)
        return entry["outcomes"].get(key) if entry is not None else None

    def store_outcome(self, source: SourceFile, digest: str, key: str, outcome) -> None:
        entry = self._entry(source, digest)
        if entry is not None:
            # Keep only the latest outcome: older project states are unlikely to come back.
            entry["outcomes"] = {key: outcome}
            self.changed = True

    def save(self) -> None:
        if not self.changed or not self.usable or self.key is None:
            return
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if os.path.islink(self.folder):
                return
            self._write_gitignore()
            payload = pickle.dumps({"entries": self.entries}, protocol=pickle.HIGHEST_PROTOCOL)
            mac = _mac(self.key, self.folder.resolve(), self.code, payload)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".results-")  # mode 0600
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(MAGIC)
                    stream.write(mac)
                    stream.write(payload)
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
            self.changed = False
            self._prune()
        except OSError:
            pass  # an unwritable cache only costs speed

    def _write_gitignore(self) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            handle = os.open(self.folder / ".gitignore", flags, 0o644)
        except FileExistsError:  # ours from an earlier run, the user's, or a committed symlink: left alone
            return
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write("# Created by tslint.\n*\n")

    def _prune(self) -> None:
        """Remove results of other tslint versions and temporaries of killed runs."""
        now = time.time()
        for entry in os.scandir(self.folder):
            try:
                stale = (entry.name.startswith("results-") and entry.name.endswith(".pickle")
                         and entry.name != self.path.name)
                if entry.name.startswith(".results-"):
                    stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMPORARY
                if stale:
                    os.unlink(entry.path)  # unlink never follows a symlink
            except OSError:
                pass
