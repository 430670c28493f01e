from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class YieldInCompiledCode(Rule):
    """A compiled function contains `yield` (it is a generator).

    torch's Python frontend rejects it ("Yield aren't supported") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS204"
    name = "yield-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`yield` is not supported: compiled functions cannot be generators."
    fix_hint = "Build and return a list instead."
    frontend = True
    torch_messages = ("Yield aren't supported",)

    def visit_Yield(self, node: cst.Yield, context: RuleContext) -> None:
        context.report(node)
