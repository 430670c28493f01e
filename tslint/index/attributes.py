"""What a class's methods assign to `self`, and which attributes `__init__` creates on only some paths."""

from __future__ import annotations

from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none
from tslint.analysis.traversal import code_of, suite_statements
from tslint.index.model import DYNAMIC_ATTRIBUTES, REGISTRATIONS, AttributeAssignment, AttributeKind
from tslint.index.values import classify_value


class SelfAssignmentCollector:
    """`self.x = value` / `self.x: T = value` / `self.register_buffer("x", ...)` in one method."""

    def __init__(self, imports: ImportTable, self_name: str) -> None:
        self.imports = imports
        self.self_name = self_name
        self.found: List[Tuple[str, AttributeAssignment]] = []
        # Names set on the class itself (`self.__class__.name = f`, `type(self).name = f`,
        # `setattr(self.__class__, "name", f)`): a method so replaced is not the one in the source.
        self.class_replacements: List[str] = []
        # Parameters of the method annotated `int` that it never rebinds (set for `__init__`).
        self.int_parameters: FrozenSet[str] = frozenset()
        # Names that may hold None in the method (set for `__init__`: functions.none_names).
        self.none_names: FrozenSet[str] = frozenset()
        # Whether the method unpacks into a `self` attribute (`self.stage, n = ...`): only then can
        # `_FileIndexer._returned_tuple_attributes` find anything in it.
        self.unpacks_to_self = False

    def observe(self, node: cst.CSTNode) -> None:
        kind = type(node)  # exact types: this runs for every node of every method
        if kind is cst.Assign:
            self._assign(node)
        elif kind is cst.AnnAssign:
            name = self._target(node.target)
            if name is not None and node.value is not None:
                self.found.append((name, classify_value(node.value, self.imports)))
        elif kind is cst.AugAssign:
            name = self._target(node.target)
            if name is not None:
                self.found.append((name, AttributeAssignment(AttributeKind.OTHER)))
        elif kind is cst.Call:
            self._registration(node)
        elif kind is cst.Attribute and node.attr.value == "__dict__" and self._is_self(node.value):
            self.found.append((DYNAMIC_ATTRIBUTES, AttributeAssignment(AttributeKind.OTHER)))

    def _is_self(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value == self.self_name

    def _is_own_class(self, node: cst.BaseExpression) -> bool:
        """`self.__class__` or `type(self)`."""
        if isinstance(node, cst.Attribute):
            return node.attr.value == "__class__" and self._is_self(node.value)
        return (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "type"
            and len(node.args) == 1
            and self._is_self(node.args[0].value)
        )

    def _class_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Attribute) and self._is_own_class(target.value):
            self.class_replacements.append(target.attr.value)

    def _target(self, target: cst.BaseExpression) -> Optional[str]:
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            if target.value.value == self.self_name:
                return target.attr.value
        return None

    def _assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = self._target(target.target)
            if name is not None and isinstance(node.value, cst.Name) and node.value.value in self.int_parameters:
                self.found.append((name, AttributeAssignment(AttributeKind.OTHER, parameter_type="int")))
            elif name is not None and self._may_be_none(node.value):
                otherwise = self._otherwise(node.value)
                assignment = AttributeAssignment(AttributeKind.OTHER, maybe_none=True, otherwise=otherwise)
                self.found.append((name, assignment))
            elif name is not None:
                self.found.append((name, classify_value(node.value, self.imports)))
            elif isinstance(target.target, cst.Attribute):
                self._class_target(target.target)
            elif isinstance(target.target, (cst.Tuple, cst.List)):
                for element in target.target.elements:
                    name = self._target(element.value)
                    if name is not None:
                        self.unpacks_to_self = True
                        self.found.append((name, AttributeAssignment(AttributeKind.OTHER)))

    def _otherwise(self, value: cst.BaseExpression) -> Optional[str]:
        """The callee of the side of `X(...) if c else None` that is a call (either order)."""
        if not isinstance(value, cst.IfExp):
            return None
        sides = [side for side in (value.body, value.orelse) if not is_none(side)]
        if len(sides) != 1 or not isinstance(sides[0], cst.Call):
            return None
        found = classify_value(sides[0], self.imports)
        return found.callee if found.kind is AttributeKind.CALL else None

    def _may_be_none(self, value: cst.BaseExpression) -> bool:
        """A name that may hold None here, or an if-expression with a `None` side (not `None`
        itself: that is a NONE assignment)."""
        if isinstance(value, cst.Name):
            return value.value in self.none_names
        return isinstance(value, cst.IfExp) and may_be_none(value)

    def _registration(self, node: cst.Call) -> None:
        func = node.func
        if not node.args:
            return
        first = node.args[0].value
        if isinstance(func, cst.Name) and func.value == "setattr" and self._is_own_class(first) and len(node.args) > 1:
            name = node.args[1].value
            if isinstance(name, cst.SimpleString) and isinstance(name.evaluated_value, str):
                self.class_replacements.append(name.evaluated_value)
            return
        dynamic = (isinstance(func, cst.Name) and func.value == "setattr" and self._is_self(first)) or (
            isinstance(func, cst.Attribute) and func.attr.value == "__setattr__"
        )
        if dynamic:  # `setattr(self, name, value)`, `object.__setattr__(self, ...)`: names tslint cannot see
            self.found.append((DYNAMIC_ATTRIBUTES, AttributeAssignment(AttributeKind.OTHER)))
            return
        if not (isinstance(func, cst.Attribute) and self._is_self(func.value)):
            return
        method = func.attr.value
        if not isinstance(first, cst.SimpleString) or not isinstance(first.evaluated_value, str):
            if method in REGISTRATIONS:
                self.found.append((DYNAMIC_ATTRIBUTES, AttributeAssignment(AttributeKind.OTHER)))
            return
        name = first.evaluated_value
        value = node.args[1].value if len(node.args) > 1 else None
        if method in {"register_buffer", "register_parameter"}:
            if value is not None and is_none(value):
                self.found.append((name, AttributeAssignment(AttributeKind.NONE)))
            else:
                kind = AttributeKind.BUFFER if method == "register_buffer" else AttributeKind.PARAMETER
                # The callee of a value built by a call (`torch.zeros(3)`): a plain name may be None.
                callee = self.imports.qualify(value.func) if isinstance(value, cst.Call) else None
                maybe_none = value is not None and self._may_be_none(value)
                self.found.append((name, AttributeAssignment(kind, callee, maybe_none=maybe_none)))
        elif method in {"add_module", "register_module"} and value is not None:
            self.found.append((name, classify_value(value, self.imports)))


