"""Running the two per-file phases, in this process or in shard workers.

Phase 1 (parse and index) needs only the file; phase 2 (rules) needs the project's compiled scope,
which needs every file's index. A worker keeps the trees of its shard between the phases, so each
file is parsed once; only the picklable indexes travel between processes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import pickle
import sys
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Dict,
    FrozenSet,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from tslint.compiled_scope import ProjectScopes
from tslint.config import Config
from tslint.engine.outlines import Outlines
from tslint.engine.phases import FileOutcome, FileSummary, IndexedFile, checked_classes, lint_indexed
from tslint.engine.plans import IndexQueue, LintPlan
from tslint.engine.pool import WorkerProcess, serve
from tslint.engine.reading import CHANGED_DURING_RUN, FileChanged, content_size
from tslint.engine.shard import CHECKING, INDEXING, KEPT_MEMORY_BUDGET, Progress, Shard
from tslint.engine.spill import SpilledBytes
from tslint.files import SourceFile
from tslint.findings import FileError, Mode
from tslint.index.compact import Compactor
from tslint.index.project import ProjectIndex
from tslint.limits import too_many_tokens
from tslint.processes import max_jobs
from tslint.rule import Rule

if TYPE_CHECKING:
    from tslint.cache import ResultCache

# Below this much source, worker processes cost more than they save. Measured with the CLI in a new
# process on samples of torch/nn and torch/ao: two workers took 1.01x and 1.08x of one at 64 and
# 103 kB, 0.77x at 159 kB and 0.84x at 250 and 300 kB.
PARALLEL_MIN_BYTES = 150_000
PARALLEL_MIN_FILES = 8
# From this much source to index, the parent tells which files phase 2 needs and workers get only
# those summaries (see Outlines); below it, every worker gets every summary: on torch/nn, torch/ao
# and torch/distributions (4.6 MB, bench/speed.py) the outlines cost the parent 0.45 s of CPU,
# which two workers on two cores feel, for memory that does not matter at that size.
OUTLINE_MIN_BYTES = 20_000_000
# From this much source to index, the workers of a run save memory where the run is slower for it
# (its memory is the sum of each process's peak): only the first worker gets heavy files (see
# HEAVY_TOKENS), each keeps trees for a share of one process's budget
# (LARGE_RUN_KEPT_BUDGET), and each keeps the summaries of the files whose trees it dropped pickled
# only, in a temporary file (tslint.engine.spill), until phase 2 says which it needs. (The run's
# sources are not held by the parent at that size either: tslint.engine.reading.SourceContents;
# forked workers read them from disk.)
LARGE_RUN_MIN_BYTES = 20_000_000
# A heavy file: parsing it takes a process's memory up by ~100 to 450 MB for a moment (libcst's
# tree takes 3 to 4 kB a token: sympy's 447 kB bench_solvers.py, 116k tokens, took a worker to 485
# MB, its 129 kB test_systems.py, 59k tokens, another from 124 to 350 MB), so two workers each
# parsing such files counted the cost twice. Heavy: HEAVY_TOKENS or more (counted only from
# HEAVY_COUNT_FROM_BYTES: denser files than 0.4 tokens a byte are rare), or HEAVY_FILE_BYTES.
HEAVY_TOKENS = 25_000
HEAVY_COUNT_FROM_BYTES = 60_000
HEAVY_FILE_BYTES = 200_000
# The two workers' kept trees together, in a large run: the budget is each worker's growth since it
# started (tslint.engine.shard), so with the summaries on disk (tslint.engine.spill) it is what the
# index phase may hold besides one file's parse, and it is held into phase 2. On all of
# site-packages most files phase 2 needs are parsed again whatever the budget (their trees do not
# fit), so a smaller one costs little time.
LARGE_RUN_KEPT_BUDGET = 60_000_000


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


def _scope(summaries: Dict[str, FileSummary], rules: Sequence[Rule]) -> ProjectScopes:
    indexed = [s for s in summaries.values() if s.index is not None]
    exporting = any(rule.mode is Mode.EXPORT for rule in rules)  # the export scope only when its rules run
    index = ProjectIndex((s.index for s in indexed), {s.index.path: s.digest for s in indexed})
    return ProjectScopes(index, exporting, checked_classes(rules))


def choose_jobs(requested: Optional[int], total_bytes: int, files: int) -> int:
    jobs = min(requested, max_jobs()) if requested is not None else (os.cpu_count() or 1)
    if requested is None and (total_bytes < PARALLEL_MIN_BYTES or files < PARALLEL_MIN_FILES):
        return 1
    return max(1, min(jobs, files))


@trees_kept_out_of_gc()
def run_phases(
    all_sources: Sequence[SourceFile],
    to_index: Sequence[SourceFile],
    summaries: Dict[str, FileSummary],
    contents: Mapping[str, bytes],
    config: Config,
    rules: Sequence[Rule],
    settings_key: str,
    cache: Optional[ResultCache],
    jobs: Optional[int],
    only: Optional[frozenset] = None,
    progress: Optional[Progress] = None,
) -> Dict[str, FileOutcome]:
    """Index what the cache does not know, build the scope, lint what the cache cannot answer
    (of `only`, when given: the other files just give context). `progress` is told of each file
    indexed (stage INDEXING) and each file linted or answered by the cache (stage CHECKING)."""
    sources = all_sources if only is None else [s for s in all_sources if s.display in only]
    linted = frozenset(s.display for s in sources)  # the others give context: their trees are not kept
    jobs = choose_jobs(jobs, sum(content_size(contents, s.display) for s in to_index), len(to_index))
    run = _Run({s.display: s for s in all_sources}, summaries, contents, config, rules, settings_key, cache, progress)
    if jobs <= 1:
        shard = Shard(contents, progress, linted=linted)
        # Largest first, as workers do: the parse of a large file peaks while few trees are kept yet.
        fresh = {s.display: s for s in shard.index(IndexQueue(to_index, contents).files[::-1])}
        run.learn([fresh[source.display] for source in to_index])  # the project index in the files' order
        scope = _scope(summaries, rules)
        shard.drop_unneeded_trees(scope, rules)
        outcomes, work = _cached_outcomes(sources, summaries, scope, settings_key, cache)
        run.tell(CHECKING, len(outcomes))
        # Smallest first: a file's rules need the most memory on the largest files, which then come
        # when the other files' trees are gone.
        work.sort(key=lambda pair: content_size(contents, pair[0].display))
        linted = shard.lint(work, scope, rules, config)
        _remember_outcomes(cache, run.by_display, summaries, scope, settings_key, linted)
        return {**outcomes, **linted}

    import multiprocessing  # only parallel runs pay for importing it

    large = sum(content_size(contents, s.display) for s in to_index) >= LARGE_RUN_MIN_BYTES
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    workers: List[WorkerProcess] = []
    dead: Dict[str, FileOutcome] = {}
    try:
        if large:
            from tslint.processes import release_free_memory

            release_free_memory()  # the sources read so far and dropped (SourceContents): not for the workers
            budget: Optional[int] = LARGE_RUN_KEPT_BUDGET // jobs
        else:
            budget = None
        workers = [WorkerProcess(context, _worker, contents, config, rules, budget, linted) for _ in range(jobs)]
        outlines = _index_in_workers(run, workers, to_index, dead, heavy=large)
        scope: Optional[ProjectScopes] = None
        outcomes: Dict[str, FileOutcome] = {}
        work = [s for s in sources if s.display not in dead]
        if cache is not None:
            scope = _scope(summaries, rules)
            outcomes, pairs = _cached_outcomes(work, summaries, scope, settings_key, cache)
            work = [source for source, _ in pairs]
            run.tell(CHECKING, len(outcomes))
        linted = _lint_in_workers(run, workers, work, outlines, scope, dead)
    finally:
        for worker in workers:
            worker.close()
    if cache is not None:
        _remember_outcomes(cache, run.by_display, summaries, scope or _scope(summaries, rules), settings_key, linted)
    return {**outcomes, **linted, **dead}


@dataclass
class _Run:
    """What both phases of one run share."""

    by_display: Dict[str, SourceFile]
    summaries: Dict[str, FileSummary]
    contents: Mapping[str, bytes]
    config: Config
    rules: Sequence[Rule]
    settings_key: str
    cache: Optional[ResultCache]
    progress: Optional[Progress] = None  # told of each file indexed or linted

    def tell(self, stage: str, count: int) -> None:
        if self.progress is not None and count:
            self.progress(stage, count)

    def learn(self, fresh: Sequence[FileSummary]) -> None:
        """Keep summaries indexed in this process (or received from a worker) and cache them."""
        self.summaries.update((s.display, s) for s in fresh)
        _remember_summaries(self.cache, self.by_display, fresh)


def _index_in_workers(
    run: _Run,
    workers: Sequence[WorkerProcess],
    to_index: Sequence[SourceFile],
    dead: Dict[str, FileOutcome],
    heavy: bool = False,
) -> Optional[Outlines]:
    """Phase 1: largest files first, each worker handed the next file as it answers for one, so the
    workers finish indexing together however unevenly files parse (`heavy`: only the first worker
    gets the files of HEAVY_FILE_BYTES or more). On a large project this process keeps outlines of
    what the workers index (and full summaries for the cache): enough to tell which files phase 2
    needs (see Outlines); the workers keep the summaries, and this process forwards only those
    phase 2 needs (see _exchange_needed). Returns the outlines, or None on a smaller project, where
    this process keeps every worker's answers to forward them all."""
    large = sum(content_size(run.contents, s.display) for s in to_index) >= OUTLINE_MIN_BYTES
    outlines = Outlines(run.summaries.values()) if large else None
    is_heavy = functools.partial(_is_heavy, run.contents)
    queue = IndexQueue(to_index, run.contents, (workers[0], is_heavy) if heavy else None)
    for worker, done, answer in serve(workers, queue, dead):
        run.tell(INDEXING, len(done))
        worker.indexed += done
        if outlines is None:
            worker.answers.append((tuple(s.display for s in done), answer))
        fresh = pickle.loads(answer) if outlines is not None or run.cache is not None else []
        if outlines is not None:
            outlines.add(fresh)
        if run.cache is not None:  # else only the workers need the summaries (and this process if all die)
            run.learn(fresh)
    left = queue.left()
    if left:  # left by workers that died: index it here
        fresh = Shard(run.contents, run.progress).index(left)
        run.learn(fresh)
        if outlines is not None:
            outlines.add(fresh)
    return outlines


