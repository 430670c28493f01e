from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import Kind
from tslint.analysis.trace_values import decided_by_tracing
from tslint.analysis.traversal import nodes_in_scope, suite_statements
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.trace._scripted_branch import scripted_branch

WHAT = {Kind.TENSOR: "a tensor's values", Kind.SIZE: "a tensor's size"}


_OPERATIONS = frozenset({cst.BooleanOperation})


def _claim(test: cst.BaseExpression, context: RuleContext) -> None:
    """The `and` / `or` of a condition are reported with the condition (or not at all); those in a
    lambda are the lambda's."""
    if type(test) is not cst.Lambda:
        context.state.update(nodes_in_scope(test, _OPERATIONS))


def _operations(node: cst.BaseExpression) -> list:
    found = []
    while isinstance(node, cst.BooleanOperation):
        found.append(node)
        node = node.left
    return found


def _operator(node: cst.BooleanOperation) -> str:
    return "and" if isinstance(node.operator, cst.And) else "or"


def _only_raises(block: cst.BaseSuite) -> bool:
    statements = suite_statements(block)
    smalls = []
    for statement in statements:
        if not isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return False
        smalls.extend(statement.body)
    return (
        bool(smalls)
        and all(isinstance(small, (cst.Raise, cst.Expr)) for small in smalls)
        and any(isinstance(small, cst.Raise) for small in smalls)
    )


class DataDependentControlFlow(Rule):
    """Traced code branches or loops on a tensor's values or sizes.

    torch.jit.trace records only the branch the example input took ("TracerWarning: Converting a
    tensor to a Python boolean might cause the trace to be incorrect"); other inputs silently take
    the same path. Branches on the rank (`x.dim() == 4`), on constructor settings, on whether an
    optional argument was passed (`mask is None`) and input checks that only raise are not reported
    (those on sizes are TS413's).
    """

    code = "TS401"
    name = "data-dependent-control-flow"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "This {statement} depends on {what}: torch.jit.trace records only the path the example input took."
    fix_hint = (
        "Move the decision into a `@torch.jit.script` function (it keeps its control flow when traced), or use "
        "tensor ops such as `torch.where`."
    )

    def begin_function(self, context: RuleContext) -> set:
        return set()  # the `and` / `or` nodes inside conditions reported as a whole

    def _check(self, test: cst.BaseExpression, statement: str, context: RuleContext, branch=None) -> None:
        if decided_by_tracing(test, context.imports):
            return
        taint = context.taint()
        what = WHAT.get(taint.kind(test))
        if what is not None and not taint.is_container(test) and not taint.is_guess(test):  # `if boxes:` of a list
            fix = scripted_branch(branch, context) if branch is not None else None
            context.report(test, self.message.format(statement=statement, what=what), fix=fix)

    def visit_BooleanOperation(self, node: cst.BooleanOperation, context: RuleContext) -> None:
        """`padding = pad_b > 0 or pad_r > 0`: `or` and `and` decide on their left operand."""
        if node in context.state:
            return
        if decided_by_tracing(node, context.imports):
            context.state.update(_operations(node))
            return
        taint = context.taint()
        what = WHAT.get(taint.kind(node.left))
        if what is not None and not taint.is_container(node.left):
            context.report(node.left, self.message.format(statement=f"`{_operator(node)}`", what=what))
        if isinstance(node.left, cst.BooleanOperation):
            context.state.add(node.left)  # `a or b or c`: reported once, at the outer operation

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        _claim(node.test, context)
        if node.orelse is None and _only_raises(node.body):
            return  # input validation: the trace drops the check (TS413 on sizes), right answers for valid inputs
        self._check(node.test, "`if`", context, node)

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        _claim(node.test, context)
        self._check(node.test, "`while` condition", context)

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        _claim(node.test, context)
        self._check(node.test, "conditional expression", context, node)

    def visit_CompIf(self, node: cst.CompIf, context: RuleContext) -> None:
        _claim(node.test, context)
        self._check(node.test, "comprehension condition", context)

    def visit_Assert(self, node: cst.Assert, context: RuleContext) -> None:
        _claim(node.test, context)
        if context.taint().kind(node.test) is not Kind.SIZE:  # shape checks are validation: TS413
            self._check(node.test, "`assert`", context)
