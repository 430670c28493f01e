"""The pipeline: files -> parse -> project index -> compiled scope -> rules -> diagnostics -> filters.

Rules observe nodes during ONE walk of each compiled function (the `_Dispatcher`); nothing walks the
whole module. Positions are resolved only for files that have something to report.
"""

from __future__ import annotations

import ast
import functools
import io
import tokenize
import warnings
from dataclasses import dataclass, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from tslint.branch_guards import GuardedWalk
from tslint import __version__
from tslint.compiled_scope import CompiledFunction, CompiledScope, Role
from tslint.config import Config
from tslint.digests import digest as content_digest
from tslint.files import NotRegularFile, SourceFile, TooLarge, discover, module_name, read_regular_file
from tslint.ftypes import Diagnostic, FileError, LintResult, Mode, Position, RuleInfo, Severity
from tslint.positions import StatementRows, resolve_positions
from tslint.project_index import FileIndex, FileTrees, ProjectIndex, index_file
from tslint.rule import Report, Rule, RuleContext
from tslint.rules import find_rules
from tslint.suppression import is_suppressed, line_suppressions, skips_file
from tslint.traversal import walk

if TYPE_CHECKING:
    from tslint.cache import ResultCache
    from tslint.compiled_scope import ProjectScopes

UNPARSABLE = RuleInfo(
    code="TS001",
    name="unparsable-file",
    severity=Severity.ERROR,
    mode=Mode.SCRIPT,
    message="File cannot be read or parsed: {reason}.",
    fix_hint="Fix what the message names (syntax, encoding), or exclude the file.",
    summary="A file tslint cannot read, decode or parse.",
)
TORCH_FAILURE = RuleInfo(
    code="TS000",
    name="torch-script-failure",
    severity=Severity.ERROR,
    mode=Mode.SCRIPT,
    message="torch.jit.script failed here and no tslint rule predicted it: {message}",
    fix_hint="Read torch's message; `tslint --explain TS000` says how to report the missing rule.",
    summary="A failure torch.jit.script reported during --confirm that no static rule predicted.",
)  # reported by --confirm (tslint/confirm.py)
TOOL_CODES: Tuple[RuleInfo, ...] = (TORCH_FAILURE, UNPARSABLE)


def catalogue() -> List[RuleInfo]:
    """Every code tslint can report, sorted by code."""
    return sorted([*TOOL_CODES, *(rule.info() for rule in find_rules())], key=lambda info: info.code)


def known_codes() -> List[str]:
    return [info.code for info in catalogue()]


def selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    return any(code.startswith(s) for s in select) and not any(code.startswith(i) for i in ignore)


def enabled_rules(config: Config) -> Tuple[Rule, ...]:
    modes = {"script": {Mode.SCRIPT}, "trace": {Mode.TRACE}, "both": {Mode.SCRIPT, Mode.TRACE}}[config.mode]
    return tuple(
        rule()
        for rule in find_rules()
        if rule.mode in modes and selected(rule.code, config.select, config.ignore)
    )


# --- reading and parsing --------------------------------------------------------------------


@dataclass
class ParsedFile:
    source: SourceFile
    text: str
    module: Optional[cst.Module]
    problem: Optional[Diagnostic]  # TS001 when the file cannot be read, decoded or parsed
    # From Python's parser: computed with the parse when the code needed Python's parser first, else
    # on demand, when the file has findings to place (most files have none).
    statement_rows: Optional[StatementRows] = None

    def rows(self) -> Optional[StatementRows]:
        """The statement lines; raises RecursionError when Python's parser finds the code too deep,
        as generating the code to place findings (the fallback without these lines) would too."""
        if self.statement_rows is None and self.module is not None:
            rows, _, too_deep = _python_parse(self.text)
            if too_deep:
                raise RecursionError("Python's parser refuses the code as too deeply nested")
            self.statement_rows = rows
        return self.statement_rows


