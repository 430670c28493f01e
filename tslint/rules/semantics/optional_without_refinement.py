from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class OptionalWithoutRefinement(Rule):
    """Compiled code uses a variable whose type is `Optional[...]` as a value — in arithmetic
    (`x + bias`, `x += bias`), through an attribute or method (`bias.sum()`) or by subscript (`sizes[0]`) — where
    torch has not refined it to its inner type. (As a condition, `if bias:`, it is TS349's.)

    The type comes from the type model, which refines as torch does: inside `if p is not None:` (also
    `not (p is None)`, `and` chains, `isinstance`), after `if p is None: return/raise`, after `assert p
    is not None`, in the `else` of `if p is None`, in the matching arm of an if-expression. Not in a
    `while` test, not through a bool variable (`has = p is not None`), not by truthiness: "Arguments
    for call are not valid ... found type 'Optional[Tensor]'", "'Optional[Tensor]' object has no
    attribute or method 'sum'". Passing the Optional on to a function that takes one (`F.linear(x, w,
    bias)`) is fine and not reported. An attribute typed `Optional` (`mask: Optional[Tensor]` on the
    class) is never refined, even inside `if self.mask is not None:`: it must be copied to a local.
    """

    code = "TS321"
    name = "optional-without-refinement"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{name}` is `Optional` here: TorchScript needs `if {name} is not None:` (or an `assert`) before this use."
    )
    attribute_message = (
        "`{receiver}.{name}` is `Optional`, and TorchScript never refines attributes: copy it to a local "
        "(`{name} = {receiver}.{name}`) and test `if {name} is not None:` before this use."
    )
    fix_hint = "Refine it first: `if p is not None: ...`, `assert p is not None`, or `if p is None: return ...`."
    torch_messages = ("Optional[",)

    def visit_BinaryOperation(self, node: cst.BinaryOperation, context: RuleContext) -> None:
        for side in (node.left, node.right):
            self._check(side, context)

    def visit_AugAssign(self, node: cst.AugAssign, context: RuleContext) -> None:
        # `x += bias` is `aten::add_` (or `add`) of the two: the same schemas as `x + bias`.
        for side in (node.target, node.value):
            self._check(side, context)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        self._check(node.value, context)

    def visit_Subscript(self, node: cst.Subscript, context: RuleContext) -> None:
        self._check(node.value, context)

    def _check(self, value: cst.BaseExpression, context: RuleContext) -> None:
        if isinstance(value, cst.Name) and context.types().type_of(value).kind == "Optional":
            context.report(value, self.message.format(receiver=context.receiver, name=value.value))
            return
        attribute = context.self_attribute(value)
        if attribute is not None and context.types().type_of(value).kind == "Optional":
            context.report(value, self.attribute_message.format(receiver=context.receiver, name=attribute))
