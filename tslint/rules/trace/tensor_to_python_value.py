from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import PYTHON_CONVERSIONS, VALUE_METHODS, Kind
from tslint.analysis.trace_values import MATH_ARITHMETIC
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

COMPARES = "`{call}` compares {what} in Python: the trace freezes which one it picks."


class TensorToPythonValue(Rule):
    """Traced code turns a tensor, or a tensor's size, into a Python number or list.

    `.item()`, `.tolist()`, `int(t)`, `float(t)`, `int(x.size(0))`, `math.sqrt(x.size(1))`, `len(t)`,
    `x.size().numel()` (torch.Size multiplies in C++, with no warning), and
    `max(h, w)` / `min(h, w)` of sizes (Python compares them): the value is recorded as a constant ("TracerWarning:
    Converting a tensor to a Python number might cause the
    trace to be incorrect"), so the trace computes with the example input's value forever.
    """

    code = "TS402"
    name = "tensor-to-python-value"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`{call}` turns {what} into a Python value: the trace freezes it as a constant."
    fix_hint = (
        "Stay in tensor operations (`x.sum()` instead of `x.sum().item()`); keep sizes as `x.size(0)` without "
        "`int(...)`."
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in VALUE_METHODS:
            if context.taint().kind(func.value) is Kind.TENSOR:
                context.report(node, self.message.format(call=f".{func.attr.value}()", what="a tensor"))
                return
        if isinstance(func, cst.Attribute) and func.attr.value == "numel" and not node.args:
            if context.taint().kind(func.value) is Kind.SIZE:  # of a torch.Size: multiplied in C++
                context.report(node, self.message.format(call=".numel()", what="a tensor's size"))
                return
        if not node.args:
            return
        name = context.qualify(func) or ""
        # The tensor-dependence analysis is asked for only by a call that may be reported: it is
        # the costly part of the rule, and most calls are none of these.
        if name in ("max", "min") and len(node.args) >= 2 and not any(a.star for a in node.args):
            taint = context.taint()
            kinds = [taint.kind(argument.value) for argument in node.args]
            if Kind.SIZE in kinds and Kind.TENSOR not in kinds:  # of tensors: TS342's error comes first
                context.report(node, COMPARES.format(call=f"{name}(...)", what="a tensor's size"))
                return
        if name == "len":
            taint = context.taint()
            if taint.kind(node.args[0].value) is Kind.TENSOR and not _maybe_list(node.args[0].value, taint):
                context.report(node, self.message.format(call="len(...)", what="a tensor's size"))
                return
        if name in PYTHON_CONVERSIONS or (name.startswith("math.") and name not in MATH_ARITHMETIC):
            taint = context.taint()
            kind = max(taint.kind(argument.value) for argument in node.args)
            if kind in (Kind.TENSOR, Kind.SIZE):
                what = "a tensor" if kind is Kind.TENSOR else "a tensor's size"
                context.report(node, self.message.format(call=f"{name}(...)", what=what))


def _maybe_list(node: cst.BaseExpression, taint) -> bool:
    """`len(boxes)` of a list, a tuple, or a parameter that may be one: its length is structure."""
    return taint.is_container(node) or taint.is_guess(node)
