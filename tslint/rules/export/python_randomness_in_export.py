from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

RANDOM = "random."


class PythonRandomnessInExport(Rule):
    """Exported code draws a random number from Python's `random` module.

    Non-strict torch.export.export (torch 2.13's default) runs the call once while tracing: the number
    drawn becomes a constant of the exported program, which then gives the same answer on every call.
    Strict export refuses the call ("Attempted to call function marked as skipped").
    """

    code = "TS507"
    name = "python-randomness-in-export"
    severity = Severity.WARNING
    mode = Mode.EXPORT
    message = "`{name}(...)` is drawn once while exporting: the exported program keeps that number as a constant."
    fix_hint = (
        "Draw with torch (`torch.rand(())`, `torch.randint(...)`, `torch.randn_like(x)`): export records those as "
        "operations."
    )
    torch_messages = ("Attempted to call function marked as skipped",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.qualify(node.func) or ""
        if name.startswith(RANDOM):
            context.report(node, self.message.format(name=name))
