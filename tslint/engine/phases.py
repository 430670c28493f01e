"""One file in two phases: index it (phase 1, needs only the file), then run the rules over its
compiled code and filter the findings (phase 2, needs the project's compiled scope)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from tslint import limits
from tslint.config import Config, selected
from tslint.digests import digest as content_digest
from tslint.engine.dispatch import RuleCrashed, may_report, run_call_site_rules, run_class_rules, run_rules
from tslint.engine.misplaced_directives import misplaced_directives
from tslint.engine.parsing import MAX_FILE_BYTES, ParsedFile, decode, parse_source, unparsable
from tslint.engine.suppression import Directive, covers_none, suppressions
from tslint.engine.syntax import ProjectSyntax
from tslint.engine.unused_suppressions import UNUSED_SUPPRESSION, suppresses_own_finding, unused_suppressions
from tslint.files import SourceFile, module_name
from tslint.findings import Diagnostic, FileError, Mode
from tslint.index.compact import SLOTS
from tslint.index.indexer import function_trees, index_file
from tslint.index.model import MAX_HIERARCHY, FileIndex, FileTrees
from tslint.index.project import ProjectIndex
from tslint.limits import too_many_tokens
from tslint.rule import Rule
from tslint.rules import fact_extractors, find_rules

if TYPE_CHECKING:
    from tslint.compiled_scope import ProjectScopes


@dataclass
class IndexedFile:
    """Phase 1 of one file: read, parsed and indexed. The tree stays in the process that parsed it."""

    source: SourceFile
    digest: str
    parsed: Optional[ParsedFile]  # None when the index came from the cache (parsed again if needed)
    index: Optional[FileIndex]
    trees: Optional[FileTrees]
    problem: Optional[Diagnostic]
    error: Optional[str] = None  # an internal error while indexing

    def summary(self) -> FileSummary:
        return FileSummary(self.source.display, self.digest, self.index, self.problem, self.error)


@dataclass(frozen=True, **SLOTS)
class FileSummary:
    """The picklable part of phase 1: what the project index and the cache need."""

    display: str
    digest: str
    index: Optional[FileIndex]
    problem: Optional[Diagnostic]
    error: Optional[str] = None


@dataclass(frozen=True)
class FileOutcome:
    """Phase 2 of one file: its final diagnostics (filtered), and errors that are not findings."""

    diagnostics: Tuple[Diagnostic, ...] = ()
    errors: Tuple[FileError, ...] = ()


def index_source(source: SourceFile, data: bytes) -> IndexedFile:
    digest = content_digest(data)
    tokens = (
        too_many_tokens(data, limits.MAX_TOKENS) if len(data) <= MAX_FILE_BYTES else 0
    )  # larger: parse_source says so
    if tokens:  # parsing it would cost more than a file may (see tslint/limits.py)
        reason = f"the file is too large to analyse (about {tokens:,} tokens; the limit is {limits.MAX_TOKENS:,})"
        return IndexedFile(source, digest, None, None, None, unparsable(source, reason))
    parsed = parse_source(source, data)
    if parsed.module is None:
        return IndexedFile(source, digest, parsed, None, None, parsed.problem)
    name, is_package = module_name(source.path)
    try:
        index, trees = index_file(source.display, parsed.module, name, is_package, fact_extractors(), parsed.text)
    except RecursionError:
        problem = unparsable(source, "the code is nested too deeply to analyse")
        return IndexedFile(source, digest, parsed, None, None, problem)
    except Exception as error:  # a bug in the indexer must not lose the other files' findings
        message = f"internal error while indexing: {type(error).__name__}: {error}"
        return IndexedFile(source, digest, parsed, None, None, None, message)
    return IndexedFile(source, digest, parsed, index, trees, None)


def _file_ignores(source: SourceFile, config: Config) -> Tuple[str, ...]:
    absolute = source.path.absolute()
    try:
        relative = absolute.relative_to((config.root or Path.cwd()).absolute()).as_posix()
    except ValueError:
        relative = absolute.as_posix()
    codes: List[str] = []
    for pattern, ignored in config.per_file_ignores:
        if fnmatch(relative, pattern) or fnmatch(source.path.name, pattern) or fnmatch(source.display, pattern):
            codes.extend(ignored)
    return tuple(codes)


def filter_diagnostics(
    diagnostics: Sequence[Diagnostic],
    source: SourceFile,
    text: str,
    config: Config,
    rules: Optional[Sequence[Rule]] = None,
) -> Tuple[Diagnostic, ...]:
    """Drop what the configuration or an inline suppression comment turns off. `rules`: the rules
    that ran on the file, when it was parsed and each ran to its end; a suppression that suppressed
    nothing is then unused (TS002, when selected). None: the file was not checked completely."""
    ignored_here = (*config.ignore, *_file_ignores(source, config))
    report_unused = rules is not None and selected(
        UNUSED_SUPPRESSION.code, config.select, ignored_here, UNUSED_SUPPRESSION.default_enabled
    )
    if not diagnostics and not report_unused:
        return ()
    if not report_unused and covers_none(text, frozenset(d.code for d in diagnostics)):
        return tuple(d for d in diagnostics if _reported(d.code, config.select, ignored_here))
    found = suppressions(text)
    used: Dict[Directive, Set[str]] = {}
    kept: List[Diagnostic] = []
    for d in diagnostics:
        if not _reported(d.code, config.select, ignored_here):
            continue
        matching = found.matching(d.code, d.location.row)
        for directive in matching:
            used.setdefault(directive, set()).add(d.code)
        if not matching:
            kept.append(d)
    if report_unused and found.exact and found.all_directives() and not any(d.code == "TS001" for d in diagnostics):
        assert rules is not None
        ran = _codes_that_ran(rules, config, ignored_here)
        unused = unused_suppressions(found, used, ran, _known_codes(), text, source.display)
        kept.extend(
            d
            for directive, d in unused
            if not suppresses_own_finding(directive, found.matching(d.code, d.location.row))
        )
    return tuple(kept)


@functools.cache
def _known_codes() -> FrozenSet[str]:
    return frozenset({"TS000", "TS001", UNUSED_SUPPRESSION.code, "TS003", *(rule.code for rule in find_rules())})


def _codes_that_ran(rules: Sequence[Rule], config: Config, ignored: Sequence[str]) -> FrozenSet[str]:
    """The codes of `rules` whose findings a file with these ignores keeps (the others might as well
    not have run), and TS001."""
    ran = {rule.code for rule in rules if selected(rule.code, config.select, ignored)}
    if _reported(UNPARSABLE, config.select, ignored):
        ran.add(UNPARSABLE)
    return frozenset(ran)


UNPARSABLE = "TS001"


def _reported(code: str, select: Sequence[str], ignored: Sequence[str]) -> bool:
    """Whether the configuration keeps a finding of `code`. TS001 (a file tslint could not check) is
    kept whatever `select` says, as ruff reports syntax errors: a selection chooses the rules to run,
    it cannot make an unchecked file pass. `ignore` and `per-file-ignores` still drop it (TS001 also
    stands for tslint's own limits, such as a file too large to analyse)."""
    if code == UNPARSABLE:
        return not any(code.startswith(i) for i in ignored)
    return selected(code, select, ignored)


def lint_indexed(
    item: IndexedFile,
    data: bytes,
    scopes: Optional[ProjectScopes],
    rules: Sequence[Rule],
    config: Config,
    index: Optional[ProjectIndex] = None,
    syntax: Optional[ProjectSyntax] = None,
) -> FileOutcome:
    """Phase 2 of one file: run the script rules over its compiled functions, the trace rules
    over its traced functions and the export rules over its exported ones, then filter. `scopes` None: the file has no
    compiled code (no rule
    runs), and `index`, if given, is the project index for the facts that do not need the scopes. `syntax`: where
    rules find another file's function definitions (by default, parsed from disk)."""
    if item.error is not None:
        return FileOutcome((), (FileError(item.source.display, item.error),))
    found: List[Diagnostic] = [item.problem] if item.problem is not None else []
    if item.index is not None and b"tslint" in data.lower():
        found.extend(misplaced_directives(_text(item.parsed, data), item.source.display))
    index = scopes.index if scopes is not None else index
    if item.index is not None and index is not None:
        found.extend(_too_deep(item, index))
    work = _rule_work(item, scopes, rules)
    parsed, trees = item.parsed, item.trees
    # Rules of call sites in any function (TS412), only where the text has a trace call.
    call_rules = [r for r in rules if hasattr(r, "check_function")] if b"jit.trace" in data else []
    call_rules = call_rules if item.index is not None and index is not None else []
    class_checks = _class_checks(item, scopes, rules, data)
    if work or call_rules or class_checks:
        if parsed is None or trees is None:  # the tree was not kept (cache, memory budget): parse again
            parsed, trees = _parse_again(item.source, data)
        try:
            assert parsed is not None and trees is not None and item.index is not None
            if syntax is None and index is not None:
                syntax = ProjectSyntax(index)
            if work:
                found.extend(run_rules(parsed, item.index, trees, work, syntax))
            if call_rules:
                found.extend(run_call_site_rules(parsed, item.index, trees, call_rules, index, syntax))
            if class_checks:
                assert scopes is not None
                found.extend(run_class_rules(parsed, item.index, trees, scopes.script, class_checks, syntax))
        except Exception as error:
            # Too deep: a RecursionError, or what a `finally` of libcst's codegen raised while one unwound.
            if isinstance(error, RecursionError) or isinstance(error.__context__, RecursionError):
                found.append(unparsable(item.source, "the code is nested too deeply to analyse"))
            else:  # a bug in a rule must not lose the other files' findings
                message = (
                    str(error) if isinstance(error, RuleCrashed) else f"internal error: {type(error).__name__}: {error}"
                )
                return FileOutcome(
                    filter_diagnostics(found, item.source, _text(parsed, data), config),
                    (FileError(item.source.display, message),),
                )
    checked = item.index is not None and index is not None  # parsed and indexed: every rule ran on it
    return FileOutcome(filter_diagnostics(found, item.source, _text(parsed, data), config, rules if checked else None))


def _rule_work(item: IndexedFile, scopes: Optional[ProjectScopes], rules: Sequence[Rule]) -> list:
    """(functions, scope, rules) of each mode whose rules run on some function of the file."""
    work = []
    if item.index is not None and scopes is not None:
        for mode, scope in ((Mode.SCRIPT, scopes.script), (Mode.TRACE, scopes.trace), (Mode.EXPORT, scopes.export)):
            mode_rules = [rule for rule in rules if rule.mode is mode]
            functions = scope.functions_in(item.source.display) if mode_rules and scope is not None else []
            if functions:
                work.append((functions, scope, mode_rules))
    return work


def _class_checks(
    item: IndexedFile, scopes: Optional[ProjectScopes], rules: Sequence[Rule], data: Optional[bytes]
) -> List[Tuple[Rule, List[str]]]:
    """(rule, the module classes of the file it checks outside compiled code) of each script rule
    that checks some (Rule.module_classes_to_check). `data` None: the file's text is not at hand
    (no rule's `words` filter then)."""
    if item.index is None or scopes is None:
        return []
    checks = []
    for rule in rules:
        if rule.mode is not Mode.SCRIPT or not _checks_classes(rule):
            continue
        if data is not None and not may_report(rule, _text(item.parsed, data)):
            continue
        classes = rule.module_classes_to_check(item.index, scopes.script)
        if classes:
            checks.append((rule, classes))
    return checks


def checked_classes(rules: Sequence[Rule]):
    """A function giving the module classes of a file that `rules` check outside compiled code
    (Rule.module_classes_to_check), for the result cache's key (ProjectScopes.file_key); None when
    no rule checks any."""
    checking = [rule for rule in rules if rule.mode is Mode.SCRIPT and _checks_classes(rule)]
    if not checking:
        return None

    def classes(file: FileIndex, scope) -> Set[str]:
        return {name for rule in checking for name in rule.module_classes_to_check(file, scope)}

    return classes


def _checks_classes(rule: Rule) -> bool:
    return type(rule).module_classes_to_check is not Rule.module_classes_to_check


def tree_needed(item: IndexedFile, scopes: ProjectScopes, rules: Sequence[Rule]) -> bool:
    """Whether phase 2 may read the file's tree (`lint_indexed` parses it again if it was dropped): a
    rule runs on one of its functions, or its text has a trace call (the call-site rules)."""
    if item.index is None or item.error is not None:
        return False
    if _rule_work(item, scopes, rules) or _class_checks(item, scopes, rules, None):
        return True
    text = item.parsed.text if item.parsed is not None else ""
    return "jit.trace" in text and any(hasattr(r, "check_function") for r in rules)


def _parse_again(source: SourceFile, data: bytes) -> Tuple[ParsedFile, Optional[FileTrees]]:
    """The tree of a file whose index phase 1 gave (or the cache kept) but whose tree it did not
    keep: parsed again, its functions found by the indexer's order, not indexed again (indexing
    cost as much as the parse, with every function's facts)."""
    parsed = parse_source(source, data)
    return parsed, function_trees(parsed.module) if parsed.module is not None else None


def _too_deep(item: IndexedFile, index: ProjectIndex) -> List[Diagnostic]:
    """TS001 when classes of the file have a hierarchy too deep to follow (their rules stay silent,
    see ProjectIndex.hierarchy_too_deep): one finding for the file, naming the first such class."""
    assert item.index is not None
    deep = [info.name for info in item.index.classes if index.hierarchy_too_deep(info)]
    if not deep:
        return []
    others = f" and {len(deep) - 1} more classes of this file" if len(deep) > 1 else ""
    reason = (
        f"the hierarchy of class `{deep[0]}`{others} is too deep to analyse (more than {MAX_HIERARCHY} "
        "classes), so their code is not checked"
    )
    return [unparsable(item.source, reason)]


def _text(parsed: Optional[ParsedFile], data: bytes) -> str:
    if parsed is not None:
        return parsed.text
    try:
        return decode(data)
    except ValueError:
        return ""
