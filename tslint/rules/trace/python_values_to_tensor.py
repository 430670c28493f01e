from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import Kind
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

CONSTRUCTORS = frozenset({"torch.tensor", "torch.as_tensor", "torch.Tensor", "torch.FloatTensor", "torch.LongTensor"})


class PythonValuesToTensor(Rule):
    """Traced code builds a tensor with `torch.tensor(...)` from values computed from tensors
    (`torch.tensor([x.size(0), x.size(1)])`, `torch.tensor(x.sum().item())`).

    The tracer records the resulting tensor as a constant ("TracerWarning: torch.tensor results are
    registered as constants in the trace").
    """

    code = "TS406"
    name = "python-values-to-tensor"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`{name}(...)` of values computed from tensors is recorded as a constant."
    fix_hint = (
        "Build it with tensor operations (`torch.stack`, `x.new_tensor` of tensors, `torch.tensor(x.shape)` is "
        "frozen too)."
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.qualify(node.func)
        if name in CONSTRUCTORS and node.args:
            if context.taint().kind(node.args[0].value) is not Kind.NONE:
                context.report(node, self.message.format(name=name))
