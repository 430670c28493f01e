"""An unannotated parameter the body uses as a bool flag: whether it can be annotated `bool` (TS104's fix).

torch types the parameter as a Tensor and compiles its tests (`if flag:` calls `bool()` of the tensor).
Annotated `bool`, the same tests compile, and callers passing `True` no longer fail. The fix is offered
only when every read of the parameter is such a test (the test of an `if`, `while` or conditional
expression, the operand of `not`, `and` or `or`), and typing the function again with the parameter a
`bool` raises nothing new and returns the same type: a use as a value (`x * flag`, `return flag`,
`helper(flag)`) keeps the fix away, since torch would then see a bool where it saw a Tensor.
"""

from __future__ import annotations

from typing import Dict

import libcst as cst

from tslint.analysis.inference import FunctionTypes
from tslint.analysis.optional_parameters import body_uses
from tslint.analysis.schema_types import BOOL


def compiles_as_bool(types: FunctionTypes, name: str) -> bool:
    """Whether the function `types` typed still compiles, returning the same type, with parameter `name`
    typed `bool`, every read of it being a truth test."""
    uses = body_uses(types.node.body)
    parents, reads = uses.parents, uses.reads.get(name, ())
    if not reads or not all(_truth_test(node, parent) for node, parent in reads):
        return False
    if any(_in_nested_scope(node, parents) for node, _ in reads):
        return False
    parameters: Dict[str, object] = {**types.parameters, name: BOOL}
    again = FunctionTypes(types.node, types.qualify, types.self_name, types.project, types.classes, parameters)
    if again.return_type != types.return_type:
        return False
    before = {(event.kind, id(event.node)) for event in types.events}
    return all((event.kind, id(event.node)) in before for event in again.events)


def _truth_test(node: cst.Name, parent: cst.CSTNode) -> bool:
    if isinstance(parent, (cst.If, cst.While, cst.IfExp)):
        return parent.test is node
    if isinstance(parent, cst.UnaryOperation):
        return isinstance(parent.operator, cst.Not)
    return isinstance(parent, cst.BooleanOperation)


def _in_nested_scope(node: cst.CSTNode, parents) -> bool:
    """Whether `node` is read in a comprehension or lambda (which `name_reads` walks into)."""
    parent = parents.get(id(node))
    while parent is not None:
        if isinstance(parent, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            return True
        parent = parents.get(id(parent))
    return False
