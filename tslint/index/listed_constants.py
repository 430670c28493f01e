"""How a class body builds the `__constants__` it binds (ClassInfo.listed_constants), read from the
body alone: the project index resolves the classes it names (tslint/analysis/class_constants.py).

torch reads the value Python built when it ran the body (`set(getattr(module, "__constants__", ()))`,
torch/jit/_recursive.py), so each form below is what Python makes of it (probed, torch 2.13):
`Base.__constants__ + ["b"]`, `["b"] + Base.__constants__`, `("a",) + ("b",)`, a literal then
`__constants__ += [...]`, `[*Base.__constants__, "b"]`, `list(Base.__constants__) + ["b"]`, a
literal then `__constants__.append("b")` / `.extend([...])` all hold the names of both parts. Any
other binding (under an `if`, `del`, `.remove(...)`, a value built by a call) is one tslint does not
read: the class's constants are then unknown.
"""

from __future__ import annotations

from sys import intern
from typing import List, Optional, Set, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable
from tslint.analysis.traversal import walk
from tslint.index.model import ConstantsListing, ConstantsOperand, ConstantsStep

NAME = "__constants__"
_DISPLAYS = {cst.List: "list", cst.Tuple: "tuple", cst.Set: "set"}
_BUILDERS = frozenset(_DISPLAYS.values())
_EXTENDERS = frozenset({"append", "extend"})


class _Unread(Exception):
    """A binding of `__constants__` of a form tslint does not read."""


def constants_listing(node: cst.ClassDef, imports: ImportTable) -> Optional[ConstantsListing]:
    """How the body of class `node` builds its `__constants__`; None when the body binds none."""
    steps: List[ConstantsStep] = []
    names: Set[str] = set()
    readable = True
    for statement in node.body.body:
        kind = type(statement)
        if kind is not cst.SimpleStatementLine:
            if kind is not cst.FunctionDef and kind is not cst.ClassDef and _mentions(statement):
                readable = False  # under an `if`, a `for`, a `try`: which binding runs is not read
                names |= _strings(statement)
            continue
        for small in statement.body:  # type: ignore[attr-defined]
            if not _binds(small):
                continue
            names |= _strings(small)
            try:
                steps.append(_step(small, imports))
            except _Unread:
                readable = False
    if not steps and readable:
        return None
    return ConstantsListing(tuple(steps) if readable else None, frozenset(map(intern, names)))


def _binds(small: cst.BaseSmallStatement) -> bool:
    """Whether a statement of the class body may bind or change `__constants__` (a mere read of it
    elsewhere in a value changes nothing)."""
    kind = type(small)
    if kind is cst.Assign:
        return any(_mentions(target.target) for target in small.targets)  # type: ignore[attr-defined]
    if kind is cst.AnnAssign:
        # `__constants__: List[str]` alone binds nothing
        return small.value is not None and _mentions(small.target)  # type: ignore[attr-defined]
    if kind is cst.AugAssign or kind is cst.Del:
        return _mentions(small.target)  # type: ignore[attr-defined]
    if kind is cst.Expr:
        value = small.value  # type: ignore[attr-defined]
        return type(value) is not cst.SimpleString and _mentions(value)
    return False


def _step(small: cst.BaseSmallStatement, imports: ImportTable) -> ConstantsStep:
    kind = type(small)
    if kind is cst.Assign:
        if all(_is_name(target.target) or not _mentions(target.target) for target in small.targets):  # type: ignore[attr-defined]
            return ("=", _expression(small.value, imports))  # type: ignore[attr-defined]
    elif kind is cst.AnnAssign:
        if _is_name(small.target):  # type: ignore[attr-defined]
            return ("=", _expression(small.value, imports))  # type: ignore[attr-defined]
    elif kind is cst.AugAssign:
        if _is_name(small.target) and type(small.operator) is cst.AddAssign:  # type: ignore[attr-defined]
            return ("+=", _expression(small.value, imports))  # type: ignore[attr-defined]
    elif kind is cst.Expr:
        call = small.value  # type: ignore[attr-defined]
        if (
            type(call) is cst.Call
            and type(call.func) is cst.Attribute
            and _is_name(call.func.value)
            and call.func.attr.value in _EXTENDERS
            and len(call.args) == 1
            and not call.args[0].keyword
            and not call.args[0].star
        ):
            value = call.args[0].value
            if call.func.attr.value == "append":
                return ("extend", (("list", (_string(value),), ()),))
            return ("extend", _expression(value, imports))
    raise _Unread


