"""One process's share of a run: the files it indexes in phase 1, the trees it keeps for phase 2,
and the memory it gives back (used in this process for small runs, in each worker otherwise)."""

from __future__ import annotations

import contextlib
import gc
import os
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from tslint.compiled_scope import ProjectScopes
from tslint.config import Config
from tslint.engine.phases import FileOutcome, FileSummary, IndexedFile, index_source, lint_indexed, tree_needed
from tslint.engine.reading import CHANGED_DURING_RUN, FileChanged
from tslint.engine.syntax import ProjectSyntax
from tslint.files import SourceFile
from tslint.findings import FileError
from tslint.index.model import FileTrees
from tslint.rule import Rule

# Past this much source, a process stops keeping trees between the phases (phase 2 parses those
# files again if they turn out to hold compiled code), so memory stays bounded on any corpus
# (bench/crashfree.py lints all of site-packages in one run). Where the process's memory can be read
# (Linux), the budget is its growth instead: a tree takes 2 to 4 kB per token (tslint/limits.py),
# from ~40 bytes per byte of source in ordinary code to 2 kB in dense tables, so 6 MB of the largest
# files of site-packages kept 1.1 GB in each of two workers. torch/nn, torch/ao, torch/distributions
# and the fixtures (bench/speed.py) grow one process by ~155 MB: all their trees stay.
KEPT_SOURCE_BUDGET = 6_000_000
KEPT_MEMORY_BUDGET = 250_000_000
# After this much source parsed, or a file this large, the process gives the C heap's free pages back
# to the system (see tslint.processes.release_free_memory): without it, the memory of every freed
# tree stayed with the process and counted against the budget above.
TRIM_AFTER_BYTES = 500_000
# The stages the progress callback is told of: (stage, files done).
INDEXING = "indexing"
CHECKING = "checking"
Progress = Callable[[str, int], None]


