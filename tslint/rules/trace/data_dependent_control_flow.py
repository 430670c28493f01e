from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.analysis.trace_taint import Kind
from tslint.analysis.traversal import suite_statements

WHAT = {Kind.TENSOR: "a tensor's values", Kind.SIZE: "a tensor's size"}


def _only_raises(block: cst.BaseSuite) -> bool:
    statements = suite_statements(block)
    smalls = []
    for statement in statements:
        if not isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return False
        smalls.extend(statement.body)
    return bool(smalls) and all(isinstance(small, (cst.Raise, cst.Expr)) for small in smalls) and any(
        isinstance(small, cst.Raise) for small in smalls
    )


class DataDependentControlFlow(Rule):
    """Traced code branches or loops on a tensor's values or sizes.

    torch.jit.trace records only the branch the example input took ("TracerWarning: Converting a
    tensor to a Python boolean might cause the trace to be incorrect"); other inputs silently take
    the same path. Branches on the rank (`x.dim() == 4`), on constructor settings, on whether an
    optional argument was passed (`mask is None`) and input checks that only raise are not reported.
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
        if node.orelse is None and _only_raises(node.body):
            return  # input validation: the trace drops the check, but computes the right answers
        self._check(node.test, "`if`", context)

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        self._check(node.test, "`while` condition", context)

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        self._check(node.test, "conditional expression", context)

    def visit_Assert(self, node: cst.Assert, context: RuleContext) -> None:
        if context.taint().kind(node.test) is not Kind.SIZE:  # shape checks are validation, as above
            self._check(node.test, "`assert`", context)
