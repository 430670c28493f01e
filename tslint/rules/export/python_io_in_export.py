from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

OPENS = frozenset({"open", "io.open"})


class PythonIoInExport(Rule):
    """Exported code opens a file (`open(...)`, `io.open(...)`).

    Non-strict torch.export.export (torch 2.13's default) runs the call once while tracing, and the
    exported program never does it again: what it writes is written once, what it reads is a constant
    of the program. Strict export refuses it ("Failed to trace builtin operator"; probed in torch 2.13
    with `open(...)` and a `write`, which non-strict export ran once, at export time only).
    """

    code = "TS510"
    name = "python-io-in-export"
    severity = Severity.WARNING
    mode = Mode.EXPORT
    message = (
        "`{name}(...)` runs once while exporting: the exported program never does it (what it reads is a constant), "
        "and strict export fails on it."
    )
    fix_hint = "Do the I/O outside the model: read before calling it and pass tensors in, write what it returns."
    torch_messages = ("Failed to trace builtin operator",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.qualify(node.func) or ""
        if name in OPENS and not (isinstance(node.func, cst.Name) and node.func.value in context.local_names()):
            context.report(node, self.message.format(name=name))
