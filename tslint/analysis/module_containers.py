"""Shared questions of the module-container rules: does an expression read a ModuleList/Sequential,
and does torch unroll a loop over it?"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.index.model import MODULE_CONTAINERS, AttributeKind

PARAMETER_CONTAINERS = frozenset(
    {
        "torch.nn.ParameterList",
        "torch.nn.ParameterDict",
        "torch.nn.modules.container.ParameterList",
        "torch.nn.modules.container.ParameterDict",
    }
)
DICT_VIEWS = frozenset({"items", "keys", "values"})
TUPLE_TYPES = frozenset({"typing.Tuple", "tuple"})


def module_container_attribute(expression: cst.BaseExpression, context) -> Optional[str]:
    """`self.layers` where every assignment of `layers` is an nn.ModuleList / Sequential / ModuleDict,
    built on the spot or returned by a method or project function annotated to return one
    (`self.layer1 = self._make_layer(...)` with `def _make_layer(...) -> nn.Sequential`)."""
    name = context.self_attribute(expression)
    if name is None:
        return None
    found = False
    for _, klass in context.classes():
        for assignment in klass.attributes.get(name, ()):
            if not (
                assignment.kind is AttributeKind.MODULE_CONTAINER or _container_factory(assignment, klass, context)
            ):
                return None
            found = True
    return name if found else None


def _container_factory(assignment, klass, context) -> bool:
    """The assignment calls a method of the class or a project function whose return annotation is
    a module container."""
    callee = assignment.callee
    if assignment.kind is not AttributeKind.CALL or not callee or assignment.maybe_none:
        return False
    index = context.scope.index
    owner, _, method = callee.partition(".")
    if owner == "self" and method and "." not in method:
        function = klass.methods.get(method)
    else:
        function = index.functions.get(index.resolve(callee) or callee)
    if function is None or not function.returns:
        return False
    file = index.by_path.get(function.path)
    try:
        annotation = cst.parse_expression(function.returns)
    except Exception:  # noqa: BLE001 - annotation text that is not an expression
        return False
    return file is not None and file.imports.qualify(annotation) in MODULE_CONTAINERS


def unrolled_iterable(iterable: cst.BaseExpression, context) -> Optional[str]:
    """How to name `iterable` when torch unrolls a loop over it (a module container, a parameter
    container, a slice of one, `enumerate`/`zip` of them, a tuple), else None."""
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
            return unrolled_iterable(iterable.args[0].value, context)
        if called == "zip":
            found = [unrolled_iterable(a.value, context) for a in iterable.args]
            # zip of a container with a list fails on its own ("statically determinable length").
            return found[0] if all(found) else None
    if isinstance(iterable, cst.Call) and not iterable.args and isinstance(iterable.func, cst.Attribute):
        if iterable.func.attr.value in DICT_VIEWS:
            return unrolled_iterable(iterable.func.value, context)
        return None
    if (
        isinstance(iterable, cst.Subscript)
        and len(iterable.slice) == 1
        and isinstance(iterable.slice[0].slice, cst.Slice)
    ):
        return unrolled_iterable(iterable.value, context)
    name = module_container_attribute(iterable, context)
    if name is None:
        name = context.self_attribute(iterable)
        assignments = context.attribute(name) if name is not None else []
        if assignments and all(a.kind is AttributeKind.CONTAINER and a.callee == "tuple" for a in assignments):
            return f"`{code_of(iterable)}`, a tuple"
        if not assignments or not all(a.callee in PARAMETER_CONTAINERS for a in assignments):
            return None
    return f"`{code_of(iterable)}`"


def calls_each_module(comprehension, context) -> bool:
    """`[layer(x) for layer in self.layers]`, with `self.layers` a ModuleList / Sequential."""
    element, loop = comprehension.elt, comprehension.for_in
    if loop.inner_for_in is not None or not isinstance(loop.target, cst.Name):
        return False
    if not (
        isinstance(element, cst.Call) and isinstance(element.func, cst.Name) and element.func.value == loop.target.value
    ):
        return False
    return module_container_attribute(loop.iter, context) is not None
