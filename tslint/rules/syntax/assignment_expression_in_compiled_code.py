from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class AssignmentExpressionInCompiledCode(Rule):
    """A compiled function uses an assignment expression (`:=`).

    torch's Python frontend rejects it ("NamedExpr aren't supported") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS210"
    name = "assignment-expression-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "The walrus operator `:=` is not supported in compiled code."
    fix_hint = "Assign the value in its own statement first."
    frontend = True
    torch_messages = ("NamedExpr aren't supported",)

    def visit_NamedExpr(self, node: cst.NamedExpr, context: RuleContext) -> None:
        context.report(node)