class Shard:
    """The state of one shard: its indexed files, kept between the phases."""

    def __init__(
        self,
        contents: Mapping[str, bytes],
        progress: Optional[Progress] = None,
        budget: int = KEPT_MEMORY_BUDGET,
        drops_indexes: bool = False,
        linted: Optional[frozenset] = None,
    ) -> None:
        """`drops_indexes`: keep no item whose tree is not kept (phase 2 rebuilds it from the file's
        summary, which the worker keeps pickled). `linted`: the files the run reports on, if it does
        not report on all it indexes; the others give context alone, and their trees are not kept
        (no rule runs on them; a rule reading one of their functions gets it parsed again by
        ProjectSyntax: one file in a run of torch/nn, ao and distributions with all of torch as
        context, none in a run of the timm and torchvision model zoos)."""
        self.contents = contents
        self.progress = progress  # told of each file done, by stage (the CLI's progress line)
        self.items: Dict[str, IndexedFile] = {}
        self.kept_bytes = 0
        self.untrimmed_bytes = 0  # source parsed since the C heap last gave back its free pages
        self.start_memory = _resident_memory()
        self.budget = budget
        self.drops_indexes = drops_indexes
        self.linted = linted

    def _read(self, source: SourceFile) -> Optional[bytes]:
        """The file's bytes; None when it changed or disappeared since the run first read it."""
        try:
            return self.contents[source.display]
        except FileChanged:
            return None

    def over_budget(self) -> bool:
        """Whether to stop keeping trees (see KEPT_MEMORY_BUDGET)."""
        now = _resident_memory()
        if now is None or self.start_memory is None:
            return self.kept_bytes > KEPT_SOURCE_BUDGET * self.budget // KEPT_MEMORY_BUDGET
        return now - self.start_memory > self.budget

    def index(self, sources: Sequence[SourceFile]) -> List[FileSummary]:
        summaries = []
        for source in sources:
            data = self._read(source)
            with _one_collection():
                summaries.append(self._index_one(source, data))
            self.release_memory(len(data or b""))
            if self.progress is not None:
                self.progress(INDEXING, 1)
        return summaries

    def _index_one(self, source: SourceFile, data: Optional[bytes]) -> FileSummary:
        if data is None:  # an errors entry of its own, counted as done like any other file
            item = IndexedFile(source, "", None, None, None, None, CHANGED_DURING_RUN)
        else:
            item = index_source(source, data)
        if item.index is not None and (
            (self.linted is not None and source.display not in self.linted)
            or not _may_compile(item.index)
            or self.over_budget()
        ):
            item.parsed = item.trees = None
        elif item.parsed is not None:
            self.kept_bytes += len(data or b"")
        if not (self.drops_indexes and item.index is not None and item.trees is None):
            self.items[source.display] = item
        return item.summary()

    def release_memory(self, parsed_bytes: int) -> None:
        """Give freed trees' memory back to the system once enough source was parsed since the last
        time (one trim costs well under a millisecond on a heap of a few hundred MB)."""
        self.untrimmed_bytes += parsed_bytes
        if self.untrimmed_bytes >= TRIM_AFTER_BYTES:
            from tslint.processes import release_free_memory  # ctypes: only runs of some size pay for it

            release_free_memory()
            self.untrimmed_bytes = 0

    def drop_unneeded_trees(self, scope: ProjectScopes, rules: Sequence[Rule]) -> None:
        """Once the scope is known: drop the trees phase 2 will not read (files with no compiled,
        traced or exported function, which the kept-tree guess `_may_compile` kept), so they do not
        count in phase 2's peak. A dropped tree that turns out to be needed is parsed again."""
        dropped = 0
        for item in self.items.values():
            if item.trees is not None and not tree_needed(item, scope, rules):
                item.parsed = item.trees = None
                dropped += 1
        if dropped:
            gc.collect()
            self.release_memory(TRIM_AFTER_BYTES)

    def _kept_trees(self, display: str) -> Optional[FileTrees]:
        item = self.items.get(display)
        return item.trees if item is not None else None

    def lint(
        self,
        work: Sequence[Tuple[SourceFile, FileSummary]],
        scope: ProjectScopes,
        rules: Sequence[Rule],
        config: Config,
    ) -> Dict[str, FileOutcome]:
        outcomes = {}
        syntax = ProjectSyntax(scope.index, self.contents, self._kept_trees)  # for rules reading other files
        for source, summary in work:
            item = self.items.get(source.display)
            if item is None:  # indexed from the cache: no tree here yet
                item = IndexedFile(source, summary.digest, None, summary.index, None, summary.problem, summary.error)
            data = self._read(source)
            # As in `index`; the collection at the end frees what the file's rules left behind, and
            # the freeze keeps the caches of the project index they filled out of later collections.
            with _one_collection():
                if data is None:
                    outcomes[source.display] = FileOutcome((), (FileError(source.display, CHANGED_DURING_RUN),))
                else:
                    outcomes[source.display] = lint_indexed(item, data, scope, rules, config, syntax=syntax)
                item.parsed = item.trees = None  # linted: the tree is not needed any more
                self.items.pop(source.display, None)
            self.release_memory(len(data or b""))
            if self.progress is not None:
                self.progress(CHECKING, 1)
        return outcomes


@contextlib.contextmanager
def _one_collection() -> Iterator[None]:
    """One file's work with the cyclic collector paused, then one full collection and a freeze. Only
    this file's objects are not frozen yet, so the collection is cheap; the freeze keeps the tree out
    of later collections (see trees_kept_out_of_gc). Paused, the allocations of the file's parse no
    longer set off collections that went through its tree again and again as it grew (~1400 during
    libcst's parse of kornia); its garbage cycles wait for the one collection at the end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.freeze()
        if enabled:
            gc.enable()


def _resident_memory() -> Optional[int]:
    """This process's resident memory in bytes (Linux: /proc, ~10 us), or None elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _may_compile(index) -> bool:
    """Whether to keep the file's tree for phase 2, a guess (a file whose tree was not kept is parsed
    again if it turns out to hold compiled code): it defines a function or a class with bases, and
    it imports torch or derives a class from one of its own top-level package. In a project of model
    code nearly every file does; across all of site-packages (bench/crashfree.py) most do not, and
    their trees filled each worker's budget before torch's files came."""
    if not index.functions and not any(info.bases for info in index.classes):
        return False
    if any(target == "torch" or target.startswith("torch.") for target in index.imports.aliases.values()):
        return True
    package = index.module_name.split(".", 1)[0] + "."
    return any(base is not None and base.startswith(package) for info in index.classes for base in info.bases)
