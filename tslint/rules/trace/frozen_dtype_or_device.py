from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.analysis.trace_taint import Kind
from tslint.analysis.traversal import rooted_at
from tslint.analysis.traversal import code_of

PROPERTY_KEYWORDS = frozenset({"dtype", "device"})
CONVERSIONS = frozenset({"to", "type"})


class FrozenDtypeOrDevice(Rule):
    """Traced code passes a tensor's `dtype` or `device` to another operation
    (`torch.zeros(n, dtype=x.dtype)`, `torch.arange(n, device=x.device)`, `y.to(x.dtype)`, `y.to(x)`).

    The tracer records the dtype and device of the example input as constants, silently: the traced
    model then builds float32 CPU tensors for a float64 (or half, or CUDA) input — a wrong dtype, or
    "Expected all tensors to be on the same device" after `traced.cuda()`.
    """

    code = "TS408"
    name = "frozen-dtype-or-device"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`{expression}` passes a tensor's {what} as a Python value: the trace freezes the example input's {what}."
    fix_hint = "Derive the new tensor from the input (`x.new_zeros(n)`, `torch.zeros_like(x)`, `y.type_as(x)`), or move the code into a `@torch.jit.script` helper."

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        taint = context.taint()
        frozen = []
        for argument in node.args:
            if argument.keyword is not None and argument.keyword.value in PROPERTY_KEYWORDS:
                what = taint.tensor_property(argument.value)
                if what is not None:
                    frozen.append((argument, what))
        if frozen:  # one finding per call, at its first such argument: `dtype=x.dtype, device=x.device`
            expression = ", ".join(_code(argument) for argument, _ in frozen)
            what = " and ".join(dict.fromkeys(what for _, what in frozen))
            context.report(frozen[0][0], self.message.format(expression=expression, what=what))
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in CONVERSIONS and taint.kind(func.value) is Kind.TENSOR):
            return
        for argument in node.args:
            if argument.keyword is not None:
                continue
            what = taint.tensor_property(argument.value)
            if (what is None and func.attr.value == "to" and taint.kind(argument.value) is Kind.TENSOR
                    and not rooted_at(argument.value, context.compiled.info.self_name)):
                what = "dtype and device"  # `.to(other)` reads other's dtype and device in Python
            if what is not None:
                context.report(node, self.message.format(expression=f".{func.attr.value}({_code(argument.value)})", what=what))


def _code(node: cst.CSTNode) -> str:
    return code_of(node).strip().rstrip(",")
