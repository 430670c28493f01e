"""The pipeline: files -> parse -> project index -> compiled scope -> rules -> diagnostics -> filters.

Rules observe nodes during ONE walk of each compiled function (the `_Dispatcher`); nothing walks the
whole module. Positions are resolved only for files that have something to report.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Type

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from tslint.branch_guards import GuardedVisitor
from tslint.compiled_scope import CompiledFunction, CompiledScope, Role, compiled_functions_by_file
from tslint.config import Config
from tslint.files import SourceFile, discover, module_name
from tslint.ftypes import Diagnostic, FileError, LintResult, Mode, Position, RuleInfo, Severity
from tslint.project_index import FileIndex, ProjectIndex, index_file
from tslint.rule import Report, Rule, RuleContext
from tslint.rules import find_rules
from tslint.suppression import is_suppressed, line_suppressions, skips_file

UNPARSABLE = RuleInfo(
    code="TS001",
    name="unparsable-file",
    severity=Severity.ERROR,
    mode=Mode.SCRIPT,
    message="File cannot be read or parsed: {reason}.",
    fix_hint="Fix the syntax error or the file's encoding.",
    summary="A file tslint cannot read, decode or parse.",
)
TOOL_CODES: Tuple[RuleInfo, ...] = (UNPARSABLE,)


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


@dataclass(frozen=True)
class ParsedFile:
    source: SourceFile
    text: str
    module: Optional[cst.Module]
    problem: Optional[Diagnostic]  # TS001 when the file cannot be read, decoded or parsed


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


def _syntax_error(source: SourceFile, text: str, error: cst.ParserSyntaxError) -> Diagnostic:
    """Report where Python itself points (libcst often points at the next token instead)."""
    try:
        ast.parse(text)
    except SyntaxError as python_error:
        row = python_error.lineno or 1
        return _unparsable(source, f"syntax error: {python_error.msg}", row, max(1, python_error.offset or 1))
    except (RecursionError, MemoryError, ValueError):
        pass
    message = str(error.message).rstrip(".")
    return _unparsable(source, f"syntax error: {message}", error.raw_line, error.raw_column + 1)


def parse_source(source: SourceFile, data: Optional[bytes] = None) -> ParsedFile:
    if data is None:
        try:
            data = source.path.read_bytes()
        except OSError as error:
            return ParsedFile(source, "", None, _unparsable(source, f"cannot read file ({error.strerror or error})"))
    if b"\x00" in data:
        return ParsedFile(source, "", None, _unparsable(source, "the file contains NUL bytes"))
    try:
        text = decode(data)
    except ValueError as error:
        return ParsedFile(source, "", None, _unparsable(source, str(error)))
    if skips_file(text):
        return ParsedFile(source, text, None, None)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return ParsedFile(source, text, None, _syntax_error(source, text, error))
    except (RecursionError, MemoryError):
        return ParsedFile(source, text, None, _unparsable(source, "the code is nested too deeply to parse"))
    return ParsedFile(source, text, module, None)


# --- running the rules ----------------------------------------------------------------------


class _Dispatcher(GuardedVisitor):
    """Walks one compiled function once, showing each node to the hooks of the rules that apply."""

    def __init__(
        self,
        context: RuleContext,
        rules: Sequence[Rule],
        visit_hooks: Dict[type, List[Tuple[Rule, object]]],
        leave_hooks: Dict[type, List[Tuple[Rule, object]]],
    ) -> None:
        super().__init__(context.file.imports, context.function.function.self_name)
        self.context = context
        self.visit_hooks = visit_hooks
        self.leave_hooks = leave_hooks
        self.signature_only = context.function.role is Role.SIGNATURE

    def _call(self, hooks: Dict[type, List[Tuple[Rule, object]]], node: cst.CSTNode) -> None:
        found = hooks.get(type(node))
        if not found:
            return
        context = self.context
        region = context.scope.region(context.function, self.guards)
        for rule, hook in found:
            if rule.applies(context.function, region):
                context.region = region
                context.rule = rule
                hook(node, context)  # type: ignore[operator]

    def on_visit(self, node: cst.CSTNode) -> bool:
        descend = super().on_visit(node)
        self._call(self.visit_hooks, node)
        if self.signature_only and node is self.context.node:
            node.params.visit(self)  # only the signature of an ignored/unused function is used
            return False
        return descend

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._call(self.leave_hooks, original_node)
        super().on_leave(original_node)


def _hook_table(rules: Sequence[Rule], prefix: str) -> Dict[type, List[Tuple[Rule, object]]]:
    table: Dict[type, List[Tuple[Rule, object]]] = {}
    for rule in rules:
        for node_type, hook in rule.hooks(prefix).items():
            table.setdefault(node_type, []).append((rule, hook))
    return table


def _diagnostics(parsed: ParsedFile, reports: Sequence[Report]) -> List[Diagnostic]:
    assert parsed.module is not None
    positions = MetadataWrapper(parsed.module, unsafe_skip_copy=True).resolve(PositionProvider)
    found = []
    for report in reports:
        span = positions[report.node]
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
                end_location=Position(span.end.line, span.end.column + 1),
                symbol=report.symbol,
                fix=report.fix,
            )
        )
    return found


def run_rules(
    parsed: ParsedFile,
    file: FileIndex,
    nodes: Dict[int, cst.FunctionDef],
    functions: Sequence[CompiledFunction],
    scope: CompiledScope,
    rules: Sequence[Rule],
) -> List[Diagnostic]:
    visit_hooks = _hook_table(rules, "visit_")
    leave_hooks = _hook_table(rules, "leave_")
    reports: List[Report] = []
    for compiled in functions:
        node = nodes[compiled.function.ordinal]
        context = RuleContext(file, scope, compiled, node)
        _Dispatcher(context, rules, visit_hooks, leave_hooks).walk(node)
        reports.extend(context.reports)
    return _diagnostics(parsed, reports) if reports else []


# --- filters and the whole run ----------------------------------------------------------------


def _relative_to_root(source: SourceFile, root: Optional[Path]) -> str:
    absolute = source.path.absolute()
    try:
        return absolute.relative_to((root or Path.cwd()).absolute()).as_posix()
    except ValueError:
        return absolute.as_posix()


def file_ignores(source: SourceFile, config: Config) -> Tuple[str, ...]:
    relative = _relative_to_root(source, config.root)
    codes: List[str] = []
    for pattern, ignored in config.per_file_ignores:
        if fnmatch(relative, pattern) or fnmatch(source.path.name, pattern) or fnmatch(source.display, pattern):
            codes.extend(ignored)
    return tuple(codes)


def keep(diagnostic: Diagnostic, config: Config, ignored_here: Sequence[str], suppressions) -> bool:
    if not selected(diagnostic.code, config.select, (*config.ignore, *ignored_here)):
        return False
    return not is_suppressed(diagnostic.code, suppressions, diagnostic.location.row)


def lint_parsed(parsed_files: Sequence[ParsedFile], config: Config) -> LintResult:
    rules = enabled_rules(config)
    indexed: Dict[str, Tuple[ParsedFile, FileIndex, Dict[int, cst.FunctionDef]]] = {}
    diagnostics: List[Diagnostic] = []
    errors: List[FileError] = []
    internal_errors = 0
    for parsed in parsed_files:
        if parsed.problem is not None:
            diagnostics.append(parsed.problem)
        if parsed.module is None:
            continue
        name, is_package = module_name(parsed.source.path)
        try:
            file, nodes = index_file(parsed.source.display, parsed.module, name, is_package)
        except RecursionError:
            diagnostics.append(_unparsable(parsed.source, "the code is nested too deeply to analyse"))
            continue
        indexed[parsed.source.display] = (parsed, file, nodes)
    scope = CompiledScope(ProjectIndex(file for _, file, _ in indexed.values()))
    by_file = compiled_functions_by_file(scope)
    for display, (parsed, file, nodes) in indexed.items():
        functions = by_file.get(display)
        if not functions or not rules:
            continue
        try:
            diagnostics.extend(run_rules(parsed, file, nodes, functions, scope, rules))
        except RecursionError:
            diagnostics.append(_unparsable(parsed.source, "the code is nested too deeply to analyse"))
        except Exception as error:  # a bug in a rule must not lose the other files' findings
            internal_errors += 1
            errors.append(FileError(display, f"internal error: {type(error).__name__}: {error}"))
    by_display = {parsed.source.display: parsed for parsed in parsed_files}
    kept: List[Diagnostic] = []
    suppressions_cache: Dict[str, dict] = {}
    for diagnostic in diagnostics:
        parsed = by_display[diagnostic.filename]
        if diagnostic.filename not in suppressions_cache:
            suppressions_cache[diagnostic.filename] = line_suppressions(parsed.text)
        if keep(diagnostic, config, file_ignores(parsed.source, config), suppressions_cache[diagnostic.filename]):
            kept.append(diagnostic)
    kept.sort(key=Diagnostic.sort_key)
    return LintResult(tuple(kept), tuple(errors), files=len(parsed_files), internal_errors=internal_errors)


def lint_paths(paths: Sequence[str], config: Config) -> LintResult:
    sources = discover(paths, config.root, config.exclude)
    return lint_parsed([parse_source(source) for source in sources], config)


def lint_text(text: str, filename: str, config: Config, extra_paths: Sequence[str] = ()) -> LintResult:
    """Lint one buffer (an editor's), as if it were the file `filename`."""
    source = SourceFile(Path(filename), filename)
    parsed = [parse_source(source, text.encode("utf-8"))]
    others = [s for s in discover(extra_paths, config.root, config.exclude) if s.display != filename] if extra_paths else []
    parsed.extend(parse_source(other) for other in others)
    result = lint_parsed(parsed, config)
    return replace(result, diagnostics=tuple(d for d in result.diagnostics if d.filename == filename), files=1)