def may_be_none(value: cst.BaseExpression) -> bool:
    """`None`, or an if-expression one of whose sides is."""
    if is_none(value):
        return True
    return isinstance(value, cst.IfExp) and (may_be_none(value.body) or may_be_none(value.orelse))


SIZE_UNION_ALIASES = frozenset(
    f"torch.nn.common_types._{name}_t"
    for name in (
        "size_1",
        "size_2",
        "size_3",
        "size_4",
        "size_5",
        "size_6",
        "size_any",
        "size_any_opt",
        "size_2_opt",
        "size_3_opt",
        "ratio_2",
        "ratio_3",
        "ratio_any",
    )
)
SEQUENCE_TYPES = frozenset({"typing.Tuple", "tuple", "typing.List", "list"})
SCALAR_TYPES = frozenset({"int", "float"})


def is_size_union(annotation: cst.BaseExpression, imports: ImportTable) -> bool:
    """`_size_2_t` and friends, `Union[int, Tuple[int, int]]`, `int | tuple[int, ...]`: a scalar and a
    sequence, no None."""
    if imports.qualify(annotation) in SIZE_UNION_ALIASES:
        return True
    if isinstance(annotation, cst.Subscript) and imports.qualify(annotation.value) == "typing.Union":
        members = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
    elif isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        members, stack = [], [annotation]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.BitOr):
                stack += [current.left, current.right]
            else:
                members.append(current)
    else:
        return False
    kinds = set()
    for member in members:
        target = member.value if isinstance(member, cst.Subscript) else member
        name = imports.qualify(target)
        kinds.add("sequence" if name in SEQUENCE_TYPES else "scalar" if name in SCALAR_TYPES else "other")
    return kinds == {"sequence", "scalar"}


