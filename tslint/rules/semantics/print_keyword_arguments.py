from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class PrintKeywordArguments(Rule):
    """Compiled code passes keyword arguments to `print` (`file=`, `sep=`, `end=`, `flush=`).

    torch: "print doesn't accept any keyword arguments".
    """

    code = "TS308"
    name = "print-keyword-arguments"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`print` does not accept keyword arguments (`{keyword}=`) in compiled code."
    fix_hint = "Print positional arguments only; build the text with `str.format` or an f-string first."

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if context.qualify(node.func) != "print":
            return
        for argument in node.args:
            if argument.keyword is not None:
                context.report(argument, self.message.format(keyword=argument.keyword.value))
