from __future__ import annotations

from typing import List, Optional

import libcst as cst

from tslint.analysis.default_attributes import default_described
from tslint.findings import Mode, Severity
from tslint.index.model import AttributeKind
from tslint.rule import Rule, RuleContext

# The comparisons torch has no schema for when one side is `None` and the other a plain value (probed:
# `==`, `!=`, `in` of a tuple of strs all fail; `is`/`is not` compile). Orderings (`<`, ...) fail too,
# with any other operand: TS369's.
_VALUE_OPERATORS = (cst.Equal, cst.NotEqual, cst.In, cst.NotIn)


class NoneAttributeComparedInDefaultConstruction(Rule):
    """Compiled code compares `self.<name>` with a plain value (`self.norm_type == "rms_norm"`,
    `self.mode in ("a", "b")`), and `__init__` leaves the attribute `None` when the class
    is built with its default arguments (`norm_type: str | None = None` and `self.norm_type =
    norm_type`).

    torch types the attribute from the instance it scripts: `NoneType` for the default instance, and
    no `aten::eq` (nor `ne`, `lt`, `__contains__`...) takes `None` and a str or number: "Arguments for
    call are not valid." — also as the right operand of `self.x is not None and self.x == "a"` (torch
    compiles both operands of `and`). Comparisons under `if self.x is not None:` are not compiled for
    that instance and are not reported. An error for the instance built with its defaults; an instance
    built with a str there scripts. Reported only when the defaults decide every test on the way; an
    attribute that is `None` on every path is TS350's.
    """

    code = "TS363"
    name = "none-attribute-compared-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{name}` is `None` when `{owner}` is built with its defaults ({defaults}), and TorchScript "
        "has no comparison of `None` with a {kind}: scripting such an instance fails."
    )
    fix_hint = (
        "Test `self.attr is not None` in an enclosing `if` (torch then drops the comparison for instances "
        'where it is `None`), or store a value of the compared type on every path (`norm_type or ""`).'
    )
    torch_messages = ("Arguments for call are not valid",)

    def begin_function(self, context: RuleContext) -> List[cst.CSTNode]:
        return []  # the conditional expressions around the current node

    def _enter_guard(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.append(node)

    def _leave_guard(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.pop()

    # An arm of a conditional expression may be pruned by its test: not reported inside one.
    visit_IfExp = _enter_guard
    leave_IfExp = _leave_guard

    def visit_Comparison(self, node: cst.Comparison, context: RuleContext) -> None:
        if context.state or len(node.comparisons) != 1:
            return
        target = node.comparisons[0]
        if not isinstance(target.operator, _VALUE_OPERATORS):
            return
        contains = isinstance(target.operator, (cst.In, cst.NotIn))
        sides = (
            [(node.left, target.comparator)]
            if contains
            else [(node.left, target.comparator), (target.comparator, node.left)]
        )
        for attribute, other in sides:
            name = context.self_attribute(attribute)
            kind = _plain_kind(other, contains)
            if name is None or kind is None:
                continue
            classes = context.classes()
            if all(a.kind is AttributeKind.NONE for _, klass in classes for a in klass.attributes.get(name, ())):
                return  # None on every path: the type model's (TS350)
            found = default_described(classes, name, "none")
            if found is not None:
                owner, defaults = found
                context.report(
                    attribute,
                    self.message.format(
                        receiver=context.receiver, name=name, owner=owner, defaults=defaults, kind=kind
                    ),
                )
                return


def _plain_kind(node: cst.BaseExpression, container: bool) -> Optional[str]:
    """What the plain value compared with is (`str`, `number`, `tuple of strs`...), or None when it is
    not a literal (a value that may be None or Optional is left alone)."""
    if container:
        if not isinstance(node, (cst.Tuple, cst.List)) or not node.elements:
            return None
        kinds = {_plain_kind(element.value, False) for element in node.elements}
        if None in kinds or len(kinds) != 1:
            return None
        return f"{'tuple' if isinstance(node, cst.Tuple) else 'list'} of {kinds.pop()}s"
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    if isinstance(node, cst.SimpleString) or isinstance(node, cst.ConcatenatedString):
        return "str"
    if isinstance(node, (cst.Integer, cst.Float)):
        return "number"
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return "bool"
    return None
