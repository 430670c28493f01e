"""The result cache under `.tslint_cache/`: a file's index by content, its outcome by content, settings
and the project facts its analysis used; and, in a second file, whole runs: the outcomes of the
reported files by the contents of every file of the run and the settings, so that a run over files
that did not change reads them back without parsing or indexing anything, nor loading the first file
(and the rule catalogue, a function of tslint's code, so that such a run imports no rule). A corrupt
or unwritable cache is ignored, never fatal. In the first file each file's entry is pickled on its
own, so a run after one edit pickles one entry again and unpickles only the entries it reads.

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
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from tslint import __version__
from tslint.code_digest import MEMO_NAME, package_digest, read_regular
from tslint.files import SourceFile, module_names

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
MAGIC = b"tslint-results\x00v2\x00"  # then the MAC, then the pickled payload (both files)
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
        {
            "AttributeAssignment",
            "AttributeKind",
            "CallKind",
            "CallSite",
            "ClassInfo",
            "ConstantsListing",
            "FileIndex",
            "FunctionInfo",
        }
    ),
    "tslint.analysis.branch_guards": frozenset({"Guard", "GuardKind"}),
    "tslint.analysis.imports": frozenset({"ImportTable"}),
}
# What the file of runs holds: the reported files' findings and errors, and the rule catalogue.
RUN_CLASSES: Dict[str, frozenset] = {"tslint.findings": ALLOWED_CLASSES["tslint.findings"] | {"RuleInfo"}}
MAX_RUNS = 64  # runs remembered (each pre-commit file set, each folder linted): the latest ones,
MAX_RUNS_BYTES = 4_000_000  # in this much pickled findings at most


_CODE_DIGEST: Dict[str, str] = {}


def code_digest(package: Optional[Path] = None) -> str:
    """A digest of tslint's own files, source and data (the torch signature tables): a pre-commit hook
    pinned to a newer commit of the same version, an editable install after a rule change or new
    signature data must not reuse results of the old code. Computed once per process for the code
    it runs (a language server makes a cache per context), and remembered between processes while
    no file of the code changes (tslint/code_digest.py)."""
    if package is None:
        if "" not in _CODE_DIGEST:
            _CODE_DIGEST[""] = code_digest(Path(__file__).resolve().parent)
        return _CODE_DIGEST[""]
    folder = key_path()
    return package_digest(package, folder.parent / MEMO_NAME if folder is not None else None)


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
    key = read_regular(path, KEY_SIZE, private=True)
    return key if key is not None and len(key) == KEY_SIZE else None


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


_FOUND_CLASSES: Dict[Tuple[str, str], type] = {}  # allowed classes already imported and checked


class _RestrictedUnpickler(pickle.Unpickler):
    allowed = ALLOWED_CLASSES

    def find_class(self, module: str, name: str) -> Any:
        if name not in self.allowed.get(module, ()):
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a tslint cache")
        found = _FOUND_CLASSES.get((module, name))
        if found is None:  # a warm run unpickles each entry on its own: look each class up once
            found = getattr(importlib.import_module(module), name)
            if not isinstance(found, type):
                raise pickle.UnpicklingError(f"{module}.{name} is not a class")
            _FOUND_CLASSES[module, name] = found
        return found


class _RunUnpickler(_RestrictedUnpickler):
    allowed = RUN_CLASSES


def restricted_loads(data: bytes, start: int = 0, unpickler: type = _RestrictedUnpickler) -> Any:
    """Unpickle `data[start:]`, building only ALLOWED_CLASSES (BytesIO shares the bytes: no copy)."""
    stream = io.BytesIO(data)
    stream.seek(start)
    return unpickler(stream).load()


def _mac(key: bytes, folder: Path, code: str, payload: bytes) -> bytes:
    mac = blake2b(key=key, digest_size=MAC_SIZE, person=b"tslint-cache")
    for part in (os.fsencode(str(folder)), code.encode()):
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    mac.update(payload)
    return mac.digest()


class ResultCache:
    """Both files are read on first use: a run the file of runs answers never loads the other."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / f"results-{__version__}.pickle"
        self.runs_path = folder / f"runs-{__version__}.pickle"
        # The file of results holds each file's entry pickled on its own: a run unpickles only the
        # entries it asks for, and pickles again only those it changed (after one file is edited,
        # one entry), the others are written back as the bytes they were read as.
        self._raw: Optional[Dict[str, bytes]] = None
        self._decoded: Dict[str, Any] = {}  # display -> entry (None: unreadable), as unpickled or stored
        self._dirty: set = set()  # the entries to pickle again on save
        self._runs: Optional[Dict[str, Any]] = None
        self.changed = False
        self.runs_changed = False
        self.code = code_digest()
        self.key = secret_key()
        self.usable = self.key is not None and not os.path.islink(folder)
        self._packages: Dict[Path, Tuple[str, ...]] = {}  # for module names, looked up once per folder
        self._folders: Dict[Path, Tuple[str, ...]] = {}  # the same by folder as given (absolute() is slow)
        self._seen: set = set()  # the entries this process read or wrote: never pruned by it
        self._cwd = ""

    def _module(self, source: SourceFile) -> Tuple[str, bool]:
        if self._folders and self._cwd != os.getcwd():
            self._folders.clear()
        self._cwd = os.getcwd()
        return module_names([source.path], self._packages, self._folders)[0]

    @property
    def entries(self) -> Dict[str, Dict[str, Any]]:
        """Every readable entry, unpickled (the engine asks for one file's at a time instead)."""
        found = {}
        for display in [*self._raw_entries(), *self._decoded]:
            entry = self._get(display)
            if isinstance(entry, dict):
                found[display] = entry
        return found

    def _raw_entries(self) -> Dict[str, bytes]:
        if self._raw is None:
            self._raw = self._load() if self.usable else {}
        return self._raw

    def _get(self, display: str) -> Optional[Any]:
        """The entry of `display`, unpickled on first use (restricted: ALLOWED_CLASSES only)."""
        if display not in self._decoded:
            raw = self._raw_entries().get(display)
            if raw is None:
                return None
            try:
                self._decoded[display] = restricted_loads(raw)
            except Exception:  # signed by us, yet unreadable (a tslint type renamed): no entry
                self._decoded[display] = None
        return self._decoded[display]

    def _put(self, display: str, entry: Dict[str, Any]) -> None:
        self._decoded[display] = entry
        self._dirty.add(display)
        self.changed = True

    def _verified(self, path: Path, code: str, unpickler: type) -> Optional[Any]:
        """The payload of `path` if it carries our MAC and unpickles; None if there is no such file;
        False for anything else (the file is then rewritten on save)."""
        data = read_regular(path, MAX_CACHE_BYTES)
        if data is None:
            return None
        start = len(MAGIC) + MAC_SIZE
        mac = _mac(self.key, self.folder.resolve(), code, memoryview(data)[start:])
        if data[: len(MAGIC)] != MAGIC or not compare_digest(data[len(MAGIC) : start], mac):
            return False  # forged, corrupt, another user's or another code's: overwrite it
        try:
            return restricted_loads(data, start, unpickler)
        except Exception:  # signed by us, yet unreadable (a tslint type renamed): start empty
            return False

    def _load(self) -> Dict[str, bytes]:
        """The verified entries, each still pickled, or {} (and the file is rewritten on save) for
        anything else."""
        loaded = self._verified(self.path, self.code, _RestrictedUnpickler)
        if loaded is None:
            return {}
        if not isinstance(loaded, dict) or not isinstance(loaded.get("entries"), dict):
            self.changed = True
            return {}
        return {
            name: raw for name, raw in loaded["entries"].items() if isinstance(name, str) and isinstance(raw, bytes)
        }

    # --- whole runs ---------------------------------------------------------------------------------

    @property
    def _runs_code(self) -> str:
        return self.code + ":runs"  # the MAC tells the two files apart: neither passes for the other

    def _run_table(self) -> Dict[str, Any]:
        """{"runs": {run key: the pickled {display: (diagnostics, errors)}}, "catalogue": [RuleInfo]
        or None}. Each run stays pickled until it is asked for: the file holds many."""
        if self._runs is None:
            loaded = self._verified(self.runs_path, self._runs_code, _RunUnpickler) if self.usable else None
            if not (isinstance(loaded, dict) and isinstance(loaded.get("runs"), dict)):
                self.runs_changed = loaded is not None  # not ours: rewritten on save
                loaded = {"runs": {}, "catalogue": None}
            self._runs = loaded
        return self._runs

    def run(self, key: str) -> Optional[Dict[str, Tuple[tuple, tuple]]]:
        """The outcomes of a run of this key (see tslint.api.run_key), or None."""
        found = self._run_table()["runs"].get(key)
        if not isinstance(found, bytes):
            return None
        try:
            outcomes = restricted_loads(found, 0, _RunUnpickler)
        except Exception:
            return None
        return outcomes if isinstance(outcomes, dict) else None

    def store_run(self, key: str, outcomes: Dict[str, Tuple[tuple, tuple]]) -> None:
        """Remember a run, the latest last; the oldest go first past MAX_RUNS runs or MAX_RUNS_BYTES
        (a run with thousands of findings is not worth reading back on every run: it is not kept)."""
        if not self.usable:
            return
        runs = self._run_table()["runs"]
        data = pickle.dumps(outcomes, protocol=pickle.HIGHEST_PROTOCOL)
        if runs.get(key) == data:
            return
        runs.pop(key, None)
        if len(data) <= MAX_RUNS_BYTES:
            runs[key] = data
        sizes = {name: len(value) if isinstance(value, bytes) else 0 for name, value in runs.items()}
        total = sum(sizes.values())
        for old in list(runs):
            if len(runs) <= MAX_RUNS and total <= MAX_RUNS_BYTES:
                break
            del runs[old]
            total -= sizes[old]
        self.runs_changed = True

    def catalogue(self) -> Optional[list]:
        """The rule catalogue an earlier run of this code stored, or None."""
        found = self._run_table().get("catalogue")
        return found if isinstance(found, list) else None

    def store_catalogue(self, catalogue: list) -> None:
        if self.usable and self._run_table().get("catalogue") != catalogue:
            self._run_table()["catalogue"] = list(catalogue)
            self.runs_changed = True

    # --- one file -----------------------------------------------------------------------------------

    def _entry(self, source: SourceFile, digest: str) -> Optional[Dict[str, Any]]:
        self._seen.add(source.display)
        entry = self._get(source.display)
        if not isinstance(entry, dict) or entry.get("digest") != digest:
            return None
        # The module name depends on the folders' __init__.py files, not on the content.
        if entry.get("module") != self._module(source):
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
            self._put(
                source.display,
                {
                    "path": os.path.abspath(source.path),  # to forget the entry once the file is gone
                    "digest": summary.digest,
                    "module": self._module(source),
                    "summary": summary,
                    "outcomes": {},
                },
            )

    def outcome(self, source: SourceFile, digest: str, key: str):
        entry = self._entry(source, digest)
        return entry["outcomes"].get(key) if entry is not None else None

    def store_outcome(self, source: SourceFile, digest: str, key: str, outcome) -> None:
        entry = self._entry(source, digest)
        if entry is not None and entry["outcomes"] != {key: outcome}:
            # Keep only the latest outcome: older project states are unlikely to come back.
            entry["outcomes"] = {key: outcome}
            self._put(source.display, entry)

    def save(self) -> None:
        self._packages.clear()  # a long-lived cache (the language server's) sees new __init__.py files
        self._folders.clear()
        if not self.usable or self.key is None or not (self.changed or self.runs_changed):
            return
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if os.path.islink(self.folder):
                return
            self._write_gitignore()
            if self.changed:
                self._forget_missing_files()
                self._write(self.path, self.code, {"entries": self._pickled_entries()})
                self.changed = False
            if self.runs_changed:
                self._write(self.runs_path, self._runs_code, self._run_table())
                self.runs_changed = False
            self._prune()
        except OSError:
            pass  # an unwritable cache only costs speed

    def _forget_missing_files(self) -> None:
        """Drop the entries of files renamed or deleted since they were stored (one lstat each, only
        when the file is rewritten anyway); the entries this process used stay."""
        for display in [*self._raw_entries(), *self._decoded]:
            if display in self._seen:
                continue
            entry = self._get(display)
            path = entry.get("path") if isinstance(entry, dict) else None
            if not isinstance(path, str) or not os.path.lexists(path):
                self._raw_entries().pop(display, None)
                self._decoded.pop(display, None)
                self._dirty.discard(display)

    def _pickled_entries(self) -> Dict[str, bytes]:
        """Each entry's bytes: as read for those unchanged, pickled again for those changed."""
        raw = self._raw_entries()
        for display in self._dirty:
            entry = self._decoded.get(display)
            if isinstance(entry, dict):
                raw[display] = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        self._dirty.clear()
        return raw

    def _write(self, path: Path, code: str, content: Any) -> None:
        assert self.key is not None
        payload = pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
        mac = _mac(self.key, self.folder.resolve(), code, payload)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".results-")  # mode 0600
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(MAGIC)
                stream.write(mac)
                stream.write(payload)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise

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
                stale = (
                    entry.name.startswith(("results-", "runs-"))
                    and entry.name.endswith(".pickle")
                    and entry.name not in (self.path.name, self.runs_path.name)
                )
                if entry.name.startswith(".results-"):
                    stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMPORARY
                if stale:
                    os.unlink(entry.path)  # unlink never follows a symlink
            except OSError:
                pass
