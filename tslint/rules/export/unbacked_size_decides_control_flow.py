from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.export._shape_summaries import (
    bound_parameter,
    callee,
    decides,
    export_values,
    slotted_arguments,
    summary_of,
)
from tslint.rules.export._values import DATA, DYNAMIC_SHAPE, UNBACKED, unbacked_decision


class UnbackedSizeDecidesControlFlow(Rule):
    """Exported code branches or loops on the size of a tensor whose shape depends on data.

    `.nonzero()`, `torch.unique`, `masked_select`, `torch.where(cond)` and boolean-mask indexing
    (`x[x > 0]`) give tensors with as many rows as the data decides. torch.export.export traces them
    with an unbacked size symbol (`u0`): computing with it is fine, but a Python decision on it
    (`if idx.shape[0] > 0:`, `for i in range(len(idx)):`) fails ("Could not guard on data-dependent
    expression u0 > 0", "Could not extract specialized integer from data-dependent expression u0").
    Tensors made from such a tensor keep its rows (`boxes[keep]`, `scores.topk(k)`, `torch.cat` of a
    list of them); a call handing one to a project function that decides on its size, in any file,
    is reported at the call (_shape_summaries.py). A size that a `torch._check(...)` of the function
    constrains is left alone.
    """

    code = "TS502"
    name = "unbacked-size-decides-control-flow"
    severity = Severity.ERROR
    mode = Mode.EXPORT
    message = (
        "This {statement} depends on the size of a tensor whose shape depends on data: torch.export.export cannot "
        "decide it."
    )
    fix_hint = (
        "Let the tensor ops handle every size (an empty result included) instead of branching; if you know the "
        "answer, say so with `torch._check(...)` before the branch, or use `torch.cond`."
    )
    torch_messages = (
        "Could not guard on data-dependent expression",
        "Could not extract specialized integer from data-dependent expression",
    )

    call_message = (
        "This call hands `{argument}`, a tensor whose size depends on data, to `{callee}`, which decides on that "
        "size in Python: torch.export.export cannot decide it."
    )

    def _check(self, test: cst.BaseExpression, statement: str, context: RuleContext) -> None:
        if unbacked_decision(export_values(context), test):
            context.report(test, self.message.format(statement=statement))

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        values = export_values(context)
        dynamic = [a for a in node.args if not a.star and DYNAMIC_SHAPE in values.kind(a.value)]
        if not dynamic or values.behind_shape_decision(node):
            return
        function = callee(context, node)
        summary = summary_of(context, function)
        if summary is None:
            return
        memo = context.shared.setdefault("export-decides", {})
        for slot, argument in slotted_arguments(node):
            parameter = bound_parameter(summary, slot)
            if (
                any(argument is d for d in dynamic)
                and parameter is not None
                and not values.is_checked(argument.value)
                and decides(context, function, parameter, memo)
            ):
                name = context.source[0].code_for_node(argument.value) if context.source[0] else parameter
                context.report(node, self.call_message.format(argument=name, callee=function.name))
                return

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        self._check(node.test, "`if`", context)

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        self._check(node.test, "`while` condition", context)

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        self._check(node.test, "conditional expression", context)

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        iterable = node.iter
        if isinstance(iterable, cst.Call) and context.qualify(iterable.func) == "range" and iterable.args:
            values = export_values(context)
            kinds = [values.kind(a.value) for a in iterable.args]
            if (
                any(UNBACKED in k for k in kinds)
                and not any(DATA in k for k in kinds)
                and not values.is_checked(iterable)
                and not values.behind_shape_decision(iterable)
            ):
                context.report(iterable, self.message.format(statement="loop count"))
