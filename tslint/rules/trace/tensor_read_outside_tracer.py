from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import Kind
from tslint.analysis.traversal import rooted_at
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class TensorReadOutsideTracer(Rule):
    """Traced code reads a tensor computed from forward's inputs in a way the tracer does not see:
    `.data` (`x.data * 2`, `y.data.mul_(2)`, `x.data[0] = 0`), `copy.copy(x)` or `copy.deepcopy(x)`.

    These leave autograd and the tracer with it: torch records the example input's values as a
    constant tensor, so the traced model ignores its input there, and writes through `.data` are not
    recorded at all — silently, with no TracerWarning. The `.data` of parameters and buffers
    (`self.weight.data`) is not reported: it does not depend on the input.
    """

    code = "TS410"
    name = "tensor-read-outside-tracer"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = (
        "`{what}` of a tensor computed from the inputs is recorded as a constant: the trace ignores the input here."
    )
    fix_hint = (
        "Use `.detach()` instead of `.data`, `.clone()` instead of `copy.copy` / `copy.deepcopy`: the tracer records "
        "those."
    )

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        if node.attr.value != "data" or rooted_at(node.value, context.compiled.info.self_name):
            return
        if context.taint().kind(node.value) is Kind.TENSOR:
            context.report(node, self.message.format(what=".data"))

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.qualify(node.func)
        if name in ("copy.copy", "copy.deepcopy") and node.args:
            value = node.args[0].value
            if context.taint().kind(value) is Kind.TENSOR and not rooted_at(value, context.compiled.info.self_name):
                context.report(node, self.message.format(what=f"{name}(...)"))
