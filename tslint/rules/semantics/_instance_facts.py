"""Index facts for the instances of project classes a module holds as attributes (TS324): which
methods store a parameter on `self` (`def set_processor(self, processor): self.processor = processor`),
which classes `__init__` builds and hands to those methods (`self.set_processor(Processor())`), and
which classes a class body names (`_default_processor_cls = Processor`).

torch types such an attribute from the value the built instance holds; these facts say which class
that value is an instance of when a default construction decides it, and nothing otherwise."""

from __future__ import annotations

from sys import intern
from typing import Dict, List, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none
from tslint.analysis.traversal import suite_statements

# An `__init__` statement-level assignment to a local name: (value, the test of the innermost `if`
# whose body holds it, or None at the top level or in an `else`).
Binding = Tuple[cst.BaseExpression, Optional[cst.BaseExpression]]


def _positional(node: cst.FunctionDef) -> List[cst.Param]:
    return [*node.params.posonly_params, *node.params.params]


def parameter_setters(node: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Tuple[tuple, ...]:
    """For a method other than `__init__`: each `self.<attribute> = <parameter>` statement at the top
    level of its body, as (attribute, parameter, the parameter's position after `self`)."""
    if owner is None or node.name.value == "__init__":
        return ()
    params = _positional(node)
    if not params:
        return ()
    self_name = params[0].name.value
    positions = {p.name.value: i for i, p in enumerate(params[1:])}
    found = []
    for statement in suite_statements(node.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.value, cst.Name)):
                continue
            target = small.targets[0].target
            parameter = small.value.value
            if (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == self_name
                and parameter in positions
            ):
                found.append((intern(target.attr.value), intern(parameter), positions[parameter]))
    return tuple(found)


class _InitValues:
    """What `__init__` hands to its own methods, read from its statements (not its expressions)."""

    def __init__(self, node: cst.FunctionDef, imports: ImportTable) -> None:
        self.imports = imports
        params = _positional(node)
        self.self_name = params[0].name.value if params else ""
        named = [*params[1:], *node.params.kwonly_params]
        self.parameters = {p.name.value for p in named}
        self.none_defaults = {p.name.value for p in named if p.default is not None and is_none(p.default)}
        self.bindings: Dict[str, List[Binding]] = {}
        self.calls: List[cst.Call] = []
        self._block(node.body, None)

    def _block(self, suite: cst.BaseSuite, test: Optional[cst.BaseExpression]) -> None:
        for statement in suite_statements(suite):
            if isinstance(statement, cst.If):
                self._block(statement.body, statement.test)
                branch = statement.orelse
                while isinstance(branch, cst.If):  # elif: its own test
                    self._block(branch.body, branch.test)
                    branch = branch.orelse
                if branch is not None:
                    self._block(branch.body, None)
            elif isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                for small in statement.body:
                    self._small(small, test)
            elif isinstance(statement, (cst.For, cst.While, cst.With, cst.Try)):
                self._block(statement.body, None)

    def _small(self, small: cst.BaseSmallStatement, test: Optional[cst.BaseExpression]) -> None:
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    self.bindings.setdefault(target.target.value, []).append((small.value, test))
        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)) and isinstance(small.target, cst.Name):
            self.bindings.setdefault(small.target.value, []).append((cst.Name("None"), None))  # unknown
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            func = small.value.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
                if func.value.value == self.self_name:
                    self.calls.append(small.value)

    def built_class(self, value: cst.BaseExpression, depth: int = 0) -> str:
        """The class whose instance `value` holds in a default construction: its qualified name,
        `self.<name>` for a class the class body names, or "" when not known."""
        if depth > 3:
            return ""
        if isinstance(value, cst.Call):
            func = value.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
                if func.value.value == self.self_name:
                    return f"self.{func.attr.value}"
            return self.imports.qualify(func) or ""
        if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
            # `processor or Processor()`: a parameter defaulting to None gives way to the right side.
            if isinstance(value.left, cst.Name) and value.left.value in self.none_defaults:
                return self.built_class(value.right, depth + 1)
            return ""
        if isinstance(value, cst.Name):
            return self._name_class(value.value, depth)
        return ""

    def _name_class(self, name: str, depth: int) -> str:
        bindings = self.bindings.get(name, [])
        if not bindings:
            return ""
        if name in self.parameters:
            # A parameter keeps the caller's value unless it is None by default and replaced under
            # `if name is None:` (then the default construction holds the replacement).
            if name not in self.none_defaults or not all(_is_none_test(test, name) for _, test in bindings):
                return ""
        found = {self.built_class(value, depth + 1) for value, _ in bindings}
        return found.pop() if len(found) == 1 else ""


def _is_none_test(test: Optional[cst.BaseExpression], name: str) -> bool:
    """`name is None`."""
    return (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == name
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Is)
        and is_none(test.comparisons[0].comparator)
    )


def setter_arguments(node: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Tuple[tuple, ...]:
    """For `__init__`: each argument of each statement `self.<method>(...)`, as (method, position or
    keyword, the class of the instance it is in a default construction or "" when not known)."""
    if owner is None or node.name.value != "__init__" or not isinstance(node.body, cst.IndentedBlock):
        return ()
    values = _InitValues(node, imports)
    found = []
    for call in values.calls:
        method = intern(call.func.attr.value)  # type: ignore[attr-defined]
        for position, argument in enumerate(call.args):
            if argument.star:
                found.append((method, "*", ""))
                continue
            key = argument.keyword.value if argument.keyword is not None else str(position)
            found.append((method, intern(key), intern(values.built_class(argument.value))))
    return tuple(found)


def class_references(node: cst.ClassDef, imports: ImportTable) -> Tuple[Tuple[str, str], ...]:
    """Names the class body binds to a dotted name (`_default_processor_cls = Processor`), qualified."""
    found = []
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and isinstance(small.value, (cst.Name, cst.Attribute)):
                qualified = imports.qualify(small.value)
                for target in small.targets:
                    if qualified and isinstance(target.target, cst.Name):
                        found.append((intern(target.target.value), intern(qualified)))
    return tuple(found)
