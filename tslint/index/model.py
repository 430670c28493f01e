"""The index's data model: what every linted file defines, as plain picklable data."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import FrozenSet, Mapping, NamedTuple, Optional, Tuple

import libcst as cst

from tslint.analysis.branch_guards import Guards
from tslint.analysis.imports import ImportTable
from tslint.index.compact import SLOTS

JIT_IGNORE = "torch.jit.ignore"
JIT_UNUSED = "torch.jit.unused"
JIT_EXPORT = "torch.jit.export"
JIT_SCRIPT = "torch.jit.script"
# Scripted when a trace first calls it, run as Python otherwise: keeps its control flow under tracing.
JIT_SCRIPT_IF_TRACING = "torch.jit.script_if_tracing"

# How torch.jit.script treats some names when it decides what to compile (tslint/compiled_scope.py).
OBJECT = frozenset({"object", "builtins.object"})
PROPERTY_DECORATORS = frozenset({"property", "builtins.property", "functools.cached_property"})
CACHING_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})
# torch maps these Python functions of its own to builtin ops (`_builtin_ops` in
# torch/jit/_builtins.py) and never compiles their source; it matters when linting torch itself.
# tests/test_project_index.py derives the set again from torch 2.13.
TORCH_BUILTIN_FUNCTIONS = frozenset(
    {
        "torch.__all_and_float_types",
        "torch._assert",
        "torch._check",
        "torch._check_index",
        "torch._check_is_size",
        "torch._check_not_implemented",
        "torch._check_tensor_all",
        "torch._check_tensor_all_with",
        "torch._check_type",
        "torch._check_value",
        "torch._check_with",
        "torch._compile._disable_dynamo",
        "torch._get_cuda_dep_paths",
        "torch._load_global_deps",
        "torch._lowrank.pca_lowrank",
        "torch._lowrank.svd_lowrank",
        "torch._preload_cuda_deps",
        "torch._preload_cuda_lib",
        "torch._running_with_deploy",
        "torch._sym_acos",
        "torch._sym_asin",
        "torch._sym_atan",
        "torch._sym_cos",
        "torch._sym_cosh",
        "torch._sym_log2",
        "torch._sym_sin",
        "torch._sym_sinh",
        "torch._sym_sqrt",
        "torch._sym_tan",
        "torch._sym_tanh",
        "torch._tensor_str.set_printoptions",
        "torch._utils._functionalize_sync",
        "torch._utils._import_dotted_name",
        "torch._utils.classproperty",
        "torch._utils_internal.get_file_path",
        "torch._utils_internal.prepare_multiprocessing_environment",
        "torch._utils_internal.profiler_allow_cudagraph_cupti_lazy_reinit_cuda12",
        "torch.are_deterministic_algorithms_enabled",
        "torch.autograd.backward",
        "torch.autograd.grad",
        "torch.backends.cudnn.is_acceptable",
        "torch.functional.atleast_1d",
        "torch.functional.atleast_2d",
        "torch.functional.atleast_3d",
        "torch.functional.block_diag",
        "torch.functional.broadcast_shapes",
        "torch.functional.broadcast_tensors",
        "torch.functional.cartesian_prod",
        "torch.functional.chain_matmul",
        "torch.functional.einsum",
        "torch.functional.meshgrid",
        "torch.functional.split",
        "torch.functional.unravel_index",
        "torch.get_default_device",
        "torch.get_deterministic_debug_mode",
        "torch.get_float32_matmul_precision",
        "torch.is_deterministic_algorithms_warn_only_enabled",
        "torch.is_storage",
        "torch.is_tensor",
        "torch.is_warn_always_enabled",
        "torch.nn.functional._no_grad_embedding_renorm_",
        "torch.nn.functional.assert_int_or_pair",
        "torch.nn.init._no_grad_fill_",
        "torch.nn.init._no_grad_normal_",
        "torch.nn.init._no_grad_uniform_",
        "torch.nn.init._no_grad_zero_",
        "torch.nn.modules.utils._list_with_default",
        "torch.nn.modules.utils._pair",
        "torch.nn.modules.utils._quadruple",
        "torch.nn.modules.utils._single",
        "torch.nn.modules.utils._triple",
        "torch.random.get_rng_state",
        "torch.random.initial_seed",
        "torch.random.manual_seed",
        "torch.random.seed",
        "torch.random.set_rng_state",
        "torch.random.thread_safe_generator",
        "torch.serialization.load",
        "torch.serialization.save",
        "torch.set_default_device",
        "torch.set_default_dtype",
        "torch.set_default_tensor_type",
        "torch.set_deterministic_debug_mode",
        "torch.set_float32_matmul_precision",
        "torch.set_warn_always",
        "torch.storage._warn_typed_storage_removal",
        "torch.sym_float",
        "torch.sym_fresh_size",
        "torch.sym_int",
        "torch.sym_ite",
        "torch.sym_max",
        "torch.sym_min",
        "torch.sym_not",
        "torch.sym_sum",
        "torch.typename",
        "torch.use_deterministic_algorithms",
    }
)
# nn.Module's own methods (`self.modules()`, `self.children()`, ...) are implemented by torch natively
# for scripted modules, not compiled from their Python source.
NATIVE_BASE_CLASSES = frozenset({"torch.nn.modules.module.Module", "torch.nn.Module"})

MODULE_CONTAINERS = frozenset({"torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.ModuleDict"})
PARAMETER_TYPES = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
# Capitalised names under torch.nn that are not nn.Module subclasses.
NOT_MODULES = frozenset({"Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"})
TORCH_MODULE_NAMESPACES = ("torch.nn.", "torch.ao.nn.")
# The most indexed classes tslint follows in one class's hierarchy. Real hierarchies are shallower:
# in this machine's site-packages and standard library none is deeper than 48 classes (an upper
# bound: classes matched by bare name across all files, with ast), most a handful.
MAX_HIERARCHY = 100
# torch's private module base classes (`class MyLoss(_Loss)`): nn.Module subclasses whose names do
# not start with a capital letter. tests/test_project_index.py derives the set again from torch 2.13.
PRIVATE_MODULE_BASES = frozenset(
    {
        "torch.nn.modules.batchnorm._BatchNorm",
        "torch.nn.modules.batchnorm._LazyNormBase",
        "torch.nn.modules.batchnorm._NormBase",
        "torch.nn.modules.conv._ConvNd",
        "torch.nn.modules.conv._ConvTransposeMixin",
        "torch.nn.modules.conv._ConvTransposeNd",
        "torch.nn.modules.dropout._DropoutNd",
        "torch.nn.modules.instancenorm._InstanceNorm",
        "torch.nn.modules.loss._Loss",
        "torch.nn.modules.loss._WeightedLoss",
        "torch.nn.modules.padding._CircularPadNd",
        "torch.nn.modules.padding._ConstantPadNd",
        "torch.nn.modules.padding._ReflectionPadNd",
        "torch.nn.modules.padding._ReplicationPadNd",
        "torch.nn.modules.pooling._AdaptiveAvgPoolNd",
        "torch.nn.modules.pooling._AdaptiveMaxPoolNd",
        "torch.nn.modules.pooling._AvgPoolNd",
        "torch.nn.modules.pooling._LPPoolNd",
        "torch.nn.modules.pooling._MaxPoolNd",
        "torch.nn.modules.pooling._MaxUnpoolNd",
    }
)


def is_torch_module_class(qualified: str) -> bool:
    """`torch.nn.Module` and torch's own module classes (`nn.Linear`, `torch.nn.modules.conv.Conv2d`)."""
    if qualified in PRIVATE_MODULE_BASES:
        return True
    if not qualified.startswith(TORCH_MODULE_NAMESPACES):
        return False
    parts = qualified.split(".")
    last = parts[-1]
    if not last[:1].isupper() or last in NOT_MODULES:
        return False
    # torch.nn.functional / init / utils hold functions and helpers, not module classes.
    return not any(part in {"functional", "init", "utils", "parameter"} for part in parts[2:-1])


