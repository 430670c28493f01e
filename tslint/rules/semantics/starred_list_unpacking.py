from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.analysis.value_kinds import list_kind


class StarredListUnpacking(Rule):
    """Compiled code star-unpacks a list: `f(*x.shape)`, `[*items]`, `a, *rest = [1, 2, 3]`.

    Star-unpacking needs a size torch knows while compiling, which tuples have and lists do not; the
    error is "cannot statically infer the expected size of a list in this context". `x.shape` and
    `x.size()` are lists in TorchScript, so the common `x.view(*x.shape[:2], -1)` fails too.
    """

    code = "TS302"
    name = "starred-list-unpacking"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Star-unpacking {what} is not supported in compiled code: TorchScript cannot infer its size."
    fix_hint = "Index the elements explicitly (`x.view(x.shape[0], x.shape[1], -1)`), or unpack a tuple."

    def visit_Arg(self, node: cst.Arg, context: RuleContext) -> None:
        what = list_kind(node.value) if node.star == "*" else None
        if what is not None:
            context.report(node, self.message.format(what=what))

    def visit_StarredElement(self, node: cst.StarredElement, context: RuleContext) -> None:
        what = list_kind(node.value)
        if what is not None:
            context.report(node, self.message.format(what=what))

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        what = list_kind(node.value)
        if what is None:
            return
        for target in node.targets:
            if isinstance(target.target, (cst.Tuple, cst.List)):
                for element in target.target.elements:
                    if isinstance(element, cst.StarredElement):
                        context.report(element, self.message.format(what=what))
