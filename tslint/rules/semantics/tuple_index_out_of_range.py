from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class TupleIndexOutOfRange(Rule):
    """Compiled code indexes a tuple with a constant beyond its length: `pair[2]` of a two-element
    tuple, `out[-3]`, `F.max_pool2d(..., return_indices=True)[2]`.

    A TorchScript tuple has a length fixed at compile time, so torch checks a constant index while
    compiling: "Tuple index out of range. Tuple is length 2 and index is 2". In eager Python the line
    fails only when it runs, and never when the branch is not taken. The tuple's type comes from the
    type model (tuple displays, annotations, what torch's functions return).
    """

    code = "TS353"
    name = "tuple-index-out-of-range"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Index {index} of a tuple of length {length} (`{type}`): out of range."
    fix_hint = "Index within the tuple's length (the last element is `[-1]`), or return the element the caller needs."
    torch_messages = ("Tuple index out of range",)

    def visit_Subscript(self, node: cst.Subscript, context: RuleContext) -> None:
        for event in context.types().events_at(node, "tuple-index"):
            length = len(event.first.items)
            context.report(node, self.message.format(index=event.name, length=length, type=event.first))
            return
