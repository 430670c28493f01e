from __future__ import annotations

from typing import List

import libcst as cst

from tslint.analysis.default_attributes import asserted_not_none, default_described
from tslint.findings import Mode, Severity
from tslint.index.model import AttributeKind
from tslint.rule import Rule, RuleContext

# Comparisons torch has no NoneType overload for (probed: `None < 0` matches no `aten::lt`).
_ORDERINGS = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


class NoneAttributeOperandInDefaultConstruction(Rule):
    """Compiled code uses `self.<name>` as an operand of arithmetic or of an ordering comparison
    (`self.ignore_index < 0`), reads an attribute or method of it, or subscripts it, and `__init__`
    leaves it `None` when the class is built with its default arguments (`ignore_index: Optional[int] =
    None`, then `self.ignore_index = ignore_index`).

    torch types the attribute from the instance it scripts: `NoneType` for the default instance, and
    the use fails ("Arguments for call are not valid ... found type 'NoneType'", "'NoneType' object has
    no attribute or method 'sum'"). A test on the left of `and` does not help: torch compiles both
    operands (`self.ignore_index is not None and self.ignore_index < 0` fails); uses under `if
    self.ignore_index is not None:` are not compiled for that instance, and are not reported; nor are
    uses inside conditional expressions. An error for the instance built with its defaults; one built
    with an int scripts. Reported only when the defaults decide every test on the way, for each class
    the code is compiled for; an attribute that is `None` on every path is TS326's.
    """

    code = "TS369"
    name = "none-attribute-operand-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{name}` is `None` when `{owner}` is built with its defaults ({defaults}), and TorchScript "
        "cannot use `None` as {what}: scripting such an instance fails."
    )
    fix_hint = (
        "Test `if self.attr is not None:` around the use in a statement of its own (torch then drops it for "
        "instances where it is `None`), or give the attribute a value of one type on every path."
    )
    torch_messages = ("NoneType", "Arguments for call are not valid")

    def begin_function(self, context: RuleContext) -> List[cst.CSTNode]:
        return []  # the conditional expressions around the current node

    def _enter_guard(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.append(node)

    def _leave_guard(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.pop()

    visit_IfExp = _enter_guard
    leave_IfExp = _leave_guard

    def visit_BinaryOperation(self, node: cst.BinaryOperation, context: RuleContext) -> None:
        for side in (node.left, node.right):
            if self._check(side, "an operand", context):
                return

    def visit_Comparison(self, node: cst.Comparison, context: RuleContext) -> None:
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, _ORDERINGS):
                if self._check(left, "an operand", context) or self._check(target.comparator, "an operand", context):
                    return
            left = target.comparator

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        self._check(node.value, "an object with attributes", context)

    def visit_Subscript(self, node: cst.Subscript, context: RuleContext) -> None:
        self._check(node.value, "a container", context)

    def _check(self, expression: cst.BaseExpression, what: str, context: RuleContext) -> bool:
        if context.state:
            return False
        name = context.self_attribute(expression)
        if name is None:
            return False
        classes = context.classes()
        if all(a.kind is AttributeKind.NONE for _, klass in classes for a in klass.attributes.get(name, ())):
            return False  # None on every path: TS326
        if any(klass.annotated_optional(name) for _, klass in classes):
            return False  # torch types it by the class-level annotation
        found = default_described(classes, name, "none", context.scope.index)
        if found is None or asserted_not_none(context.node, context.compiled.info.self_name or "", name):
            return False
        owner, defaults = found
        text = self.message.format(receiver=context.receiver, name=name, owner=owner, defaults=defaults, what=what)
        context.report(expression, text)
        return True
