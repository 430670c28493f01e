from __future__ import annotations

from typing import Dict, Optional, Set, Tuple

import libcst as cst

from tslint.analysis.trace_taint import Kind
from tslint.analysis.traversal import LEAF_TYPES, walk
from tslint.findings import Mode, Severity
from tslint.index.facts import holds_word
from tslint.rule import Rule, RuleContext

MUTATORS = frozenset({"append", "extend", "insert", "update", "setdefault", "add", "__setitem__"})

# The leaf node types `_Writes.enter` does nothing with (it reads names).
_UNREAD_LEAVES = LEAF_TYPES - {cst.Name}


class StateMutatedInForward(Rule):
    """Traced code changes an attribute of the module that the same function reads: a counter
    (`self.calls += 1`), a value kept from the input for the next call (`self.prev = y.detach()`), a
    cache filled on the first call (`self.cache[k] = x.mean()`), a number rebound from itself
    (`self.total = self.total + 1.0`), a module global declared `global` and updated.

    The tracer runs the Python code once: the graph holds the attribute's value at that moment as a
    constant, and the traced model never changes it again, so later calls compute with the value of
    the tracing call, silently (the default `check_trace=True` fails with "Tracing failed sanity
    checks!" where the second run sees another value). Writes of constants (`self._warned = True`),
    attributes the function does not read, and writes under `if self.training:` (not run in an
    eval-mode trace) are not reported.
    """

    code = "TS411"
    name = "state-mutated-in-forward"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = (
        "`{receiver}.{attribute}` is changed by traced code that reads it: the trace keeps its value of the tracing "
        "call as a constant and never updates it."
    )
    global_message = (
        "The global `{name}` is changed by traced code that reads it: the trace keeps its value of the tracing call "
        "as a constant and never updates it."
    )
    fix_hint = (
        "Keep state in a tensor returned to the caller (and passed back in), or update it outside the traced model; "
        "a buffer updated in place (`self.count.add_(1)`) is recorded."
    )

    def begin_function(self, context: RuleContext) -> _Function:
        # Without the word `global` in the file, no name is a global the function declares.
        text = context.source[1]
        return _Function(context.compiled.info.self_name, context.node.body, not text or holds_word(text, "global"))

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        self._check(node, context)

    def visit_AugAssign(self, node: cst.AugAssign, context: RuleContext) -> None:
        self._check(node, context)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        self._check(node, context)

    def _check(self, node: cst.CSTNode, context: RuleContext) -> None:
        """Report a write the function's walk found (so: in code the trace runs, not a branch
        `torch.jit.is_tracing()` rules out) to an attribute the function reads."""
        function: Optional[_Function] = context.state
        if function is None or not function.may_write(node):
            return
        finder = function.writes()
        write = finder.writes.get(node)
        is_global = write is None
        if is_global:
            write = finder.name_writes.get(node)
            if write is None or write[0] not in finder.globals:
                return
        attribute, value = write
        if attribute not in (finder.global_reads if is_global else finder.reads):
            return
        if value is not None and context.taint().kind(value) is Kind.NONE and not finder.reads_itself(value, attribute):
            return  # `self._warned = True`: the same on every call (not `self.total = self.total + 1.0`)
        if is_global:
            context.report(node, self.global_message.format(name=attribute))
        else:
            context.report(node, self.message.format(receiver=context.receiver, attribute=attribute))


class _Function:
    """One traced function: its writes (`_Writes`), found by a walk of the body only once a node
    that may be one is met. Most functions write no attribute of `self`: they are not walked."""

    def __init__(self, self_name: Optional[str], body: cst.BaseSuite, may_declare_globals: bool) -> None:
        self.self_name = self_name
        self.body = body
        self.may_declare_globals = may_declare_globals
        self._writes: Optional[_Writes] = None

    def writes(self) -> _Writes:
        if self._writes is None:
            finder = self._writes = _Writes(self.self_name)
            walk(self.body, finder.enter, skipped=_UNREAD_LEAVES)
        return self._writes

    def may_write(self, node: cst.CSTNode) -> bool:
        """Whether `node` may be one of the writes `_Writes` records (what `_Writes._write` and
        `_Writes.visit_Call` test of it, before the walk decides where it lies)."""
        kind = type(node)
        if kind is cst.Assign:
            return any(self._target(target.target) for target in node.targets)  # type: ignore[attr-defined]
        if kind is cst.AugAssign:
            return self._target(node.target)  # type: ignore[attr-defined]
        if kind is cst.Call:
            func = node.func  # type: ignore[attr-defined]
            return (
                type(func) is cst.Attribute
                and func.attr.value in MUTATORS
                and bool(node.args)  # type: ignore[attr-defined]
                and _self_attribute(func.value, self.self_name) is not None
            )
        return False

    def _target(self, target: cst.BaseExpression) -> bool:
        if type(target) is cst.Name:
            return self.may_declare_globals
        if type(target) is cst.Subscript:
            target = target.value  # type: ignore[attr-defined]
        return _self_attribute(target, self.self_name) is not None