def _unparsable(source: SourceFile, reason: str, row: int = 1, column: int = 1) -> Diagnostic:
    return Diagnostic(
        code=UNPARSABLE.code,
        name=UNPARSABLE.name,
        severity=UNPARSABLE.severity,
        mode=UNPARSABLE.mode,
        message=UNPARSABLE.message.format(reason=reason),
        filename=source.display,
        location=Position(row, column),
        end_location=Position(row, column + 1),
    )


def decode(data: bytes) -> str:
    """Decode like Python does: BOM, then coding cookie, then UTF-8. Raises ValueError."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise ValueError(str(error)) from None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise ValueError(f"cannot decode as {encoding}: {error}") from None


# Past these, code goes through Python's parser before libcst's (see _python_parse).
_MAX_DEPTH = 100  # brackets open at once, or opened on one line (Python itself refuses 200)
_MAX_LINE_BYTES = 2000  # one physical line
_MAX_LOGICAL_BYTES = 8000  # one logical line: physical lines joined inside brackets or by `\`


def _needs_python_parser_first(data: bytes) -> bool:
    """Whether the code may hold an expression deep or long enough to crash libcst's parser or stall
    it (it is quadratic in a chain's length: a 3000-term sum took 4 s, 6000 terms 17 s), which
    Python's parser refuses at once. Such an expression means deeply nested brackets, a very long
    line, or a very long logical line. Brackets are counted line by line, those in strings and
    comments too: that errs towards the safe path, except that a stray closing bracket in a string
    can end a logical line early. About a tenth of the cost of Python's parse, which most files skip."""
    depth = logical = 0
    for line in data.split(b"\n"):
        if len(line) > _MAX_LINE_BYTES:
            return True
        opened = line.count(b"(") + line.count(b"[") + line.count(b"{")
        if opened > _MAX_DEPTH:
            return True
        depth += opened - line.count(b")") - line.count(b"]") - line.count(b"}")
        if depth > _MAX_DEPTH:
            return True
        logical += len(line)
        if logical > _MAX_LOGICAL_BYTES:
            return True
        if depth <= 0 and not line.endswith(b"\\"):
            depth = logical = 0
    return False


def _python_parse(text: str) -> Tuple[Optional[StatementRows], Optional[SyntaxError], bool]:
    """Parse with Python's own C parser first: (first lines of the top-level statements and of the
    classes' members, the SyntaxError if any, whether the code is nested too deeply for any parser).

    libcst's native parser crashes the whole process (segfault) on ~3000 nested brackets and takes
    minutes on 10000-term expressions; CPython rejects both cleanly ("too many nested parentheses"
    beyond 200 levels, RecursionError), so such code never reaches libcst. The statement lines also
    anchor positions (positions.py) without a second parse.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are not ours to print
            tree = ast.parse(text)
    except SyntaxError as error:
        return None, error, "too many nested" in str(error.msg)
    except (RecursionError, MemoryError):
        return None, None, True
    except ValueError as error:  # e.g. source code string cannot contain null bytes
        return None, SyntaxError(str(error)), False
    members = {i: _first_rows(node.body) for i, node in enumerate(tree.body) if isinstance(node, ast.ClassDef)}
    return StatementRows(_first_rows(tree.body), members), None, False


def _first_rows(statements: Sequence[ast.stmt]) -> Tuple[int, ...]:
    """The first line of each statement, decorators included."""
    return tuple(min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))]) for node in statements)


# libcst parses about 200 kB/s and holds ~40 bytes of tree per byte of source: a 10 MB file took
# 50 s to parse and 4.7 GB of memory. Real source stays below this (the largest file in this
# machine's site-packages that is code, not data, is 1.4 MB); larger files are reported, not parsed.
MAX_FILE_BYTES = 2_000_000


def _too_large(source: SourceFile, size: int) -> Diagnostic:
    """`size` is the file's size, or MAX_FILE_BYTES + 1 when only that much was read (a stream)."""
    limit = f"the limit is {MAX_FILE_BYTES // 1_000_000} MB"
    shown = f"more than {MAX_FILE_BYTES // 1_000_000} MB" if size == MAX_FILE_BYTES + 1 else f"{size / 1_000_000:.1f} MB"
    return _unparsable(source, f"the file is too large to lint ({shown}; {limit})")


def parse_source(source: SourceFile, data: Optional[bytes] = None) -> ParsedFile:
    if data is None:
        data, problem = read_source(source)
        if data is None:
            return ParsedFile(source, "", None, problem)
    if len(data) > MAX_FILE_BYTES:
        return ParsedFile(source, "", None, _too_large(source, len(data)))
    if b"\x00" in data:
        return ParsedFile(source, "", None, _unparsable(source, "the file contains NUL bytes"))
    try:
        text = decode(data)
    except ValueError as error:
        return ParsedFile(source, "", None, _unparsable(source, str(error)))
    if skips_file(text):
        return ParsedFile(source, text, None, None)
    rows: Optional[StatementRows] = None
    python_error: Optional[SyntaxError] = None
    if _needs_python_parser_first(data):
        rows, python_error, too_deep = _python_parse(text)
        if too_deep:
            return ParsedFile(source, text, None, _unparsable(source, "the code is nested too deeply to parse"))
    try:
        # A SyntaxError from Python alone is not final: libcst also parses syntax newer than the
        # Python running tslint.
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if python_error is None and rows is None:
            _, python_error, too_deep = _python_parse(text)
            if too_deep:  # neither parser takes it: not "valid Python" below
                return ParsedFile(source, text, None, _unparsable(source, "the code is nested too deeply to parse"))
        if python_error is not None:  # report where Python points (libcst points at the next token)
            row, column = python_error.lineno or 1, max(1, python_error.offset or 1)
            return ParsedFile(source, text, None, _unparsable(source, f"syntax error: {python_error.msg}", row, column))
        message = str(error.message).rstrip(".")
        # Python accepts the code, so it is no syntax error: libcst's parser has limits of its own
        # (it rejects a run of more than ~3000 adjacent string literals as "expected STRING").
        reason = (
            "the code is valid Python but too large or complex for libcst, the parser tslint uses, "
            f"or uses syntax libcst does not support (libcst: {message})"
        )
        return ParsedFile(source, text, None, _unparsable(source, reason, error.raw_line, error.raw_column + 1))
    except (RecursionError, MemoryError):
        return ParsedFile(source, text, None, _unparsable(source, "the code is nested too deeply to parse"))
    except Exception as error:  # libcst's native parser may fail in other ways on odd input
        return ParsedFile(source, text, None, _unparsable(source, f"the parser failed ({type(error).__name__}: {error})"))
    return ParsedFile(source, text, module, None, rows)


# --- running the rules ----------------------------------------------------------------------


class RuleCrashed(Exception):
    """A rule raised: carries which rule, so the error names it."""

    def __init__(self, rule: Rule, error: Exception) -> None:
        super().__init__(f"internal error in rule {rule.code} ({rule.name}): {type(error).__name__}: {error}")
        self.rule = rule


class _Observer:
    """One set of rules watching one function in one mode (script or trace), with its context."""

    def __init__(self, context: RuleContext, visit_hooks: Dict[type, list], leave_hooks: Dict[type, list]) -> None:
        self.context = context
        self.visit_hooks = visit_hooks
        self.leave_hooks = leave_hooks
        self._regions: Dict[tuple, object] = {}  # guards only change at block boundaries

    def call(self, hooks: Dict[type, list], node: cst.CSTNode, guards: tuple) -> None:
        found = hooks.get(type(node))
        if not found:
            return
        context = self.context
        region = self._regions.get(guards)
        if region is None:
            region = self._regions[guards] = context.scope.region(context.function, guards)
        for rule, hook in found:
            if rule.applies(context.function, region):
                context.region = region
                context.rule = rule
                try:
                    hook(node, context)
                except RecursionError:
                    raise
                except Exception as error:
                    raise RuleCrashed(rule, error) from error


class _Dispatcher(GuardedWalk):
    """Walks one function once, showing each node to every observer: the script rules and the trace
    rules share the walk of a function that both modes run."""

    def __init__(self, observers: Sequence[_Observer]) -> None:
        first = observers[0].context
        super().__init__(first.file.imports, first.function.function.self_name)
        self.observers = observers

    def enter(self, node: cst.CSTNode) -> None:
        for observer in self.observers:
            observer.call(observer.visit_hooks, node, self.guards)

    def leave(self, node: cst.CSTNode) -> None:
        for observer in self.observers:
            observer.call(observer.leave_hooks, node, self.guards)

    def run(self, node: cst.FunctionDef, signature_only: bool) -> None:
        if signature_only:
            # Only the signature of an ignored/unused function is used by torch.jit.script.
            self._root = node
            self.enter(node)
            walk(node.params, self._enter, self._leave)
            self.leave(node)
        else:
            self.walk(node)


@functools.lru_cache(maxsize=16)
def _hook_table(rules: Tuple[Rule, ...], prefix: str) -> Dict[type, List[Tuple[Rule, object]]]:
    """The hooks of `rules` by node type; once per set of rule instances (a run has one or two), not
    once per file: listing a rule's hooks reads `dir()` of its class."""
    table: Dict[type, List[Tuple[Rule, object]]] = {}
    for rule in rules:
        for node_type, hook in rule.hooks(prefix).items():
            table.setdefault(node_type, []).append((rule, hook))
    return table


def _diagnostics(parsed: ParsedFile, reports: Sequence[Report], trees: FileTrees) -> List[Diagnostic]:
    assert parsed.module is not None
    anchors = {report.node: trees.anchors[report.function_ordinal] for report in reports}
    functions = {report.node: trees.nodes[report.function_ordinal] for report in reports}
    positions = resolve_positions(parsed.module, parsed.rows(), anchors, anchors, functions)
    lines = parsed.text.splitlines() if any(report.header_only for report in reports) else []
    found = []
    for report in reports:
        span = positions[report.node]
        end = Position(span.end.line, span.end.column + 1)
        if report.header_only and span.end.line > span.start.line:
            header = lines[span.start.line - 1].rstrip() if span.start.line <= len(lines) else ""
            end = Position(span.start.line, max(len(header), span.start.column) + 1)
        info = report.rule
        found.append(
            Diagnostic(
                code=info.code,
                name=info.name,
                severity=info.severity,
                mode=info.mode,
                message=report.message,
                filename=parsed.source.display,
                location=Position(span.start.line, span.start.column + 1),
                end_location=end,
                symbol=report.symbol,
                fix=report.fix,
            )
        )
    return found


def run_rules(
    parsed: ParsedFile,
    file: FileIndex,
    trees: FileTrees,
    work: Sequence[Tuple[Sequence[CompiledFunction], CompiledScope, Sequence[Rule]]],
) -> List[Diagnostic]:
    """Run each (functions, scope, rules) group of `work`; a function in several groups is walked once."""
    observers: Dict[Tuple[int, bool], List[_Observer]] = {}
    contexts: List[RuleContext] = []
    for functions, scope, rules in work:
        visit_hooks, leave_hooks = _hook_table(tuple(rules), "visit_"), _hook_table(tuple(rules), "leave_")
        for compiled in functions:
            node = trees.nodes[compiled.function.ordinal]
            context = RuleContext(file, scope, compiled, node)
            contexts.append(context)
            key = (compiled.function.ordinal, compiled.role is Role.SIGNATURE)
            observers.setdefault(key, []).append(_Observer(context, visit_hooks, leave_hooks))
    for (ordinal, signature_only), group in sorted(observers.items()):
        _Dispatcher(group).run(trees.nodes[ordinal], signature_only)
    reports = [report for context in contexts for report in context.reports]
    return _diagnostics(parsed, reports, trees) if reports else []


# --- one file, in two phases -------------------------------------------------------------------


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

    def summary(self) -> "FileSummary":
        return FileSummary(self.source.display, self.digest, self.index, self.problem, self.error)


@dataclass(frozen=True)
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


def read_source(source: SourceFile) -> Tuple[Optional[bytes], Optional[Diagnostic]]:
    """The file's bytes, or a TS001 finding. Only a regular file is read (a FIFO named `x.py` hung
    the run, `z.py -> /dev/zero` read until memory ran out), never more than MAX_FILE_BYTES + 1."""
    try:
        return read_regular_file(source.path, MAX_FILE_BYTES), None
    except OSError as error:
        return None, _unparsable(source, f"cannot read file ({error.strerror or error})")
    except NotRegularFile as error:
        return None, _unparsable(source, str(error))
    except TooLarge as error:
        return None, _too_large(source, error.size)


def index_source(source: SourceFile, data: bytes) -> IndexedFile:
    parsed = parse_source(source, data)
    digest = content_digest(data)
    if parsed.module is None:
        return IndexedFile(source, digest, parsed, None, None, parsed.problem)
    name, is_package = module_name(source.path)
    try:
        index, trees = index_file(source.display, parsed.module, name, is_package)
    except RecursionError:
        problem = _unparsable(source, "the code is nested too deeply to analyse")
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
    diagnostics: Sequence[Diagnostic], source: SourceFile, text: str, config: Config
) -> Tuple[Diagnostic, ...]:
    """Drop what the configuration or an inline suppression comment turns off."""
    if not diagnostics:
        return ()
    ignored_here = (*config.ignore, *_file_ignores(source, config))
    suppressions = line_suppressions(text)
    return tuple(
        d
        for d in diagnostics
        if selected(d.code, config.select, ignored_here) and not is_suppressed(d.code, suppressions, d.location.row)
    )


