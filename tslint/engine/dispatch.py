"""Running the rules: ONE walk of each compiled function, shown to every rule that applies, then
the reports placed in the source (positions are resolved only for files that report)."""

from __future__ import annotations

import functools
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.branch_guards import BY_INSTANCE, NOT_BY_TYPE, GuardedWalk, both
from tslint.analysis.memo import per_file
from tslint.analysis.traversal import LEAF_TYPES, nodes_among, walk
from tslint.compiled_scope import CompiledFunction, CompiledScope, Region, Role
from tslint.engine.parsing import ParsedFile
from tslint.engine.positions import resolve_positions, spans_lines
from tslint.findings import Diagnostic, Fix, Position, TextEdit
from tslint.index.facts import holds_word
from tslint.index.model import FileIndex, FileTrees
from tslint.rule import ClassesContext, NodeFix, Report, Rule, RuleContext


class RuleCrashed(Exception):
    """A rule raised: carries which rule, so the error names it."""

    def __init__(self, rule: Rule, error: Exception) -> None:
        super().__init__(f"internal error in rule {rule.code} ({rule.name}): {type(error).__name__}: {error}")
        self.rule = rule


class _Observer:
    """One set of rules watching one function in one mode (script or trace), with its context."""

    def __init__(
        self,
        context: RuleContext,
        visit_hooks: Dict[type, list],
        leave_hooks: Dict[type, list],
        followers: Sequence[Rule],
    ) -> None:
        self.context = context
        self.visit_hooks = visit_hooks
        self.leave_hooks = leave_hooks
        # The rules with begin/end_function hooks that apply to this function, and their states.
        self.followers = [rule for rule in followers if rule.applies(context.compiled, Region.COMPILED)]
        self.states: Dict[str, object] = {}
        self._regions: Dict[tuple, Region] = {}  # guards only change at block boundaries
        # By region (compiled, parsed), then (visit, leave), then node type: the hooks of the rules
        # that apply there, with their states; each found on first use, after `begin` (the states
        # are fixed for the whole walk).
        self._tables: Dict[bool, Tuple[Dict[type, list], Dict[type, list]]] = {True: ({}, {}), False: ({}, {})}
        # The region of the last guards seen (the same tuple from one block boundary to the next).
        self._guards: Optional[tuple] = None
        self._region = Region.COMPILED
        self._now = self._tables[True]

    def begin(self) -> None:
        for rule in self.followers:
            self.states[rule.code] = self._guarded(rule, rule.begin_function)

    def end(self) -> None:
        for rule in self.followers:
            self._guarded(rule, rule.end_function)

    def _guarded(self, rule: Rule, hook, *arguments):
        context = self.context
        context.rule, context.region, context.state = rule, Region.COMPILED, self.states.get(rule.code)
        try:
            return hook(*arguments, context)
        except RecursionError:
            raise
        except Exception as error:
            raise RuleCrashed(rule, error) from error

    def _applying(self, leaving: bool, region: Region, kind: type) -> list:
        """The hooks for nodes of type `kind` of the rules that apply in `region`, with their states."""
        hooks = self.leave_hooks if leaving else self.visit_hooks
        compiled, states = self.context.compiled, self.states
        # `Rule.applies` reads the function's role alone: its answers are shared by the functions
        # of one role (and kept with the hook table, one per set of rules).
        key = (compiled.role is Role.SIGNATURE, region, kind)
        applying = _APPLYING.get(id(hooks))
        if applying is None or applying[0] is not hooks:
            if len(_APPLYING) >= 64:  # as many tables as _hook_table keeps
                _APPLYING.clear()
            applying = _APPLYING[id(hooks)] = (hooks, {})
        found = applying[1].get(key)
        if found is None:
            pairs = [(rule, hook) for rule, hook in hooks.get(kind, ()) if rule.applies(compiled, region)]
            # Without a rule that follows functions (has a state), one list serves every observer.
            stateless = None if any(rule.follows_functions() for rule, _ in pairs) else [(*p, None) for p in pairs]
            found = applying[1][key] = (pairs, stateless)
        pairs, stateless = found
        if stateless is not None:
            return stateless
        return [(rule, hook, states.get(rule.code)) for rule, hook in pairs]

    def call(self, leaving: bool, node: cst.CSTNode, guards: tuple) -> None:
        context = self.context
        if guards is not self._guards:
            region = self._regions.get(guards)
            if region is None:
                region = self._regions[guards] = context.scope.region(context.compiled, guards)
            self._guards, self._region, self._now = guards, region, self._tables[region is Region.COMPILED]
        region = self._region
        table = self._now[leaving]
        kind = type(node)
        found = table.get(kind)
        if found is None:
            found = table[kind] = self._applying(leaving, region, kind)
        if not found:
            return
        context.region = region
        for rule, hook, state in found:
            context.rule = rule
            context.state = state
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
        info = first.compiled.info
        super().__init__(first.file.imports, info.self_name, typed=not info.has_overloads)
        self.observers = observers
        # The node types some observer has a hook for: the others are passed by, and the leaves
        # among them are not even entered (traversal.walk's `skipped`).
        self._hooked = frozenset().union(*(o.visit_hooks.keys() | o.leave_hooks.keys() for o in observers))
        self._skipped = _skipped_leaves(self._hooked)
        self.enter_types = self._hooked
        self.leave_types = frozenset().union(*(o.leave_hooks.keys() for o in observers))

    def _condition(self, node: cst.CSTNode):
        found = self._conditions.get(node)
        if found is None:
            found = super()._condition(node)
            if type(node) is cst.If:
                found = self._conditions[node] = self._typed_condition(node, found)  # type: ignore[arg-type]
        return found

    def _typed_condition(self, node: cst.If, found):
        """The guards of an `if` with what the type model knows: the side torch does not compile of
        a test it evaluates while compiling (`x is None` of a local that is None, an isinstance
        the types decide), and both sides of one the built instance decides (a `Final` flag, an
        attribute that may be None) are not certainly compiled. Script only: Python decides when
        tracing, and a trace walk asks nothing."""
        script = next((o.context for o in self.observers if not o.context.scope.tracing), None)
        if script is None or not self.typed:
            return found
        types = script.types()
        body, orelse = found
        decided = types.decision(node)
        if decided is True:
            return body, both(orelse, NOT_BY_TYPE)
        if decided is False:
            return both(body, NOT_BY_TYPE), orelse
        if types.decided_by_instance(node):
            return both(body, BY_INSTANCE), both(orelse, BY_INSTANCE)
        return found

    def enter(self, node: cst.CSTNode) -> None:
        if type(node) in self._hooked:
            for observer in self.observers:
                observer.call(False, node, self.guards)

    def leave(self, node: cst.CSTNode) -> None:
        if type(node) in self._hooked:
            for observer in self.observers:
                observer.call(True, node, self.guards)

    def run(self, node: cst.FunctionDef, signature_only: bool) -> None:
        for observer in self.observers:
            observer.begin()
        self._walk(node, signature_only)
        for observer in self.observers:
            observer.end()

    def _walk(self, node: cst.FunctionDef, signature_only: bool) -> None:
        if signature_only:
            # Only the signature of an ignored/unused function is used by torch.jit.script.
            self._root = node
            self.enter(node)
            walk(node.params, self._enter, self._leave)
            self.leave(node)
        else:
            self.walk(node, self._skipped)


