from __future__ import annotations

from typing import Set

import libcst as cst

from tslint.analysis.traversal import LEAF_TYPES, walk
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class SliceUsedAsValue(Rule):
    """Compiled code builds a `slice(...)` object and uses it as a value — puts it in a list or tuple
    (`[slice(None)] * x.dim()`, numpy's idiom for indexing along one dimension), passes it to a call —
    rather than indexing with it directly (`x[slice(0, n)]`) or naming it first (`s = slice(0, n)`).

    TorchScript turns `slice(...)` into indexing only where it indexes: "Python slice value cannot
    be used as a value". A local name bound only to slices (`s = slice(1, -1)`, `t = s`) fails the
    same way where it is read other than as an index or to name it again (`[s, s]`, `print(s)`):
    torch points at that read.
    """

    code = "TS359"
    name = "slice-used-as-value"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`slice(...)` is used as a value here: TorchScript accepts a slice only as an index (`x[slice(a, b)]`)."
    fix_hint = "Index with `a:b` directly (`x[:, a:b]`), or use `x.narrow(dim, start, length)` for a computed dim."
    torch_messages = ("Python slice value cannot be used as a value",)
    words = ("slice",)  # every report is of a `slice(...)` call or a name bound to one

    name_message = (
        "`{name}` holds a `slice(...)` and is used as a value here: TorchScript accepts a slice only as "
        "an index (`x[{name}]`)."
    )

    def begin_function(self, context: RuleContext) -> Set[int]:
        return set()  # the slice calls, and reads of slice names, in a place torch accepts them

    def visit_FunctionDef(self, node: cst.FunctionDef, context: RuleContext) -> None:
        if node is context.node:
            context.file_facts[("TS359", id(node))] = _slice_names(node)

    def visit_Name(self, node: cst.Name, context: RuleContext) -> None:
        names = context.file_facts.get(("TS359", id(context.node)), frozenset())
        if node.value in names and id(node) not in context.state:
            context.report(node, self.name_message.format(name=node.value))

    def visit_SubscriptElement(self, node: cst.SubscriptElement, context: RuleContext) -> None:
        if isinstance(node.slice, cst.Index):
            context.state.add(id(node.slice.value))

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        if all(isinstance(target.target, cst.Name) for target in node.targets):
            context.state.add(id(node.value))
        for target in node.targets:
            context.state.update(id(name) for name in _names_in(target.target))

    def visit_AnnAssign(self, node: cst.AnnAssign, context: RuleContext) -> None:
        context.state.update(id(name) for name in _names_in(node.target))

    def visit_AugAssign(self, node: cst.AugAssign, context: RuleContext) -> None:
        context.state.update(id(name) for name in _names_in(node.target))

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if id(node) in context.state or context.qualify(node.func) != "slice":
            return
        context.report(node, self.message)


def _names_in(target: cst.BaseExpression):
    """The names a target binds (`a`, `a, b`, `[a, *b]`), not those it reads (`x[i]`, `self.a`)."""
    if isinstance(target, cst.Name):
        yield target
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _names_in(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _names_in(target.value)


class _Bindings(cst.CSTVisitor):
    """Per name of a function: the values of its plain `name = value` bindings, and whether
    anything else binds it (a parameter, a loop, `with`, an unpacking, a nested def...)."""

    def __init__(self) -> None:
        self.values: dict = {}
        self.other: Set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.values.setdefault(target.target.value, []).append(node.value)
            else:
                self.other.update(name.value for name in _names_in(target.target))

    def _bound(self, target) -> None:
        if target is not None:
            self.other.update(name.value for name in _names_in(target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bound(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bound(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bound(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bound(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bound(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bound(node.target)

    def visit_Param(self, node: cst.Param) -> None:
        self.other.add(node.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.other.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.other.add(node.name.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.other.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.other.update(item.name.value for item in node.names)


_HOOKS = {getattr(cst, name[6:]): hook for name, hook in vars(_Bindings).items() if name.startswith("visit_")}


def _bindings(function: cst.FunctionDef) -> _Bindings:
    """The bindings of every node under `function`, by tslint's walk (libcst's `visit` rebuilds each
    node it passes: ten times slower)."""
    bindings = _Bindings()

    def enter(node: cst.CSTNode) -> bool:
        hook = _HOOKS.get(type(node))
        if hook is not None:
            hook(bindings, node)
        return True

    walk(function, enter, None, LEAF_TYPES)  # no leaf binds a name
    return bindings


def _slice_names(function: cst.FunctionDef) -> frozenset:
    """The local names every binding of which is a `slice(...)` call or another such name."""
    bindings = _bindings(function)
    candidates = {name for name in bindings.values if name not in bindings.other}

    def is_slice(value: cst.BaseExpression, names: Set[str]) -> bool:
        if isinstance(value, cst.Call):
            return isinstance(value.func, cst.Name) and value.func.value == "slice"
        return isinstance(value, cst.Name) and value.value in names

    changed = True
    while changed:
        kept = {name for name in candidates if all(is_slice(v, candidates) for v in bindings.values[name])}
        changed = kept != candidates
        candidates = kept
    return frozenset(candidates)
