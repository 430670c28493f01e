"""The run-level API: lint paths, sources or an editor's buffer as one project, and the rule
catalogue. The CLI, the language server, --confirm and the benches call these; they sit above the
per-file machinery (tslint.engine) and its workers.

The engine, the rules and libcst are imported when a run needs them, not with this module: a run
that the cache answers whole (see run_key) reads the files and nothing more.
"""

from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from tslint import __version__
from tslint.config import Config, selected
from tslint.digests import digest as content_digest
from tslint.engine.misplaced_directives import MISPLACED_DIRECTIVE
from tslint.engine.reading import LARGE_RUN_BYTES, UNPARSABLE, SourceContents, read_source
from tslint.engine.unused_suppressions import UNUSED_SUPPRESSION
from tslint.files import SourceFile, discover, module_names
from tslint.findings import Diagnostic, FileError, LintResult, Mode, RuleInfo, Severity

if TYPE_CHECKING:
    from tslint.cache import ResultCache
    from tslint.index.project import ProjectIndex
    from tslint.rule import Rule


TORCH_FAILURE = RuleInfo(
    code="TS000",
    name="torch-script-failure",
    severity=Severity.ERROR,
    mode=Mode.SCRIPT,
    message="torch.jit.script failed here and no tslint rule predicted it: {message}",
    fix_hint="Read torch's message; `tslint --explain TS000` says how to report the missing rule.",
    summary="A failure torch.jit.script reported during --confirm that no static rule predicted.",
)  # reported by --confirm (tslint/confirm/runner.py)
TOOL_CODES: Tuple[RuleInfo, ...] = (TORCH_FAILURE, UNPARSABLE, UNUSED_SUPPRESSION, MISPLACED_DIRECTIVE)


def catalogue() -> List[RuleInfo]:
    """Every code tslint can report, sorted by code."""
    from tslint.rules import find_rules

    return sorted([*TOOL_CODES, *(rule.info() for rule in find_rules())], key=lambda info: info.code)


def known_codes() -> List[str]:
    return [info.code for info in catalogue()]


def enabled_rules(config: Config) -> Tuple[Rule, ...]:
    from tslint.rules import find_rules

    modes = {
        "script": {Mode.SCRIPT},
        "trace": {Mode.TRACE},
        "both": {Mode.SCRIPT, Mode.TRACE},
        "export": {Mode.EXPORT},
    }[config.mode]
    rules = []
    for rule in find_rules(frozenset(modes)):
        if selected(rule.code, config.select, config.ignore, rule.default_enabled):
            rules.append(rule())
        elif (
            declared_dynamic(config)
            and rule.enabled_by_dynamic_shapes
            and selected(rule.code, config.select, config.ignore)
        ):
            instance = rule()
            instance.for_classes = declared_dynamic(config)
            rules.append(instance)
    return tuple(rules)


def declared_dynamic(config: Config) -> frozenset:
    """The classes `[tool.tslint.confirm] dynamic-shapes` declares dynamic dimensions for, as
    qualified names (`pkg.models:Net` -> `pkg.models.Net`)."""
    return frozenset(key.replace(":", ".") for key in config.confirm.dynamic_shapes)


def project_index(sources: Sequence[SourceFile]) -> ProjectIndex:
    """The project index of `sources`, parsing each (for tools that need the index on its own)."""
    from tslint.engine.phases import index_source
    from tslint.index.project import ProjectIndex

    indexes = []
    for source in sources:
        data, _ = read_source(source)
        if data is not None:
            indexes.append(index_source(source, data).index)
    return ProjectIndex(index for index in indexes if index is not None)


# --- the whole run --------------------------------------------------------------------------------


def settings_key(config: Config, rules: Sequence[Rule]) -> str:
    """Everything in the configuration that changes a file's outcome, for the result cache."""
    relevant = (
        __version__,
        tuple((rule.code, sorted(rule.for_classes or ())) for rule in rules),
        config.select,
        config.ignore,
        config.per_file_ignores,
        str(config.root),
    )
    return content_digest(repr(relevant).encode("utf-8"))


def run_key(
    sources: Sequence[SourceFile], digests: Sequence[str], config: Config, only: Optional[Sequence[str]]
) -> str:
    """Everything a run's outcomes are a function of, tslint's own code aside (the cache's MAC covers
    that): the settings, the folder relative paths are read from, and each file of the run with its
    path, content and module name (which `__init__.py` files decide). A run of the same key has the
    same findings, whatever the cache held when it ran."""
    names = module_names(source.path for source in sources)
    relevant = (
        __version__,
        config.mode,
        config.select,
        config.ignore,
        config.per_file_ignores,
        sorted(declared_dynamic(config)) if config.mode == "export" else (),
        str(config.root),
        os.getcwd(),
        [(s.display, str(s.path), digest, name) for s, digest, name in zip(sources, digests, names)],
        None if only is None else sorted(set(only)),
    )
    return content_digest(repr(relevant).encode("utf-8"))


Outcomes = Dict[str, Tuple[Tuple[Diagnostic, ...], Tuple[FileError, ...]]]  # display -> (findings, errors)


