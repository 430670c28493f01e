from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import NodeFix, Rule, RuleContext, node_code, replace_node


class TupleFromList(Rule):
    """Compiled code calls `tuple(...)` on a list: `tuple(x.shape)`, `tuple(x.size()[2:])`,
    `tuple([a, b])`, a comprehension or generator, a parameter annotated `List[int]` — any value the
    type model types as a `List`; or calls `tuple()` with no argument.

    A TorchScript tuple has a size fixed at compile time and a list does not: "cannot statically
    infer the expected size of a list in this context" ("tuple expected exactly 1 arguments but found
    0" for `tuple()`). `tuple(t)` of a tuple compiles.
    """

    code = "TS331"
    name = "tuple-from-list"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`tuple(...)` of {what}: TorchScript cannot infer the tuple's size."
    fix_hint = (
        "Build the tuple from its elements (`(s[0], s[1])`), or keep the list: torch functions taking sizes accept "
        "`List[int]`."
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if not isinstance(node.func, cst.Name) or node.func.value != "tuple" or "tuple" in context.local_names():
            return
        if context.qualify(node.func) != "tuple":
            return
        if not node.args:
            fix = replace_node(node, "()", "Replace `tuple()` with `()`")
            context.report(node, "`tuple()` with no argument is not supported in compiled code: write `()`.", fix=fix)
            return
        if len(node.args) != 1 or node.args[0].star:
            return
        what = _list_argument(node.args[0].value, context)
        if what is not None:
            context.report(node, self.message.format(what=what), fix=_display_fix(node, node.args[0].value))


def _display_fix(node: cst.Call, value: cst.BaseExpression) -> Optional[NodeFix]:
    """`tuple([a, b])` -> `(a, b)`: the same elements, evaluated in the same order, in a tuple torch
    can size. Only for a list display without `*` (its length is in the text) on one line."""
    if not isinstance(value, cst.List) or any(isinstance(e, cst.StarredElement) for e in value.elements):
        return None
    if "\n" in node_code(value):  # an edit's text stays on one line; comments inside would be lost
        return None
    elements = list(value.elements)
    if len(elements) == 1 and not isinstance(elements[0].comma, cst.Comma):
        elements[0] = elements[0].with_changes(comma=cst.Comma())  # `(a,)`, not `(a)`
    tuple_ = cst.Tuple(
        elements,
        lpar=[cst.LeftParen(whitespace_after=value.lbracket.whitespace_after)],
        rpar=[cst.RightParen(whitespace_before=value.rbracket.whitespace_before)],
    )
    return replace_node(node, tuple_, "Build the tuple from the list's elements")


def _list_argument(value: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """What makes the argument a list, by the type model's type of it; None when it is not one (a
    tuple) or its type is not known."""
    if isinstance(value, cst.GeneratorExp):
        return "a generator"
    found = context.types().type_of(value)
    if found.kind != "List":
        return None
    if isinstance(value, cst.Name):
        return f"`{value.value}`, a `{found}`"
    return f"a `{found}`"
