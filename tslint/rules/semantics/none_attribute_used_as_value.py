from __future__ import annotations

from typing import List, Optional

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.index.model import DYNAMIC_ATTRIBUTES, AttributeKind
from tslint.rule import Rule, RuleContext


class NoneAttributeUsedAsValue(Rule):
    """Compiled code uses `self.<name>` as a value — in arithmetic, through an attribute or method,
    by subscript, by calling it, or as a condition — and every assignment of `<name>` in the class is
    `None` (`self.cache = None`, `register_buffer("mask", None)`), or every one made while building the
    instance is (`__init__` sets `self.cache = None`, `forward` stores a tuple there later: torch types
    the attribute by the built instance's value, NoneType, whatever the annotation in `__init__`).

    torch types the attribute `NoneType`: "'NoneType' object has no attribute or method 'sum'",
    "cannot call a value of type 'NoneType'", "Could not cast value of type NoneType to bool".
    Uses under `if self.cache is not None:` are not compiled and not reported; nor are uses inside
    conditional expressions, which may test it first (torch compiles only the arm a constant test
    takes). Both operands of `and` / `or` are compiled whatever the left one is (probed: `self.cache
    is not None and self.cache.sum() > 0` fails at `.sum`): uses there are reported.
    """

    code = "TS326"
    name = "none-attribute-used-as-value"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{name}` is always `None` here, and TorchScript cannot use `None` as {what}."
    fix_hint = (
        "Guard the use with `if self.attr is not None:` (torch then skips the block), or give the attribute a real "
        "value in `__init__`."
    )

    def begin_function(self, context: RuleContext) -> List[cst.CSTNode]:
        return []  # the conditional expressions around the current node

    def _enter_guard(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.append(node)

    def _leave_guard(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.pop()

    visit_IfExp = _enter_guard
    leave_IfExp = _leave_guard
    torch_messages = ("NoneType",)

    def visit_BinaryOperation(self, node: cst.BinaryOperation, context: RuleContext) -> None:
        for side in (node.left, node.right):
            self._check(side, "an operand", context)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        self._check(node.value, "an object with attributes", context)

    def visit_Subscript(self, node: cst.Subscript, context: RuleContext) -> None:
        self._check(node.value, "a container", context)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        self._check(node.func, "a function", context)

    def visit_BooleanOperation(self, node: cst.BooleanOperation, context: RuleContext) -> None:
        for side in (node.left, node.right):
            self._check(side, "a condition", context)

    def visit_UnaryOperation(self, node: cst.UnaryOperation, context: RuleContext) -> None:
        if isinstance(node.operator, cst.Not):
            self._check(node.expression, "a condition", context)

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        self._check(node.test, "a condition", context)

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        self._check(node.test, "a condition", context)

    def _check(self, expression: cst.BaseExpression, what: str, context: RuleContext) -> None:
        if context.state:
            return
        name = _always_none(expression, context)
        if name is not None:
            context.report(expression, self.message.format(receiver=context.receiver, name=name, what=what))


def _always_none(expression: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """`name` when `expression` is `self.name` and every class this code is compiled for assigns it only `None`."""
    name = context.self_attribute(expression)
    classes = context.classes()
    if name is None or not classes:
        return None
    for _, klass in classes:
        if klass.unknown_bases or DYNAMIC_ATTRIBUTES in klass.attributes or name in klass.class_attributes:
            return None
        if klass.annotated_optional(name):
            return None  # torch types it by the annotation, `Optional[...]`: TS321's
        assignments = klass.built_assignments(name)
        if not assignments or any(a.kind is not AttributeKind.NONE for a in assignments):
            return None
    return name
