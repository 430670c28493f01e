from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.export._shape_summaries import export_values
from tslint.rules.export._values import DATA, unbacked_decision


def decided_by_data(test: cst.BaseExpression, context: RuleContext) -> str:
    """What of a tensor's data decides `test` ("a tensor's values", "a Python value read from a
    tensor"), or "" when nothing does or tslint cannot tell. A tensor condition counts only when the
    type model agrees that it is a Tensor (a helper's return may be a Python bool)."""
    values = export_values(context)
    if values.behind_shape_decision(test):
        return ""  # reached on some input shapes only: export may never trace it
    if values.is_checked(test):
        return ""  # a torch._check on what it reads: torch may decide the guard from it
    if DATA in values.kind(test):
        return "a Python value read from a tensor"
    if unbacked_decision(values, test):
        return ""  # the size of a tensor whose shape depends on data (a helper's result): TS502 reports it
    if values.evidently_tensor(test):
        return "a tensor's values"
    return ""


class DataDependentControlFlowInExport(Rule):
    """Exported code branches, loops or asserts on a tensor's values, or on a Python value read from one.

    torch.export.export traces `forward` with symbolic inputs: a Python decision on tensor data has no
    value to take at export time, so export fails ("Could not guard on data-dependent expression",
    "Data-dependent branching"). Shapes, ranks and `is None` tests are not data; a value that a
    `torch._check(...)` of the function constrains is left alone.
    """

    code = "TS501"
    name = "data-dependent-control-flow-in-export"
    severity = Severity.ERROR
    mode = Mode.EXPORT
    message = "This {statement} depends on {what}: torch.export.export cannot trace a Python decision on tensor data."
    fix_hint = (
        "Use `torch.cond(pred, true_fn, false_fn, (x,))` or tensor ops (`torch.where`); for a value that only sizes "
        "things, state what you know with `torch._check(...)`."
    )
    torch_messages = ("Could not guard on data-dependent expression", "Data-dependent branching")

    def _check(self, test: cst.BaseExpression, statement: str, context: RuleContext) -> None:
        what = decided_by_data(test, context)
        if what:
            context.report(test, self.message.format(statement=statement, what=what))

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        self._check(node.test, "`if`", context)

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        self._check(node.test, "`while` condition", context)

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        self._check(node.test, "conditional expression", context)

    def visit_Assert(self, node: cst.Assert, context: RuleContext) -> None:
        self._check(node.test, "`assert`", context)

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        iterable = node.iter
        if isinstance(iterable, cst.Call) and context.qualify(iterable.func) == "range" and iterable.args:
            values = export_values(context)
            if (
                any(DATA in values.kind(a.value) for a in iterable.args)
                and not values.is_checked(iterable)
                and not values.behind_shape_decision(iterable)
            ):
                context.report(
                    iterable, self.message.format(statement="loop count", what="a Python value read from a tensor")
                )
