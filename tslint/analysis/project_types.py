"""The types of the project's own things, as torch types them: module attributes, the parameters and
return types of project functions and methods. Read from the project index, so across files.

Attributes follow torch/jit/_recursive.py (infer_concrete_type_builder), probed in torch 2.13: a
class-level annotation gives the type; else `nn.Parameter`s and buffers are Tensors, submodules
their class, literals their type (`self.p = 0.1` is float), `self.training` a bool. An attribute
assigned values of different kinds (`None` on one path of `__init__`, a module on another) has the
type of whatever the built instance holds: Unknown here.
"""

from __future__ import annotations

import weakref
from typing import Dict, Mapping, Optional, Set, Tuple

from tslint.analysis.schema_types import BOOL, NONE, TENSOR, UNKNOWN, JitType, leaf
from tslint.analysis.types import annotation_type, class_type
from tslint.index.model import AttributeKind, FunctionInfo, is_torch_module_class
from tslint.index.project import ProjectIndex

_LITERALS = {"int": leaf("int"), "float": leaf("float"), "str": leaf("str"), "bool": BOOL}
_VALUE_KINDS = (AttributeKind.NONE, AttributeKind.CONSTANT, AttributeKind.OTHER)
_PLAIN_TORCH_BASES = frozenset(
    {"torch.nn.Module", "torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict", "object"}
)
# nn.Module's class-level annotations and internals: typed by torch, not by the value.
_TORCH_ANNOTATED = frozenset(
    {"training", "dump_patches", "call_super_init", "_version", "_parameters", "_buffers", "_modules"}
)
# Calls whose result, held by an attribute, is a plain Tensor (not a parameter or buffer: torch types
# it Tensor all the same).
TENSOR_FACTORIES = frozenset(
    f"torch.{name}"
    for name in (
        "tensor",
        "as_tensor",
        "ones",
        "zeros",
        "full",
        "empty",
        "eye",
        "arange",
        "linspace",
        "rand",
        "randn",
        "randint",
        "ones_like",
        "zeros_like",
        "empty_like",
        "randn_like",
        "rand_like",
        "full_like",
        "cat",
        "stack",
        "from_numpy",
        "Tensor",
        "FloatTensor",
        "LongTensor",
    )
)
_SCALAR_CALLS = {"int": leaf("int"), "float": leaf("float"), "str": leaf("str"), "bool": BOOL}


