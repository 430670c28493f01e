from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import Kind
from tslint.analysis.trace_values import decided_by_tracing
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.trace.data_dependent_control_flow import _only_raises


class DroppedInputCheck(Rule):
    """Traced code checks a tensor's size in an `if` that only raises, or in an `assert`.

    torch.jit.trace evaluates the check once, for the example input, and records nothing of it
    ("TracerWarning: Converting a tensor to a Python boolean"): the traced model no longer raises
    for the inputs eager mode rejects, and runs them to some other answer. Valid inputs get the same
    answers, which is why this is its own rule, apart from TS401. Checks on tensor values are TS401;
    checks on the rank (`x.dim() != 4`) or on constructor settings are not reported.
    """

    code = "TS413"
    name = "dropped-input-check"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = (
        "This {statement} checks a tensor's size: torch.jit.trace evaluates it once and drops it, so the traced "
        "model runs inputs that eager mode rejects."
    )
    fix_hint = (
        "Move the check into a `@torch.jit.script` function that returns its tensor (`x = check(x)`): scripted code "
        "keeps its checks inside a trace. Or check the input before calling the traced model."
    )

    def _check(self, test: cst.BaseExpression, statement: str, context: RuleContext) -> None:
        if decided_by_tracing(test, context.imports):
            return
        taint = context.taint()
        if taint.kind(test) is Kind.SIZE and not taint.is_container(test) and not taint.is_guess(test):
            context.report(test, self.message.format(statement=statement))

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        if node.orelse is None and _only_raises(node.body):
            self._check(node.test, "`if`", context)

    def visit_Assert(self, node: cst.Assert, context: RuleContext) -> None:
        self._check(node.test, "`assert`", context)
