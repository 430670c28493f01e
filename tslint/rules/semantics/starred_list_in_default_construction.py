from __future__ import annotations

from typing import List

import libcst as cst

from tslint.analysis.default_types import DefaultFunctionTypes, default_view_if_any, none_test
from tslint.analysis.traversal import code_of, statements_in_order, walk
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class StarredListInDefaultConstruction(Rule):
    """Compiled code star-unpacks a list (`x.view(b, n, *x.shape[1:])`, TS302's error) inside an
    `if self.<name> is None:` block (or the `else` of `is not None`), and `__init__` leaves `<name>`
    `None` when the class is built with its default arguments (`patch_size_t: int | None = None`,
    `self.patch_size_t = patch_size_t`).

    TS302 does not report there: torch decides the test by the instance it scripts, and an instance
    built with a value drops the block. For the instance built with its defaults torch compiles it, and
    fails: "cannot statically infer the expected size of a list in this context". An error for the
    instance built with its defaults. Reported only when the defaults decide the test; blocks inside it
    that the instance decides otherwise are left alone.
    """

    code = "TS365"
    name = "starred-list-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{attribute}` is `None` when `{owner}` is built with its defaults ({defaults}), so "
        "TorchScript compiles this block, where star-unpacking {what} is not supported (it cannot infer "
        "the list's size): scripting such an instance fails."
    )
    fix_hint = (
        "Pass one list (`x.view([b, n] + list(x.shape[1:]))`), index the elements, or unpack a tuple, as "
        "TS302 suggests."
    )
    torch_messages = ("cannot statically infer the expected size of a list",)

    def end_function(self, context: RuleContext) -> None:
        types = default_view_if_any(context)
        if types is None:
            return
        ordinary = context.types()
        self_name = context.compiled.info.self_name
        for node in statements_in_order(context.node.body, cst.If):
            tested = none_test(node.test, self_name)
            decided = types.decision(node)
            if tested is None or decided is None or not ordinary.decided_by_instance(node):
                continue
            if tested[0] not in types.default_decided:
                continue
            if decided:
                block = node.body
            elif isinstance(node.orelse, cst.Else):
                block = node.orelse.body
            else:
                continue
            for starred in _starred(block, types):
                what = code_of(starred.value)
                what = f"`{what}`, a `{types.type_of(starred.value)}`," if len(what) <= 40 else "a list"
                owner, defaults = types.default_decided[tested[0]]
                context.report(
                    starred,
                    self.message.format(
                        receiver=context.receiver, attribute=tested[0], owner=owner, defaults=defaults, what=what
                    ),
                )


def _starred(block: cst.BaseSuite, types: DefaultFunctionTypes) -> List[cst.CSTNode]:
    """The `*value` arguments and display elements of `block` whose value the view types as a list,
    outside nested functions and outside `if`s the instance decides another way than the view."""
    found: List[cst.CSTNode] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(node, cst.If) and types.decided_by_instance(node):
            return False
        if isinstance(node, cst.Arg) and node.star == "*" and types.type_of(node.value).kind == "List":
            found.append(node)
        elif isinstance(node, cst.StarredElement) and types.type_of(node.value).kind == "List":
            found.append(node)
        return True

    walk(block, enter)
    return found
