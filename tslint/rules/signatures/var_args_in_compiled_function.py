from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class VarArgsInCompiledFunction(Rule):
    """A compiled function takes `*args` or `**kwargs`.

    torch's frontend refuses any compiled signature with a variable number of arguments.
    """

    code = "TS101"
    name = "var-args-in-compiled-function"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Compiled function takes a variable number of arguments (`{param}`)."
    fix_hint = "List the parameters explicitly, with type annotations."
    frontend = True
    torch_messages = ("Compiled functions can't take variable number of arguments",)

    def visit_Parameters(self, node: cst.Parameters, context: RuleContext) -> None:
        for param in (node.star_arg, node.star_kwarg):
            if isinstance(param, cst.Param):
                stars = "*" if param is node.star_arg else "**"
                context.report(param, self.message.format(param=f"{stars}{param.name.value}"))
