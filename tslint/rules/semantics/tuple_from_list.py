from __future__ import annotations

from typing import Optional, Set

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.analysis.value_kinds import LIST_TYPES, list_kind


class TupleFromList(Rule):
    """Compiled code calls `tuple(...)` on a list: `tuple(x.shape)`, `tuple(x.size()[2:])`,
    `tuple([a, b])`, a comprehension or generator, or a parameter annotated `List[int]`; or calls
    `tuple()` with no argument.

    A TorchScript tuple has a size fixed at compile time and a list does not: "cannot statically
    infer the expected size of a list in this context" ("tuple expected exactly 1 arguments but found
    0" for `tuple()`). `tuple(t)` of a tuple compiles.
    """

    code = "TS331"
    name = "tuple-from-list"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`tuple(...)` of {what}: TorchScript cannot infer the tuple's size."
    fix_hint = "Build the tuple from its elements (`(s[0], s[1])`), or keep the list: torch functions taking sizes accept `List[int]`."

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if not isinstance(node.func, cst.Name) or node.func.value != "tuple" or "tuple" in context.local_names():
            return
        if context.qualify(node.func) != "tuple":
            return
        if not node.args:
            context.report(node, "`tuple()` with no argument is not supported in compiled code: write `()`.")
            return
        if len(node.args) != 1 or node.args[0].star:
            return
        what = _list_argument(node.args[0].value, context)
        if what is not None:
            context.report(node, self.message.format(what=what))


def _list_argument(value: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    if isinstance(value, cst.GeneratorExp):
        return "a generator"
    if isinstance(value, cst.Name):
        return f"`{value.value}`, a `List` parameter" if value.value in _list_parameters(context) else None
    target = value.value if isinstance(value, cst.Subscript) else value
    if isinstance(target, cst.Attribute) and context.self_attribute(target) is not None:
        return None  # `self.shape` is whatever the module stores, often a tuple
    return list_kind(value)


def _list_parameters(context: RuleContext) -> Set[str]:
    """Parameters annotated `List[...]` that the function never rebinds."""
    return {
        name for name, param in context.typed_parameters().items()
        if param.annotation is not None and isinstance(param.annotation.annotation, cst.Subscript)
        and context.qualify(param.annotation.annotation.value) in LIST_TYPES
    }
