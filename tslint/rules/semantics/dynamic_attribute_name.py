from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class DynamicAttributeName(Rule):
    """Compiled code calls `getattr` or `hasattr` with an attribute name that is not a string literal.

    torch resolves attributes while compiling: "hasattr's second argument must be a string literal".
    """

    code = "TS309"
    name = "dynamic-attribute-name"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{function}` needs a string literal as the attribute name in compiled code."
    fix_hint = (
        "Spell the attribute out (`self.layer1`), or keep the objects in an `nn.ModuleDict` / `Dict` and index it."
    )
    torch_messages = ("second argument must be a string literal",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        function = context.qualify(node.func)
        if function in ("getattr", "hasattr") and len(node.args) >= 2:
            name = node.args[1].value
            if not isinstance(name, (cst.SimpleString, cst.ConcatenatedString)):
                context.report(name, self.message.format(function=function))
