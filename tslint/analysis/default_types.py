"""The typed view of a compiled method as torch types it for the instance built with its default
arguments: the `if self.x is None:` / `if self.x is not None:` tests that the built instance decides
(and the ordinary view leaves undecided) are decided by what `__init__` leaves on `self` with its defaults
(analysis/default_attributes.py). A local that only the dropped side refines keeps its `Optional` type
after the `if`, as torch types it for that instance (TS364)."""

from __future__ import annotations

from typing import Callable, Dict, Optional, Tuple

import libcst as cst

from tslint.analysis.default_attributes import default_described
from tslint.analysis.imports import is_none
from tslint.analysis.inference import FunctionTypes
from tslint.analysis.memo import memoised


def none_test(test: cst.BaseExpression, self_name: Optional[str]) -> Optional[Tuple[str, bool]]:
    """(attribute name, whether the test holds when it is None) for `self.x is None` / `self.x is not None`."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    if not isinstance(target.operator, (cst.Is, cst.IsNot)) or not is_none(target.comparator):
        return None
    left = test.left
    if not (
        isinstance(left, cst.Attribute)
        and isinstance(left.value, cst.Name)
        and self_name is not None
        and left.value.value == self_name
    ):
        return None
    return left.attr.value, isinstance(target.operator, cst.Is)


class DefaultFunctionTypes(FunctionTypes):
    """FunctionTypes where `self.x is None` is decided for an attribute `x` that the default instance
    holds `None` (`described(x)`: its deciding class and defaults, or None when not known)."""

    def __init__(self, *args, described: Callable[[str], Optional[Tuple[str, str]]], **kwargs) -> None:
        self._described = described
        # The attribute tests decided by the defaults: name -> (deciding class, its defaults as code).
        self.default_decided: Dict[str, Tuple[str, str]] = {}
        super().__init__(*args, **kwargs)

    def decide(self, test: cst.BaseExpression, env) -> Optional[bool]:
        found = super().decide(test, env)
        if found is not None:
            return found
        tested = none_test(test, self.self_name)
        if tested is None:
            return None
        name, holds_when_none = tested
        described = self._described(name)
        if described is None:
            return None
        self.default_decided[name] = described
        return holds_when_none


def default_function_types(context) -> Optional[DefaultFunctionTypes]:
    """The default-construction view of the compiled method `context` walks (a RuleContext), or None
    outside a module class."""
    from tslint.analysis.parameters import has_type_comment
    from tslint.analysis.project_types import project_types

    compiled = context.compiled
    classes = context.classes()
    if not classes or compiled.info.has_overloads or has_type_comment(context.node):
        return None
    project = project_types(context.scope)
    if context.trees is not None:
        project.nodes.setdefault(context.file.path, context.trees.nodes)
    names = [name for name in compiled.classes if name is not None]
    cache: Dict[str, Optional[Tuple[str, str]]] = {}

    def described(name: str) -> Optional[Tuple[str, str]]:
        if name not in cache:
            cache[name] = default_described(classes, name, "none")
        return cache[name]

    return DefaultFunctionTypes(
        context.node, context.file.imports.qualify, compiled.info.self_name, project, names, described=described
    )


def default_view_if_any(context) -> Optional[DefaultFunctionTypes]:
    """The default-construction view of the method `context` walks, when it has an `if self.x is (not)
    None:` that the ordinary view leaves to the instance and the defaults decide; else None."""
    self_name = context.compiled.info.self_name
    tests = [node for node in _if_statements(context.node.body) if none_test(node.test, self_name)]
    if not tests:
        return None  # the ordinary view is not even asked for (rules compute it on demand)
    ordinary = context.types()
    if not any(ordinary.decided_by_instance(node) for node in tests):
        return None
    types = default_function_types(context)
    return types if types is not None and types.default_decided else None


@memoised
def _if_statements(body: cst.BaseSuite) -> Tuple[cst.If, ...]:
    """The `if` statements of a function body in source order (two rules ask of each function)."""
    from tslint.analysis.traversal import statements_in_order

    return tuple(statements_in_order(body, cst.If))  # type: ignore[arg-type]
