"""Which names torch makes constants of a module class's scripted instance, read as torch reads them
(torch/jit/_recursive.py, `infer_concrete_type_builder`), not as the union of every class's
declarations:

- `getattr(nn_module, "__constants__", ())`, an attribute lookup: the nearest class in Python's
  method resolution order that binds `__constants__` decides. A subclass that binds its own without a
  base's names drops them: the base's `self.a` is then an ordinary attribute, which compiled code may
  assign and whose invalid constant value (a dict) no longer fails (probed, torch 2.13).
- the `Final` annotations of `get_annotations(nn_module)`: the annotations of one class only. On
  Python 3.10+ torch reads `__annotations__` through the instance, which finds the nearest class in
  the method resolution order whose body annotates anything; but once a class's `__annotations__` has
  been read, Python 3.10+ stores an empty dict on it (torch itself does so when it scripts the class),
  and torch then walks `__bases__` depth-first for the first class annotating anything. Python 3.9
  (an older torch: `getattr(obj, "__annotations__", {})`) takes the nearest in the method resolution
  order. With one base at each step the two are the same class; where they differ (multiple
  inheritance) which one torch reads depends on the Python version and on what ran before: the same
  class scripted twice in one process made `flag` a constant the first time and an attribute the
  second (probed, torch 2.13, Python 3.11). tslint cannot know: such names are only `possible`.
- Under `from __future__ import annotations` a `Final` is the string "Final[int]", no `Final` to torch
  (the index's ClassInfo.finals holds none there).
- A class body may build its `__constants__` from another class's (`Base.__constants__ + ["b"]`, a
  literal then `+=`, a tuple concatenation: tslint/index/listed_constants.py): the value is what
  Python builds running the body, resolved here through the project's classes (`Base.__constants__`
  is a class attribute lookup: the nearest class in Base's method resolution order that binds one).
  A class tslint cannot see, a concatenation Python rejects (a tuple and a list), or a `+=` on a list
  that belongs to another class (`__constants__ = Base.__constants__` then `+=`: Python extends
  Base's list itself) leaves the names unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Optional, Set, Tuple, Union

from tslint.index.model import NATIVE_BASE_CLASSES, ClassInfo, ConstantsOperand, is_torch_module_class
from tslint.index.project import ProjectIndex

_EMPTY: FrozenSet[str] = frozenset()

# What a search for the class whose annotations torch reads can end at besides a project class:
# torch's own module classes (annotated, none of them `Final`: torch 2.13's torch/nn and torch/ao/nn
# declare no `Final`), no annotations anywhere, or a class tslint cannot see.
_TORCH = "torch"
_NONE = "none"
_UNSEEN = "unseen"
Annotated = Union[ClassInfo, str]


@dataclass(frozen=True)
class ClassConstants:
    """The constants of a module class's scripted instance."""

    listed: FrozenSet[str]  # certainly in the `__constants__` torch reads
    finals: FrozenSet[str]  # certainly `Final` in the annotations torch reads
    # Names that are constants in some case tslint cannot tell apart (a superset of the certain ones),
    # and whether a class tslint cannot see may add names of its own (`open`).
    possible: FrozenSet[str]
    open: bool
    # Every name some class of the hierarchy lists or annotates `Final`, where torch looks or not: only
    # to say why a name is no constant (TS317), never to decide that one is.
    declared: FrozenSet[str]

    @property
    def certain(self) -> FrozenSet[str]:
        return self.listed | self.finals

    def kind(self, name: str) -> Optional[str]:
        """How `name` is a constant ("listed in `__constants__`", "annotated `Final`"); "" when it
        certainly is not one; None when tslint cannot tell."""
        if name in self.listed:
            return "listed in `__constants__`"
        if name in self.finals:
            return "annotated `Final`"
        return None if name in self.possible or self.open else ""


