from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class SuperCallInCompiledCode(Rule):
    """Compiled code calls a method through `super()`.

    TorchScript has no `super()`: it compiles it as a call on the first argument, so
    `super().forward(x)` fails with "'Tensor' object has no attribute or method 'forward'".
    """

    code = "TS301"
    name = "super-call-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`super().{method}(...)` is not supported in compiled code."
    fix_hint = "Move the shared code into a differently named method of the base class and call it with `self.`."
    torch_messages = ("object has no attribute or method 'forward'", "Python type cannot be used as a value")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Call)
            and context.qualify(func.value.func) == "super"
        ):
            context.report(node, self.message.format(method=func.attr.value))
