from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class KeywordOnlyParameterWithDefault(Rule):
    """A compiled function has a keyword-only parameter with a default value.

    torch's frontend rejects it in compiled functions, and on an `@torch.jit.ignore` method that
    compiled code calls it trips an internal assertion with no source location.
    """

    code = "TS102"
    name = "keyword-only-parameter-with-default"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Keyword-only parameter `{param}` has a default value, which TorchScript does not support."
    fix_hint = "Make the parameter positional-or-keyword (drop the `*` before it)."
    torch_messages = ("INTERNAL ASSERT FAILED", "use keyword-only arguments with defaults")
    frontend = True
    checks_uncompiled_signatures = True

    def visit_Parameters(self, node: cst.Parameters, context: RuleContext) -> None:
        for param in node.kwonly_params:
            if param.default is not None:
                context.report(param, self.message.format(param=param.name.value))
