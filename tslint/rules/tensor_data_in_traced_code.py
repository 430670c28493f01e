from __future__ import annotations

import libcst as cst

from tslint.ftypes import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.trace_taint import Kind, rooted_at


class TensorDataInTracedCode(Rule):
    """Traced code uses `.data` of a tensor computed from forward's inputs (`x.data * 2`,
    `y.data.mul_(2)`, `x.data[0] = 0`).

    `.data` leaves autograd and the tracer with it: torch records the example input's values as a
    constant tensor, so the traced model ignores its input there, and writes through `.data` are not
    recorded at all — silently, with no TracerWarning. The `.data` of parameters and buffers
    (`self.weight.data`) is not reported: it does not depend on the input.
    """

    code = "TS410"
    name = "tensor-data-in-traced-code"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`.data` of a tensor computed from the inputs is recorded as a constant: the trace ignores the input here."
    fix_hint = "Use `.detach()` (traced correctly), or drop `.data`."

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        if node.attr.value != "data" or rooted_at(node.value, context.function.function.self_name):
            return
        if context.taint().kind(node.value) is Kind.TENSOR:
            context.report(node, self.message)

