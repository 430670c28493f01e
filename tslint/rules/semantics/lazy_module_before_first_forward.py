from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

UNINITIALIZED = frozenset(
    {
        "torch.nn.UninitializedParameter",
        "torch.nn.UninitializedBuffer",
        "torch.nn.parameter.UninitializedParameter",
        "torch.nn.parameter.UninitializedBuffer",
    }
)


def _lazy_class(callee: Optional[str]) -> bool:
    """`torch.nn.LazyLinear`, `torch.nn.modules.conv.LazyConv2d`, ...: torch's lazy modules."""
    if not callee or not callee.startswith("torch.nn."):
        return False
    return callee.rpartition(".")[2].startswith("Lazy") and not callee.endswith("LazyModuleMixin")


class LazyModuleBeforeFirstForward(Rule):
    """Compiled code uses a lazy submodule (`self.fc = nn.LazyLinear(10)`) or an uninitialized
    parameter (`self.weight = UninitializedParameter()`).

    A lazy module creates its parameters in its first forward pass; until then torch.jit.script
    fails: "'LazyLinear' has uninitialized parameters weight. Did you forget to run a forward
    pass?". Scripting after one forward pass on an example input works, hence a warning.
    """

    code = "TS322"
    name = "lazy-module-before-first-forward"
    severity = Severity.WARNING
    mode = Mode.SCRIPT
    message = "`{receiver}.{name}` is {what}: torch.jit.script fails until a forward pass has created its parameters."
    fix_hint = (
        "Run one forward pass on an example input before scripting, or use the non-lazy module with explicit sizes."
    )
    torch_messages = ("has uninitialized parameters",)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = context.self_attribute(node)
        if name is None:
            return
        for assignment in context.attribute(name):
            if _lazy_class(assignment.callee):
                what = f"a lazy module (`{assignment.callee.rpartition('.')[2]}`)"
            elif assignment.callee in UNINITIALIZED:
                what = "an uninitialized parameter"
            else:
                continue
            context.report(node, self.message.format(receiver=context.receiver, name=name, what=what))
            return