def class_constants(index: ProjectIndex, info: ClassInfo) -> ClassConstants:
    hierarchy = index.mro(info)
    listed = _nearest_listed(index, info)
    finals, finals_known = _finals(index, info)
    every_listed = _EMPTY.union(*(c.listed_constants.names for c in hierarchy if c.listed_constants is not None))
    every_final = _EMPTY.union(*(c.finals for c in hierarchy))
    possible = (every_listed if listed is None else listed) | (finals if finals_known else every_final)
    # A list another class's body extends in place holds that class's names too once it has run.
    holders = _extended_holders(index)
    if holders:
        order = index.python_mro(info) or ()
        possible = possible.union(*(names for holder, names in holders.items() if holder in order))
        if _binder(index, info.qualname) in holders:
            listed = None
    return ClassConstants(
        listed=listed or _EMPTY,
        finals=finals if finals_known else _EMPTY,
        possible=possible,
        open=listed is None or not finals_known,
        declared=every_listed | every_final,
    )


def _nearest_listed(index: ProjectIndex, info: ClassInfo) -> Optional[FrozenSet[str]]:
    """The names of the `__constants__` torch reads; None when tslint cannot tell (a class it cannot
    see comes first, or the one that binds it binds no literal, or an instance's own)."""
    order = index.python_mro(info)
    if order is None:
        return None
    for qualname in order:
        current = index.classes.get(qualname)
        if current is None:
            if qualname in NATIVE_BASE_CLASSES:
                continue  # nn.Module binds no `__constants__`
            return None  # torch's own module classes may (nn.Linear does), others too
        if "__constants__" in current.attributes:
            return None  # `self.__constants__ = ...`: the instance's own, which comes first
        if current.listed_constants is not None:
            built = _built(index, current, frozenset())
            return built[1] if built is not None else None
    return _EMPTY


def _extended_holders(index: ProjectIndex) -> Dict[str, FrozenSet[str]]:
    """The classes whose body binds a `__constants__` list that another class's body extends in
    place (ProjectIndex.extended_constants), with the names those bodies write: that list then holds
    them wherever it is bound, once the other body has run (probed, torch 2.13)."""
    found: Dict[str, FrozenSet[str]] = {}
    for qualname, names in index.extended_constants.items():
        holder = _binder(index, qualname)
        if holder is not None:
            found[holder] = found.get(holder, _EMPTY) | names
    return found


def _binder(index: ProjectIndex, qualname: str) -> Optional[str]:
    """The class whose body binds the `__constants__` that `qualname.__constants__` reads."""
    info = index.classes.get(qualname)
    for name in (index.python_mro(info) or ()) if info is not None else ():
        current = index.classes.get(name)
        if current is not None and current.listed_constants is not None:
            return name
    return None


# A value of `__constants__` as Python holds it: (its type, the names, the class whose body made
# the object: a `+=` on a list changes that object, wherever it is bound).
_Value = Tuple[str, FrozenSet[str], str]


def _class_attribute(index: ProjectIndex, qualname: str, seen: FrozenSet[str]) -> Optional[_Value]:
    """`Base.__constants__` as Python reads it while running a class body: the value of the nearest
    class in Base's method resolution order that binds one; None when tslint cannot tell (a class it
    cannot see, or none binds it: AttributeError)."""
    info = index.classes.get(index.resolve(qualname) or qualname)
    if info is None or info.qualname in seen:
        return None
    order = index.python_mro(info)
    if order is None:
        return None
    for name in order:
        current = index.classes.get(name)
        if current is None:
            if name in NATIVE_BASE_CLASSES:
                continue  # nn.Module binds none
            return None
        if current.listed_constants is not None:
            if name in _extended_holders(index):
                return None  # what it holds depends on whether the extending body ran yet
            return _built(index, current, seen | {info.qualname})
    return None