def _self_attribute(node: cst.BaseExpression, self_name: Optional[str]) -> Optional[str]:
    """`name` when `node` is `self.name` (with the function's own name for `self`)."""
    if (
        self_name is not None
        and type(node) is cst.Attribute
        and type(node.value) is cst.Name  # type: ignore[attr-defined]
        and node.value.value == self_name  # type: ignore[attr-defined]
    ):
        return node.attr.value  # type: ignore[attr-defined]
    return None


class _Writes:
    """The writes to `self.<attribute>` and to the names the function declares `global` (with the
    value written, None for `+=`), but those under `if self.training:`, and the attributes and
    globals the function reads."""

    def __init__(self, self_name: Optional[str]) -> None:
        self.self_name = self_name
        self.writes: Dict[cst.CSTNode, Tuple[str, Optional[cst.BaseExpression]]] = {}
        self.reads: Set[str] = set()
        self.targets: Set[cst.CSTNode] = set()
        self.name_writes: Dict[cst.CSTNode, Tuple[str, Optional[cst.BaseExpression]]] = {}
        self.globals: Set[str] = set()  # `global _CALLS`: module state, kept as a constant like an attribute's
        self.global_reads: Set[str] = set()

    def _attribute(self, node: cst.BaseExpression) -> Optional[str]:
        return _self_attribute(node, self.self_name)

    def reads_itself(self, value: cst.BaseExpression, attribute: str) -> bool:
        """Whether the value written is arithmetic on what it replaces (`self.total + 1.0`): a new
        value on every call, though no tensor is involved. Not a conversion of it
        (`[a.to(device) for a in self.anchors]`), which gives the same value again."""
        if type(value) is cst.BinaryOperation:
            return self.reads_itself(value.left, attribute) or self.reads_itself(value.right, attribute)  # type: ignore[attr-defined]
        if attribute in self.globals:
            return type(value) is cst.Name and value.value == attribute  # type: ignore[attr-defined]
        return self._attribute(value) == attribute

    def enter(self, node: cst.CSTNode) -> bool:
        """One node of the function's walk (parents before their children, which `targets` needs);
        False: not into its children."""
        kind = type(node)
        if kind is cst.Attribute:
            self.visit_Attribute(node)  # type: ignore[arg-type]
        elif kind is cst.Call:
            self.visit_Call(node)  # type: ignore[arg-type]
        elif kind is cst.Assign:
            self.visit_Assign(node)  # type: ignore[arg-type]
        elif kind is cst.AugAssign:
            self.visit_AugAssign(node)  # type: ignore[arg-type]
        elif kind is cst.If:
            return self.visit_If(node)  # type: ignore[arg-type]
        elif kind is cst.Global:
            self.globals.update(item.name.value for item in node.names)  # type: ignore[attr-defined]
        elif kind is cst.Name:
            if node not in self.targets:
                self.global_reads.add(node.value)  # type: ignore[attr-defined]
        elif kind is cst.FunctionDef or kind is cst.Lambda:
            return False
        return True

    def visit_If(self, node: cst.If) -> bool:
        test = node.test
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            test = test.left
        if self._attribute(test) == "training":
            walk(node.test, self.enter)
            if node.orelse is not None:
                walk(node.orelse, self.enter)
            return False  # the training path: not run by an eval-mode trace
        return True

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._write(target.target, node, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._write(node.target, node, node.value if isinstance(node.target, cst.Subscript) else None)

    def _write(self, target: cst.BaseExpression, node: cst.CSTNode, value: Optional[cst.BaseExpression]) -> None:
        if type(target) is cst.Name:  # a global once the walk has seen `global` (in no promised order)
            self.targets.add(target)
            self.name_writes[node] = (target.value, value)  # type: ignore[attr-defined]
            return
        attribute = self._attribute(target)
        if attribute is not None:
            self.targets.add(target)
            self.writes[node] = (attribute, value)
        elif isinstance(target, cst.Subscript):
            attribute = self._attribute(target.value)
            if attribute is not None:
                self.targets.add(target.value)
                self.writes[node] = (attribute, value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS and node.args:
            attribute = self._attribute(func.value)
            if attribute is not None:
                self.targets.add(func.value)
                self.writes[node] = (attribute, node.args[-1].value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        attribute = self._attribute(node)
        if attribute is not None and node not in self.targets:
            self.reads.add(attribute)
