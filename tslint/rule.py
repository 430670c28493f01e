"""The rule base class. A rule observes nodes of compiled code that the engine shows it and reports.

A rule declares its code, name, severity, mode and message on the class, and defines hooks named
`visit_<NodeType>(self, node, context)` (and optionally `leave_<NodeType>`). The engine walks each
compiled function once and calls every enabled rule's hooks; rules never walk trees themselves, print,
read configuration or touch files. A rule that collects before it reports defines
`begin_function(context)`, whose result is `context.state` in its hooks for that function, and
`end_function(context)`, called after the walk. A script rule about what torch reads of a module
class while building its type (before it compiles anything, so also for a class torch compiles no
code of) defines `module_classes_to_check` and `check_module_classes`, run once per file.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, FrozenSet, List, Optional, Tuple, Type, Union

import libcst as cst

from tslint.compiled_class import CompiledClass
from tslint.compiled_scope import CompiledFunction, CompiledScope, Region, Role
from tslint.findings import Applicability, Fix, Mode, RuleInfo, Severity
from tslint.index.model import FileIndex, FunctionInfo


@dataclass(frozen=True)
class NodeEdit:
    """Replace the source from the start of `first` to the end of `last` (the same node, or two nodes
    of one construct, e.g. a parameter's name and its default) with `content`."""

    first: cst.CSTNode
    last: cst.CSTNode
    content: str
    # Insert `content` before `first` instead (a new import line before a top-level statement, a
    # name before another in an import: the kinds of edit whose content may span lines).
    insert: bool = False
    # Insert `content` at the start of the row after `last` ends instead (a new import line after a
    # top-level statement, below its trailing comment).
    next_row: bool = False


@dataclass(frozen=True)
class NodeFix:
    """A fix as a rule states it, by the nodes it replaces; the engine places it in the source and
    turns it into a `Fix` of text edits (tslint/findings.py) once positions are known."""

    message: str
    edits: Tuple[NodeEdit, ...]
    applicability: Applicability = Applicability.SAFE


_EMPTY_MODULE = cst.Module(body=[])


def node_code(node: Union[cst.CSTNode, str]) -> str:
    """The source code of a (new) libcst node, as libcst generates it; a string is taken as is."""
    return node if isinstance(node, str) else _EMPTY_MODULE.code_for_node(node)


def replace_node(
    old: cst.CSTNode,
    new: Union[cst.CSTNode, str],
    message: str,
    applicability: Applicability = Applicability.SAFE,
) -> NodeFix:
    """A fix that replaces the expression `old` with `new` (a libcst node, or its code). Only for
    nodes whose source range is their whole code: expressions, names, statements — not `Param`
    (libcst places a parameter at its name), for which `replace_span` takes its first and last part."""
    return NodeFix(message, (NodeEdit(old, old, node_code(new)),), applicability)


def replace_span(
    first: cst.CSTNode,
    last: cst.CSTNode,
    new: Union[cst.CSTNode, str],
    message: str,
    applicability: Applicability = Applicability.SAFE,
) -> NodeFix:
    """A fix that replaces the source from the start of `first` to the end of `last` with `new`."""
    return NodeFix(message, (NodeEdit(first, last, node_code(new)),), applicability)


def insert_before_statement(statement: cst.CSTNode, line: str) -> NodeEdit:
    """An edit that adds the line `line` (an import) before the top-level `statement`."""
    return NodeEdit(statement, statement, line.rstrip("\n") + "\n", insert=True)


def insert_after_statement(statement: cst.CSTNode, lines: str) -> NodeEdit:
    """An edit that adds `lines` (an import, with any blank lines) after the top-level `statement`."""
    return NodeEdit(statement, statement, lines, next_row=True)


@dataclass(frozen=True)
class Report:
    rule: Rule
    node: cst.CSTNode
    message: str
    symbol: Optional[str]
    fix: Union[Fix, NodeFix, None]
    # The indexed function holding `node` (its ordinal in the file); None for a node of a class body.
    function_ordinal: Optional[int]
    header_only: bool = False  # highlight only the first line (`try:`, `for ...:`) of a compound node


class RuleContext:
    """What a rule may know while observing one compiled function. Owned and updated by the engine."""

    def __init__(
        self,
        file: FileIndex,
        scope: CompiledScope,
        compiled: CompiledFunction,
        node: cst.FunctionDef,
        source: Tuple[Optional[cst.Module], str] = (None, ""),
        file_facts: Optional[Dict[str, Any]] = None,
        trees=None,
        nodes: Optional[Dict[int, cst.FunctionDef]] = None,
        shared: Optional[Dict[Any, Any]] = None,
        syntax=None,
    ) -> None:
        self.file = file
        self.source = source  # the file's tree and text
        # Facts about the whole file that analyses compute once and share between its functions.
        self.file_facts: Dict[str, Any] = {} if file_facts is None else file_facts
        self.trees = trees  # the file's FileTrees: the other functions' syntax, for the type model
        self.scope = scope
        self.compiled = compiled
        self.node = node  # the compiled function's own definition
        self.region = Region.COMPILED
        self.rule: Optional[Rule] = None
        self.reports: List[Report] = []
        # The current rule's per-function state: what its `begin_function` returned for this function.
        self.state: Any = None
        self._taint = None
        # The file's function nodes, and what the analyses of the file's functions share (per scope).
        self.nodes = nodes if nodes is not None else {compiled.info.ordinal: node}
        self.shared = shared if shared is not None else {}
        # The definitions of other files' functions, parsed on demand (tslint/engine/syntax.py), or None.
        self.syntax = syntax
        self._local_names = None
        self._typed_parameters = None
        self._plain_assignments = None
        self._names = None
        self._types = None
        self._overload_types = None
        self._classes: Optional[List[Tuple[str, CompiledClass]]] = None

    def taint(self):
        """The tensor-dependence analysis of this function (trace rules), computed once on demand."""
        if self._taint is None:
            from tslint.analysis.provenance import FileProvenance
            from tslint.analysis.trace_taint import TaintAnalysis, tensor_attribute_names

            provenance = self.shared.get(("provenance", id(self.scope)))
            if provenance is None and self.scope.tracing and self.compiled.info.ordinal in self.nodes:
                provenance = FileProvenance(self.file, self.scope, self.nodes)
                self.shared[("provenance", id(self.scope))] = provenance
            if provenance is not None and self.compiled.info.key in provenance.functions:
                self._taint = provenance.analysis(self.compiled)
            else:
                tensors = set()
                for _, klass in self.classes():
                    tensors.update(tensor_attribute_names(klass.attributes))
                self._taint = TaintAnalysis(self.node, self.file.imports, self.compiled.info.self_name, tensors)
        return self._taint

    def types(self):
        """The typed view of this function (analysis/inference.py): the TorchScript type torch gives
        each parameter, local, expression and return, and what torch rejects while typing. Computed
        once on demand, only for compiled code."""
        if self._types is None:
            from tslint.analysis.project_types import function_types

            self._types = function_types(self.node, self.file, self.scope, self.compiled, self.trees)
        return self._types

    def overload_types(self):
        """One typed view of this function per overload declaration torch compiles it with
        (project_types.overload_types); empty for a function without torch's overloads. Computed
        once on demand."""
        if self._overload_types is None:
            from tslint.analysis.project_types import overload_types

            self._overload_types = overload_types(self.node, self.file, self.scope, self.compiled, self.trees)
        return self._overload_types

    def local_names(self):
        """Names the compiled function binds itself (parameters, assignments, loop targets...):
        a local `input` or `format` is not the Python builtin. Computed once on demand."""
        if self._local_names is None:
            from tslint.analysis.imports import bound_names

            self._local_names = bound_names(self.node)
        return self._local_names

    def typed_parameters(self) -> Dict[str, cst.Param]:
        """The compiled function's parameters (not `self`, `*args`, `**kwargs`) that its body never
        rebinds, by name: each keeps the type its annotation (or its lack of one) gives it throughout.
        Computed once on demand."""
        if self._typed_parameters is None:
            from tslint.analysis.imports import names_bound_in, plain_parameters

            found = {p.name.value: p for p in plain_parameters(self.node, self.compiled.info.self_name)}
            rebound = names_bound_in(self.node.body) if found else frozenset()
            self._typed_parameters = {name: p for name, p in found.items() if name not in rebound}
        return self._typed_parameters

    def plain_assignments(self) -> Dict[str, Tuple[cst.BaseExpression, ...]]:
        """The names the compiled function binds only by plain assignments, with every value
        assigned to each (see imports.plain_assignments). Computed once on demand."""
        if self._plain_assignments is None:
            from tslint.analysis.imports import plain_assignments

            self._plain_assignments = plain_assignments(self.node.body)
        return self._plain_assignments

    def names(self):
        """Where the names this function reads come from in torch's frontend, and the reads it
        rejects (analysis/names.py). Computed once on demand."""
        if self._names is None:
            from tslint.analysis.compiled_names import name_flow

            self._names = name_flow(self)
        return self._names

    def compiled_under(self, guards: tuple) -> bool:
        """Whether torch certainly compiles this function's code under `guards` (branch_guards)."""
        return self.scope.region(self.compiled, guards) is Region.COMPILED

    def classes(self) -> List[Tuple[str, CompiledClass]]:
        """(qualified name, facts) of each class this function is compiled for (none for a
        module-level function). One list per context, shared by its rules' hooks: not to be changed."""
        if self._classes is None:
            scope = self.scope
            self._classes = [(name, scope.compiled_class(name)) for name in self.compiled.classes if name is not None]
        return self._classes

    def traced_models(self) -> List[str]:
        """The classes this function is compiled for that no class uses as a submodule (holds, or
        builds in one of its methods) and no function hands on as a value (`cfg["block"] = Block`),
        or that the project passes to `torch.jit.trace` itself (`torch.jit.trace(Block().eval(), x)`):
        the models a user traces or scripts, whose `forward` receives
        the user's inputs and returns to them."""
        from tslint.analysis.project_callers import built_by_modules, referenced_modules
        from tslint.analysis.traced_roots import traced_classes

        index = self.scope.index
        key = ("held models", id(index))  # the same set for every function of the file
        held = self.shared.get(key)
        if held is None:
            held = index.submodule_classes | built_by_modules(index) | referenced_modules(index)
            held = self.shared[key] = held - traced_classes(index)
        return [name for name, _ in self.classes() if name not in held]

    def self_attribute(self, expression: cst.BaseExpression) -> Optional[str]:
        """`name` when `expression` is `self.name` (with the function's own name for `self`)."""
        if (
            type(expression) is cst.Attribute
            and type(expression.value) is cst.Name
            and expression.value.value == self.compiled.info.self_name
        ):
            return expression.attr.value
        return None

    @property
    def receiver(self) -> str:
        """The function's first parameter as written (`self`, `cls` in a classmethod, or any other
        name): messages quote `{receiver}.name` as the code spells it."""
        return self.compiled.info.self_name or "self"

    def attribute(self, name: str) -> list:
        """Every assignment to `self.<name>` in the classes this function is compiled for."""
        return [assignment for _, klass in self.classes() for assignment in klass.attributes.get(name, ())]

    @property
    def imports(self):
        return self.file.imports

    def qualify(self, expression: cst.BaseExpression) -> Optional[str]:
        return self.file.imports.qualify(expression)

    def report(
        self,
        node: cst.CSTNode,
        message: Optional[str] = None,
        fix: Union[Fix, NodeFix, None] = None,
        header_only: bool = False,
    ) -> None:
        assert self.rule is not None
        text = message if message is not None else self.rule.message
        function = self.compiled.info
        self.reports.append(Report(self.rule, node, text, function.symbol, fix, function.ordinal, header_only))

    def report_outside(self, node: cst.CSTNode, message: str, holder: Optional[FunctionInfo], symbol: str) -> None:
        """Report `node` of code torch reads but does not compile, outside the compiled function (the
        `__init__` that gives a module constant its value, a class-body statement): `holder` is the
        indexed function of this file that holds it, None for a class body; `symbol` names the place
        (`Net.__init__`, `Net`)."""
        assert self.rule is not None
        ordinal = holder.ordinal if holder is not None else None
        self.reports.append(Report(self.rule, node, message, symbol, None, ordinal))


class ClassesContext:
    """What a rule may know while checking, outside compiled code, what torch reads of a file's module
    classes when it builds their types (Rule.module_classes_to_check). Owned by the engine."""

    def __init__(
        self,
        file: FileIndex,
        scope: CompiledScope,
        source: Tuple[Optional[cst.Module], str],
        nodes: Dict[int, cst.FunctionDef],
        syntax=None,
    ) -> None:
        self.file = file
        self.scope = scope
        self.source = source  # the file's tree and text
        self.nodes = nodes  # the file's function nodes, by ordinal
        self.syntax = syntax  # the definitions of other files' functions (tslint/engine/syntax.py), or None
        self.rule: Optional[Rule] = None
        self.reports: List[Report] = []

    def report_outside(self, node: cst.CSTNode, message: str, holder: Optional[FunctionInfo], symbol: str) -> None:
        """As RuleContext.report_outside."""
        assert self.rule is not None
        ordinal = holder.ordinal if holder is not None else None
        self.reports.append(Report(self.rule, node, message, symbol, None, ordinal))


Hook = Callable[[cst.CSTNode, RuleContext], None]


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    mode: ClassVar[Mode]
    message: ClassVar[str]
    fix_hint: ClassVar[str] = ""
    torch_messages: ClassVar[Tuple[str, ...]] = ()  # see RuleInfo.torch_messages
    # False for a rule only `--select` with its full code enables (`select = ["TS404"]`).
    default_enabled: ClassVar[bool] = True
    # An export rule off by default that `[tool.tslint.confirm] dynamic-shapes` enables for the
    # classes it names (tslint.api.enabled_rules sets `for_classes` on the instance).
    enabled_by_dynamic_shapes: ClassVar[bool] = False
    # None: the rule reports everywhere; else the module classes (qualified names) it reports for.
    for_classes: Optional[FrozenSet[str]] = None
    # torch's Python frontend rejects the construct while parsing, so it fails even in branches torch
    # does not compile (`if not torch.jit.is_scripting():`): the rule also sees those branches.
    frontend: ClassVar[bool] = False
    # The rule also looks at the signatures of @torch.jit.ignore / @torch.jit.unused functions that
    # compiled code calls (torch still binds those signatures).
    checks_uncompiled_signatures: ClassVar[bool] = False
    # Identifiers without one of which in a file's source (as a whole word, index/facts.holds_word)
    # the rule cannot report there: the engine does not run it on such a file. Empty: always runs.
    words: ClassVar[Tuple[str, ...]] = ()

    @classmethod
    def info(cls) -> RuleInfo:
        doc = inspect.getdoc(cls) or ""
        return RuleInfo(
            code=cls.code,
            name=cls.name,
            severity=cls.severity,
            mode=cls.mode,
            message=cls.message,
            fix_hint=cls.fix_hint,
            summary=doc.split("\n\n", 1)[0].replace("\n", " "),
            torch_messages=cls.torch_messages,
            default_enabled=cls.default_enabled,
        )

    def hooks(self, prefix: str) -> Dict[Type[cst.CSTNode], Hook]:
        return {node_type: getattr(self, attribute) for node_type, attribute in _hook_names(type(self), prefix)}

    def begin_function(self, context: RuleContext) -> Any:
        """Called before the walk of each compiled function the rule applies to; what it returns is
        `context.state` in the rule's hooks (and `end_function`) for that function."""
        return None

    def end_function(self, context: RuleContext) -> None:
        """Called after the walk of each compiled function the rule applies to (for rules that
        collect first and report at the end)."""

    def module_classes_to_check(self, file: FileIndex, scope: CompiledScope) -> List[str]:
        """The module classes of `file` (qualified names) whose types the rule checks outside compiled
        code, as torch builds them before compiling anything (a script rule; read from the index
        alone, no tree). The engine then calls `check_module_classes` once for the file, also when
        torch compiles nothing of the file: a class without `forward` still has its type built."""
        return []

    def check_module_classes(self, context: ClassesContext, classes: List[str]) -> None:
        """Report what torch rejects of the types of `classes` (`context.report_outside`)."""

    @classmethod
    def follows_functions(cls) -> bool:
        """Whether the rule defines `begin_function` or `end_function` (most rules do not, and the
        engine skips the calls)."""
        return cls.begin_function is not Rule.begin_function or cls.end_function is not Rule.end_function

    def applies(self, function: CompiledFunction, region: Region) -> bool:
        # Reads the function's role alone: the rule dispatch shares the answers by role and region.
        if function.role is Role.SIGNATURE and not self.checks_uncompiled_signatures:
            return False
        return region is Region.COMPILED or self.frontend


@functools.cache
def _hook_names(rule_class: type, prefix: str) -> Tuple[Tuple[Type[cst.CSTNode], str], ...]:
    """The node types `rule_class` hooks with methods named `prefix` + a libcst node class, and those
    methods' names: read once per class (`dir()` of a class is slow, and every run makes new rule
    instances)."""
    found = []
    for attribute in dir(rule_class):
        if attribute.startswith(prefix):
            node_type = getattr(cst, attribute[len(prefix) :], None)
            if isinstance(node_type, type) and issubclass(node_type, cst.CSTNode):
                found.append((node_type, attribute))
    return tuple(found)
