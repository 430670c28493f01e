from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class SetInCompiledCode(Rule):
    """A compiled function builds a set (`{a, b}` or a set comprehension).

    torch's Python frontend rejects it ("Set aren't supported / SetComp aren't supported") while parsing the function,
    so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS206"
    name = "set-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Sets are not supported in compiled code."
    fix_hint = "Use a list (`[a, b]`) or a dict with dummy values."
    frontend = True
    torch_messages = ("Set aren't supported", "SetComp aren't supported")

    def visit_Set(self, node: cst.Set, context: RuleContext) -> None:
        context.report(node)

    def visit_SetComp(self, node: cst.SetComp, context: RuleContext) -> None:
        context.report(node)
