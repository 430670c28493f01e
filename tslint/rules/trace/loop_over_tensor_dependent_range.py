from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.analysis.trace_taint import Kind


class LoopOverTensorDependentRange(Rule):
    """Traced code loops a number of times that depends on a tensor: `for i in range(x.size(0))`, or
    iterates over a tensor (`for row in x`).

    The tracer unrolls the loop for the example input's size — with no warning at all — so other sizes
    run the wrong number of iterations.
    """

    code = "TS403"
    name = "loop-over-tensor-dependent-range"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "This loop runs {count}: torch.jit.trace unrolls it for the example input, silently."
    fix_hint = "Use a vectorised tensor operation, or move the loop into a `@torch.jit.script` function."

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        taint = context.taint()
        iterable = node.iter
        if isinstance(iterable, cst.Call) and context.qualify(iterable.func) == "range":
            kind = max((taint.kind(argument.value) for argument in iterable.args), default=Kind.NONE)
            if kind is not Kind.NONE:
                count = "as many times as a tensor's size" if kind is Kind.SIZE else "a tensor-dependent number of times"
                context.report(iterable, self.message.format(count=count))
        elif taint.kind(iterable) is Kind.TENSOR and not taint.is_container(iterable):
            context.report(iterable, self.message.format(count="once per row of a tensor"))