def _expression(value: cst.BaseExpression, imports: ImportTable) -> Tuple[ConstantsOperand, ...]:
    """The operands of `value`, a chain of `+` read left to right."""
    if type(value) is cst.BinaryOperation:
        if type(value.operator) is not cst.Add:
            raise _Unread
        return (*_expression(value.left, imports), _operand(value.right, imports))
    return (_operand(value, imports),)


def _operand(value: cst.BaseExpression, imports: ImportTable) -> ConstantsOperand:
    kind = type(value)
    if kind in _DISPLAYS:
        names: List[str] = []
        classes: List[str] = []
        for element in value.elements:  # type: ignore[attr-defined]
            if type(element) is cst.StarredElement:
                classes.append(_class_of(element.value, imports))
            else:
                names.append(_string(element.value))
        return (_DISPLAYS[kind], tuple(names), tuple(classes))
    if kind is cst.Name and value.value == NAME:  # type: ignore[attr-defined]
        return ("self", (), ())
    if kind is cst.Attribute:
        return ("class", (), (_class_of(value, imports),))
    if (
        kind is cst.Call
        and type(value.func) is cst.Name  # type: ignore[attr-defined]
        and value.func.value in _BUILDERS  # type: ignore[attr-defined]
        and len(value.args) == 1  # type: ignore[attr-defined]
        and not value.args[0].keyword  # type: ignore[attr-defined]
        and not value.args[0].star  # type: ignore[attr-defined]
    ):
        # `list(Base.__constants__)`, `tuple([...])`: a new one of the items of what it is given
        _, names_given, classes_given = _operand(value.args[0].value, imports)  # type: ignore[attr-defined]
        if names_given == () and classes_given == () and type(value.args[0].value) is cst.Name:  # type: ignore[attr-defined]
            raise _Unread  # `list(__constants__)`: the body's own, read through a copy
        return (value.func.value, names_given, classes_given)  # type: ignore[attr-defined]
    raise _Unread


def _class_of(value: cst.BaseExpression, imports: ImportTable) -> str:
    """The class whose `__constants__` `value` reads (`Base.__constants__`, `mod.Base.__constants__`)."""
    if type(value) is not cst.Attribute or value.attr.value != NAME:
        raise _Unread
    qualified = imports.qualify(value.value)
    if qualified is None:
        raise _Unread
    return intern(qualified)


def _string(value: cst.BaseExpression) -> str:
    if type(value) is not cst.SimpleString:
        raise _Unread
    text = value.evaluated_value
    if not isinstance(text, str):
        raise _Unread
    return intern(text)


def _is_name(target: cst.BaseExpression) -> bool:
    return type(target) is cst.Name and target.value == NAME


def _mentions(node: cst.CSTNode) -> bool:
    """Whether the body's name `__constants__` occurs in `node` (not an attribute of that name:
    `Base.__constants__` reads another class's)."""
    if type(node) is cst.Name:
        return node.value == NAME
    found = False

    def enter(current: cst.CSTNode) -> bool:
        nonlocal found
        kind = type(current)
        if kind is cst.Name:
            found = found or current.value == NAME  # type: ignore[attr-defined]
            return False
        if kind is cst.Attribute:
            found = found or _mentions(current.value)  # type: ignore[attr-defined]
            return False
        return not found

    walk(node, enter)
    return found


def _strings(node: cst.CSTNode) -> Set[str]:
    """The strings written anywhere in `node`."""
    found: Set[str] = set()

    def enter(current: cst.CSTNode) -> bool:
        if type(current) is cst.SimpleString:
            text = current.evaluated_value
            if isinstance(text, str):
                found.add(text)
        return True

    walk(node, enter)
    return found
