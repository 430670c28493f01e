"""The run-level API: lint paths, sources or an editor's buffer as one project, and the rule
catalogue. The CLI, the language server, --confirm and the benches call these; they sit above the
per-file machinery (tslint.engine) and its workers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from tslint import __version__
from tslint.config import Config, selected
from tslint.digests import digest as content_digest
from tslint.engine.parsing import UNPARSABLE, read_source
from tslint.engine.phases import FileOutcome, FileSummary, filter_diagnostics, index_source
from tslint.engine.unused_suppressions import UNUSED_SUPPRESSION
from tslint.engine.workers import run_phases
from tslint.files import SourceFile, discover
from tslint.findings import Diagnostic, LintResult, Mode, RuleInfo, Severity
from tslint.index.project import ProjectIndex
from tslint.rule import Rule
from tslint.rules import find_rules

if TYPE_CHECKING:
    from tslint.cache import ResultCache


TORCH_FAILURE = RuleInfo(
    code="TS000",
    name="torch-script-failure",
    severity=Severity.ERROR,
    mode=Mode.SCRIPT,
    message="torch.jit.script failed here and no tslint rule predicted it: {message}",
    fix_hint="Read torch's message; `tslint --explain TS000` says how to report the missing rule.",
    summary="A failure torch.jit.script reported during --confirm that no static rule predicted.",
)  # reported by --confirm (tslint/confirm/runner.py)
TOOL_CODES: Tuple[RuleInfo, ...] = (TORCH_FAILURE, UNPARSABLE, UNUSED_SUPPRESSION)


def catalogue() -> List[RuleInfo]:
    """Every code tslint can report, sorted by code."""
    return sorted([*TOOL_CODES, *(rule.info() for rule in find_rules())], key=lambda info: info.code)


def known_codes() -> List[str]:
    return [info.code for info in catalogue()]



def enabled_rules(config: Config) -> Tuple[Rule, ...]:
    modes = {"script": {Mode.SCRIPT}, "trace": {Mode.TRACE}, "both": {Mode.SCRIPT, Mode.TRACE}}[config.mode]
    return tuple(
        rule()
        for rule in find_rules()
        if rule.mode in modes and selected(rule.code, config.select, config.ignore, rule.default_enabled)
    )



def project_index(sources: Sequence[SourceFile]) -> ProjectIndex:
    """The project index of `sources`, parsing each (for tools that need the index on its own)."""
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
        tuple(rule.code for rule in rules),
        config.select,
        config.ignore,
        config.per_file_ignores,
        str(config.root),
    )
    return content_digest(repr(relevant).encode("utf-8"))


def lint_sources(
    sources: Sequence[SourceFile],
    config: Config,
    jobs: Optional[int] = 1,
    cache: Optional["ResultCache"] = None,
    buffers: Optional[Dict[str, bytes]] = None,
    only: Optional[Sequence[str]] = None,
    progress: Optional[Any] = None,
) -> LintResult:
    """Lint `sources` as one project. `buffers` holds contents that replace a file's (stdin, an
    editor); `only` limits the rules phase to these files (the others only give context): the
    result holds only their findings and errors. `progress` (tslint.progress.Progress) is told the
    files to index and to lint, and each one done."""

    rules = enabled_rules(config)
    key = settings_key(config, rules)
    contents: Dict[str, bytes] = {}
    summaries: Dict[str, FileSummary] = {}
    outcomes: Dict[str, FileOutcome] = {}
    to_index: List[SourceFile] = []
    for source in sources:
        data = (buffers or {}).get(source.display)
        if data is None:
            data, problem = read_source(source)
            if data is None:
                outcomes[source.display] = FileOutcome(filter_diagnostics([problem], source, "", config))
                continue
        contents[source.display] = data
        cached = cache.summary(source, content_digest(data)) if cache is not None else None
        if cached is not None:
            summaries[source.display] = cached
        else:
            to_index.append(source)
    if progress is not None:
        progress.add_total(len(to_index) + sum(1 for s in sources if s.display in contents and (only is None or s.display in only)))
    phase_outcomes = run_phases(
        [s for s in sources if s.display in contents], to_index, summaries, contents, config, rules, key, cache, jobs,
        only=None if only is None else frozenset(only), progress=progress.advance if progress is not None else None,
    )
    outcomes.update(phase_outcomes)
    if cache is not None:
        cache.save()
    reported = [s.display for s in sources] if only is None else [s.display for s in sources if s.display in only]
    diagnostics = sorted((d for name in reported for d in outcomes.get(name, FileOutcome()).diagnostics), key=Diagnostic.sort_key)
    errors = tuple(e for name in reported for e in outcomes.get(name, FileOutcome()).errors)
    files = len(sources) if only is None else len(set(only))
    return LintResult(tuple(diagnostics), errors, files=files, internal_errors=len(errors))


def lint_paths(paths: Sequence[str], config: Config, jobs: Optional[int] = 1, cache: Optional["ResultCache"] = None) -> LintResult:
    sources = discover(paths, config.root, config.exclude)
    return lint_sources(sources, config, jobs, cache)


def lint_text(
    text: str,
    filename: str,
    config: Config,
    extra_paths: Sequence[str] = (),
    cache: Optional["ResultCache"] = None,
) -> LintResult:
    """Lint one buffer (an editor's), as if it were the file `filename`. Files under `extra_paths`
    give context (base classes, helpers) and are not reported; with a cache they are not parsed."""
    source = SourceFile(Path(filename), filename)
    others = [s for s in discover(extra_paths, config.root, config.exclude) if s.display != filename] if extra_paths else []
    result = lint_sources([source, *others], config, cache=cache, buffers={filename: text.encode("utf-8")}, only=[filename])
    return replace(
        result,
        diagnostics=tuple(d for d in result.diagnostics if d.filename == filename),
        errors=tuple(e for e in result.errors if e.filename == filename),
    )
