from __future__ import annotations

from typing import Set

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class SliceUsedAsValue(Rule):
    """Compiled code builds a `slice(...)` object and uses it as a value — puts it in a list or tuple
    (`[slice(None)] * x.dim()`, numpy's idiom for indexing along one dimension), passes it to a call —
    rather than indexing with it directly (`x[slice(0, n)]`) or naming it first (`s = slice(0, n)`).

    TorchScript turns `slice(...)` into indexing only where it indexes: "Python slice value cannot
    be used as a value". (A name bound to a slice and used other than as an index fails the same way;
    tslint reports only the call.)
    """

    code = "TS359"
    name = "slice-used-as-value"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`slice(...)` is used as a value here: TorchScript accepts a slice only as an index (`x[slice(a, b)]`)."
    fix_hint = "Index with `a:b` directly (`x[:, a:b]`), or use `x.narrow(dim, start, length)` for a computed dim."
    torch_messages = ("Python slice value cannot be used as a value",)

    def begin_function(self, context: RuleContext) -> Set[int]:
        return set()  # the slice calls in a place torch accepts them

    def visit_SubscriptElement(self, node: cst.SubscriptElement, context: RuleContext) -> None:
        if isinstance(node.slice, cst.Index):
            context.state.add(id(node.slice.value))

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        if all(isinstance(target.target, cst.Name) for target in node.targets):
            context.state.add(id(node.value))

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if id(node) in context.state or context.qualify(node.func) != "slice":
            return
        context.report(node, self.message)
