"""One function's facts: the calls it makes under their guards, its annotations, its shape."""

from __future__ import annotations

from sys import intern
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from tslint.analysis.branch_guards import GuardedWalk
from tslint.analysis.imports import ImportTable, is_none, plain_parameters
from tslint.analysis.traversal import statements_in_order
from tslint.index.attributes import SelfAssignmentCollector, may_be_none
from tslint.index.model import CallKind, CallSite

# Annotation names that are never project classes.
NOT_CLASS_ANNOTATIONS = ("typing.", "typing_extensions.", "torch.", "collections.", "builtins.", "numpy.")
BUILTIN_TYPES = frozenset(
    {"int", "float", "str", "bool", "list", "dict", "tuple", "None", "complex", "bytes", "object", "set"}
)


class FunctionFacts(GuardedWalk):
    """One walk of a function: the calls it makes (with their guards) and, for a method, what it
    assigns to `self`. Nested functions are not entered: their `self` and calls are another story."""

    def __init__(
        self, imports: ImportTable, self_name: Optional[str], collect_assignments: bool, typed: bool = True
    ) -> None:
        super().__init__(imports, self_name, typed)
        self.calls: List[CallSite] = []
        self.annotations: Set[str] = set()
        self.references: Set[str] = set()
        self.assignments = SelfAssignmentCollector(imports, self_name) if collect_assignments and self_name else None

    def enter(self, node: cst.CSTNode) -> None:
        if self.assignments is not None:
            self.assignments.observe(node)
        kind = type(node)
        if kind is cst.Call:
            self._call(node)
        elif kind is cst.Annotation:
            self._annotation(node.annotation)
        elif kind is cst.Assign or (kind is cst.Arg and node.keyword is not None):
            self._reference(node.value)
        elif kind is cst.Param and node.default is not None:
            self._reference(node.default)

    def _reference(self, value: cst.BaseExpression) -> None:
        """A capitalised name used as a value (a class handed on to be built elsewhere)."""
        if type(value) is cst.Name or type(value) is cst.Attribute:
            name = self.imports.qualify(value)
            if (
                name
                and name.rsplit(".", 1)[-1].lstrip("_")[:1].isupper()
                and not name.startswith(NOT_CLASS_ANNOTATIONS)
            ):
                self.references.add(intern(name))

    def _annotation(self, annotation: cst.BaseExpression) -> None:
        """The project-class candidates an annotation names (`Point`, `Optional[Point]`,
        `List["Point"]`): torch compiles a plain class used as a type."""
        stack = [annotation]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Subscript):
                stack.append(current.value)
                stack.extend(e.slice.value for e in current.slice if isinstance(e.slice, cst.Index))
            elif isinstance(current, cst.BinaryOperation):
                stack += [current.left, current.right]
            elif isinstance(current, cst.SimpleString):
                text = current.evaluated_value
                if isinstance(text, str) and text.isidentifier():
                    stack.append(cst.Name(text))
            else:
                name = self.imports.qualify(current)
                if name and name not in BUILTIN_TYPES and not name.startswith(NOT_CLASS_ANNOTATIONS):
                    self.annotations.add(name)

    def _call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            if self.imports.qualify(func.value.func) == "super":
                self.calls.append(CallSite(CallKind.SUPER_METHOD, intern(func.attr.value), guards=self.guards))
                return
        if isinstance(func, cst.Attribute):
            owner = func.value
            if isinstance(owner, cst.Name) and owner.value == self.self_name:
                self.calls.append(CallSite(CallKind.SELF_METHOD, intern(func.attr.value), guards=self.guards))
                return
            if (
                isinstance(owner, cst.Attribute)
                and isinstance(owner.value, cst.Name)
                and owner.value.value == self.self_name
            ):
                self.calls.append(
                    CallSite(CallKind.SUBMODULE_METHOD, intern(func.attr.value), intern(owner.attr.value), self.guards)
                )
                return
        qualified = self.imports.qualify(func)
        if qualified is not None:
            self.calls.append(CallSite(CallKind.FUNCTION, intern(qualified), guards=self.guards))