class AttributeKind(enum.Enum):
    NONE = "none"
    CALL = "call"  # instance of a class or result of a call: resolved by ProjectIndex
    MODULE_CONTAINER = "module-container"
    PARAMETER = "parameter"
    BUFFER = "buffer"
    CONSTANT = "constant"
    CONTAINER = "container"
    OTHER = "other"


@dataclass(frozen=True, **SLOTS)
class AttributeAssignment:
    kind: AttributeKind
    # The qualified name of the called class or function; for a container or a literal, its type.
    callee: Optional[str] = None
    elements: Tuple[str, ...] = ()  # for module containers: qualified names of element classes
    method: str = ""  # the method that assigns it (`__init__`, `forward`, ...)
    # A value whose Python type torch cannot turn into a TorchScript type, described ("an empty
    # list", "a lambda"); "reference:<qualified name>" when the value is a dotted name (`nn.ReLU`),
    # which is a problem only if it names a class.
    unscriptable: Optional[str] = None
    # For a call: the arguments given as int literals, by position ("0") or keyword (TS335 checks the
    # float parameters of the torch modules built so: `nn.Hardtanh(0, 6)`).
    int_arguments: Tuple[str, ...] = ()
    # For a module container: (class, int_arguments) of the elements it is built with that have any.
    element_int_arguments: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    # For `self.x = name` in `__init__`, where `name` is a parameter annotated `int` that `__init__`
    # never rebinds: "int" (the built instance holds an int, so torch types the attribute `int`).
    parameter_type: Optional[str] = None
    # The value may be None in a built instance (a parameter defaulting to None, a local assigned
    # None on some path, `x if c else None`): torch then types the attribute NoneType and prunes
    # `if self.x is not None:`.
    maybe_none: bool = False
    # For `X(...) if c else None` (either order): the callee of the side that is not None, when that
    # side is a call (the attribute holds that class's instance or None, as the instance decides).
    otherwise: Optional[str] = None
    # For `nn.Sequential(a(...), ..., z(...))` built from plain calls only: the callee of the last one
    # (calling the container returns what that module returns).
    last_element: Optional[str] = None