def _lint_in_workers(
    run: _Run,
    workers: Sequence[WorkerProcess],
    work: List[SourceFile],
    outlines: Optional[Outlines],
    scope: Optional[ProjectScopes],
    dead: Dict[str, FileOutcome],
) -> Dict[str, FileOutcome]:
    """Phase 2: each file is linted by the worker that holds its tree, largest first; one that runs
    out of its own files takes files no worker holds (indexed from the cache, or by a worker that
    died), then the smallest files of the worker with the most left (a second parse for it, so only
    while that worker has several times that much left).
    On a large project, files without compiled code run no rule: this process reports their TS001
    findings and errors; the workers lint the rest, each given only the summaries of the files it
    needs. Else every worker gets every summary."""
    needed: Optional[FrozenSet[str]] = None
    linted: Dict[str, FileOutcome] = {}
    if outlines is not None:
        needed, outlined = outlines.phase_two_files(run.rules, work, run.contents)
        outline_index = outlines.index()
        linted = {
            source.display: _lint_without_scope(run, outlines.item(source), outline_index)
            for source in work
            if source.display not in needed
        }
        work = [source for source in work if source.display in needed]
        shown = [outlines.summaries[display] for display in sorted(outlined)]  # only to resolve names
        _exchange_needed(run, workers, needed, pickle.dumps(shown, pickle.HIGHEST_PROTOCOL))
        if run.cache is None:  # for the last resort below
            run.summaries.update((s.display, s) for s in shown)
        del shown
    else:
        for worker in workers:
            if worker.alive:
                worker.send(needed)
                for answer in _phase_two_answers(worker, workers, run.summaries, needed):
                    worker.send_bytes(answer)  # one message each: no copy of them all at once on either side
                worker.send_bytes(b"")
    plan = LintPlan([w for w in workers if w.alive], work, run.contents)
    run.tell(CHECKING, len(linted))
    for _, _, answer in serve(workers, plan, dead):
        answered = pickle.loads(answer)
        run.tell(CHECKING, len(answered))
        linted.update(answered)
    left = plan.left()
    if left:  # every worker died: lint the rest here
        if needed is not None and run.cache is None:  # the workers held the summaries: index them again
            run.summaries.update(
                (s.display, s) for s in Shard(run.contents).index([run.by_display[d] for d in sorted(needed)])
            )
        elif run.cache is None:
            run.summaries.update(
                (s.display, s) for worker in workers for _, answer in worker.answers for s in pickle.loads(answer)
            )
        pairs = [(s, run.summaries[s.display]) for s in left]
        linted.update(
            Shard(run.contents, run.progress).lint(
                pairs, scope or _scope(run.summaries, run.rules), run.rules, run.config
            )
        )
    return linted


