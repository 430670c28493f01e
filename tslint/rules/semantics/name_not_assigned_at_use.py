from __future__ import annotations

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class NameNotAssignedAtUse(Rule):
    """Compiled code reads a variable of its own where TorchScript has no value for it: after the
    loop that assigned it (`for i in range(n): y = ...`, then `return y` — the loop variable `i`
    too), in a loop body before the assignment an earlier iteration made, before its first
    assignment, after `del y`, or outside the comprehension that binds it.

    A loop body is a scope of its own in TorchScript: what it assigns first is gone after the loop,
    and each iteration starts from the values before the loop. torch then looks the name up among the
    module's globals and fails: "undefined value y". Python runs the loop cases whenever the loop
    body ran at least once. Loops torch unrolls (over a `ModuleList` or a tuple) are exempt: they are
    straight-line code.
    """

    code = "TS345"
    name = "name-not-assigned-at-use"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}` has no value here in TorchScript: {reason}."
    fix_hint = (
        "Give the variable a value on every way to the read: assign it before the loop that updates it "
        "(`y = torch.zeros_like(x)`, `last = 0`), or read it where it is assigned."
    )
    torch_messages = ("undefined value",)

    def end_function(self, context: RuleContext) -> None:
        for problem in context.names().problems:
            if problem.kind == "unset":
                context.report(problem.node, self.message.format(name=problem.node.value, reason=problem.reason))
