"""The signatures torch matches calls of project code against, for the call checks of the expression
types (expressions.py): a project function, a method of the compiled class (`self.helper(x)`), a
submodule (`self.block(x)`: its class's `forward`, or a torch module's one-Tensor `forward`).
`types` is the calling function's inference.FunctionTypes."""

from __future__ import annotations

from typing import Optional, Tuple

from tslint.analysis.schema_types import TENSOR, UNKNOWN
from tslint.analysis.signatures import NO_DEFAULT, Argument, Schema
from tslint.analysis.torch_modules import one_tensor_forward
from tslint.index.model import JIT_IGNORE, JIT_SCRIPT, JIT_UNUSED, AttributeKind, is_torch_module_class

# Decorators under which torch still calls a function by its own signature: compiled, ignored (run
# in Python), scripted on its own, or behind functools' cache (called in Python).
PLAIN_DECORATORS = frozenset({JIT_IGNORE, JIT_UNUSED, JIT_SCRIPT, "functools.lru_cache", "functools.cache"})


def project_schemas(types, name: str) -> Tuple[Schema, ...]:
    """The signatures torch matches a call of the project function `name` against: its own (see
    schema_of), or its overload declarations' (`@torch.jit._overload`); empty when it is not a project
    function, or not a plain one."""
    if types.project is None:
        return ()
    function = types.project.index.functions.get(types.project.index.resolve(name) or name)
    if function is None:
        return ()
    if function.has_overloads and function.overloads and set(function.decorators) <= PLAIN_DECORATORS:
        return tuple(_overload_schema(types.project, function, *declared) for declared in function.overloads)
    found = schema_of(types.project, function)
    return () if found is None else (found,)


def _overload_schema(project, function, annotations, parameters, returns) -> Schema:
    """One overload declaration's signature, typed as schema_of types a function's: a parameter
    with a default in the declaration or the implementation has one."""
    types = {name: project._annotation(text, function.path) if text else TENSOR for name, text in annotations}
    # torch takes the defaults from the implementation (a declaration's own count too, here)
    defaulted = {name for name, has_default in function.parameters if has_default}
    arguments = tuple(
        Argument(parameter, types.get(parameter, UNKNOWN), default=0 if given or parameter in defaulted else NO_DEFAULT)
        for parameter, given in parameters
    )
    return Schema(function.qualname, "", arguments, ())


def self_method_schema(types, name: str) -> Optional[Schema]:
    """The same for `self.name(...)`, when every class this function is compiled for has the
    same plain method `name` (not one replaced at run time)."""
    if types.project is None or not types.classes:
        return None
    methods = set()
    for klass in types.classes:
        facts = types.project._compiled_class(klass)
        if facts.unknown_bases or name in facts.replaced_methods:
            return None
        method = facts.methods.get(name)
        if method is None and name not in facts.class_attributes:
            method = _submodule_forward(types.project, klass, name)  # `self.stage(x)`: its forward
        methods.add(method)
    method = methods.pop() if len(methods) == 1 else None
    if method is None or method.self_name is None or "staticmethod" in method.decorators:
        return None
    return schema_of(types.project, method)


def submodule_schema(types, name: str) -> Optional[Schema]:
    """The signature torch matches `self.name(...)` against when `name` holds the same torch module
    class in every class this function is compiled for and that class's `forward` takes one Tensor
    (ONE_TENSOR_FORWARD): `forward(Tensor input)`. None otherwise, or when a class may hold
    something else under that name. (A project module class's own `forward`: self_method_schema.)"""
    if types.project is None or not types.classes:
        return None
    owners = set()
    for klass in types.classes:
        facts = types.project._compiled_class(klass)
        if facts.unknown_bases or name in facts.methods or "*" in facts.attributes:
            return None
        owners.add(types.project.attribute_type(klass, name))
    owner = owners.pop() if len(owners) == 1 else None
    if owner is None or owner.kind != "Class" or not owner.name:
        return None
    parameter = one_tensor_forward(owner.name)
    return None if parameter is None else Schema(owner.name + ".forward", "", (Argument(parameter, TENSOR),), ())