# By the id of a hook table (with the table, so that a new table at a reused id is told apart): the
# applying hooks by (signature only, region, node type).
_APPLYING: Dict[int, Tuple[dict, Dict[tuple, list]]] = {}


@functools.lru_cache(maxsize=16)
def _skipped_leaves(hooked: FrozenSet[type]) -> FrozenSet[type]:
    """The leaf node types (no child nodes) no hook reads: entering them does nothing. Always the
    same frozenset object for the same hooks, which traversal.walk's table is keyed on."""
    return LEAF_TYPES - hooked


def may_report(rule: Rule, text: str) -> bool:
    """Whether `rule` can report in a file of source `text`: its `words`, if any, are not all absent."""
    return not rule.words or any(holds_word(text, word) for word in rule.words)


@functools.lru_cache(maxsize=64)
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
    held = [report for report in reports if report.function_ordinal is not None]
    anchors = {report.node: trees.anchors[report.function_ordinal] for report in held}
    functions = {report.node: trees.nodes[report.function_ordinal] for report in held}
    edited = {n for r in reports if isinstance(r.fix, NodeFix) for e in r.fix.edits for n in (e.first, e.last)}
    elsewhere = _edited_nodes(held, anchors, functions)
    # A report on a class-body statement (no function holds it): searched for in the module, as the
    # nodes a fix edits outside its function are.
    elsewhere += [r.node for r in reports if r.function_ordinal is None and r.node not in anchors]
    # A compound statement reported on its header only spans lines: its first line is all the
    # report needs, and it is known before its body is generated.
    starts = {r.node for r in reports if r.header_only and spans_lines(r.node)}
    starts -= {report.node for report in reports if not report.header_only} | edited
    positions = resolve_positions(parsed.module, parsed.rows(), [*anchors, *elsewhere], anchors, functions, starts)
    lines = parsed.text.splitlines() if any(report.header_only for report in reports) else []
    found = []
    for report in reports:
        span = positions[report.node]
        end = Position(span.end.line, span.end.column + 1)
        if report.header_only and (report.node in starts or span.end.line > span.start.line):
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
                fix=_placed(report.fix, positions),
            )
        )
    return found


def _edited_nodes(reports: Sequence[Report], anchors: dict, functions: dict) -> List[cst.CSTNode]:
    """The nodes the fixes edit that no report is on. Those in their report's node or function get
    its anchor and function (in `anchors` and `functions`): they are placed with it. The others are
    returned, to be searched for in the whole module: a fix may edit a node outside the reporting
    function (a class-level constant)."""
    elsewhere: Dict[cst.CSTNode, None] = {}
    for report in reports:
        if not isinstance(report.fix, NodeFix):
            continue
        pending = {node for edit in report.fix.edits for node in (edit.first, edit.last) if node not in anchors}
        for root in (report.node, functions[report.node]) if pending else ():
            for node in nodes_among(root, pending):
                anchors[node], functions[node] = anchors[report.node], functions[report.node]
                pending.discard(node)
            if not pending:
                break
        elsewhere.update(dict.fromkeys(pending))
    return [node for node in elsewhere if node not in anchors]


