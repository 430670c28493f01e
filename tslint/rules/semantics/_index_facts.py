"""The semantics family's own index facts (see tslint/index/facts.py): computed while each file is
indexed, read by one rule each through `FunctionInfo.fact` / `ClassInfo.fact`."""

from __future__ import annotations

from sys import intern
from typing import Dict, List, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none
from tslint.analysis.traversal import code_of
from tslint.index.facts import FactExtractors
from tslint.index.functions import takes_var_args
from tslint.index.values import plain_value_types
from tslint.rules.semantics._instance_facts import class_references, parameter_setters, setter_arguments


def float_parameters(node: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Tuple[str, ...]:
    """Parameters annotated `float` or `Optional[float]` (any kind but `*args`/`**kwargs`): an int
    argument there fails in TorchScript (TS335)."""
    params = (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)
    return tuple(
        intern(p.name.value)
        for p in params
        if p.annotation is not None and is_float_type(p.annotation.annotation, imports)
    )


def is_float_type(annotation: cst.BaseExpression, imports: ImportTable) -> bool:
    """`float`, `"float"`, `Optional[float]`, `float | None`."""
    if isinstance(annotation, cst.SimpleString):
        return annotation.evaluated_value in ("float", "Optional[float]", "typing.Optional[float]")
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = (annotation.left, annotation.right)
        return any(is_none(side) for side in sides) and any(is_float_type(side, imports) for side in sides)
    if isinstance(annotation, cst.Subscript):
        return (
            imports.qualify(annotation.value) == "typing.Optional"
            and len(annotation.slice) == 1
            and isinstance(annotation.slice[0].slice, cst.Index)
            and is_float_type(annotation.slice[0].slice.value, imports)
        )
    return imports.qualify(annotation) in ("float", "builtins.float")


def returned_wrappers(
    node: cst.FunctionDef, imports: ImportTable, owner: Optional[str]
) -> Tuple[Tuple[str, bool], ...]:
    """For a module-level function used as a decorator: the nested functions it returns in place of
    the decorated one, outermost first (one for `@timed`, two for a factory `@retry(3)`), each as
    (header, takes *args/**kwargs). The chain stops at a function wrapped with `functools.wraps`:
    torch follows `__wrapped__` back to the original there (TS329). Only top-level statements are
    read: `def wrapper` and `return wrapper` directly in the body."""
    if owner is not None:
        return ()
    chain: List[Tuple[str, bool]] = []
    current = node
    while len(chain) < 2 and isinstance(current.body, cst.IndentedBlock):
        nested = {s.name.value: s for s in current.body.body if isinstance(s, cst.FunctionDef)}
        returned = {
            small.value.value
            for statement in current.body.body
            if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body
            if isinstance(small, cst.Return) and isinstance(small.value, cst.Name)
        }
        inner = [nested[name] for name in returned if name in nested]
        if len(inner) != 1 or any(imports.qualify(d.decorator) == "functools.wraps" for d in inner[0].decorators):
            break
        current = inner[0]
        header = f"{current.name.value}({code_of(current.params)})"
        chain.append((header, takes_var_args(current)))
    return tuple(chain)


def class_values(node: cst.ClassDef, imports: ImportTable) -> Tuple[Tuple[str, str], ...]:
    """Names the class body binds only to plain values (`SCALE = 2.0`), with the value's type (TS341)."""
    assigned: Dict[str, List[cst.BaseExpression]] = {}
    methods = {s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)}
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
                assigned.setdefault(small.target.value, []).append(small.value)
            elif isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        assigned.setdefault(target.target.value, []).append(small.value)
    plain = {name: values for name, values in assigned.items() if name not in methods and not name.startswith("__")}
    return tuple(sorted(plain_value_types(plain, imports).items()))


FACTS = FactExtractors(
    functions={
        "float_parameters": float_parameters,
        "returned_wrappers": returned_wrappers,
        "parameter_setters": parameter_setters,
        "setter_arguments": setter_arguments,
    },
    classes={"class_values": class_values, "class_references": class_references},
    # A parameter annotated float names `float` (`is_float_type`).
    words={"float_parameters": ("float",)},
)