def is_abstract_body(function: cst.FunctionDef) -> bool:
    body = function.body
    if not isinstance(body, cst.IndentedBlock):
        statements = list(body.body)
    else:
        statements = []
        for statement in body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                statements.extend(statement.body)
            else:
                return False
    meaningful = [
        small
        for small in statements
        if not (isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)))
    ]
    if len(meaningful) != 1:
        return False
    only = meaningful[0]
    if isinstance(only, cst.Raise) and only.exc is not None:
        raised = only.exc.func if isinstance(only.exc, cst.Call) else only.exc
        return isinstance(raised, cst.Name) and raised.value == "NotImplementedError"
    return False


def returns_self(function: cst.FunctionDef, self_name: Optional[str]) -> bool:
    """Every `return` of the function returns `self` (and it has one)."""
    returns = statements_in_order(function.body, cst.Return)
    return bool(returns) and all(
        isinstance(r.value, cst.Name) and r.value.value == self_name
        for r in returns  # type: ignore[attr-defined]
    )


def is_overload(decorators: Tuple[str, ...]) -> bool:
    return any(name.rsplit(".", 1)[-1] in {"overload", "_overload", "_overload_method"} for name in decorators)


# torch's own overload decorators, for a method and for a module-level function: torch compiles the
# implementation once per declaration they register (`typing.overload` registers nothing with torch).
TORCH_METHOD_OVERLOADS = frozenset({"torch.jit._overload_method", "torch._jit_internal._overload_method"})
TORCH_FUNCTION_OVERLOADS = frozenset({"torch.jit._overload", "torch._jit_internal._overload"})


def is_torch_overload(decorators: Tuple[str, ...], method: bool) -> bool:
    """A declaration torch registers: `@torch.jit._overload_method` on a method, `@torch.jit._overload`
    on a module-level function."""
    return not (TORCH_METHOD_OVERLOADS if method else TORCH_FUNCTION_OVERLOADS).isdisjoint(decorators)


def int_parameters(
    node: cst.FunctionDef, self_name: Optional[str], imports: ImportTable, bound: FrozenSet[str]
) -> FrozenSet[str]:
    """The parameters annotated `int` (with no `None` default) that the function never rebinds.
    `bound`: the names the body binds (`bindings_of`)."""
    found = {
        p.name.value
        for p in plain_parameters(node, self_name)
        if p.annotation is not None
        and imports.qualify(p.annotation.annotation) in ("int", "builtins.int")
        and not (p.default is not None and is_none(p.default))
    }
    return frozenset(found - bound) if found else frozenset()


def none_names(
    node: cst.FunctionDef,
    self_name: Optional[str],
    bindings: Tuple[FrozenSet[str], Dict[str, Tuple[cst.BaseExpression, ...]]],
) -> FrozenSet[str]:
    """The names that may hold None somewhere in the function: parameters defaulting to None that it
    never rebinds, and names it assigns `None` or an if-expression with a `None` side. An attribute
    set from one is None in an instance built so, and torch then types it NoneType. `bindings`: the
    body's `bindings_of`."""
    bound, assigned = bindings
    found = {
        p.name.value
        for p in plain_parameters(node, self_name)
        if p.default is not None and is_none(p.default) and p.name.value not in bound
    }
    found |= {name for name, values in assigned.items() if any(may_be_none(value) for value in values)}
    return frozenset(found)


def self_name_of(function: cst.FunctionDef, decorators: Tuple[str, ...]) -> Optional[str]:
    if "staticmethod" in decorators:
        return None
    params = function.params
    first = (params.posonly_params or params.params or (None,))[0]
    return first.name.value if first is not None else None


def string_set(value: cst.BaseExpression) -> FrozenSet[str]:
    if not isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        return frozenset()
    names = set()
    for element in value.elements:
        if isinstance(element.value, cst.SimpleString) and isinstance(element.value.evaluated_value, str):
            names.add(element.value.evaluated_value)
    return frozenset(names)


# torch.nn.common_types aliases of a scalar-or-tuple union.


def takes_var_args(node: cst.FunctionDef) -> bool:
    return isinstance(node.params.star_arg, cst.Param) or node.params.star_kwarg is not None
