from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class LambdaInCompiledCode(Rule):
    """A compiled function contains a `lambda`.

    torch's Python frontend rejects it ("Lambda aren't supported") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS201"
    name = "lambda-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`lambda` is not supported in compiled code."
    fix_hint = "Define a method or a module-level function and call it."
    frontend = True
    torch_messages = ("Lambda aren't supported",)

    def visit_Lambda(self, node: cst.Lambda, context: RuleContext) -> None:
        context.report(node)
