"""The signatures family's own index facts (see tslint/index/facts.py): computed while each file is
indexed, read by its rules through `FileIndex.fact`."""

from __future__ import annotations

from sys import intern
from typing import Iterator, List, Set, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, module_assignments
from tslint.analysis.value_kinds import unsupported_type
from tslint.index.facts import FactExtractors


def type_aliases(module: cst.Module, imports: ImportTable, text: str) -> Tuple[Tuple[str, str, str], ...]:
    """Module-level type aliases holding a type TorchScript cannot resolve (`NdarrayOrTensor =
    np.ndarray | torch.Tensor`): (alias, the unresolvable part's qualified name, the alias's value as
    code). Only a name bound once, by a plain assignment at the module's top level: torch's type parser
    reads the alias's value through the annotation's name and fails on the part (TS111)."""
    found: List[Tuple[str, str, str]] = []
    for name, value in _top_level_values(module, annotated=True):
        if isinstance(value, (cst.Subscript, cst.BinaryOperation)):
            part = unsupported_type(value, imports.qualify, lambda name: False)
            if part is not None:
                found.append((name, part, module.code_for_node(value)))
    once = _bound_once(module) if found else set()
    return tuple((intern(name), intern(part), code) for name, part, code in found if name in once)


def type_alias_values(module: cst.Module, imports: ImportTable, text: str) -> Tuple[Tuple[str, str], ...]:
    """Module-level type aliases (`OptTensor = Optional[Tensor]`, `Pair = Tensor | int`): (alias, its
    value as code), for a name bound once, by a plain assignment at the module's top level, to a
    subscript or a `|` of types. torch reads an annotation's alias through the function's globals
    and types it as the value (the type model's ProjectTypes.alias_type)."""
    found = [
        (name, module.code_for_node(value))
        for name, value in _top_level_values(module, annotated=False)
        if isinstance(value, cst.Subscript)
        or (isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.BitOr))
    ]
    once = _bound_once(module) if found else set()
    return tuple((intern(name), code) for name, code in found if name in once)


def _top_level_values(module: cst.Module, annotated: bool) -> Iterator[Tuple[str, cst.BaseExpression]]:
    """(name, value) of each `name = value` among the module's top-level statements, and of each
    `name: T = value` when `annotated`."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif annotated and isinstance(small, cst.AnnAssign) and small.value is not None:
                target, value = small.target, small.value
            else:
                continue
            if isinstance(target, cst.Name):
                yield target.value, value


def _bound_once(module: cst.Module) -> Set[str]:
    """The module-level names bound exactly once."""
    return {name for name, values in module_assignments(module).items() if len(values) == 1}


FACTS = FactExtractors(files={"type_aliases": type_aliases, "type_alias_values": type_alias_values})