Condition = Tuple[cst.BaseExpression, bool]


class InitPaths:
    """Which `self.<name>` attributes `__init__` creates on every path, and under which `if`s the
    others are created. Statement level only: loops are not entered (an assignment there is neither),
    `try` bodies count as always running, a path that raises creates everything (it never returns an
    instance). An `if` at the top of `__init__` (or of a helper) whose body ends in `return` leaves the
    rest of that function to the other side of its test; an early `return` nested deeper is not
    followed. A statement `self.helper(...)` calling one of `helpers` (the class's own methods: name ->
    (node, its self parameter)) runs the helper's body there, once per call, not recursively."""

    def __init__(self, self_name: str, helpers: Optional[Dict[str, Tuple[cst.FunctionDef, str]]] = None) -> None:
        self.self_name = self_name
        self.helpers = helpers or {}
        # the helpers whose bodies were followed: what they assign is made while `__init__` runs
        self.entered: Set[str] = set()
        self._running: List[str] = []
        # name -> the conditions it is created under: an `if` test, and whether it holds
        self.conditions: Dict[str, List[Condition]] = {}

    def function(self, node: cst.FunctionDef) -> Optional[Set[str]]:
        """`block` over a function's body, following its top-level early returns."""
        return self.block(suite_statements(node.body), None, top=True)

    def block(
        self, statements: Sequence[cst.CSTNode], condition: Optional[Condition], top: bool = False
    ) -> Optional[Set[str]]:
        """The names every path through `statements` creates; None if every path raises. `top`:
        `statements` are a function's body, where an `if` ending in `return` ends the function."""
        created: Set[str] = set()
        for position, statement in enumerate(statements):
            if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                if any(isinstance(small, cst.Raise) for small in statement.body):
                    return None
                names = self.created(statement)
                created |= names
                if condition is not None:
                    for name in names:
                        self.conditions.setdefault(name, []).append(condition)
                for helper in self.called_helpers(statement):
                    found = self.helper(helper, condition)
                    if found is None:
                        return None
                    created |= found
                continue
            if top and isinstance(statement, cst.If) and statement.orelse is None and _ends_in_return(statement):
                found = self.early_return(statement, statements[position + 1 :])
                return None if found is None else created | found
            if isinstance(statement, cst.If):
                found = self.branch(statement)
            elif isinstance(statement, cst.With):
                found = self.block(suite_statements(statement.body), condition)
            elif isinstance(statement, cst.Try):
                found = self.block(suite_statements(statement.body), condition) or set()
                for handler in statement.handlers:
                    self.block(suite_statements(handler.body), condition)
                if statement.finalbody is not None:
                    final = self.block(suite_statements(statement.finalbody.body), condition)
                    found = None if final is None else found | final
            else:
                continue
            if found is None:
                return None
            created |= found
        return created

    def early_return(self, node: cst.If, rest: Sequence[cst.CSTNode]) -> Optional[Set[str]]:
        """The names every path through `if test: ...; return` and the `rest` of the function after
        it creates: what the `if` creates when `test` holds, and the rest when it does not."""
        holds, fails = (node.test, True), (node.test, False)
        body = self.under(holds, lambda: self.block(suite_statements(node.body), holds))
        after = self.under(fails, lambda: self.block(rest, fails, top=True))
        if body is None or after is None:
            return after if body is None else body
        return body & after

    def called_helpers(self, statement: Union[cst.SimpleStatementLine, cst.SimpleStatementSuite]) -> List[str]:
        """The helpers a statement `self.helper(...)` calls, not already running."""
        found = []
        for small in statement.body:
            if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
                continue
            name = self.attribute(small.value.func)
            if name is not None and name in self.helpers and name not in self._running:
                found.append(name)
        return found

    def helper(self, name: str, condition: Optional[Condition]) -> Optional[Set[str]]:
        node, self_name = self.helpers[name]
        saved = self.self_name
        self.self_name = self_name
        self._running.append(name)
        self.entered.add(name)
        try:
            statements = suite_statements(node.body)
            if condition is None:
                return self.block(statements, None, top=True)
            # under a condition already: its own early returns are not followed
            return self.under(condition, lambda: self.block(statements, condition))
        finally:
            self._running.pop()
            self.self_name = saved

    def branch(self, node: cst.If) -> Optional[Set[str]]:
        holds, fails = (node.test, True), (node.test, False)
        body = self.under(holds, lambda: self.block(suite_statements(node.body), holds))
        orelse = node.orelse
        if orelse is None:
            other: Optional[Set[str]] = set()
        elif isinstance(orelse, cst.If):
            other = self.under(fails, lambda: self.branch(orelse))
        else:
            other = self.under(fails, lambda: self.block(suite_statements(orelse.body), fails))
        if body is None or other is None:
            return other if body is None else body
        return body & other

    def under(self, condition: Condition, run: Callable[[], Optional[Set[str]]]) -> Optional[Set[str]]:
        """`run()`, a block that runs when `condition` holds: the names it creates on every one of its
        paths are created under `condition`, not under the tests inside it (`if a: if b: self.x = 1
        else: self.x = 2` creates `x` when `a`, not "when `b` or not `b`")."""
        outer, self.conditions = self.conditions, {}
        try:
            found = run()
        finally:
            inner, self.conditions = self.conditions, outer
        for name, conditions in inner.items():
            if found is not None and name in found:
                conditions = [condition]
            self.conditions.setdefault(name, []).extend(conditions)
        return found

    def described(self, name: str) -> str:
        """`use_bias`, or not `use_bias`, or several joined by "or"."""
        shown = []
        for test, holds in self.conditions[name]:
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                test, holds = test.expression, not holds
            code = f"`{code_of(test)}`"
            text = code if holds else f"not {code}"
            if text not in shown:
                shown.append(text)
        return " or ".join(shown)

    def created(self, statement: Union[cst.SimpleStatementLine, cst.SimpleStatementSuite]) -> Set[str]:
        names: Set[str] = set()
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, (cst.Tuple, cst.List)):
                        targets = [element.value for element in target.target.elements]
                    else:
                        targets = [target.target]
                    names.update(filter(None, map(self.attribute, targets)))
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                names.update(filter(None, [self.attribute(small.target)]))
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                call = small.value
                if (
                    isinstance(call.func, cst.Attribute)
                    and call.func.attr.value in REGISTRATIONS
                    and isinstance(call.func.value, cst.Name)
                    and call.func.value.value == self.self_name
                    and call.args
                    and isinstance(call.args[0].value, cst.SimpleString)
                ):
                    name = call.args[0].value.evaluated_value
                    if isinstance(name, str):
                        names.add(name)
        return names

    def attribute(self, target: cst.BaseExpression) -> Optional[str]:
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            if target.value.value == self.self_name:
                return target.attr.value
        return None


def _ends_in_return(node: cst.If) -> bool:
    """Whether the `if`'s body ends in a `return` statement."""
    statements = suite_statements(node.body)
    if not statements:
        return False
    last = statements[-1]
    return isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and any(
        isinstance(small, cst.Return) for small in last.body
    )


def is_final_annotation(annotation: cst.BaseExpression, imports: ImportTable) -> bool:
    target = annotation.value if isinstance(annotation, cst.Subscript) else annotation
    name = imports.qualify(target)
    return name is not None and name.rsplit(".", 1)[-1] == "Final"