def _lint_without_scope(run: _Run, item: IndexedFile, index: ProjectIndex) -> FileOutcome:
    """A file without compiled code, linted here (no rule runs: its TS001 and directive findings)."""
    try:
        data = run.contents[item.source.display]
    except FileChanged:
        return FileOutcome((), (FileError(item.source.display, CHANGED_DURING_RUN),))
    return lint_indexed(item, data, None, run.rules, run.config, index)


def _is_heavy(contents: Mapping[str, bytes], source: SourceFile) -> bool:
    """Whether parsing the file may take a process's memory up by ~100 MB or more (see HEAVY_TOKENS)."""
    size = content_size(contents, source.display)
    if size < HEAVY_COUNT_FROM_BYTES or size >= HEAVY_FILE_BYTES:
        return size >= HEAVY_FILE_BYTES
    return too_many_tokens(contents[source.display], HEAVY_TOKENS - 1) > 0


def _exchange_needed(run: _Run, workers: Sequence[WorkerProcess], needed: FrozenSet[str], outlined: bytes) -> None:
    """Before phase 2 of a large project: each worker sends the summaries it holds of the files phase 2
    needs (pickled as it sent them in phase 1), and gets those of the other workers, one message
    each, then the outlines of the files it needs only to resolve names (`outlined`), then b"". A
    worker that died took its summaries with it: those files are indexed again here. This process
    keeps the needed summaries on disk (tslint.engine.spill) until the workers have them: on all
    of site-packages they took its memory up by ~50 MB, at a moment that was its peak."""
    alive = [worker for worker in workers if worker.alive]
    for worker in alive:
        worker.send(needed)
    held = SpilledBytes()
    names: Dict[int, List[str]] = {}  # of each worker's answers, in `held`
    for worker in alive:
        names[id(worker)] = []
        try:
            while True:
                answer = worker.connection.recv_bytes()
                if not answer:
                    break
                names[id(worker)].append(f"{id(worker)}.{len(names[id(worker)])}")
                held[names[id(worker)][-1]] = answer
        except (OSError, EOFError):
            worker.alive = False
            names[id(worker)] = []
    lost = [s for worker in workers if not worker.alive for s in worker.indexed if s.display in needed]
    if lost:  # indexed by a worker that died: index them again, as phase 1 does with its files left
        held["lost"], names[0] = pickle.dumps(Shard(run.contents).index(lost), pickle.HIGHEST_PROTOCOL), ["lost"]
    for worker in workers:
        if worker.alive:
            for other, kept in names.items():
                if other != id(worker):
                    for name in kept:
                        worker.send_bytes(held.get(name))  # type: ignore[arg-type]
            worker.send_bytes(outlined)
            worker.send_bytes(b"")
    held.close()


