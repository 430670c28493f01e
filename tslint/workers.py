"""Running the two per-file phases, in this process or in shard workers.

Phase 1 (parse and index) needs only the file; phase 2 (rules) needs the project's compiled scope,
which needs every file's index. A worker keeps the trees of its shard between the phases, so each
file is parsed once; only the picklable indexes travel between processes.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import sys
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, Tuple

from tslint.compiled_scope import ProjectScopes
from tslint.config import Config
from tslint.engine import FileOutcome, FileSummary, IndexedFile, index_source, lint_indexed
from tslint.ftypes import FileError
from tslint.files import SourceFile
from tslint.project_index import ProjectIndex
from tslint.rule import Rule

if TYPE_CHECKING:
    from tslint.cache import ResultCache

# Below this much source, a process pool costs more than it saves (measured by bench/speed.py).
PARALLEL_MIN_BYTES = 400_000
PARALLEL_MIN_FILES = 8
# A tree takes ~40 bytes per byte of source. Past this much source, a process stops keeping trees
# between the phases (phase 2 parses those files again if they turn out to hold compiled code), so
# memory stays bounded on any corpus (bench/crashfree.py lints all of site-packages in one run).
KEPT_SOURCE_BUDGET = 6_000_000


@contextlib.contextmanager
def trees_kept_out_of_gc() -> Iterator[None]:
    """Keep the cyclic garbage collector from rescanning the trees a run keeps alive.

    A run holds millions of libcst nodes at once; every full collection rescanned all of them, which
    cost a third of a run on torch/nn (bench/speed.py). `gc.freeze()` after each file moves what
    exists into a generation the collector skips, while cycles created later are still collected
    (disabling the collector instead raised the peak memory by 10%). Reference counting frees the
    frozen trees as usual. What exists on entry (modules, the catalogue) is frozen first, so the
    first file's collection does not rescan it either: on one small file that was a third of the
    run after imports.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _scope(summaries: Dict[str, FileSummary]) -> ProjectScopes:
    indexed = [s for s in summaries.values() if s.index is not None]
    return ProjectScopes(ProjectIndex((s.index for s in indexed), {s.index.path: s.digest for s in indexed}))


class _Shard:
    """The state of one shard: its indexed files, kept between the phases."""

    def __init__(self, contents: Dict[str, bytes]) -> None:
        self.contents = contents
        self.items: Dict[str, IndexedFile] = {}
        self.kept_bytes = 0

    def index(self, sources: Sequence[SourceFile]) -> List[FileSummary]:
        summaries = []
        for source in sources:
            data = self.contents[source.display]
            item = index_source(source, data)
            if item.index is not None and (not _may_compile(item.index) or self.kept_bytes > KEPT_SOURCE_BUDGET):
                item.parsed = item.trees = None
            elif item.parsed is not None:
                self.kept_bytes += len(data)
            self.items[source.display] = item
            summaries.append(item.summary())
            gc.collect()  # only this file's objects are not frozen yet: a cheap full collection, then
            gc.freeze()  # keep the tree out of later collections (see trees_kept_out_of_gc)
        return summaries

    def lint(
        self, work: Sequence[Tuple[SourceFile, FileSummary]], scope: ProjectScopes, rules: Sequence[Rule], config: Config
    ) -> Dict[str, FileOutcome]:
        outcomes = {}
        for source, summary in work:
            item = self.items.get(source.display)
            if item is None:  # indexed from the cache: no tree here yet
                item = IndexedFile(source, summary.digest, None, summary.index, None, summary.problem, summary.error)
            outcomes[source.display] = lint_indexed(item, self.contents[source.display], scope, rules, config)
            item.parsed = item.trees = None  # linted: the tree is not needed any more
        return outcomes


def _may_compile(index) -> bool:
    """Whether any code of the file could be compiled: it defines a function or a class with bases."""
    return bool(index.functions) or any(info.bases for info in index.classes)


def _worker(connection, contents: Dict[str, bytes], config: Config, rules: Sequence[Rule]) -> None:
    shard = _Shard(contents)
    try:
        while True:  # phase 1: index what the parent hands over, until it says None
            sources = connection.recv()
            if sources is None:
                break
            connection.send(shard.index(sources))
        pickled_summaries, work = connection.recv()
        connection.send(shard.lint(work, _scope(pickle.loads(pickled_summaries)), rules, config))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        connection.close()


def choose_jobs(requested: Optional[int], total_bytes: int, files: int) -> int:
    jobs = requested if requested is not None else (os.cpu_count() or 1)
    if requested is None and (total_bytes < PARALLEL_MIN_BYTES or files < PARALLEL_MIN_FILES):
        return 1
    return max(1, min(jobs, files))


