from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import TENSOR_FACTORIES
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

NEW_METHODS = frozenset({"new_zeros", "new_ones", "new_empty", "new_full", "new_tensor"})


class FrozenDtypeOrDevice(Rule):
    """Traced code creates a tensor on a device taken from an input or a parameter as a Python value
    (`torch.zeros(n, device=x.device)`, `torch.arange(n, device=device)` after `device = x.device`,
    `device=self.weight.device`, `device=next(self.parameters()).device`, `device=self.fc.weight.device`).

    The tracer records the example input's (or the parameter's) device as a constant, silently: after
    `traced.cuda()` the traced model still creates that tensor on the CPU ("Expected all tensors to be
    on the same device"). Casts to an input's own dtype or device (`y.to(x.dtype)`, `y.to(x)`) and `dtype=x.dtype`
    are not reported: they are exact for every input of the dtype and device the model was traced for.
    """

    code = "TS408"
    name = "frozen-dtype-or-device"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`{expression}` creates a tensor on the device of the example input: the trace freezes that device."
    parameter_message = (
        "`{expression}` creates a tensor on the device of a parameter: the trace freezes that device, and the "
        "traced model moved with `.to(...)` still creates the tensor there."
    )
    fix_hint = (
        "Derive the new tensor from the input (`x.new_zeros(n)`, `torch.zeros_like(x)`), or move the code into a "
        "`@torch.jit.script` helper."
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        name = context.qualify(func) or ""
        creates = name.startswith("torch.") and name.rsplit(".", 1)[-1] in TENSOR_FACTORIES
        if not creates and not (isinstance(func, cst.Attribute) and func.attr.value in NEW_METHODS):
            return
        taint = context.taint()
        for argument in node.args:
            if argument.keyword is not None and argument.keyword.value == "device":
                found = taint.tensor_property(argument.value)
                if found in ("device", "parameter device"):
                    message = self.message if found == "device" else self.parameter_message
                    context.report(argument, message.format(expression=code_of(argument).strip().rstrip(",")))
