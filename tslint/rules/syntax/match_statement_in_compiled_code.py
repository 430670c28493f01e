from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class MatchStatementInCompiledCode(Rule):
    """A compiled function contains a `match` statement.

    torch's Python frontend rejects it ("Match aren't supported") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS221"
    name = "match-statement-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`match` statements are not supported in compiled code."
    fix_hint = "Write the cases as an `if`/`elif` chain."
    frontend = True
    torch_messages = ("Match aren't supported",)

    def visit_Match(self, node: cst.Match, context: RuleContext) -> None:
        context.report(node, header_only=True)