def _placed(fix, positions) -> Optional[Fix]:
    """A rule's fix as text edits; a `NodeFix` whose nodes cannot be placed, or whose new code spans
    lines, is dropped."""
    if not isinstance(fix, NodeFix):
        return fix
    edits = []
    for edit in fix.edits:
        if ("\n" in edit.content or "\r" in edit.content) and not (edit.insert or edit.next_row):
            # libcst generates a node alone without the indentation of its block: a replacement
            # spanning lines would lose it. Not offered (rare: a construct split over lines).
            return None
        first, last = positions.get(edit.first), positions.get(edit.last)
        if first is None or last is None:
            return None
        start = Position(first.start.line, first.start.column + 1)
        end = start if edit.insert else Position(last.end.line, last.end.column + 1)
        if edit.next_row:
            start = end = Position(last.end.line + 1, 1)
        edits.append(TextEdit(start, end, edit.content))
    return Fix(fix.message, tuple(edits), fix.applicability)


def run_rules(
    parsed: ParsedFile,
    file: FileIndex,
    trees: FileTrees,
    work: Sequence[Tuple[Sequence[CompiledFunction], CompiledScope, Sequence[Rule]]],
    syntax=None,
) -> List[Diagnostic]:
    """Run each (functions, scope, rules) group of `work`; a function in several groups is walked once.
    `syntax`: the other files' function definitions, for rules that ask (tslint/engine/syntax.py)."""
    with per_file():  # the analyses' answers about one node, shared by the rules of this file
        return _run_rules(parsed, file, trees, work, syntax)


def _run_rules(parsed, file, trees, work, syntax) -> List[Diagnostic]:
    observers: Dict[Tuple[int, bool], List[_Observer]] = {}
    contexts: List[RuleContext] = []
    file_facts: Dict[str, object] = {}  # shared by the contexts of this file's functions
    for functions, scope, every_rule in work:
        rules = [rule for rule in every_rule if may_report(rule, parsed.text)]
        visit_hooks, leave_hooks = _hook_table(tuple(rules), "visit_"), _hook_table(tuple(rules), "leave_")
        for compiled in functions:
            node = trees.nodes[compiled.info.ordinal]
            context = RuleContext(
                file,
                scope,
                compiled,
                node,
                (parsed.module, parsed.text),
                file_facts,
                trees,
                trees.nodes,
                file_facts,
                syntax,
            )
            contexts.append(context)
            key = (compiled.info.ordinal, compiled.role is Role.SIGNATURE)
            followers = [rule for rule in rules if rule.follows_functions()]
            observers.setdefault(key, []).append(_Observer(context, visit_hooks, leave_hooks, followers))
    for (ordinal, signature_only), group in sorted(observers.items()):
        _Dispatcher(group).run(trees.nodes[ordinal], signature_only)
    reports = [report for context in contexts for report in context.reports]
    return _diagnostics(parsed, reports, trees) if reports else []


def run_call_site_rules(
    parsed: ParsedFile, file: FileIndex, trees: FileTrees, rules: Sequence[Rule], index, syntax
) -> List[Diagnostic]:
    """Run the rules that check call sites in any function of the file, compiled or not (TS412: the
    `torch.jit.trace` calls of a script's `main`), each given one function at a time."""
    reports = []
    by_ordinal = {info.ordinal: info for info in file.functions.values()}
    for ordinal, node in sorted(trees.nodes.items()):
        info = by_ordinal.get(ordinal)
        if info is None:
            continue
        for rule in rules:
            try:
                found = rule.check_function(node, file, index, syntax.function)  # type: ignore[attr-defined]
            except Exception as error:
                raise RuleCrashed(rule, error) from error
            reports.extend(Report(rule, call, message, info.symbol, None, ordinal) for call, message in found)
    return _diagnostics(parsed, reports, trees) if reports else []


def run_class_rules(
    parsed: ParsedFile, file: FileIndex, trees: FileTrees, scope: CompiledScope, checks, syntax
) -> List[Diagnostic]:
    """Run the rules that check what torch reads of the file's module classes while building their
    types (TS372: a module constant's value), each once with the classes it asked for (`checks`:
    (rule, classes) pairs, from `Rule.module_classes_to_check`)."""
    context = ClassesContext(file, scope, (parsed.module, parsed.text), trees.nodes, syntax)
    for rule, classes in checks:
        context.rule = rule
        try:
            rule.check_module_classes(context, classes)
        except RecursionError:
            raise
        except Exception as error:
            raise RuleCrashed(rule, error) from error
    return _diagnostics(parsed, context.reports, trees) if context.reports else []