class ProjectTypes:
    """Types of project classes' attributes and project functions' signatures, computed on demand and
    kept for the run (one per worker and project index)."""

    def __init__(self, index: ProjectIndex, compiled_class, is_compiled=None) -> None:
        self.index = index
        self.is_compiled = is_compiled  # FunctionInfo -> whether torch compiles it
        self._compiled_class = compiled_class  # qualified name -> CompiledClass
        self._attributes: Dict[Tuple[str, str], JitType] = {}
        self._signatures: Dict[Tuple[str, int], Tuple[Tuple[Tuple[str, JitType], ...], JitType]] = {}
        # The syntax trees of the functions of the files being linted here, by path: an unannotated
        # return type is inferred from the body when the body is at hand.
        self.nodes: Dict[str, Mapping[int, object]] = {}
        self._inferring: Set[Tuple[str, int]] = set()
        self._inferred: Dict[Tuple[str, int], JitType] = {}
        self._aliases: Dict[Tuple[str, str], JitType] = {}

    # --- type aliases ------------------------------------------------------------------------------

    def alias_type(self, name: str, module: str) -> JitType:
        """The type of `name`, read in the module `module`, when it names a project type alias (the
        `type_alias_values` fact of the module that binds it: `OptTensor = Optional[Tensor]`), its
        value typed in that module; Unknown otherwise. torch reads the alias's value through the
        annotation's name (probed: an `Optional[Tensor]` alias types a parameter so)."""
        key = (name, module)
        found = self._aliases.get(key)
        if found is not None:
            return found
        self._aliases[key] = UNKNOWN  # an alias of itself, through a cycle, is unknown
        if "." in name:
            owner, _, short = (self.index.resolve(name) or name).rpartition(".")
        else:
            owner, short = module, name
        file = self.index.modules.get(owner)
        found = UNKNOWN
        for bound, code in file.fact("type_alias_values", ()) if file is not None else ():
            if bound == short:
                from tslint.analysis.types import _parse

                try:
                    expression = _parse(code)
                except Exception:  # noqa: BLE001 - not an expression after all: unknown
                    break
                found = annotation_type(
                    expression, file.imports.qualify, self.is_class, lambda inner: self.alias_type(inner, owner)
                )
                break
        self._aliases[key] = found
        return found

    def aliases_in(self, module: str):
        """`alias_type` for the names of one module's annotations."""
        return lambda name: self.alias_type(name, module)

    # --- classes ---------------------------------------------------------------------------------

    def is_class(self, qualified: str) -> bool:
        resolved = self.index.resolve(qualified) or qualified
        return resolved in self.index.classes or is_torch_module_class(resolved)

    def class_of(self, qualified: Optional[str]) -> Optional[str]:
        if qualified is None:
            return None
        resolved = self.index.resolve(qualified) or qualified
        if resolved in self.index.classes or is_torch_module_class(resolved):
            return resolved
        return None

    def attribute_type(self, klass: str, name: str) -> JitType:
        key = (klass, name)
        found = self._attributes.get(key)
        if found is None:
            found = self._attribute_type(klass, name)
            self._attributes[key] = found
        return found

    def _attribute_type(self, klass: str, name: str) -> JitType:
        if klass not in self.index.classes:
            return UNKNOWN
        facts = self._compiled_class(klass)
        if facts.unknown_bases and self.index.has_bases_outside_torch(facts.info):
            return UNKNOWN
        for info in facts.mro:
            text = info.annotation_types.get(name)
            if text:
                found = self._annotation(text, info.path)
                if name in facts.maybe_constants and found.kind in ("Optional", "Union"):
                    # A constant (`__constants__`, `Final`) is typed from the value the instance holds:
                    # `momentum: Optional[float]` is a float, or None, never an Optional (BatchNorm).
                    return UNKNOWN
                return found
        if facts.unknown_bases:
            # Only torch's module bases (`_Loss`) are unknown: a class-level annotation of the
            # project's classes is the type torch gives the attribute; an assignment may be the
            # torch base's own, typed there.
            return UNKNOWN
        if name == "training" and klass in self.index.module_classes:
            return BOOL
        assignments = facts.attributes.get(name)
        if not assignments or "*" in facts.attributes:
            return UNKNOWN
        parameter = self.index.classes[klass].parameter_attributes.get(name)
        if parameter and len(assignments) == 1 and klass not in self.index.module_classes:
            # A TorchScript class's `self.tensors = tensors` (`tensors: Tensor`): the parameter's type.
            return self._annotation(parameter, self.index.classes[klass].path)
        # torch types the attribute from the instance `__init__` built: what compiled methods assign
        # later must fit that type (TS356), it does not make it.
        assignments = [a for a in assignments if not self._assigned_in_compiled_code(facts, a)]
        if not assignments:
            return UNKNOWN
        types = {self._assignment_type(assignment) for assignment in assignments}
        return types.pop() if len(types) == 1 else UNKNOWN

    def module_candidates(self, klass: str, name: str) -> Tuple[JitType, ...]:
        """The module classes attribute `name` of `klass` is built as, one per assignment, when every
        assignment builds a module (`self.proj = nn.Conv2d(...)` on one path, `nn.Linear(...)` on the
        other); () when any may hold something else or tslint cannot tell. torch types the attribute
        by the one the instance holds."""
        if klass not in self.index.classes:
            return ()
        facts = self._compiled_class(klass)
        if facts.unknown_bases or "*" in facts.attributes or name in facts.methods:
            return ()
        if any(name in info.annotation_types for info in facts.mro):
            return ()
        found = []
        for assignment in facts.attributes.get(name, ()):
            if assignment.kind is not AttributeKind.CALL or not assignment.callee:
                return ()
            resolved = self.class_of(assignment.callee)
            if resolved is None or not (resolved in self.index.module_classes or is_torch_module_class(resolved)):
                return ()
            prepare = self._prepare_scriptable(resolved)
            if prepare is not None and not prepare.returns_self:
                return ()
            found.append(class_type(resolved))
        return tuple(found)

    def typed_by_value(self, klass: str, name: str) -> bool:
        """Whether torch types attribute `name` of `klass` from the value the built instance holds (a
        parameter's value, a literal, None), with no annotation anywhere that could make it an
        `Optional` or a `Union`: no class-level annotation in the project's classes, and torch bases
        only among nn.Module and its containers (whose own annotated names are excluded)."""
        if klass not in self.index.classes:
            return False
        facts = self._compiled_class(klass)
        if "*" in facts.attributes or name in facts.methods or name in _TORCH_ANNOTATED:
            return False
        if name in facts.maybe_constants:
            return False  # a constant is no attribute torch types
        for info in facts.mro:
            if name in info.annotation_types or name in info.class_annotations or name in info.class_attributes:
                return False
            for base in self.index.resolved_bases(info):
                if base not in self.index.classes and base not in _PLAIN_TORCH_BASES:
                    return False
        assignments = facts.attributes.get(name, ())
        return any(a.method == "__init__" for a in assignments) and all(a.kind in _VALUE_KINDS for a in assignments)

    def _assigned_in_compiled_code(self, facts, assignment) -> bool:
        method = facts.methods.get(assignment.method)
        return method is not None and self.is_compiled is not None and self.is_compiled(method)

    def _assignment_type(self, assignment) -> JitType:
        kind = assignment.kind
        if assignment.parameter_type is not None:
            return _LITERALS.get(assignment.parameter_type, UNKNOWN)
        if kind in (AttributeKind.PARAMETER, AttributeKind.BUFFER):
            # `register_buffer("w", weight)`: a name that may hold None (then the attribute is None).
            return TENSOR if assignment.callee else UNKNOWN
        if kind is AttributeKind.NONE:
            return NONE
        if kind is AttributeKind.CONSTANT:
            return _LITERALS.get(assignment.callee or "", UNKNOWN)
        if kind is AttributeKind.CONTAINER and assignment.callee in ("list", "dict") and not assignment.unscriptable:
            # A list or dict display: torch types it from the built value, a list or dict all the same.
            return JitType("List", (UNKNOWN,)) if assignment.callee == "list" else JitType("Dict", (UNKNOWN, UNKNOWN))
        if kind is AttributeKind.MODULE_CONTAINER:
            return class_type(assignment.callee)
        if kind is AttributeKind.CALL and assignment.callee:
            if assignment.callee in TENSOR_FACTORIES:
                return TENSOR
            if assignment.callee in _SCALAR_CALLS:
                return _SCALAR_CALLS[assignment.callee]
            resolved = self.class_of(assignment.callee)
            if resolved is not None and (resolved in self.index.module_classes or is_torch_module_class(resolved)):
                prepare = self._prepare_scriptable(resolved)
                if prepare is not None and not prepare.returns_self:
                    return UNKNOWN  # torch types what __prepare_scriptable__ returns
                return class_type(resolved)
        return UNKNOWN

    def _prepare_scriptable(self, qualname: str) -> Optional[FunctionInfo]:
        info = self.index.classes.get(qualname)
        return info.methods.get("__prepare_scriptable__") if info is not None else None

    # --- functions -------------------------------------------------------------------------------

    def signature(self, function: FunctionInfo) -> Tuple[Tuple[Tuple[str, JitType], ...], JitType]:
        """((name, type) of each parameter after `self`, return type) as torch types them from the
        annotations: an unannotated parameter is a Tensor, an unannotated return Unknown (torch
        infers it from the body)."""
        found = self._signatures.get(function.key)
        if found is None:
            found = self._signature(function)
            self._signatures[function.key] = found
        return found

    def returns(self, function: FunctionInfo) -> JitType:
        """The return type of a call: the annotation, else what the body returns (when this process
        holds the function's tree; recursion, which torch rejects, is Unknown)."""
        declared = self.signature(function)[1]
        if function.returns or function.key in self._inferred:
            return self._inferred.get(function.key, declared)
        node = self.nodes.get(function.path, {}).get(function.ordinal)
        file = self.index.by_path.get(function.path)
        if (
            node is None
            or file is None
            or function.key in self._inferring
            or function.has_overloads
            or function.type_comment
        ):
            return declared
        from tslint.analysis.inference import FunctionTypes

        self._inferring.add(function.key)
        try:
            classes = [function.owner] if function.owner and function.owner in self.index.classes else []
            parameters = dict(self.signature(function)[0])
            inferred = FunctionTypes(
                node, file.imports.qualify, function.self_name, self, classes, parameters
            ).return_type
        finally:
            self._inferring.discard(function.key)
        self._inferred[function.key] = inferred
        return inferred

    def _signature(self, function: FunctionInfo):
        if function.has_overloads or function.type_comment:
            # torch's types are in the overload declarations or the type comment: not read here.
            return (tuple((name, UNKNOWN) for name, _ in function.parameter_annotations), UNKNOWN)
        parameters = tuple(
            (
                name,
                self._annotation(text, function.path)
                if text
                else UNKNOWN
                if function.name == "__setstate__"
                else TENSOR,
            )
            for name, text in function.parameter_annotations
        )
        returns = self._annotation(function.returns, function.path) if function.returns else UNKNOWN
        return parameters, returns

    def _annotation(self, text: str, path: str) -> JitType:
        file = self.index.by_path.get(path)
        if file is None:
            return UNKNOWN
        try:
            from tslint.analysis.types import _parse

            expression = _parse(text)
        except Exception:  # noqa: BLE001 - annotation text that is not an expression: not typed
            return UNKNOWN
        return annotation_type(expression, file.imports.qualify, self.is_class, self.aliases_in(file.module_name))


