"""The result cache under `.tslint_cache/`: a file's index by content, its outcome by content, settings
and the project facts its analysis used. A corrupt or unwritable cache is ignored, never fatal."""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

from tslint import __version__
from tslint.digests import hasher
from tslint.files import SourceFile, module_name

CACHE_FOLDER = ".tslint_cache"


def code_digest() -> str:
    """A digest of tslint's own source: a pre-commit hook pinned to a newer commit of the same
    version, or an editable install after a rule change, must not reuse results of the old code."""
    package = Path(__file__).resolve().parent
    digest = hasher()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class ResultCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / f"results-{__version__}.pickle"
        self.entries: Dict[str, Dict[str, Any]] = {}
        self.changed = False
        self.code = code_digest()
        try:
            with open(self.path, "rb") as handle:
                loaded = pickle.load(handle)
            if isinstance(loaded, dict) and loaded.get("code") == self.code and isinstance(loaded.get("entries"), dict):
                self.entries = loaded["entries"]
        except Exception:  # missing, unreadable, corrupt or from other code: start empty
            self.entries = {}

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
        if not self.changed:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by tslint.\n*\n", encoding="utf-8")
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".results-")
            with os.fdopen(handle, "wb") as stream:
                pickle.dump({"code": self.code, "entries": self.entries}, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
            self.changed = False
        except OSError:
            pass  # an unwritable cache only costs speed
