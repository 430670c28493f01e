from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class BytesLiteralInCompiledCode(Rule):
    """Compiled code contains a bytes literal (`b"..."`).

    TorchScript has no bytes type. torch's Python frontend rejects the function while parsing it
    ("Unknown Constant expression type"), so it fails even inside branches torch does not compile,
    such as `if not torch.jit.is_scripting():`.
    """

    code = "TS217"
    name = "bytes-literal-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Bytes literals are not supported in compiled code."
    fix_hint = 'Use a str (`"..."`), or move the bytes work into a `@torch.jit.ignore` method.'
    torch_messages = ("Unknown Constant expression type",)
    frontend = True

    def visit_SimpleString(self, node: cst.SimpleString, context: RuleContext) -> None:
        if "b" in node.prefix.lower():
            context.report(node)