def lint_indexed(item: IndexedFile, data: bytes, scopes: "ProjectScopes", rules: Sequence[Rule], config: Config) -> FileOutcome:
    """Phase 2 of one file: run the script rules over its compiled functions and the trace rules
    over its traced functions, then filter."""
    if item.error is not None:
        return FileOutcome((), (FileError(item.source.display, item.error),))
    found: List[Diagnostic] = [item.problem] if item.problem is not None else []
    work = []
    if item.index is not None:
        for mode, scope in ((Mode.SCRIPT, scopes.script), (Mode.TRACE, scopes.trace)):
            mode_rules = [rule for rule in rules if rule.mode is mode]
            functions = scope.functions_in(item.source.display) if mode_rules else []
            if functions:
                work.append((functions, scope, mode_rules))
    parsed, trees = item.parsed, item.trees
    if work:
        if parsed is None or trees is None:  # the tree was not kept (cache, memory budget): parse again
            fresh = index_source(item.source, data)
            parsed, trees = fresh.parsed, fresh.trees
        try:
            assert parsed is not None and trees is not None and item.index is not None
            found.extend(run_rules(parsed, item.index, trees, work))
        except Exception as error:
            # Too deep: a RecursionError, or what a `finally` of libcst's codegen raised while one unwound.
            if isinstance(error, RecursionError) or isinstance(error.__context__, RecursionError):
                found.append(_unparsable(item.source, "the code is nested too deeply to analyse"))
            else:  # a bug in a rule must not lose the other files' findings
                message = str(error) if isinstance(error, RuleCrashed) else f"internal error: {type(error).__name__}: {error}"
                return FileOutcome(filter_diagnostics(found, item.source, _text(parsed, data), config), (FileError(item.source.display, message),))
    return FileOutcome(filter_diagnostics(found, item.source, _text(parsed, data), config))


def _text(parsed: Optional[ParsedFile], data: bytes) -> str:
    if parsed is not None:
        return parsed.text
    try:
        return decode(data)
    except ValueError:
        return ""


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
) -> LintResult:
    """Lint `sources` as one project. `buffers` holds contents that replace a file's (stdin, an
    editor); `only` limits the rules phase to these files (the others only give context)."""
    from tslint.workers import run_phases

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
    phase_outcomes = run_phases(
        [s for s in sources if s.display in contents], to_index, summaries, contents, config, rules, key, cache, jobs,
        only=None if only is None else frozenset(only),
    )
    outcomes.update(phase_outcomes)
    if cache is not None:
        cache.save()
    diagnostics = sorted((d for o in outcomes.values() for d in o.diagnostics), key=Diagnostic.sort_key)
    errors = tuple(e for source in sources for e in outcomes.get(source.display, FileOutcome()).errors)
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