# Calls whose result, bound to a module-level name, is a Python object compiled code cannot use.
PYTHON_OBJECT_FACTORIES = frozenset({"logging.getLogger"})
# The attribute name under which a class records that it creates attributes with names tslint cannot
# see (`setattr(self, name, ...)`, `self.__dict__`, `self.register_buffer(name, ...)`).
DYNAMIC_ATTRIBUTES = "*"
REGISTRATIONS = frozenset({"register_buffer", "register_parameter", "add_module", "register_module"})


class CallKind(enum.Enum):
    SELF_METHOD = "self-method"  # self.name(...)
    SUPER_METHOD = "super-method"  # super().name(...): followed while constructing, never compiled
    SUBMODULE_METHOD = "submodule-method"  # self.attribute.name(...)
    FUNCTION = "function"  # name(...) or module.name(...), qualified


class CallSite(NamedTuple):
    """A call in a function. A named tuple, not a dataclass: a project holds hundreds of thousands,
    and every worker receives all of them (no per-instance `__dict__`; names are interned)."""

    kind: CallKind
    target: str  # method name, or qualified function name
    attribute: str = ""  # for SUBMODULE_METHOD: the attribute holding the submodule
    guards: Guards = ()


@dataclass(frozen=True, **SLOTS)
class FunctionInfo:
    name: str
    qualname: str
    path: str
    ordinal: int  # position among the file's indexed functions: the key back to the syntax tree
    owner: Optional[str]  # qualified name of the class that defines it
    decorators: Tuple[str, ...]
    is_abstract: bool  # body only raises NotImplementedError (or is `...`/`pass`)
    self_name: Optional[str]
    calls: Tuple[CallSite, ...]
    # Typed `@overload` / `@torch.jit._overload_method` declarations precede it: torch takes the
    # parameter types from those, not from this (often unannotated) implementation.
    has_overloads: bool = False
    # A module-level function's overload declarations, in order: (parameter_annotations, parameters,
    # returns) of each, as below; a method's only when `torch_overloads`. Empty when one takes
    # `*args`/`**kwargs`.
    overloads: Tuple[Tuple[Tuple[Tuple[str, str], ...], Tuple[Tuple[str, bool], ...], str], ...] = ()
    # Every declaration is torch's own (`torch.jit._overload_method` on a method, `torch.jit._overload`
    # on a function): torch compiles the body once per declaration, typed by it.
    torch_overloads: bool = False
    # (name, has a default) of each positional-or-keyword parameter after `self`, in order.
    parameters: Tuple[Tuple[str, bool], ...] = ()
    takes_var_args: bool = False
    # Qualified names in its annotations that may be project classes (TorchScript classes).
    annotations: Tuple[str, ...] = ()
    # Facts one rule family reads, as (extractor name, value) pairs (tslint/index/facts.py).
    facts: Tuple[Tuple[str, object], ...] = ()
    # Every `return` returns `self` (asked of `__prepare_scriptable__`: torch scripts what it returns).
    returns_self: bool = False
    # The source text of each parameter's annotation after `self` ("" when unannotated), by
    # position, and of the return annotation: the type model reads them for calls across files.
    parameter_annotations: Tuple[Tuple[str, str], ...] = ()
    returns: str = ""
    # A `# type: (...) -> ...` comment after the `def` line: torch takes the signature from it, which
    # the annotations above do not show (an unannotated parameter there is not a Tensor).
    type_comment: bool = False
    # Capitalised names it uses as values, not calls (`cfg["block"] = Block`, `block_cls=Block`, a
    # parameter default `block_cls=Block`), qualified: classes the project builds elsewhere.
    references: Tuple[str, ...] = ()

    @property
    def key(self) -> Tuple[str, int]:
        return (self.path, self.ordinal)

    @property
    def symbol(self) -> str:
        if self.owner is None:
            return self.name
        return f"{self.owner.rsplit('.', 1)[-1]}.{self.name}"

    def has_decorator(self, name: str) -> bool:
        return name in self.decorators

    def fact(self, name: str, default: object = None) -> object:
        """The value the extractor `name` found for this definition (tslint/index/facts.py)."""
        return next((value for key, value in self.facts if key == name), default)


