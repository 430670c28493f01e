from __future__ import annotations

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class StarredListUnpacking(Rule):
    """Compiled code star-unpacks a list: `f(*x.shape)`, `[*items]`, `a, *rest = [1, 2, 3]`,
    `y.view(b, *self.out_shape)` — any value the type model types as a list.

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
        what = _list(node.value, context) if node.star == "*" else None
        if what is not None:
            context.report(node, self.message.format(what=what))

    def visit_StarredElement(self, node: cst.StarredElement, context: RuleContext) -> None:
        what = _list(node.value, context)
        if what is not None:
            context.report(node, self.message.format(what=what))

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        what = _list(node.value, context)
        if what is None:
            return
        for target in node.targets:
            if isinstance(target.target, (cst.Tuple, cst.List)):
                for element in target.target.elements:
                    if isinstance(element, cst.StarredElement):
                        context.report(element, self.message.format(what=what))


def _list(value: cst.BaseExpression, context: RuleContext):
    """How to name `value` when the type model says it is a list; None otherwise."""
    found = context.types().type_of(value)
    if found.kind != "List":
        return None
    shown = "a list" if found.element.kind == "Unknown" else f"a `{found}`"
    return f"`{code_of(value)}`, {shown}," if len(code_of(value)) <= 40 else shown