_BY_SCOPE: weakref.WeakKeyDictionary[object, ProjectTypes] = weakref.WeakKeyDictionary()


def project_types(scope) -> ProjectTypes:
    """The ProjectTypes of a CompiledScope, made once per scope."""
    found = _BY_SCOPE.get(scope)
    if found is None:
        found = ProjectTypes(scope.index, scope.compiled_class, scope.is_compiled)
        _BY_SCOPE[scope] = found
    return found


def function_types(node, file, scope, compiled, trees=None):
    """The inference.FunctionTypes of a compiled function (`compiled`, its definition `node`)."""
    from tslint.analysis.inference import FunctionTypes
    from tslint.analysis.parameters import has_type_comment

    project = project_types(scope)
    if trees is not None:
        project.nodes.setdefault(file.path, trees.nodes)
    classes = [name for name in compiled.classes if name is not None]
    parameters = None
    if compiled.info.has_overloads or has_type_comment(node):
        parameters = {name: UNKNOWN for name, _ in compiled.info.parameter_annotations}
    return FunctionTypes(node, file.imports.qualify, compiled.info.self_name, project, classes, parameters)


def overload_types(node, file, scope, compiled, trees=None):
    """One inference.FunctionTypes of a compiled function per overload declaration torch compiles it
    with (`@torch.jit._overload_method`, `@torch.jit._overload`): its parameters typed as that
    declaration types them (an unannotated one, or one it leaves out, Unknown), its return as it
    declares. torch compiles the body once per declaration, each typed so and pruned by those types
    (probed in torch 2.13): what fails in any of them fails. Empty for any other function."""
    from tslint.analysis.inference import FunctionTypes

    info = compiled.info
    if not (info.torch_overloads and info.overloads) or info.type_comment:
        return ()
    project = project_types(scope)
    if trees is not None:
        project.nodes.setdefault(file.path, trees.nodes)
    classes = [name for name in compiled.classes if name is not None]
    views = []
    for texts, _, returns in info.overloads:
        declared = {name: project._annotation(text, info.path) if text else UNKNOWN for name, text in texts}
        parameters = {name: declared.get(name, UNKNOWN) for name, _ in info.parameter_annotations}
        returned = project._annotation(returns, info.path) if returns else UNKNOWN
        views.append(FunctionTypes(node, file.imports.qualify, info.self_name, project, classes, parameters, returned))
    return tuple(views)
