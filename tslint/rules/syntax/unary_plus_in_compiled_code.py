from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class UnaryPlusInCompiledCode(Rule):
    """Compiled code applies unary `+` to a value.

    torch's Python frontend rejects it ("'UnaryOp' object has no attribute 'range' (an internal error: torch gives no source location)") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS215"
    name = "unary-plus-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Unary `+` is not supported in compiled code."
    fix_hint = "Drop the `+` (it does nothing), or use `x.clone()` if a copy was meant."
    torch_messages = ("'UnaryOp' object has no attribute 'range'",)
    frontend = True

    def visit_UnaryOperation(self, node: cst.UnaryOperation, context: RuleContext) -> None:
        if isinstance(node.operator, cst.Plus):
            context.report(node)
