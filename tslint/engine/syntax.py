"""The syntax of a function of another file, for the rare rule that asks (the export rules' shape
summaries of the helpers a call runs, tslint/rules/export/_shape_summaries.py).

Phase 2 keeps only the trees of the file being linted; a function of another file is found by
taking the tree this process still holds from indexing that file (in a run on one process, every
file not linted yet), else parsing it again from the run's contents (or from disk, for the language
server), only when its content digest is the one the project index was built from: a file that
changed since is not read, and what it would have told stays unknown (silent). A few files parsed
again are kept per process, the most recently asked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Mapping, Optional, Tuple

import libcst as cst

from tslint.digests import digest as content_digest
from tslint.engine.parsing import parse_source
from tslint.files import SourceFile
from tslint.index.indexer import index_file
from tslint.index.model import FileTrees, FunctionInfo
from tslint.index.project import ProjectIndex

KEPT_FILES = 16
_TREES: OrderedDict[Tuple[str, str], Optional[FileTrees]] = OrderedDict()
_LOCK = threading.Lock()  # the language server lints in two threads


class ProjectSyntax:
    """The definitions of the project's functions, by their index entries."""

    def __init__(
        self,
        index: ProjectIndex,
        contents: Optional[Mapping[str, bytes]] = None,
        kept: Optional[Callable[[str], Optional[FileTrees]]] = None,
    ) -> None:
        self.index = index
        self.contents = contents  # the run's file contents by display path, when the run holds them
        self.kept = kept  # the trees this process still holds from indexing, by display path

    def function(self, info: FunctionInfo) -> Optional[cst.FunctionDef]:
        held = self.kept(info.path) if self.kept is not None else None
        if held is not None:  # not linted yet: indexed in this process, its tree still kept
            return held.nodes.get(info.ordinal)
        expected = self.index.digests.get(info.path, "")
        key = (info.path, expected)
        with _LOCK:
            known = key in _TREES
            trees = _TREES[key] if known else None
            if known:
                _TREES.move_to_end(key)
        if not known:
            trees = self._parse(info.path, expected)
            if expected:  # else no digest tells the file's versions apart: parse again next time
                with _LOCK:
                    _TREES[key] = trees
                    while len(_TREES) > KEPT_FILES:
                        _TREES.popitem(last=False)
        return trees.nodes.get(info.ordinal) if trees is not None else None

    def _parse(self, path: str, expected: str) -> Optional[FileTrees]:
        file = self.index.by_path.get(path)
        data = self.contents.get(path) if self.contents is not None else None
        if data is None:
            try:
                data = Path(path).read_bytes()
            except OSError:
                return None
        if file is None or (expected and content_digest(data) != expected):
            return None
        parsed = parse_source(SourceFile(Path(path), path), data)
        if parsed.module is None:
            return None
        try:
            _, trees = index_file(path, parsed.module, file.module_name, Path(path).name == "__init__.py")
        except RecursionError:
            return None
        return trees
