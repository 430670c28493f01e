from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class AssertOfTuple(Rule):
    """Compiled code asserts a parenthesised tuple: `assert (x.dim() == 4, "expected NCHW")`.

    The parentheses make one tuple of the condition and the message. In Python the assertion never
    fails (a non-empty tuple is true; Python only warns "assertion is always true"); TorchScript
    cannot turn a tuple into a bool: "Could not cast value of type Tuple[bool, str] to bool".
    """

    code = "TS354"
    name = "assert-of-tuple"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`assert (condition, message)` asserts a tuple: TorchScript cannot use a tuple as a bool, and Python never fails it."
    fix_hint = "Drop the parentheses: `assert condition, message`."
    torch_messages = ("Could not cast value of type Tuple",)

    def visit_Assert(self, node: cst.Assert, context: RuleContext) -> None:
        if isinstance(node.test, cst.Tuple) and node.test.elements:
            context.report(node.test)
