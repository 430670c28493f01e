from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class KeywordArgumentExpansion(Rule):
    """A call in compiled code expands a dict into keyword arguments (`f(**options)`).

    torch's Python frontend rejects it ("keyword-arg expansion is not supported") while parsing the function, so it
    fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS209"
    name = "keyword-argument-expansion"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`**` keyword-argument expansion is not supported in compiled code."
    fix_hint = "Pass the keyword arguments explicitly."
    frontend = True
    torch_messages = ("keyword-arg expansion is not supported",)

    def visit_Arg(self, node: cst.Arg, context: RuleContext) -> None:
        if node.star == "**":
            context.report(node)