# A class body's bindings of `__constants__`, step by step (ConstantsListing.steps). An operand is
# (kind, names, classes): kind "list", "tuple" or "set" for a display or a `list(...)`, `tuple(...)`,
# `set(...)` call that builds a new one of the strings `names` and the items of the `__constants__` of
# each class in `classes` (`[*Base.__constants__, "a"]`); "class" for `Base.__constants__` itself
# (`classes` holds that class, qualified as the file names it); "self" for the body's own
# `__constants__` as bound so far. An expression is its operands joined by `+`, left to right.
ConstantsOperand = Tuple[str, Tuple[str, ...], Tuple[str, ...]]
# (operation, expression): "=" binds the expression's value, "+=" augments what is bound with it,
# "extend" is `__constants__.extend(...)` (and `.append("a")`, the extension by `["a"]`).
ConstantsStep = Tuple[str, Tuple[ConstantsOperand, ...]]


@dataclass(frozen=True, **SLOTS)
class ConstantsListing:
    """How a class body builds the `__constants__` it binds: Python runs the body once, and torch
    reads the value (`set(getattr(module, "__constants__", ()))`); the project index resolves the
    classes it names (tslint/analysis/class_constants.py)."""

    # The body's bindings of it in order; None when one of them is of a form tslint does not read
    # (under an `if`, `del`, `.remove(...)`, a value built some other way).
    steps: Optional[Tuple[ConstantsStep, ...]]
    # Every string the bindings write: with the classes they name, all the value can hold.
    names: FrozenSet[str]


