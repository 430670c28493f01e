from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.export._values import DATA, UNBACKED, export_values


class UnbackedSizeDecidesControlFlow(Rule):
    """Exported code branches or loops on the size of a tensor whose shape depends on data.

    `.nonzero()`, `torch.unique`, `masked_select`, `torch.where(cond)` and boolean-mask indexing
    (`x[x > 0]`) give tensors with as many rows as the data decides. torch.export.export traces them
    with an unbacked size symbol (`u0`): computing with it is fine, but a Python decision on it
    (`if idx.shape[0] > 0:`, `for i in range(len(idx)):`) fails ("Could not guard on data-dependent
    expression u0 > 0", "Could not extract specialized integer from data-dependent expression u0").
    A size that a `torch._check(...)` of the function constrains is left alone.
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

    def _check(self, test: cst.BaseExpression, statement: str, context: RuleContext) -> None:
        values = export_values(context)
        kind = values.kind(test)
        if UNBACKED in kind and DATA not in kind and not values.is_checked(test):  # DATA: TS501's
            context.report(test, self.message.format(statement=statement))

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
            ):
                context.report(iterable, self.message.format(statement="loop count"))
