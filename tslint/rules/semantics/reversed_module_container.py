from __future__ import annotations

import libcst as cst

from tslint.analysis.module_containers import module_container_attribute
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class ReversedModuleContainer(Rule):
    """Compiled code calls `reversed(...)` on an `nn.ModuleList` / `nn.Sequential`.

    torch only iterates module containers forwards; it tries the Tensor overload of `reversed` and
    fails with "reversed(Tensor 0) -> Tensor 0 ... Expected a value of type 'Tensor'".
    """

    code = "TS310"
    name = "reversed-module-container"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`reversed({receiver}.{name})` is not supported for module containers in compiled code."
    fix_hint = (
        "Build the container in reverse order in `__init__` (`nn.ModuleList(reversed(blocks))`) and iterate it "
        "forwards."
    )
    torch_messages = ("reversed(Tensor 0)",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if context.qualify(node.func) == "reversed" and node.args:
            name = module_container_attribute(node.args[0].value, context)
            if name is not None:
                context.report(node, self.message.format(receiver=context.receiver, name=name))