def element_forward(types, name: str) -> Optional[object]:
    """The `forward` torch compiles for `self.name[i](...)`, an element of a module container, when
    every class this function is compiled for builds `self.name` once, in `__init__`, as an
    `nn.ModuleList`/`nn.Sequential` of one project module class (a display, or a local list filled
    with `append`/`extend` there: container_elements); else None."""
    if types.project is None or not types.classes:
        return None
    from tslint.analysis.container_elements import SEQUENCES, container_classes

    project = types.project
    forwards = set()
    for klass in types.classes:
        facts = project._compiled_class(klass)
        assignments = facts.attributes.get(name, ())
        if facts.unknown_bases or "*" in facts.attributes or name in facts.methods or len(assignments) != 1:
            return None
        assignment = assignments[0]
        if assignment.kind is not AttributeKind.MODULE_CONTAINER or assignment.callee not in SEQUENCES:
            return None
        if assignment.method != "__init__":
            return None
        owner = next((info.qualname for info in facts.mro if name in info.attributes), None)
        classes = container_classes(_InitSource(project, owner), owner, name, 1) if owner else None
        if not classes or len(classes) != 1:
            return None
        element = project.index.resolve(next(iter(classes))) or next(iter(classes))
        forwards.add(_class_forward(project, element))
    forward = forwards.pop() if len(forwards) == 1 else None
    return forward


class _InitSource:
    """What container_elements reads of a class's file: the index, the file's index and the syntax
    trees of its functions (present for the file being linted)."""

    def __init__(self, project, klass: str) -> None:
        self.index = project.index
        info = project.index.classes.get(klass)
        path = info.path if info is not None else ""
        self.nodes = project.nodes.get(path, {})
        self.file = next((f for f in project.index.modules.values() if f.path == path), None)
        if self.file is None:
            self.nodes = {}
            self.file = _NoFile()


class _NoFile:
    path = ""
    imports = None


def _class_forward(project, klass: str):
    """The `forward` of the project module class `klass` torch compiles, or None (see below)."""
    if klass not in project.index.module_classes:
        return None
    facts = project._compiled_class(klass)
    index = project.index
    torch_bases_only = all(
        base is not None and (base in index.classes or is_torch_module_class(base))
        for info in facts.mro
        for base in index.resolved_bases(info)
    )
    if not torch_bases_only or facts.replaced or "forward" in facts.replaced_methods:
        return None
    return facts.methods.get("forward")


def _submodule_forward(project, klass: str, name: str):
    """The `forward` torch compiles for the submodule `self.name` when the type model types it as
    one project module class (not replaced by `__prepare_scriptable__`, no unknown base); else None."""
    attribute = project.attribute_type(klass, name)
    if attribute.kind != "Class" or attribute.name not in project.index.module_classes:
        return None
    facts = project._compiled_class(attribute.name)
    index = project.index
    # A torch module base (`nn.Sequential`) cannot replace the subclass's own forward.
    torch_bases_only = all(
        base is not None and (base in index.classes or is_torch_module_class(base))
        for info in facts.mro
        for base in index.resolved_bases(info)
    )
    if not torch_bases_only or facts.replaced or "forward" in facts.replaced_methods:
        return None
    return facts.methods.get("forward")


def schema_of(project, function) -> Optional[Schema]:
    """The function's parameters after `self` as torch types them (unannotated: Tensor), a
    default standing for itself, as a Schema (signatures.Schema). None for one whose parameters
    torch does not type so: `*args`, keyword-only parameters, overloads, or a decorator that
    replaces it."""
    if (
        function.takes_var_args
        or function.has_overloads
        or function.type_comment
        or len(function.parameter_annotations) != len(function.parameters)
        or not set(function.decorators) <= PLAIN_DECORATORS
    ):
        return None
    types = dict(project.signature(function)[0])
    arguments = tuple(
        Argument(parameter, types.get(parameter, UNKNOWN), default=0 if has_default else NO_DEFAULT)
        for parameter, has_default in function.parameters
    )
    return Schema(function.qualname, "", arguments, ())