@dataclass(frozen=True, **SLOTS)
class ClassInfo:
    name: str
    qualname: str
    path: str
    bases: Tuple[Optional[str], ...]
    methods: Mapping[str, FunctionInfo]
    attributes: Mapping[str, Tuple[AttributeAssignment, ...]]
    class_annotations: FrozenSet[str]
    # Class-body annotations naming an "int or tuple of ints" union (`k: _size_2_t`,
    # `k: Union[int, Tuple[int, int]]`): the attribute's TorchScript type is then the Union.
    size_unions: FrozenSet[str]
    class_attributes: FrozenSet[str]  # names bound in the class body (not methods)
    # How the body builds the `__constants__` it binds; None when it binds none.
    listed_constants: Optional[ConstantsListing]
    # The names the body annotates `Final` as torch reads them: none in a module with `from
    # __future__ import annotations`, where torch sees the string "Final[int]", which is no `Final`.
    finals: FrozenSet[str]
    unused_properties: FrozenSet[str]  # listed in __jit_unused_properties__
    # Attributes that only `__init__` creates, and only on some of its paths (`if use_bias:
    # self.bias = ...` with no `else`), with when: "`use_bias` is true".
    conditional_attributes: Mapping[str, str] = field(default_factory=dict)
    decorators: Tuple[str, ...] = ()
    # Facts one rule family reads, as (extractor name, value) pairs (tslint/index/facts.py).
    facts: Tuple[Tuple[str, object], ...] = ()
    # The source text of each class-body annotation (`scale: float`, `names: List[str]`): the type
    # model's attribute types.
    annotation_types: Mapping[str, str] = field(default_factory=dict)
    # Names a method sets on the class itself (`self.__class__.propagate = generated`): the method of
    # that name torch compiles is whatever the built instance's class holds, not the source's.
    replaced_methods: FrozenSet[str] = frozenset()
    # Which of the module's definitions of this name binds it depends on a branch (`try: ... class X
    # ... except ImportError: class X ...`): this is the first (analysis/imports.undecided_classes),
    # kept for its bases; its methods are code tslint cannot know torch compiles.
    undecided: bool = False
    # Attributes `__init__` sets, at its top level, straight from one of its annotated parameters
    # (`self.tensors = tensors` with `tensors: Tensor`), with the parameter's annotation text: torch
    # types a TorchScript class's attribute from the value `__init__` assigns.
    parameter_attributes: Mapping[str, str] = field(default_factory=dict)

    def fact(self, name: str, default: object = None) -> object:
        """The value the extractor `name` found for this definition (tslint/index/facts.py)."""
        return next((value for key, value in self.facts if key == name), default)


@dataclass(frozen=True, **SLOTS)
class FileIndex:
    path: str
    module_name: str
    imports: ImportTable
    # The module-level classes and functions that bind their names once the module has run, as
    # Python binds them (`module_bindings`): not a definition a later one replaces, nor one of a name
    # whose binding depends on which branch of an `if`/`try` runs.
    classes: Tuple[ClassInfo, ...]
    functions: Mapping[str, FunctionInfo]
    module_constants: FrozenSet[str]  # module-level names bound to literals
    # Module-level names bound to Python objects torch cannot use (`logger = logging.getLogger(...)`),
    # with what binds them.
    module_objects: Mapping[str, str] = field(default_factory=dict)
    # Module-level names only ever bound to plain values (numbers, strs, containers, tensors,
    # dtypes...), with the value's type: compiled code cannot read them as globals.
    module_values: Mapping[str, str] = field(default_factory=dict)
    # Facts one rule family reads about the whole file, as (extractor name, value) pairs.
    facts: Tuple[Tuple[str, object], ...] = ()

    def fact(self, name: str, default: object = None) -> object:
        """The value the file extractor `name` found for this file (tslint/index/facts.py)."""
        return next((value for key, value in self.facts if key == name), default)

    def every_function(self) -> Tuple[FunctionInfo, ...]:
        """The file's module-level functions, then its classes' methods."""
        return (*self.functions.values(), *(m for klass in self.classes for m in klass.methods.values()))


@dataclass(frozen=True)
class FileTrees:
    """What stays with the parsed tree: each indexed function's node, and the index in `module.body`
    of the top-level statement that holds it (for computing positions)."""

    nodes: Mapping[int, cst.FunctionDef]
    anchors: Mapping[int, int]
