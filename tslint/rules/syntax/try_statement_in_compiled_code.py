from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class TryStatementInCompiledCode(Rule):
    """A compiled function contains a `try` statement (with `except` or `finally`).

    torch's Python frontend rejects it ("try blocks aren't supported") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS203"
    name = "try-statement-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`try` statements are not supported in compiled code."
    fix_hint = "Check the condition explicitly, or move the code into a `@torch.jit.ignore` method."
    frontend = True
    torch_messages = ("try blocks aren't supported", "TryStar aren't supported")

    def visit_Try(self, node: cst.Try, context: RuleContext) -> None:
        context.report(node, header_only=True)

    def visit_TryStar(self, node: cst.TryStar, context: RuleContext) -> None:
        context.report(node, header_only=True)
