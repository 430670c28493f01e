"""Instances of project classes a module holds as attributes, and whether torch can type them (TS324).

torch types an attribute holding an instance of a plain class by compiling that class as a
TorchScript class (`tryToInferType` in torch/csrc/jit/python/pybind_utils.h calls
`_recursive_compile_class`, which compiles every method the class body defines). When that fails,
torch swallows the error and the attribute has no type: "Module 'Attention' has no attribute
'processor' (This attribute exists on the Python module, but we failed to convert Python type:
'AttnProcessor' to a TorchScript type ...)", at the line of compiled code that reads it."""

from __future__ import annotations

from typing import Optional, Set

from tslint.compiled_class import CompiledClass
from tslint.index.model import JIT_IGNORE, JIT_UNUSED, OBJECT, AttributeAssignment, AttributeKind, ClassInfo
from tslint.index.project import ProjectIndex

# Methods torch does not compile with the class (probed: a static method taking a module compiles).
_NOT_COMPILED = frozenset(
    {"staticmethod", "builtins.staticmethod", "classmethod", "builtins.classmethod", JIT_IGNORE, JIT_UNUSED}
)
_PROPERTIES = frozenset({"property", "builtins.property", "functools.cached_property"})


def uncompilable_class(index: ProjectIndex, qualified: Optional[str]) -> Optional[str]:
    """Why torch cannot compile the project class `qualified` as a TorchScript class, described;
    None when it may compile, or is a module class, or is not fully known."""
    resolved = index.resolve(qualified)
    info = index.classes.get(resolved) if resolved else None
    if info is None or index.is_module_class(resolved) or not _plain_hierarchy(index, info):
        return None
    for method in info.methods.values():
        if any(d in _NOT_COMPILED or d in _PROPERTIES for d in method.decorators):
            continue
        for annotation in method.annotations:
            if index.is_module_class(annotation):
                short = annotation.rsplit(".", 1)[-1]
                return f"an instance of `{info.name}`, whose `{method.name}` takes a module (`{short}`)"
        if method.takes_var_args:
            return f"an instance of `{info.name}`, whose `{method.name}` takes `*args` or `**kwargs`"
    return None


def _plain_hierarchy(index: ProjectIndex, info: ClassInfo) -> bool:
    """Every base is an indexed plain class or `object` (no tuple, Enum, Exception or unknown base)."""
    if index.hierarchy_too_deep(info) or info.decorators:
        return False
    for current in index.mro(info):
        for base in index.resolved_bases(current):
            if base not in OBJECT and base not in index.classes:
                return False
    return True


def held_class(klass: CompiledClass, index: ProjectIndex, name: str, assignment: AttributeAssignment) -> str:
    """The class whose instance `assignment` stores in `self.<name>` in a default construction,
    qualified, or "" when not known: `self.x = Processor()`, or a method storing its parameter
    (`self.set_processor(Processor())` in `__init__`)."""
    if assignment.kind is AttributeKind.CALL:
        return index.resolve(assignment.callee) or ""
    method = klass.methods.get(assignment.method)
    if method is None or assignment.method == "__init__":
        return ""
    setters = [(p, i) for attribute, p, i in method.fact("parameter_setters", ()) if attribute == name]
    if len(setters) != 1:
        return ""
    found = _passed_classes(klass, assignment.method, *setters[0])
    return found.pop() if found is not None and len(found) == 1 else ""


def _passed_classes(klass: CompiledClass, setter: str, parameter: str, position: int) -> Optional[Set[str]]:
    """The classes `__init__` (the class's or a base's) passes to `self.<setter>(...)` for
    `parameter`; None when some call passes something else or none is seen."""
    found: Set[str] = set()
    for current in klass.mro:
        init = current.methods.get("__init__")
        if init is None:
            continue
        for method, key, built in init.fact("setter_arguments", ()):
            if method != setter:
                continue
            if key == "*":
                return None
            if key not in (str(position), parameter):
                continue
            if built.startswith("self."):
                built = _class_reference(klass, built[len("self.") :])
            if not built:
                return None
            found.add(built)
    return found or None


def _class_reference(klass: CompiledClass, name: str) -> str:
    """The class the class body (or a base's) binds to `name`, first in method resolution order."""
    for current in klass.mro:
        references = dict(current.fact("class_references", ()))
        if name in references:
            return references[name]
        if name in current.class_attributes or name in current.methods:
            return ""
    return ""
