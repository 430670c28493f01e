from __future__ import annotations

from typing import Set

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class TolistWithoutTypeHint(Rule):
    """Compiled code calls `.tolist()` without saying what type the result has.

    torch: "Expected type hint for result of tolist()". An annotated assignment
    (`values: List[float] = x.tolist()`) or `torch.jit.annotate(List[float], x.tolist())` works.
    """

    code = "TS307"
    name = "tolist-without-type-hint"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`.tolist()` needs a type hint in compiled code."
    fix_hint = "Annotate the assignment: `values: List[float] = x.tolist()`."
    torch_messages = ("Expected type hint for result of tolist()",)

    def begin_function(self, context: RuleContext) -> Set[cst.CSTNode]:
        return set()  # values with a type hint: annotated assignments, `torch.jit.annotate`

    def visit_AnnAssign(self, node: cst.AnnAssign, context: RuleContext) -> None:
        if node.value is not None:
            context.state.add(node.value)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if context.qualify(node.func) == "torch.jit.annotate" and len(node.args) == 2:
            context.state.add(node.args[1].value)
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "tolist" and not node.args:
            if node not in context.state:
                context.report(node)