def _built(index: ProjectIndex, info: ClassInfo, seen: FrozenSet[str]) -> Optional[_Value]:
    """The `__constants__` the body of `info` leaves bound, as Python runs its steps; None when
    tslint cannot tell or Python fails (a tuple and a list joined: TypeError)."""
    listing = info.listed_constants
    if listing is None or listing.steps is None:
        return None
    current: Optional[_Value] = None
    for operation, expression in listing.steps:
        value = _joined(index, info, expression, current, seen)
        if value is None:
            return None
        if operation == "=":
            current = value
        elif current is None:
            return None  # `+=` before any binding: Python looks the name up in the module
        elif current[0] == "list" and (operation == "+=" or operation == "extend"):
            if current[2] != info.qualname:
                return None  # extends another class's list in place: that class's value changes too
            current = ("list", current[1] | value[1], current[2])
        elif current[0] == "tuple" and operation == "+=" and value[0] == "tuple":
            current = ("tuple", current[1] | value[1], info.qualname)
        else:
            return None  # `+=` on a set, a tuple with a list, `.extend` of a tuple: Python fails
    return current


def _joined(
    index: ProjectIndex,
    info: ClassInfo,
    expression: Tuple[ConstantsOperand, ...],
    current: Optional[_Value],
    seen: FrozenSet[str],
) -> Optional[_Value]:
    """The value of operands joined by `+`: a new list or tuple when there are several, of one type."""
    values = []
    for kind, names, classes in expression:
        if kind == "self":
            value = current
        elif kind == "class":
            value = _class_attribute(index, classes[0], seen)
        else:
            taken = [_class_attribute(index, name, seen) for name in classes]
            if any(found is None for found in taken):
                return None
            value = (kind, _EMPTY.union(names, *(found[1] for found in taken if found is not None)), info.qualname)
        if value is None:
            return None
        values.append(value)
    if len(values) == 1:
        return values[0]
    kinds = {value[0] for value in values}
    if len(kinds) != 1 or not kinds <= {"list", "tuple"}:
        return None
    return (values[0][0], _EMPTY.union(*(value[1] for value in values)), info.qualname)


def _finals(index: ProjectIndex, info: ClassInfo) -> Tuple[FrozenSet[str], bool]:
    """(the `Final` names of the annotations torch reads, whether tslint knows which class's they
    are on every Python version)."""
    nearest = _nearest_annotated(index, info)
    depth_first = _depth_first_annotated(index, info, set())
    if nearest is _UNSEEN or nearest is not depth_first:
        return _EMPTY, False
    return (nearest.finals if isinstance(nearest, ClassInfo) else _EMPTY), True


def _nearest_annotated(index: ProjectIndex, info: ClassInfo) -> Annotated:
    """The nearest class in the method resolution order whose body annotates anything."""
    order = index.python_mro(info)
    if order is None:
        return _UNSEEN
    for position, qualname in enumerate(order):
        current = index.classes.get(qualname)
        if current is not None:
            if current.class_annotations:
                return current
        elif qualname in NATIVE_BASE_CLASSES:
            return _TORCH  # nn.Module annotates its own attributes
        elif not is_torch_module_class(qualname):
            return _UNSEEN
        elif any(_may_annotate(index, later) for later in order[position + 1 :]):
            return _UNSEEN  # a torch class that may annotate nothing itself, then one that may
        else:
            return _TORCH  # whichever it is, it is torch's
    return _NONE


def _may_annotate(index: ProjectIndex, qualname: str) -> bool:
    """Whether a class after one of torch's own in the order may be where the annotations are
    found: a project class that annotates anything, or a class tslint cannot see."""
    current = index.classes.get(qualname)
    if current is not None:
        return bool(current.class_annotations)
    return not _torch_class(qualname)


def _torch_class(qualname: str) -> bool:
    return qualname in NATIVE_BASE_CLASSES or is_torch_module_class(qualname)


def _depth_first_annotated(index: ProjectIndex, info: ClassInfo, seen: Set[str]) -> Annotated:
    """The first class annotating anything, `info` itself then its bases depth-first (torch's
    get_annotations when the instance's lookup found an empty dict)."""
    if info.class_annotations:
        return info
    seen.add(info.qualname)
    for base in index.resolved_bases(info):
        found = index.classes.get(base) if base is not None else None
        if found is None:
            # torch's own module classes end in nn.Module, which annotates its attributes
            return _TORCH if base is not None and _torch_class(base) else _UNSEEN
        if found.qualname in seen:
            continue
        result = _depth_first_annotated(index, found, seen)
        if result is not _NONE:
            return result
    return _NONE
