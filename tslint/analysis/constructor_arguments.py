"""Classes handed to a constructor: a module whose `__init__` stores a parameter as an attribute
(`self.corr_block = corr_block`) holds what its builders pass for it (`RAFT(corr_block=corr_block)`
after `corr_block = kwargs.pop("corr_block", None) or CorrBlock(...)`). torch.jit.trace runs the
methods of that instance (`self.corr_block.index_pyramid(...)`), so the trace scope follows them.

Read from two index facts of the trace rules (tslint/rules/trace/_index_facts.py): the `__init__`
parameters each class stores as attributes, and the classes each function builds and passes to a
call of a capitalised callee (a class). A builder's own default is what counts: in `x or Cls(...)`
the class built when the caller passed nothing.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Set, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable
from tslint.analysis.traversal import nodes_in_scope

_ASSIGN_OR_CALL = frozenset({cst.Assign, cst.Call})
_ASSIGN = frozenset({cst.Assign})
BUILT_ARGUMENTS = "trace-built-arguments"
STORED_PARAMETERS = "trace-stored-parameters"


def _capitalised(name: Optional[str]) -> bool:
    return bool(name) and name.rsplit(".", 1)[-1].lstrip("_")[:1].isupper()


def built_arguments(
    function: cst.FunctionDef, imports: ImportTable, owner: Optional[str]
) -> Optional[Tuple[Tuple[str, str, str], ...]]:
    """(callee, argument, class) for each argument of a call of a capitalised callee whose value
    builds an instance of a capitalised class: `Cls(...)`, `x or Cls(...)`, or a local name bound to
    one of these (any binding of the name that builds one counts). The argument is its keyword, or
    its position ("0", "1", ...). Sorted; None when there are none."""
    bindings: Dict[str, Set[str]] = {}
    calls = []

    def built(value: cst.BaseExpression) -> Optional[str]:
        if type(value) is cst.BooleanOperation and isinstance(value.operator, cst.Or):
            return built(value.right)
        if type(value) is cst.Call:
            name = imports.qualify(value.func)
            return name if _capitalised(name) else None
        return None

    for node in nodes_in_scope(function, _ASSIGN_OR_CALL):
        if type(node) is cst.Assign:
            if len(node.targets) == 1 and type(node.targets[0].target) is cst.Name:  # type: ignore[attr-defined]
                name = built(node.value)  # type: ignore[attr-defined]
                if name is not None:
                    bindings.setdefault(node.targets[0].target.value, set()).add(name)  # type: ignore[attr-defined]
        elif node.args and _capitalised(imports.qualify(node.func)):  # type: ignore[attr-defined]
            calls.append(node)
    found = set()
    for call in calls:
        callee = imports.qualify(call.func)
        position = 0
        for argument in call.args:
            if argument.star:
                break  # `*args` / `**kwargs`: what follows binds unknown parameters
            key = argument.keyword.value if argument.keyword is not None else str(position)
            if argument.keyword is None:
                position += 1
            value = argument.value
            names = bindings.get(value.value, set()) if type(value) is cst.Name else set()
            direct = built(value)
            for name in (*names, *([direct] if direct else [])):
                found.add((callee, key, name))
    return tuple(sorted(found)) or None


def stored_parameters(
    function: cst.FunctionDef, imports: ImportTable, owner: Optional[str]
) -> Optional[Tuple[Tuple[str, str, int], ...]]:
    """For an `__init__`: (attribute, parameter, position) of each `self.attribute = parameter`
    (position among the parameters after `self`, -1 for keyword-only ones). Sorted; None when none."""
    if owner is None or function.name.value != "__init__":
        return None
    params = function.params
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    if not positional:
        return None
    self_name = positional[0]
    positions = {name: index for index, name in enumerate(positional[1:])}
    positions.update({p.name.value: -1 for p in params.kwonly_params})
    found = set()

    for node in nodes_in_scope(function, _ASSIGN):
        if type(node.value) is cst.Name and node.value.value in positions:  # type: ignore[attr-defined]
            for target in node.targets:  # type: ignore[attr-defined]
                target = target.target
                if type(target) is cst.Attribute and type(target.value) is cst.Name and target.value.value == self_name:
                    found.add((target.attr.value, node.value.value, positions[node.value.value]))  # type: ignore[attr-defined]
    return tuple(sorted(found)) or None


def passed_classes(index, klass: str, attribute: str) -> FrozenSet[str]:
    """The project classes that `klass`'s builders pass for the `__init__` parameter stored as
    `self.<attribute>`; empty when it is not stored from a parameter or nothing known is passed."""
    init = index.classes[klass].methods.get("__init__") if klass in index.classes else None
    stored = init.fact(STORED_PARAMETERS) if init is not None else None
    if not stored:
        return frozenset()
    table = _passed(index)
    found: Set[str] = set()
    for name, parameter, position in stored:
        if name == attribute:
            found.update(table.get((klass, parameter), ()))
            if position >= 0:
                found.update(table.get((klass, str(position)), ()))
    return frozenset(found)


def _passed(index) -> Dict[Tuple[str, str], FrozenSet[str]]:
    """(class, argument) -> the project classes passed for it anywhere in the project. Cached on the index."""
    found = getattr(index, "_constructor_arguments", None)
    if found is not None:
        return found
    table: Dict[Tuple[str, str], Set[str]] = {}
    for file in index.files:
        for function in file.every_function():
            for callee, argument, built in function.fact(BUILT_ARGUMENTS) or ():
                target = index.resolve(callee)
                value = index.resolve(built)
                if target in index.classes and value in index.classes:
                    table.setdefault((target, argument), set()).add(value)
    found = {key: frozenset(values) for key, values in table.items()}
    index._constructor_arguments = found
    return found
