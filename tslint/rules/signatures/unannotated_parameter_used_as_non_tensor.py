from __future__ import annotations

import libcst as cst

from tslint.analysis.parameters import CollectsParameterUses
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


def _is_string(expression: cst.BaseExpression) -> bool:
    return isinstance(expression, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def _is_string_collection(expression: cst.BaseExpression) -> bool:
    return (
        isinstance(expression, (cst.Tuple, cst.List, cst.Set))
        and bool(expression.elements)
        and all(_is_string(element.value) for element in expression.elements)
    )


class UnannotatedParameterUsedAsNonTensor(CollectsParameterUses, Rule):
    """An unannotated parameter with no default is used where TorchScript needs an int or a string.

    TorchScript types the parameter as Tensor, then rejects the use: `range(n)` fails with "all inputs
    of range must be ints, found Tensor (inferred)", and `mode == "train"` or `mode in ("a", "b")` with
    "Arguments for call are not valid".
    """

    code = "TS106"
    name = "unannotated-parameter-used-as-non-tensor"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Parameter `{param}` has no annotation, so TorchScript types it as Tensor and rejects its use as {use}."
    fix_hint = "Annotate the parameter with the type it holds (`int`, `str`, ...)."
    torch_messages = ("all inputs of range must be ints", "found type 'Tensor (inferred)'")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if context.qualify(node.func) != "range":
            return
        uses = self.uses(context)
        for argument in node.args:
            name = uses.parameter(argument.value)
            if name is not None:
                uses.uses.append((name, (argument.value, "a `range` bound")))

    def visit_Comparison(self, node: cst.Comparison, context: RuleContext) -> None:
        uses = self.uses(context)
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)):
                for side, other in ((left, right), (right, left)):
                    name = uses.parameter(side)
                    if name is not None and _is_string(other):
                        uses.uses.append((name, (side, "a string")))
            elif isinstance(target.operator, (cst.In, cst.NotIn)) and _is_string_collection(right):
                name = uses.parameter(left)
                if name is not None:
                    uses.uses.append((name, (left, "a string")))
            left = right

    def end_function(self, context: RuleContext) -> None:
        for name, (use, description) in self.uses(context).live_uses():
            context.report(use, self.message.format(param=name, use=description))