def lint_sources(
    sources: Sequence[SourceFile],
    config: Config,
    jobs: Optional[int] = 1,
    cache: Optional[ResultCache] = None,
    buffers: Optional[Dict[str, bytes]] = None,
    only: Optional[Sequence[str]] = None,
    progress: Optional[Any] = None,
) -> LintResult:
    """Lint `sources` as one project. `buffers` holds contents that replace a file's (stdin, an
    editor); `only` limits the rules phase to these files (the others only give context): the
    result holds only their findings and errors. `progress` (tslint.progress.Progress) is told the
    files to index and to lint (its stages "indexing" and "checking"), and each one done. With a
    cache that holds this very run (run_key), nothing is parsed."""
    contents: Dict[str, bytes] = {}
    unreadable: Dict[str, Any] = {}
    digests: Dict[str, str] = {}
    # A run that may start workers stops holding what it reads from disk past LARGE_RUN_BYTES, and
    # reads a file again when it needs it (SourceContents): only sizes (and digests) stay.
    sizes: Optional[Dict[str, int]] = {} if jobs != 1 else None
    holding = True  # whether `contents` holds what was read from disk
    total = 0
    for source in sources:
        buffered = (buffers or {}).get(source.display)
        data = buffered
        if data is None:
            data, problem = read_source(source)
            if data is None:
                unreadable[source.display] = problem
                continue
            total += len(data)
        if cache is not None:
            digests[source.display] = content_digest(data)
        if sizes is not None:
            sizes[source.display] = len(data)
            if holding and total >= LARGE_RUN_BYTES:
                holding = False
                contents = {name: held for name, held in contents.items() if name in (buffers or {})}
        if holding or buffered is not None:
            contents[source.display] = data
    run_contents: Mapping[str, bytes] = contents
    if not holding:
        assert sizes is not None
        run_contents = SourceContents(sources, contents, sizes)
    reported = [s.display for s in sources] if only is None else [s.display for s in sources if s.display in only]
    key = None
    if cache is not None and not unreadable:
        key = run_key(sources, [digests[s.display] for s in sources], config, only)
        remembered = cache.run(key)
        if remembered is not None and all(name in remembered for name in reported):
            return _result(remembered, reported, len(sources) if only is None else len(set(only)))
    outcomes = _lint_contents(sources, run_contents, digests, unreadable, config, jobs, cache, only, progress)
    if cache is not None:
        if key is not None and not any(errors for _, errors in outcomes.values()):
            cache.store_run(key, {name: outcomes[name] for name in reported if name in outcomes})
        if cache.catalogue() is None:  # the rules are imported by now: a run the cache answers needs none
            cache.store_catalogue(catalogue())
        cache.save()
    return _result(outcomes, reported, len(sources) if only is None else len(set(only)))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while libcst, the engine and the rules are imported and the cache's
    summaries read: thousands of objects that all live on (classes, tables, indexes) and no
    garbage, yet they set off collections of everything allocated so far."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()  # else the first collection after would go through all of them once
            gc.enable()


def _lint_contents(
    sources: Sequence[SourceFile],
    contents: Mapping[str, bytes],
    digests: Dict[str, str],
    unreadable: Dict[str, Any],
    config: Config,
    jobs: Optional[int],
    cache: Optional[ResultCache],
    only: Optional[Sequence[str]],
    progress: Optional[Any],
) -> Outcomes:
    """The outcome of each file: the cache's for the files it knows, the engine's for the others."""
    with _collector_paused():
        from tslint.engine.phases import FileOutcome, FileSummary, filter_diagnostics
        from tslint.engine.workers import CHECKING, INDEXING, run_phases

        rules = enabled_rules(config)
        key = settings_key(config, rules)
        summaries: Dict[str, FileSummary] = {}
        outcomes: Dict[str, FileOutcome] = {
            source.display: FileOutcome(filter_diagnostics([unreadable[source.display]], source, "", config))
            for source in sources
            if source.display in unreadable
        }
        to_index: List[SourceFile] = []
        for source in sources:
            if source.display not in contents:
                continue
            cached = cache.summary(source, digests[source.display]) if cache is not None else None
            if cached is not None:
                summaries[source.display] = cached
            else:
                to_index.append(source)
    if progress is not None:
        progress.add_total(INDEXING, len(to_index))
        progress.add_total(
            CHECKING, sum(1 for s in sources if s.display in contents and (only is None or s.display in only))
        )
    phase_outcomes = run_phases(
        [s for s in sources if s.display in contents],
        to_index,
        summaries,
        contents,
        config,
        rules,
        key,
        cache,
        jobs,
        only=None if only is None else frozenset(only),
        progress=progress.advance if progress is not None else None,
    )
    outcomes.update(phase_outcomes)
    return {name: (outcome.diagnostics, outcome.errors) for name, outcome in outcomes.items()}


def _result(outcomes: Outcomes, reported: Sequence[str], files: int) -> LintResult:
    empty: Tuple[tuple, tuple] = ((), ())
    diagnostics = sorted((d for name in reported for d in outcomes.get(name, empty)[0]), key=Diagnostic.sort_key)
    errors = tuple(e for name in reported for e in outcomes.get(name, empty)[1])
    return LintResult(tuple(diagnostics), errors, files=files, internal_errors=len(errors))


def lint_paths(
    paths: Sequence[str], config: Config, jobs: Optional[int] = 1, cache: Optional[ResultCache] = None
) -> LintResult:
    sources = discover(paths, config.root, config.exclude)
    return lint_sources(sources, config, jobs, cache)


def lint_text(
    text: str,
    filename: str,
    config: Config,
    extra_paths: Sequence[str] = (),
    cache: Optional[ResultCache] = None,
) -> LintResult:
    """Lint one buffer (an editor's), as if it were the file `filename`. Files under `extra_paths`
    give context (base classes, helpers) and are not reported; with a cache they are not parsed."""
    source = SourceFile(Path(filename), filename)
    others = (
        [s for s in discover(extra_paths, config.root, config.exclude) if s.display != filename] if extra_paths else []
    )
    result = lint_sources(
        [source, *others], config, cache=cache, buffers={filename: text.encode("utf-8")}, only=[filename]
    )
    return replace(
        result,
        diagnostics=tuple(d for d in result.diagnostics if d.filename == filename),
        errors=tuple(e for e in result.errors if e.filename == filename),
    )