@trees_kept_out_of_gc()
def run_phases(
    all_sources: Sequence[SourceFile],
    to_index: Sequence[SourceFile],
    summaries: Dict[str, FileSummary],
    contents: Dict[str, bytes],
    config: Config,
    rules: Sequence[Rule],
    settings_key: str,
    cache: Optional["ResultCache"],
    jobs: Optional[int],
    only: Optional[frozenset] = None,
) -> Dict[str, FileOutcome]:
    """Index what the cache does not know, build the scope, lint what the cache cannot answer
    (of `only`, when given: the other files just give context)."""
    sources = all_sources if only is None else [s for s in all_sources if s.display in only]
    jobs = choose_jobs(jobs, sum(len(contents[s.display]) for s in to_index), len(to_index))
    by_display = {s.display: s for s in all_sources}
    if jobs <= 1:
        shard = _Shard(contents)
        fresh = shard.index(to_index)
        summaries.update((s.display, s) for s in fresh)
        _remember_summaries(cache, by_display, fresh)
        scope = _scope(summaries)
        outcomes, work = _cached_outcomes(sources, summaries, scope, settings_key, cache)
        linted = shard.lint(work, scope, rules, config)
        _remember_outcomes(cache, by_display, summaries, scope, settings_key, linted)
        return {**outcomes, **linted}

    import multiprocessing  # only parallel runs pay for importing it
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    queue = sorted(to_index, key=lambda s: len(contents[s.display]))  # popped largest first
    workers: List[_Worker] = []
    try:
        workers = [_Worker(context, contents, config, rules) for _ in range(jobs)]
        dead: Dict[str, FileOutcome] = {}
        # Phase 1: each worker is handed the next file when it answers for the last one, so the
        # workers finish indexing together however unevenly files parse.
        busy = {}
        for worker in workers:
            if queue:
                worker.assign(queue.pop())
                busy[worker.connection] = worker
        while busy:
            for connection in wait(list(busy)):
                worker = busy.pop(connection)
                fresh = worker.receive()
                if fresh is None:
                    dead.update(worker.failure(worker.in_flight))
                    continue
                summaries.update((s.display, s) for s in fresh)
                _remember_summaries(cache, by_display, fresh)
                if queue:
                    worker.assign(queue.pop())
                    busy[connection] = worker
                else:
                    worker.send(None)  # indexing is over
        if queue:  # every worker died: index the rest here
            fresh = _Shard(contents).index(queue)
            summaries.update((s.display, s) for s in fresh)
            _remember_summaries(cache, by_display, fresh)
        scope: Optional[ProjectScopes] = None
        if cache is None:
            outcomes: Dict[str, FileOutcome] = {}
            work = [(s, summaries[s.display]) for s in sources if s.display not in dead]
        else:
            scope = _scope(summaries)
            outcomes, work = _cached_outcomes([s for s in sources if s.display not in dead], summaries, scope, settings_key, cache)
        # Each file is linted by the worker that holds its tree; files indexed from the cache, or by
        # a worker that died, are linted here (they need a parse either way).
        owner = {s.display: worker for worker in workers if worker.alive for s in worker.indexed}
        assigned: Dict[int, List[Tuple[SourceFile, FileSummary]]] = {id(w): [] for w in workers}
        local: List[Tuple[SourceFile, FileSummary]] = []
        for source, summary in work:
            worker = owner.get(source.display)
            (assigned[id(worker)] if worker is not None else local).append((source, summary))
        pickled = pickle.dumps(summaries, pickle.HIGHEST_PROTOCOL)  # once, not once per worker
        for worker in workers:
            if worker.alive:
                worker.send((pickled, assigned[id(worker)]))
        linted: Dict[str, FileOutcome] = {}
        if local:
            scope = scope or _scope(summaries)
            linted = _Shard(contents).lint(local, scope, rules, config)
        for worker in workers:
            if not worker.alive:
                continue
            result = worker.receive()
            if result is None:
                dead.update(worker.failure([source for source, _ in assigned[id(worker)]]))
            else:
                linted.update(result)
    finally:
        for worker in workers:
            worker.close()
    if cache is not None:
        _remember_outcomes(cache, by_display, summaries, scope or _scope(summaries), settings_key, linted)
    return {**outcomes, **linted, **dead}


class _Worker:
    """One shard worker process and the pipe to it."""

    def __init__(self, context, contents: Dict[str, bytes], config: Config, rules) -> None:
        self.indexed: List[SourceFile] = []  # the files whose trees it holds
        self.in_flight: List[SourceFile] = []  # handed to it, not answered for yet
        self.alive = True
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, contents, config, rules), daemon=True)
        self.process.start()
        child.close()

    def assign(self, source: SourceFile) -> None:
        self.in_flight = [source]
        self.send(self.in_flight)

    def send(self, message) -> None:
        try:
            self.connection.send(message)
        except (OSError, EOFError):
            self.alive = False

    def receive(self):
        """The worker's answer, or None if it died (a crash in native code, the OOM killer, ...)."""
        if not self.alive:
            return None
        try:
            answer = self.connection.recv()
        except (OSError, EOFError):
            self.alive = False
            return None
        self.indexed += self.in_flight
        self.in_flight = []
        return answer

    def failure(self, files: Sequence[SourceFile]) -> Dict[str, FileOutcome]:
        self.process.join(timeout=5)
        code = self.process.exitcode
        message = f"internal error: the worker process linting this file died (exit code {code})"
        return {s.display: FileOutcome((), (FileError(s.display, message),)) for s in files}

    def close(self) -> None:
        self.connection.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


def _cached_outcomes(sources, summaries, scope, settings_key, cache):
    outcomes: Dict[str, FileOutcome] = {}
    work: List[Tuple[SourceFile, FileSummary]] = []
    for source in sources:
        summary = summaries[source.display]
        cached = None
        if cache is not None:
            cached = cache.outcome(source, summary.digest, settings_key + scope.file_key(source.display))
        if cached is not None:
            outcomes[source.display] = cached
        else:
            work.append((source, summary))
    return outcomes, work


def _remember_summaries(cache, by_display, fresh) -> None:
    if cache is not None:
        for summary in fresh:
            if summary.error is None:  # never cache an internal error
                cache.store_summary(by_display[summary.display], summary)


def _remember_outcomes(cache, by_display, summaries, scope, settings_key, linted) -> None:
    if cache is None:
        return
    for display, outcome in linted.items():
        if not outcome.errors:  # never cache an internal error
            key = settings_key + scope.file_key(display)
            cache.store_outcome(by_display[display], summaries[display].digest, key, outcome)
