from __future__ import annotations

from typing import Dict, List, Optional

import libcst as cst

from tslint.analysis.module_containers import module_container_attribute
from tslint.analysis.traversal import code_of, statements_in_order
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

MODULE_DICT = "torch.nn.ModuleDict"
SLICED_LOCAL = "sliced-local"  # state key tag: (SLICED_LOCAL, name) for a local holding a slice


class ModuleContainerSubscript(Rule):
    """Compiled code indexes an `nn.ModuleList` / `nn.Sequential` with a value that is not an integer
    literal (`self.layers[i]`), or an `nn.ModuleDict` with a value that is not a string literal
    (`self.heads[name]`).

    torch needs to know which submodule is meant while compiling: "Expected integer literal for index
    but got a variable or non-integer", "ModuleDict indexing is only supported with string literals".
    A slice (`for layer in self.layers[1:]:`, also through `zip(...)` or a local holding the slice)
    compiles, but calling its elements fails ("'ReLU' object has no attribute or method '__call__'"),
    so that call is reported. Indexing
    into a local annotated with a `@torch.jit.interface` class (`block: BlockInterface =
    self.blocks[key]`) compiles, with any index: not reported.
    """

    code = "TS311"
    name = "module-container-subscript"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{name}[{index}]`: {container} can only be indexed with {literal} literals in compiled code."
    fix_hint = (
        "Iterate the container (`for layer in self.layers:`, with `enumerate` to pick some), or index with a literal."
    )

    slice_message = (
        "`{name}` comes from a slice of `{receiver}.{container}`: TorchScript cannot call modules taken from a sliced "
        "container."
    )
    torch_messages = (
        "indexing is only supported with integer literals",
        "indexing is only supported with string literals",
        "object has no attribute or method '__call__'",
    )

    def begin_function(self, context: RuleContext) -> Dict[object, str]:
        # loop variables bound to a module taken from a slice: name -> container; locals bound once to
        # a slice (`first, second = self.acts[::2], self.acts[1::2]`): (SLICED_LOCAL, name) ->
        # container; and the ids of subscripts assigned to an interface-annotated local
        state: Dict[object, str] = {}
        values: Dict[str, List[cst.BaseExpression]] = {}
        for node in statements_in_order(context.node.body, cst.Assign):
            for target in node.targets:
                for name, value in _pairs(target.target, node.value):
                    if isinstance(name, cst.Name):
                        values.setdefault(name.value, []).append(value)
        for name, found in values.items():
            container = _slice_of(found[0], context) if len(found) == 1 and found[0] is not None else None
            if container is not None:
                state[(SLICED_LOCAL, name)] = container
        return state

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        iterable, target = node.iter, node.target
        if isinstance(iterable, cst.Call) and context.qualify(iterable.func) == "enumerate" and iterable.args:
            iterable = iterable.args[0].value
            target = target.elements[1].value if isinstance(target, cst.Tuple) and len(target.elements) == 2 else None
        if isinstance(iterable, cst.Call) and context.qualify(iterable.func) == "zip" and isinstance(target, cst.Tuple):
            # `for a, b in zip(self.attentions, self.resnets[1:]):` binds each name to one iterable's elements
            if len(target.elements) == len(iterable.args) and not any(a.star for a in iterable.args):
                for element, argument in zip(target.elements, iterable.args):
                    self._bind(element.value, argument.value, context)
            return
        self._bind(target, iterable, context)

    def _bind(self, target: object, iterable: cst.BaseExpression, context: RuleContext) -> None:
        if not isinstance(target, cst.Name):
            return
        container = _sliced_container(iterable, context)
        if container is not None:
            context.state[target.value] = container

    def leave_For(self, node: cst.For, context: RuleContext) -> None:
        target = node.target
        if isinstance(target, cst.Tuple) and len(target.elements) == 2 and not _is_zip(node.iter, context):
            target = target.elements[1].value
        names = [e.value for e in target.elements] if isinstance(target, cst.Tuple) else [target]
        for name in names:
            if isinstance(name, cst.Name):
                context.state.pop(name.value, None)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        sliced = context.state
        if sliced and isinstance(node.func, cst.Name) and node.func.value in sliced:
            context.report(
                node,
                self.slice_message.format(
                    receiver=context.receiver, name=node.func.value, container=sliced[node.func.value]
                ),
            )

    def visit_AnnAssign(self, node: cst.AnnAssign, context: RuleContext) -> None:
        if isinstance(node.value, cst.Subscript) and _is_interface(node.annotation.annotation, context):
            context.state[id(node.value)] = ""  # indexed into a module interface: torch allows it

    def visit_Subscript(self, node: cst.Subscript, context: RuleContext) -> None:
        if id(node) in context.state:
            return
        name = module_container_attribute(node.value, context)
        if name is None or len(node.slice) != 1:
            return
        element = node.slice[0].slice
        if not isinstance(element, cst.Index):
            return  # slices: see above
        callees = {assignment.callee for assignment in context.attribute(name)}
        if callees == {MODULE_DICT}:
            container, literal, ok = "an `nn.ModuleDict`", "string", _is_string_literal(element.value)
        elif MODULE_DICT not in callees:
            container, literal, ok = "an `nn.ModuleList` / `nn.Sequential`", "integer", _is_int_literal(element.value)
        else:
            return  # sometimes a dict, sometimes a list: which literal is right depends on the instance
        if not ok:
            shown = code_of(element)
            context.report(
                node,
                self.message.format(
                    receiver=context.receiver, name=name, index=shown, container=container, literal=literal
                ),
            )


def _is_zip(iterable: cst.BaseExpression, context: RuleContext) -> bool:
    return isinstance(iterable, cst.Call) and context.qualify(iterable.func) == "zip"


def _pairs(target: cst.BaseExpression, value: cst.BaseExpression) -> List[tuple]:
    """(target, value) for `a = v` and `a, b = v, w`; another unpacking gives each target no value."""
    if not isinstance(target, cst.Tuple):
        return [(target, value)]
    if isinstance(value, cst.Tuple) and len(value.elements) == len(target.elements):
        return [(t.value, v.value) for t, v in zip(target.elements, value.elements)]
    return [(t.value, None) for t in target.elements]


def _sliced_container(expression: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """The container attribute `expression` slices (`self.layers[1:]`, or a local holding one)."""
    if isinstance(expression, cst.Name):
        return context.state.get((SLICED_LOCAL, expression.value))
    return _slice_of(expression, context)


def _slice_of(expression: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """The container attribute `expression` slices: `self.layers[1:]`, `self.acts[::2]`."""
    if isinstance(expression, cst.Subscript) and len(expression.slice) == 1:
        if isinstance(expression.slice[0].slice, cst.Slice):
            return module_container_attribute(expression.value, context)
    return None


def _is_interface(annotation: cst.BaseExpression, context: RuleContext) -> bool:
    """Whether the annotation names a project class decorated `@torch.jit.interface`."""
    index = context.scope.index
    info = index.classes.get(index.resolve(context.qualify(annotation)) or "")
    return info is not None and "torch.jit.interface" in info.decorators


def _is_string_literal(value: cst.BaseExpression) -> bool:
    return isinstance(value, (cst.SimpleString, cst.ConcatenatedString))


def _is_int_literal(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        value = value.expression
    return isinstance(value, cst.Integer)