def _phase_two_answers(
    worker: WorkerProcess,
    workers: Sequence[WorkerProcess],
    summaries: Dict[str, FileSummary],
    needed: Optional[FrozenSet[str]],
) -> List[bytes]:
    """The summaries `worker` lacks of the files phase 2 needs (None: all files): the other workers'
    answers as they were sent (not pickled again), then those from the cache or from this process,
    pickled once."""
    answers = [
        answer
        for other in workers
        if other is not worker
        for displays, answer in other.answers
        if needed is None or any(display in needed for display in displays)
    ]
    from_workers = {display for other in workers for displays, _ in other.answers for display in displays}
    elsewhere = [s for d, s in summaries.items() if d not in from_workers and (needed is None or d in needed)]
    return [*answers, pickle.dumps(elsewhere, pickle.HIGHEST_PROTOCOL)] if elsewhere else answers


def _worker(
    connection,
    contents: Mapping[str, bytes],
    config: Config,
    rules: Sequence[Rule],
    budget: Optional[int] = None,
    linted: Optional[frozenset] = None,
) -> None:
    """A shard worker. `budget`, in a large run (LARGE_RUN_MIN_BYTES): its kept-tree budget; it then
    keeps the summaries of the files whose trees it drops only pickled, as it sent them, on disk.
    `linted`: the files the run reports on (the others only give context: their trees are not kept)."""
    large = budget is not None
    shard = Shard(
        contents, budget=budget if budget is not None else KEPT_MEMORY_BUDGET, drops_indexes=large, linted=linted
    )
    # A large run's summaries, as sent (an index unpickled is ~4x larger), on disk until phase 2.
    pickled: Union[Dict[str, bytes], SpilledBytes] = SpilledBytes() if large else {}
    try:
        while True:  # phase 1: index what the parent hands over, until it says None
            sources = connection.recv()
            if sources is None:
                break
            answer = _pickled(shard.index(sources))
            connection.send_bytes(answer)
            if large:
                if len(sources) == 1:
                    pickled[sources[0].display] = answer
                else:
                    for summary in pickle.loads(answer):
                        pickled[summary.display] = _pickled([summary])
        needed = connection.recv()  # which files phase 2 needs (None: all)
        summaries = {}
        # In a large run, equal names and call sites across the files one object (tslint.index.compact).
        compact = Compactor().compact if large else _same
        for display, item in list(shard.items.items()):
            if needed is None or display in needed:
                summaries[display] = compact(item.summary())
            else:  # linted by the parent: no rule runs on it, and its tree and index are not needed here
                del shard.items[display]
        if needed is not None:  # the parent forwards to the others those phase 2 needs (_exchange_needed)
            for display in [*summaries, *(d for d in pickled if d not in summaries)]:
                if display in needed:
                    answer = pickled.get(display)
                    if answer is None:
                        answer = _pickled([summaries[display]])
                    elif display not in summaries:  # its tree was not kept: nor was its index
                        summaries[display] = compact(pickle.loads(answer)[0])
                    connection.send_bytes(answer)
            connection.send_bytes(b"")
        if isinstance(pickled, SpilledBytes):
            pickled.close()
        while True:  # the summaries of those the others indexed, one pickled answer a message, then b""
            answer = connection.recv_bytes()
            if not answer:
                break
            summaries.update((s.display, compact(s)) for s in pickle.loads(answer))
            del answer
        del compact  # its tables: what they share, the summaries hold
        scope = _scope(summaries, rules)
        shard.drop_unneeded_trees(scope, rules)
        while True:  # phase 2: lint what the parent hands over, until it says None
            sources = connection.recv()
            if sources is None:
                break
            connection.send(shard.lint([(s, summaries[s.display]) for s in sources], scope, rules, config))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        connection.close()


def _same(value: FileSummary) -> FileSummary:
    return value


def _pickled(summaries: List[FileSummary]) -> bytes:
    return pickle.dumps(summaries, pickle.HIGHEST_PROTOCOL)


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
