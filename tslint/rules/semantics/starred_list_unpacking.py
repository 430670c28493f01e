from __future__ import annotations

from typing import List, Optional, Set

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import NodeFix, Rule, RuleContext, replace_node, replace_span


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
    fix_hint = (
        "Pass one list (`x.view(list(x.shape[:2]) + [-1])`), index the elements (`x.view(x.shape[0], x.shape[1], "
        "-1)`), or unpack a tuple."
    )
    torch_messages = ("cannot statically infer the expected size of a list",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        reported = [(arg, _list(arg.value, context)) for arg in node.args if arg.star == "*"]
        reported = [(arg, what) for arg, what in reported if what is not None]
        fix = _size_list_fix(node, context) if reported else None
        for arg, what in reported:
            context.report(arg, self.message.format(what=what), fix=fix)

    def begin_function(self, context: RuleContext) -> Set[int]:
        return set()  # the starred elements of list displays, reported with the display's fix

    def visit_List(self, node: cst.List, context: RuleContext) -> None:
        starred = [e for e in node.elements if isinstance(e, cst.StarredElement)]
        reported = [(element, _list(element.value, context)) for element in starred]
        reported = [(element, what) for element, what in reported if what is not None]
        fix = _display_fix(node, context) if reported else None
        for element, what in reported:
            context.state.add(id(element))
            context.report(element, self.message.format(what=what), fix=fix)

    def visit_StarredElement(self, node: cst.StarredElement, context: RuleContext) -> None:
        what = _list(node.value, context) if id(node) not in context.state else None
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


# Calls whose one positional parameter is a list of ints that Python also takes spread out
# (`x.view(2, -1)` or `x.view([2, -1])`): TorchScript's schemas take the list (`view(Tensor self,
# SymInt[] size)`), so the arguments can be joined into one list. Probed in torch 2.13: each scripts
# with `list(s[:-1]) + [2, -1]`. Not `sum`, `mean`, `squeeze`...: their second positional argument
# is another parameter (`x.sum(0, 1)` is `keepdim=1`).
_SIZE_METHODS = frozenset(
    {"view", "reshape", "expand", "repeat", "permute", "tile", "flip", "new_zeros", "new_ones", "new_empty"}
)
_SIZE_FUNCTIONS = frozenset({"torch.zeros", "torch.ones", "torch.empty", "torch.rand", "torch.randn"})


def _joined(items, context: RuleContext, ints: bool) -> Optional[str]:
    """`*a, b, c` -> `list(a) + [b, c]`; None when a starred value is not a list (of ints when `ints`),
    or a plain one not an int (when `ints`)."""
    parts: List[str] = []
    run: List[str] = []
    for starred, value in items:
        found = context.types().type_of(value)
        if starred:
            if found.kind != "List" or (ints and found.element.kind != "int"):
                return None
            if run:
                parts.append(f"[{', '.join(run)}]")
                run = []
            parts.append(f"list({code_of(value)})")
        elif found.kind == "int" or not ints:
            run.append(code_of(value))
        else:
            return None
    if run:
        parts.append(f"[{', '.join(run)}]")
    joined = " + ".join(parts)
    return None if "\n" in joined else joined


def _display_fix(node: cst.List, context: RuleContext) -> Optional[NodeFix]:
    """`[*shape[:2], -1]` -> `list(shape[:2]) + [-1]`: the same list, built by concatenation, which
    TorchScript types without knowing the lengths. Safe: the same elements in the same order."""
    items = [(isinstance(e, cst.StarredElement), e.value) for e in node.elements]
    joined = _joined(items, context, ints=False)
    if joined is None:
        return None
    return replace_node(node, joined, "Concatenate the lists")


def _size_list_fix(node: cst.Call, context: RuleContext) -> Optional[NodeFix]:
    """`x.view(*shape[:-1], h, -1)` -> `x.view(list(shape[:-1]) + [h, -1])`, `x.view(*s)` ->
    `x.view(s)`: the same ints, in one list torch can size at run time. `list(...)` because in Python
    a slice of `x.shape` is a `torch.Size`, a tuple that `+ [h]` rejects. Safe: Python and torch read
    the list as they read the spread-out ints."""
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value in _SIZE_METHODS:
        if context.types().type_of(func.value).kind != "Tensor":
            return None
    elif context.qualify(func) not in _SIZE_FUNCTIONS:
        return None
    positional = [arg for arg in node.args if arg.keyword is None]
    if not positional or positional != list(node.args[: len(positional)]) or any(a.star == "**" for a in positional):
        return None
    joined = _joined([(arg.star == "*", arg.value) for arg in positional], context, ints=True)
    if joined is None:
        return None
    if len(positional) == 1:
        joined = code_of(positional[0].value)  # `x.view(*s)` -> `x.view(s)`
    # The last argument, not its value: a value's range leaves out its parentheses (`*(n * [1])`).
    return replace_span(positional[0], positional[-1], joined, "Pass the sizes as one list")
