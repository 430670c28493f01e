from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class GlobalStatementInCompiledCode(Rule):
    """A compiled function contains a `global` statement.

    torch's Python frontend rejects it ("global variables aren't supported") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS205"
    name = "global-statement-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`global` statements are not supported in compiled code."
    fix_hint = "Keep the state on the module (`self.counter`) or pass it as an argument."
    frontend = True
    torch_messages = ("global variables aren't supported",)

    def visit_Global(self, node: cst.Global, context: RuleContext) -> None:
        context.report(node)
