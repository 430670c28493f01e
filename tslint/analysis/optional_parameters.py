"""A parameter that defaults to `None` and has no annotation: what type its uses say it holds, and
whether the function still compiles once it is annotated `Optional[Tensor]` (TS105's fix).

torch types such a parameter as a Tensor, so every use of it compiled. As an `Optional[Tensor]`,
torch accepts a use only where it has refined the value to a Tensor (`if mask is not None:`, the
matching arm of `a if mask is None else mask + 1`, after `assert mask is not None`), a comparison
with None, or an argument a torch schema takes as an Optional (`F.linear(x, w, bias)`): "Arguments for
call are not valid ... found type 'Optional[Tensor]'" everywhere else. The function is typed again
with the parameter Optional (inference.FunctionTypes, refining as torch refines) and every read of a
name the change made Optional is checked against those three forms; anything else (returned, stored,
passed to a project function, put in a list, tested for truth) keeps the fix away.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Dict, List, Mapping, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import is_none
from tslint.analysis.inference import FunctionTypes
from tslint.analysis.memo import memoised
from tslint.analysis.schema_types import TENSOR, optional
from tslint.analysis.traversal import child_fields, is_node

# Keyword arguments of torch functions that take a device or a dtype: a parameter passed as one holds
# that type, not a Tensor (`torch.zeros(n, device=device)`).
_TYPED_KEYWORDS = {"device": "torch.device", "dtype": "torch.dtype"}


def use_type(function: cst.FunctionDef, name: str) -> Optional[str]:
    """The annotation the uses of parameter `name` clearly ask for, when it is not a Tensor: passed as
    `device=` (`torch.device`) or `dtype=` (`torch.dtype`), compared with a string (`str`), a `range`
    bound (`int`). None when no use says (the parameter is then taken as torch takes it: a Tensor)."""
    found = set()
    uses = body_uses(function.body)
    parents = uses.parents
    for _node, parent in uses.reads.get(name, ()):
        if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value in _TYPED_KEYWORDS:
            found.add(_TYPED_KEYWORDS[parent.keyword.value])
        elif isinstance(parent, cst.Comparison) and _compared_with_string(parent):
            found.add("str")
        elif isinstance(parent, cst.Arg) and _is_range_argument(parent, parents):
            found.add("int")
    return found.pop() if len(found) == 1 else None


def compiles_as_optional(types: FunctionTypes, name: str) -> bool:
    """Whether the function `types` typed still compiles with parameter `name` typed `Optional[Tensor]`:
    typing it again raises nothing new, returns the same type, and every read the change made
    Optional is one torch accepts (a None test, an Optional argument of a torch call, or the value of a
    plain assignment to a local whose own reads pass the same check)."""
    parameters: Dict[str, object] = {**types.parameters, name: optional(TENSOR)}
    again = FunctionTypes(types.node, types.qualify, types.self_name, types.project, types.classes, parameters)
    if again.return_type != types.return_type:
        return False
    before = {(event.kind, id(event.node)) for event in types.events}
    if any((event.kind, id(event.node)) not in before for event in again.events):
        return False
    parents = body_uses(types.node.body).parents
    if any(
        not _under_none_test(again.expressions.nodes[key], parents)
        for key in again.expressions.types.keys() - types.expressions.types.keys()
    ):
        return False  # code torch skipped before (after `if mask is not None: raise`) now compiles
    for key, node in again.expressions.nodes.items():
        if not isinstance(node, cst.Name) or again.expressions.types[key].kind != "Optional":
            continue
        if types.type_of(node).kind == "Optional":
            continue  # Optional before the change too: not the change's doing
        if not _accepted(node, parents, again):
            return False
    return True


def _under_none_test(node: cst.CSTNode, parents) -> bool:
    """Whether `node` lies in a branch of an `if` or if-expression that tests a value against None:
    the code the change makes torch compile must be the `mask is None` side of such a test."""
    child, parent = node, parents.get(id(node))
    while parent is not None:
        if isinstance(parent, (cst.If, cst.IfExp)) and child is not parent.test and _tests_none(parent.test):
            return True
        child, parent = parent, parents.get(id(parent))
    return False


def _tests_none(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.UnaryOperation):
        return _tests_none(test.expression)
    if isinstance(test, cst.BooleanOperation):
        return _tests_none(test.left) or _tests_none(test.right)
    return isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and _none_test(test)


def _accepted(node: cst.Name, parents, again: FunctionTypes) -> bool:
    parent = parents.get(id(node))
    if isinstance(parent, cst.Comparison):
        return len(parent.comparisons) == 1 and _none_test(parent)
    if isinstance(parent, cst.Arg) and parent.value is node and not parent.star:
        call = parents.get(id(parent))
        record = again.call(call) if isinstance(call, cst.Call) else None
        return record is not None and record.matched
    if isinstance(parent, cst.AssignTarget):
        return True  # assigned to, not read
    if isinstance(parent, cst.Assign) and parent.value is node:
        return all(isinstance(target.target, cst.Name) for target in parent.targets)
    return False


def _none_test(comparison: cst.Comparison) -> bool:
    target = comparison.comparisons[0]
    return isinstance(target.operator, (cst.Is, cst.IsNot)) and (is_none(target.comparator) or is_none(comparison.left))


def _compared_with_string(comparison: cst.Comparison) -> bool:
    sides = [comparison.left, *(target.comparator for target in comparison.comparisons)]
    strings = (cst.SimpleString, cst.ConcatenatedString)
    return any(isinstance(side, strings) for side in sides) or any(
        isinstance(side, (cst.Tuple, cst.List, cst.Set))
        and side.elements
        and all(isinstance(element.value, strings) for element in side.elements)
        for side in sides
    )


def _is_range_argument(argument: cst.Arg, parents) -> bool:
    call = parents.get(id(argument))
    return isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "range"


Read = Tuple[cst.Name, cst.CSTNode]


@dataclass(frozen=True)
class BodyUses:
    """The parent of each node of a function body (by the node's id), and the reads of each name
    there, nested functions, lambdas and classes left out: (the `Name`, its parent), in no promised
    order. A function has many parameters defaulting to None: one walk serves all of them."""

    parents: Mapping[int, cst.CSTNode]
    reads: Mapping[str, Tuple[Read, ...]]


_NOT_ENTERED = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})  # concrete, without subclasses


@memoised
def body_uses(body: cst.BaseSuite) -> BodyUses:
    """`BodyUses` of a function body, from one walk (kept for the file: TS104 and TS105 ask of the
    same body, and TS105 once per parameter)."""
    parents: Dict[int, cst.CSTNode] = {}
    reads: Dict[str, List[Read]] = {}
    # (node, whether it lies in a nested function, lambda or class); the body itself is a suite.
    stack: List[Tuple[cst.CSTNode, bool]] = [(body, False)]
    while stack:
        node, nested = stack.pop()
        kind = type(node)
        if kind is cst.Name and not nested:
            parent = parents.get(id(node))
            if _read(node, parent):
                reads.setdefault(node.value, []).append((node, parent))  # type: ignore[arg-type]
        nested = nested or kind in _NOT_ENTERED
        for field in child_fields(kind):
            value = getattr(node, field)
            for item in value if type(value) is tuple or type(value) is list else (value,):
                if is_node(item):
                    parents[id(item)] = node
                    stack.append((item, nested))
    frozen = {name: tuple(found) for name, found in reads.items()}
    return BodyUses(MappingProxyType(parents), MappingProxyType(frozen))


def _read(node: cst.Name, parent: Optional[cst.CSTNode]) -> bool:
    """Whether the name `node` under `parent` is a read of a variable."""
    kind = type(parent)
    if kind is cst.Attribute:
        return parent.value is node  # type: ignore[union-attr]  # `x.name`: an attribute, not the name
    if kind is cst.Arg:
        return parent.keyword is not node  # type: ignore[union-attr]  # `f(name=...)`: a keyword
    return kind is not cst.AssignTarget and kind is not cst.Param


def name_reads(body: cst.BaseSuite, name: str) -> Tuple[Read, ...]:
    """(read of `name`, its parent) in `body`, nested functions, lambdas and classes left out."""
    return body_uses(body).reads.get(name, ())
