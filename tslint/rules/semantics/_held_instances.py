"""Which project class's instance a module holds as an attribute in a default construction (TS324).

torch types such an attribute by compiling the instance's class as a TorchScript class
(`tryToInferType` in torch/csrc/jit/python/pybind_utils.h calls `_recursive_compile_class`); whether
that fails is `tslint.analysis.script_class_failures`. This module finds the class: built in
`__init__` (`self.x = Processor()`), or handed by `__init__` to a method that stores its parameter
(`self.set_processor(processor or Processor())`)."""

from __future__ import annotations

from typing import Optional, Set

from tslint.compiled_class import CompiledClass
from tslint.index.model import AttributeAssignment, AttributeKind, CallKind
from tslint.index.project import ProjectIndex


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


def filled_by_a_method(klass: CompiledClass, name: str) -> bool:
    """Whether a method of the class's hierarchy, `__init__` included, calls a method of `self.<name>`
    (`self.widths.append(i)`): an empty list or dict stored there may be filled before scripting."""
    return any(
        call.kind is CallKind.SUBMODULE_METHOD and call.attribute == name
        for current in klass.mro
        for method in current.methods.values()
        for call in method.calls
    )
