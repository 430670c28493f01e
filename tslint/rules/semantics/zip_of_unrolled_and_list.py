from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.module_containers import unrolled_iterable
from tslint.analysis.traversal import code_of
from tslint.analysis.value_kinds import LIST_TYPES, list_kind
from tslint.findings import Mode, Severity
from tslint.index.model import AttributeKind
from tslint.rule import Rule, RuleContext

TENSOR_TYPES = frozenset({"torch.Tensor", "torch.tensor"})


class ZipOfUnrolledAndList(Rule):
    """Compiled code loops over `zip(...)` of a module container (or a parameter container, or a
    tuple) and a list: `zip(self.layers, self.scales)` where `self.scales` is a list, `zip(self.blocks,
    range(n))`, `zip(self.heads, [a, b])`, `zip(self.layers, x.shape)`, a `List[...]` parameter or a
    tensor.

    torch unrolls a loop over a module container, so it must know at compile time how many times the
    loop runs, and a list's length is only known at run time: "Can not iterate over a module list or
    tuple with a value that does not have a statically determinable length". `zip` of two module
    containers, or of a container and a tuple, compiles; so does `enumerate(self.layers)`.
    """

    code = "TS339"
    name = "zip-of-unrolled-and-list"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`zip` of {unrolled} with {dynamic}, whose length is only known at run time: torch unrolls this loop and "
        "needs it when compiling."
    )
    fix_hint = (
        "Store the list as a tuple (`self.scales = (1.0, 0.5)`), or use `enumerate(self.layers)` and index the list."
    )
    torch_messages = ("does not have a statically determinable length",)

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        iterable = node.iter
        if (
            not isinstance(iterable, cst.Call)
            or context.qualify(iterable.func) != "zip"
            or "zip" in context.local_names()
        ):
            return
        if not iterable.args or any(a.star or a.keyword for a in iterable.args):
            return
        unrolled = [unrolled_iterable(a.value, context) for a in iterable.args]
        first = next((u for u in unrolled if u is not None), None)
        if first is None:
            return
        for argument, kind in zip(iterable.args, unrolled):
            dynamic = None if kind is not None else _dynamic_length(argument.value, context)
            if dynamic is not None:
                context.report(
                    iterable, self.message.format(receiver=context.receiver, unrolled=first, dynamic=dynamic)
                )
                return


def _dynamic_length(value: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """How to name `value` when it is a list or a tensor (a length known only at run time), else None."""
    found = list_kind(value)  # a list display or comprehension, `x.shape`, `x.size()`
    if found is not None:
        return found
    if isinstance(value, cst.Call) and context.qualify(value.func) == "range" and "range" not in context.local_names():
        return f"`{code_of(value)}`"
    if isinstance(value, cst.Subscript) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Slice):
        return _dynamic_length(value.value, context)
    if isinstance(value, cst.Name):
        param = context.typed_parameters().get(value.value)
        if param is None or param.annotation is None:
            return None
        annotation = param.annotation.annotation
        target = annotation.value if isinstance(annotation, cst.Subscript) else annotation
        kind = context.qualify(target)
        if kind in LIST_TYPES:
            return f"`{value.value}`, a list"
        if kind in TENSOR_TYPES:
            return f"`{value.value}`, a tensor"
        return None
    name = context.self_attribute(value)
    if name is not None:
        assignments = context.attribute(name)
        if assignments and all(a.kind is AttributeKind.CONTAINER and a.callee == "list" for a in assignments):
            if not any(name in klass.annotations for _, klass in context.classes()):
                return f"`{context.receiver}.{name}`, a list"
    return None
