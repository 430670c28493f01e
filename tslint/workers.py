"""Running the two per-file phases, in this process or in shard workers.

Phase 1 (parse and index) needs only the file; phase 2 (rules) needs the project's compiled scope,
which needs every file's index. A worker keeps the trees of its shard between the phases, so each
file is parsed once; only the picklable indexes travel between processes.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, Tuple

from tslint.compiled_scope import CompiledScope
from tslint.config import Config
from tslint.engine import FileOutcome, FileSummary, IndexedFile, index_source, lint_indexed
from tslint.files import SourceFile
from tslint.project_index import ProjectIndex
from tslint.rule import Rule

if TYPE_CHECKING:
    from tslint.cache import ResultCache

# Below this much source, a process pool costs more than it saves (measured by bench/speed.py).
PARALLEL_MIN_BYTES = 400_000
PARALLEL_MIN_FILES = 8


@contextlib.contextmanager
def trees_kept_out_of_gc() -> Iterator[None]:
    """Keep the cyclic garbage collector from rescanning the trees a run keeps alive.

    A run holds millions of libcst nodes at once; every full collection rescanned all of them, which
    cost a third of a run on torch/nn (bench/speed.py). `gc.freeze()` after each file moves what
    exists into a generation the collector skips, while cycles created later are still collected
    (disabling the collector instead raised the peak memory by 10%). Reference counting frees the
    frozen trees as usual.
    """
    try:
        yield
    finally:
        gc.unfreeze()


def _scope(summaries: Dict[str, FileSummary]) -> CompiledScope:
    return CompiledScope(ProjectIndex(s.index for s in summaries.values() if s.index is not None))


class _Shard:
    """The state of one shard: its indexed files, kept between the phases."""

    def __init__(self, contents: Dict[str, bytes]) -> None:
        self.contents = contents
        self.items: Dict[str, IndexedFile] = {}

    def index(self, sources: Sequence[SourceFile]) -> List[FileSummary]:
        summaries = []
        for source in sources:
            item = index_source(source, self.contents[source.display])
            self.items[source.display] = item
            summaries.append(item.summary())
            gc.collect(1)  # the file's own cyclic garbage is young: free it, then
            gc.freeze()  # keep the tree out of later collections (see trees_kept_out_of_gc)
        return summaries

    def lint(
        self, work: Sequence[Tuple[SourceFile, FileSummary]], scope: CompiledScope, rules: Sequence[Rule], config: Config
    ) -> Dict[str, FileOutcome]:
        outcomes = {}
        for source, summary in work:
            item = self.items.get(source.display)
            if item is None:  # indexed from the cache: no tree here yet
                item = IndexedFile(source, summary.digest, None, summary.index, None, summary.problem)
            outcomes[source.display] = lint_indexed(item, self.contents[source.display], scope, rules, config)
        return outcomes


def _worker(connection, contents: Dict[str, bytes], config: Config, rules: Sequence[Rule]) -> None:
    shard = _Shard(contents)
    try:
        sources = connection.recv()
        connection.send(shard.index(sources))
        summaries, work = connection.recv()
        connection.send(shard.lint(work, _scope(summaries), rules, config))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        connection.close()


def _balanced(sources: Sequence[SourceFile], contents: Dict[str, bytes], shards: int) -> List[List[SourceFile]]:
    """Largest files first, each to the lightest shard."""
    buckets: List[List[SourceFile]] = [[] for _ in range(shards)]
    weights = [0] * shards
    for source in sorted(sources, key=lambda s: -len(contents[s.display])):
        lightest = weights.index(min(weights))
        buckets[lightest].append(source)
        weights[lightest] += len(contents[source.display])
    return buckets


def choose_jobs(requested: Optional[int], total_bytes: int, files: int) -> int:
    jobs = requested if requested is not None else (os.cpu_count() or 1)
    if requested is None and (total_bytes < PARALLEL_MIN_BYTES or files < PARALLEL_MIN_FILES):
        return 1
    return max(1, min(jobs, files))


def run_phases(
    sources: Sequence[SourceFile],
    to_index: Sequence[SourceFile],
    summaries: Dict[str, FileSummary],
    contents: Dict[str, bytes],
    config: Config,
    rules: Sequence[Rule],
    settings_key: str,
    cache: Optional["ResultCache"],
    jobs: Optional[int],
) -> Dict[str, FileOutcome]:
    """Index what the cache does not know, build the scope, lint what the cache cannot answer."""
    with trees_kept_out_of_gc():
        return _run_phases(sources, to_index, summaries, contents, config, rules, settings_key, cache, jobs)


def _run_phases(
    sources: Sequence[SourceFile],
    to_index: Sequence[SourceFile],
    summaries: Dict[str, FileSummary],
    contents: Dict[str, bytes],
    config: Config,
    rules: Sequence[Rule],
    settings_key: str,
    cache: Optional["ResultCache"],
    jobs: Optional[int],
) -> Dict[str, FileOutcome]:
    jobs = choose_jobs(jobs, sum(len(contents[s.display]) for s in to_index), len(to_index))
    by_display = {s.display: s for s in sources}
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

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    buckets = [b for b in _balanced(to_index, contents, jobs) if b]
    workers = []
    try:
        for bucket in buckets:
            parent, child = context.Pipe()
            shard_contents = {s.display: contents[s.display] for s in bucket}
            process = context.Process(target=_worker, args=(child, shard_contents, config, rules), daemon=True)
            process.start()
            child.close()
            parent.send(bucket)
            workers.append((process, parent, bucket, shard_contents))
        for _, parent, _, _ in workers:
            fresh = parent.recv()
            summaries.update((s.display, s) for s in fresh)
            _remember_summaries(cache, by_display, fresh)
        scope = _scope(summaries)
        outcomes, work = _cached_outcomes(sources, summaries, scope, settings_key, cache)
        # Each file is linted by the worker that holds its tree; files indexed from the cache are
        # linted here (they need a parse either way).
        owner = {s.display: index for index, (_, _, bucket, _) in enumerate(workers) for s in bucket}
        per_worker: List[List[Tuple[SourceFile, FileSummary]]] = [[] for _ in workers]
        local: List[Tuple[SourceFile, FileSummary]] = []
        for source, summary in work:
            (per_worker[owner[source.display]] if source.display in owner else local).append((source, summary))
        for (_, parent, _, _), assigned in zip(workers, per_worker):
            parent.send((summaries, assigned))
        linted = _Shard(contents).lint(local, scope, rules, config)
        for _, parent, _, _ in workers:
            linted.update(parent.recv())
    finally:
        for process, parent, _, _ in workers:
            parent.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    _remember_outcomes(cache, by_display, summaries, scope, settings_key, linted)
    return {**outcomes, **linted}


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
            cache.store_summary(by_display[summary.display], summary)


def _remember_outcomes(cache, by_display, summaries, scope, settings_key, linted) -> None:
    if cache is None:
        return
    for display, outcome in linted.items():
        if not outcome.errors:  # never cache an internal error
            key = settings_key + scope.file_key(display)
            cache.store_outcome(by_display[display], summaries[display].digest, key, outcome)
