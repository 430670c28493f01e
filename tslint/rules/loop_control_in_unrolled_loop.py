from __future__ import annotations

from typing import List, Optional, Union

import libcst as cst

from tslint.ftypes import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules._module_containers import module_container_attribute
from tslint.traversal import code_of

PARAMETER_CONTAINERS = frozenset({
    "torch.nn.ParameterList", "torch.nn.ParameterDict",
    "torch.nn.modules.container.ParameterList", "torch.nn.modules.container.ParameterDict",
})
DICT_VIEWS = frozenset({"items", "keys", "values"})
TUPLE_TYPES = frozenset({"typing.Tuple", "tuple"})


class LoopControlInUnrolledLoop(Rule):
    """Compiled code has `break` or `continue` in a loop torch unrolls: a loop over an
    `nn.ModuleList`, `nn.Sequential`, `nn.ModuleDict` (or its `items()`, `keys()`, `values()`),
    `nn.ParameterList` / `nn.ParameterDict`, a slice of one, `enumerate` or `zip` of them, a tuple
    literal or a parameter annotated `Tuple[...]`.

    torch compiles such a loop by repeating its body once per element, and rejects `break` and
    `continue` there: "Because we emit iteration over modulelists or tuples as unrolled loops, we do
    not support break or continue inside the body of these loops". A loop over a list or a `range`
    may use both.
    """

    code = "TS334"
    name = "loop-control-in-unrolled-loop"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{statement}` in a loop over {what}: torch unrolls this loop and supports no `break` or `continue` in it."
    fix_hint = "Guard the rest of the body with `if` instead (a flag variable replaces `break`), or loop over a `range` and index a list."

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        _loops(context).append(_unrolled(node.iter, context))

    def leave_For(self, node: cst.For, context: RuleContext) -> None:
        _loops(context).pop()

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        _loops(context).append(None)

    def leave_While(self, node: cst.While, context: RuleContext) -> None:
        _loops(context).pop()

    def visit_Break(self, node: cst.Break, context: RuleContext) -> None:
        self._check(node, "break", context)

    def visit_Continue(self, node: cst.Continue, context: RuleContext) -> None:
        self._check(node, "continue", context)

    def _check(self, node: Union[cst.Break, cst.Continue], statement: str, context: RuleContext) -> None:
        loops = _loops(context)
        if loops and loops[-1] is not None:
            context.report(node, self.message.format(statement=statement, what=loops[-1]))


def _loops(context: RuleContext) -> List[Optional[str]]:
    """The loops around the current node, innermost last: what an unrolled one iterates, else None."""
    return context.state().setdefault("loops", [])


def _unrolled(iterable: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """How to name `iterable` when torch unrolls a loop over it, else None."""
    if isinstance(iterable, cst.Tuple):
        return "a tuple"
    if isinstance(iterable, cst.Name):
        param = context.typed_parameters().get(iterable.value)
        annotation = param.annotation.annotation if param is not None and param.annotation is not None else None
        if isinstance(annotation, cst.Subscript) and context.qualify(annotation.value) in TUPLE_TYPES:
            return f"`{iterable.value}`, a tuple"
        return None
    if isinstance(iterable, cst.Call) and iterable.args and not any(a.star or a.keyword for a in iterable.args):
        called = context.qualify(iterable.func)
        if called == "enumerate":
            return _unrolled(iterable.args[0].value, context)
        if called == "zip":
            found = [_unrolled(a.value, context) for a in iterable.args]
            # zip of a container with a list fails on its own ("statically determinable length").
            return found[0] if all(found) else None
    if isinstance(iterable, cst.Call) and not iterable.args and isinstance(iterable.func, cst.Attribute):
        if iterable.func.attr.value in DICT_VIEWS:
            return _unrolled(iterable.func.value, context)
        return None
    if isinstance(iterable, cst.Subscript) and len(iterable.slice) == 1 and isinstance(iterable.slice[0].slice, cst.Slice):
        return _unrolled(iterable.value, context)
    name = module_container_attribute(iterable, context)
    if name is None:
        name = context.self_attribute(iterable)
        assignments = context.attribute(name) if name is not None else []
        if not assignments or not all(a.callee in PARAMETER_CONTAINERS for a in assignments):
            return None
    return f"`{code_of(iterable)}`"
