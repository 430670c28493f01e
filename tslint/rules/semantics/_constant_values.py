"""Module constants whose value torch cannot make a constant (TS372): the class fact the indexer
records (`constant_facts`), and what the instance of a scripted class holds (`invalid_constant`).

Which names are the scripted instance's constants is the class's `constant_names`
(analysis/class_constants.py). Each constant's value, read on the built instance, must be a bool, int,
float, str, None, torch.device/layout/dtype/qscheme, or a tuple or list of those; anything else
fails before any code is compiled ("'dict' object in attribute 'Net.table' is not a valid
constant"; each kind below probed in torch 2.13).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterator, List, NamedTuple, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable
from tslint.analysis.traversal import walk
from tslint.index.attributes import is_final_annotation
from tslint.index.model import DYNAMIC_ATTRIBUTES, ClassInfo

if TYPE_CHECKING:
    from tslint.compiled_class import CompiledClass
    from tslint.index.project import ProjectIndex

FACT = "constant_values"

# Calls that always return a tensor.
_TENSOR_FACTORIES = frozenset(
    f"torch.{name}"
    for name in ("tensor", "as_tensor", "zeros", "ones", "empty", "full", "rand", "randn", "arange", "eye", "linspace")
)
_CALLS = {"dict": "a dict", "set": "a set", "frozenset": "a frozenset"}
_DISPLAYS = {cst.Dict: "a dict", cst.DictComp: "a dict", cst.Set: "a set", cst.SetComp: "a set"}


class ConstantFacts(NamedTuple):
    """What a class body that declares constants says about them."""

    # Names the class body binds, with what the last binding holds when torch cannot make it a
    # constant ("a dict"), "" otherwise (a valid value, or one tslint cannot tell).
    class_level: Tuple[Tuple[str, str], ...]
    # Names the class's methods assign on `self`, with what each assignment holds ("" as above).
    assigned: Tuple[Tuple[str, Tuple[str, ...]], ...]


def invalid_value(value: cst.BaseExpression, imports: ImportTable) -> str:
    """What `value` certainly is when torch cannot make it a constant; "" when it can or when
    tslint cannot tell."""
    kind = type(value)
    if kind in _DISPLAYS:
        return _DISPLAYS[kind]
    if kind is cst.Lambda:
        return "a function"
    if kind is cst.Imaginary:
        return "a complex number"
    if kind is cst.SimpleString:
        return "a bytes value" if "b" in value.prefix.lower() else ""
    if kind is cst.UnaryOperation:
        return "a complex number" if type(value.expression) is cst.Imaginary else ""
    if kind is cst.Call:
        callee = imports.qualify(value.func) or ""
        return _CALLS.get(callee) or ("a tensor" if callee in _TENSOR_FACTORIES else "")
    if kind in (cst.List, cst.Tuple):
        container = "a list" if kind is cst.List else "a tuple"
        for element in value.elements:
            if type(element) is cst.Element:
                inner = invalid_value(element.value, imports)
                if inner:
                    return f"{container} with {inner} in it"
    return ""


def class_body_bindings(
    node: cst.ClassDef,
) -> Iterator[Tuple[str, Optional[cst.BaseExpression], Optional[cst.BaseExpression]]]:
    """(name, annotation or None, value or None) of each name the class body's simple statements bind
    or annotate (`x: T`, `x: T = v`, `x = y = v`), in order."""
    for statement in node.body.body:
        if type(statement) is not cst.SimpleStatementLine:
            continue
        for small in statement.body:
            if type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                yield small.target.value, small.annotation.annotation, small.value
            elif type(small) is cst.Assign:
                for target in small.targets:
                    if type(target.target) is cst.Name:
                        yield target.target.value, None, small.value


def constant_facts(node: cst.ClassDef, imports: ImportTable) -> Optional[ConstantFacts]:
    """The class fact: None for a class body that declares no constant (most classes)."""
    declares = False
    bound: Dict[str, str] = {}
    for name, annotation, value in class_body_bindings(node):
        if annotation is not None and is_final_annotation(annotation, imports):
            declares = True
        if value is None:
            continue
        if name == "__constants__":
            declares = True
        bound[name] = invalid_value(value, imports)
    if not declares:
        return None
    bound.pop("__constants__", None)
    return ConstantFacts(tuple(sorted(bound.items())), _assigned(node, imports))


def _assigned(node: cst.ClassDef, imports: ImportTable) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    found: Dict[str, List[str]] = {}
    for method in node.body.body:
        if type(method) is not cst.FunctionDef or not method.params.params:
            continue
        receiver = method.params.params[0].name.value

        def enter(current: cst.CSTNode, receiver: str = receiver) -> bool:
            kind = type(current)
            if kind is cst.Assign:
                targets = [target.target for target in current.targets]
            elif kind is cst.AnnAssign and current.value is not None:
                targets = [current.target]
            else:
                return True
            for target in targets:
                if type(target) is cst.Attribute and type(target.value) is cst.Name and target.value.value == receiver:
                    found.setdefault(target.attr.value, []).append(invalid_value(current.value, imports))
            return True

        walk(method.body, enter)
    return tuple(sorted((name, tuple(whats)) for name, whats in found.items()))


def _facts(info: ClassInfo) -> Optional[ConstantFacts]:
    return info.fact(FACT)  # type: ignore[return-value]


def invalid_constant(index: ProjectIndex, klass: CompiledClass, name: str) -> Optional[Tuple[str, str]]:
    """(how it is a constant, what it holds) when `name` is a constant of the scripted class that
    every construction leaves holding a value torch cannot make a constant; None otherwise."""
    if DYNAMIC_ATTRIBUTES in klass.attributes:
        return None
    if klass.unknown_bases and index.has_bases_outside_torch(klass.info):
        return None
    how = klass.constant_names.kind(name)
    if not how:
        return None
    whats: List[str] = []
    for info in klass.mro:
        if name not in info.attributes:
            continue
        facts = _facts(info)
        assigned = dict(facts.assigned).get(name) if facts is not None else None
        if not assigned or not all(assigned):
            return None  # an assignment tslint cannot classify, or one holding a valid constant
        whats.extend(assigned)
    class_level = ""
    for info in klass.mro:
        if name in info.class_attributes:
            facts = _facts(info)
            class_level = dict(facts.class_level).get(name, "") if facts is not None else ""
            break
    if whats:
        in_every_init = any(a.method == "__init__" for a in klass.attributes.get(name, ())) and (
            name not in klass.conditional_attributes
        )
        if in_every_init or class_level:
            return how, whats[0]
        return None
    return (how, class_level) if class_level else None
