"""The signatures family's own index facts (see tslint/index/facts.py): computed while each file is
indexed, read by its rules through `FileIndex.fact`."""

from __future__ import annotations

from sys import intern
from typing import List, Tuple

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
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                target, value = small.target, small.value
            else:
                continue
            if not isinstance(target, cst.Name) or not isinstance(value, (cst.Subscript, cst.BinaryOperation)):
                continue
            part = unsupported_type(value, imports.qualify, lambda name: False)
            if part is not None:
                found.append((target.value, part, module.code_for_node(value)))
    if not found:
        return ()
    once = {name for name, values in module_assignments(module).items() if len(values) == 1}
    return tuple((intern(name), intern(part), code) for name, part, code in found if name in once)


def type_alias_values(module: cst.Module, imports: ImportTable, text: str) -> Tuple[Tuple[str, str], ...]:
    """Module-level type aliases (`OptTensor = Optional[Tensor]`, `Pair = Tensor | int`): (alias, its
    value as code), for a name bound once, by a plain assignment at the module's top level, to a
    subscript or a `|` of types. torch reads an annotation's alias through the function's globals
    and types it as the value (the type model's ProjectTypes.alias_type)."""
    found: List[Tuple[str, str]] = []
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            else:
                continue
            if not isinstance(target, cst.Name):
                continue
            if isinstance(value, cst.Subscript) or (
                isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.BitOr)
            ):
                found.append((target.value, module.code_for_node(value)))
    if not found:
        return ()
    once = {name for name, values in module_assignments(module).items() if len(values) == 1}
    return tuple((intern(name), code) for name, code in found if name in once)


FACTS = FactExtractors(files={"type_aliases": type_aliases, "type_alias_values": type_alias_values})
