from __future__ import annotations

import libcst as cst

from tslint.ftypes import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.trace_taint import Kind

WHAT = {Kind.TENSOR: "a tensor's values", Kind.SIZE: "a tensor's size"}


class DataDependentControlFlow(Rule):
    """Traced code branches or loops on a tensor's values or sizes.

    torch.jit.trace records only the branch the example input took ("TracerWarning: Converting a
    tensor to a Python boolean might cause the trace to be incorrect"); other inputs silently take
    the same path. Branches on the rank (`x.dim() == 4`) and on constructor settings are fine.
    """

    code = "TS401"
    name = "data-dependent-control-flow"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "This {statement} depends on {what}: torch.jit.trace records only the path the example input took."
    fix_hint = "Move the decision into a `@torch.jit.script` function (it keeps its control flow when traced), or use tensor ops such as `torch.where`."

    def _check(self, test: cst.BaseExpression, statement: str, context: RuleContext) -> None:
        what = WHAT.get(context.taint().kind(test))
        if what is not None:
            context.report(test, self.message.format(statement=statement, what=what))

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        self._check(node.test, "`if`", context)

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        self._check(node.test, "`while` condition", context)

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        self._check(node.test, "conditional expression", context)

    def visit_Assert(self, node: cst.Assert, context: RuleContext) -> None:
        self._check(node.test, "`assert`", context)
