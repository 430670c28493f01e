"""What every linted file defines, as plain picklable data, and the cross-file facts built from it.

`index_file` reads one parsed file: its classes (bases, methods, decorators, the attributes its methods
assign to `self`), its module-level functions, and for every function the calls it makes together with
the branch guards each call sits under. `ProjectIndex` joins the files: which classes are
`torch.nn.Module` subclasses (through any import style and chains of subclasses across files), and
where a dotted name really points after re-exports.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from sys import intern
from typing import Dict, FrozenSet, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from tslint.analysis.branch_guards import GuardedWalk, Guards
from tslint.digests import digest
from tslint.analysis.imports import (
    ImportTable, build_import_table, is_none, module_assignments, top_level_statements, top_level_statements_with_index,
)
from tslint.analysis.traversal import code_of, string_prefix, suite_statements

JIT_IGNORE = "torch.jit.ignore"
JIT_UNUSED = "torch.jit.unused"
JIT_EXPORT = "torch.jit.export"
JIT_SCRIPT = "torch.jit.script"

MODULE_CONTAINERS = frozenset({"torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.ModuleDict"})
PARAMETER_TYPES = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
# Capitalised names under torch.nn that are not nn.Module subclasses.
NOT_MODULES = frozenset({"Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"})
TORCH_MODULE_NAMESPACES = ("torch.nn.", "torch.ao.nn.")
# The most indexed classes tslint follows in one class's hierarchy. Real hierarchies are shallower:
# in this machine's site-packages and standard library none is deeper than 48 classes (an upper
# bound: classes matched by bare name across all files, with ast), most a handful.
MAX_HIERARCHY = 100


def is_torch_module_class(qualified: str) -> bool:
    """`torch.nn.Module` and torch's own module classes (`nn.Linear`, `torch.nn.modules.conv.Conv2d`)."""
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    # (name, has a default) of each positional-or-keyword parameter after `self`, in order.
    parameters: Tuple[Tuple[str, bool], ...] = ()
    takes_var_args: bool = False
    # For a module-level function used as a decorator: the nested functions it returns in place of
    # the decorated one, outermost first (one for `@timed`, two for a factory `@retry(3)`), each as
    # (header, takes *args/**kwargs). The chain stops at a function wrapped with `functools.wraps`:
    # torch follows `__wrapped__` back to the original there.
    returned_wrappers: Tuple[Tuple[str, bool], ...] = ()
    # Qualified names in its annotations that may be project classes (TorchScript classes).
    annotations: Tuple[str, ...] = ()
    # Parameters annotated `float` or `Optional[float]` (any kind but `*args`/`**kwargs`): an int
    # argument there fails in TorchScript (TS335).
    float_parameters: Tuple[str, ...] = ()
    # The source text of each parameter's annotation after `self` ("" when unannotated), by
    # position, and of the return annotation: the type checker reads them for calls across files.
    parameter_annotations: Tuple[Tuple[str, str], ...] = ()
    returns: str = ""

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


@dataclass(frozen=True)
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
    constants: FrozenSet[str]  # Final-annotated or listed in __constants__
    unused_properties: FrozenSet[str]  # listed in __jit_unused_properties__
    # Attributes that only `__init__` creates, and only on some of its paths (`if use_bias:
    # self.bias = ...` with no `else`), with when: "`use_bias` is true".
    conditional_attributes: Mapping[str, str] = field(default_factory=dict)
    decorators: Tuple[str, ...] = ()
    # Names the class body binds to plain values (`SCALE = 2.0`), with the value's type.
    class_values: Mapping[str, str] = field(default_factory=dict)
    # The source text of each class-body annotation (`scale: float`, `names: List[str]`).
    annotation_types: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FileIndex:
    path: str
    module_name: str
    imports: ImportTable
    classes: Tuple[ClassInfo, ...]
    functions: Mapping[str, FunctionInfo]
    module_constants: FrozenSet[str]  # module-level names bound to literals
    # Module-level names bound to Python objects torch cannot use (`logger = logging.getLogger(...)`),
    # with what binds them.
    module_objects: Mapping[str, str] = field(default_factory=dict)
    # Module-level names only ever bound to plain values (numbers, strs, containers, tensors,
    # dtypes...), with the value's type: compiled code cannot read them as globals.
    module_values: Mapping[str, str] = field(default_factory=dict)


# --- reading one file ------------------------------------------------------------------------


# Annotation names that are never project classes.
NOT_CLASS_ANNOTATIONS = ("typing.", "typing_extensions.", "torch.", "collections.", "builtins.", "numpy.")
BUILTIN_TYPES = frozenset({"int", "float", "str", "bool", "list", "dict", "tuple", "None", "complex", "bytes", "object", "set"})


class _FunctionFacts(GuardedWalk):
    """One walk of a function: the calls it makes (with their guards) and, for a method, what it
    assigns to `self`. Nested functions are not entered: their `self` and calls are another story."""

    def __init__(self, imports: ImportTable, self_name: Optional[str], collect_assignments: bool) -> None:
        super().__init__(imports, self_name)
        self.calls: List[CallSite] = []
        self.annotations: Set[str] = set()
        self.assignments = _SelfAssignmentCollector(imports, self_name) if collect_assignments and self_name else None

    def enter(self, node: cst.CSTNode) -> None:
        if self.assignments is not None:
            self.assignments.observe(node)
        kind = type(node)
        if kind is cst.Call:
            self._call(node)
        elif kind is cst.Annotation:
            self._annotation(node.annotation)

    def _annotation(self, annotation: cst.BaseExpression) -> None:
        """The project-class candidates an annotation names (`Point`, `Optional[Point]`,
        `List["Point"]`): torch compiles a plain class used as a type."""
        stack = [annotation]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Subscript):
                stack.append(current.value)
                stack.extend(e.slice.value for e in current.slice if isinstance(e.slice, cst.Index))
            elif isinstance(current, cst.BinaryOperation):
                stack += [current.left, current.right]
            elif isinstance(current, cst.SimpleString):
                text = current.evaluated_value
                if isinstance(text, str) and text.isidentifier():
                    stack.append(cst.Name(text))
            else:
                name = self.imports.qualify(current)
                if name and name not in BUILTIN_TYPES and not name.startswith(NOT_CLASS_ANNOTATIONS):
                    self.annotations.add(name)

    def _call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            if self.imports.qualify(func.value.func) == "super":
                self.calls.append(CallSite(CallKind.SUPER_METHOD, intern(func.attr.value), guards=self.guards))
                return
        if isinstance(func, cst.Attribute):
            owner = func.value
            if isinstance(owner, cst.Name) and owner.value == self.self_name:
                self.calls.append(CallSite(CallKind.SELF_METHOD, intern(func.attr.value), guards=self.guards))
                return
            if (
                isinstance(owner, cst.Attribute)
                and isinstance(owner.value, cst.Name)
                and owner.value.value == self.self_name
            ):
                self.calls.append(
                    CallSite(CallKind.SUBMODULE_METHOD, intern(func.attr.value), intern(owner.attr.value), self.guards)
                )
                return
        qualified = self.imports.qualify(func)
        if qualified is not None:
            self.calls.append(CallSite(CallKind.FUNCTION, intern(qualified), guards=self.guards))


class _SelfAssignmentCollector:
    """`self.x = value` / `self.x: T = value` / `self.register_buffer("x", ...)` in one method."""

    def __init__(self, imports: ImportTable, self_name: str) -> None:
        self.imports = imports
        self.self_name = self_name
        self.found: List[Tuple[str, AttributeAssignment]] = []

    def observe(self, node: cst.CSTNode) -> None:
        kind = type(node)  # exact types: this runs for every node of every method
        if kind is cst.Assign:
            self._assign(node)
        elif kind is cst.AnnAssign:
            name = self._target(node.target)
            if name is not None and node.value is not None:
                self.found.append((name, classify_value(node.value, self.imports)))
        elif kind is cst.AugAssign:
            name = self._target(node.target)
            if name is not None:
                self.found.append((name, AttributeAssignment(AttributeKind.OTHER)))
        elif kind is cst.Call:
            self._registration(node)
        elif kind is cst.Attribute and node.attr.value == "__dict__" and self._is_self(node.value):
            self.found.append((DYNAMIC_ATTRIBUTES, AttributeAssignment(AttributeKind.OTHER)))

    def _is_self(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value == self.self_name

    def _target(self, target: cst.BaseExpression) -> Optional[str]:
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            if target.value.value == self.self_name:
                return target.attr.value
        return None

    def _assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = self._target(target.target)
            if name is not None:
                self.found.append((name, classify_value(node.value, self.imports)))
            elif isinstance(target.target, (cst.Tuple, cst.List)):
                for element in target.target.elements:
                    name = self._target(element.value)
                    if name is not None:
                        self.found.append((name, AttributeAssignment(AttributeKind.OTHER)))

    def _registration(self, node: cst.Call) -> None:
        func = node.func
        if not node.args:
            return
        first = node.args[0].value
        dynamic = (
            (isinstance(func, cst.Name) and func.value == "setattr" and self._is_self(first))
            or (isinstance(func, cst.Attribute) and func.attr.value == "__setattr__")
        )
        if dynamic:  # `setattr(self, name, value)`, `object.__setattr__(self, ...)`: names tslint cannot see
            self.found.append((DYNAMIC_ATTRIBUTES, AttributeAssignment(AttributeKind.OTHER)))
            return
        if not (isinstance(func, cst.Attribute) and self._is_self(func.value)):
            return
        method = func.attr.value
        if not isinstance(first, cst.SimpleString) or not isinstance(first.evaluated_value, str):
            if method in REGISTRATIONS:
                self.found.append((DYNAMIC_ATTRIBUTES, AttributeAssignment(AttributeKind.OTHER)))
            return
        name = first.evaluated_value
        value = node.args[1].value if len(node.args) > 1 else None
        if method in {"register_buffer", "register_parameter"}:
            if value is not None and is_none(value):
                self.found.append((name, AttributeAssignment(AttributeKind.NONE)))
            else:
                kind = AttributeKind.BUFFER if method == "register_buffer" else AttributeKind.PARAMETER
                # The callee of a value built by a call (`torch.zeros(3)`): a plain name may be None.
                callee = self.imports.qualify(value.func) if isinstance(value, cst.Call) else None
                self.found.append((name, AttributeAssignment(kind, callee)))
        elif method in {"add_module", "register_module"} and value is not None:
            self.found.append((name, classify_value(value, self.imports)))


_LITERAL_TYPES = {
    cst.Integer: "int", cst.Float: "float", cst.Imaginary: "complex", cst.SimpleString: "str",
    cst.ConcatenatedString: "str",
}


def _literal_type(expression: cst.BaseExpression) -> Optional[str]:
    """The Python type of a literal (`-1`, `2.5`, `"s"`, `True`), recorded as a constant attribute's
    callee; None for anything else."""
    if isinstance(expression, cst.UnaryOperation):
        return _literal_type(expression.expression)
    if isinstance(expression, cst.Name):
        return "bool" if expression.value in {"True", "False"} else None
    return _LITERAL_TYPES.get(type(expression))


def _is_literal(expression: cst.BaseExpression) -> bool:
    return _literal_type(expression) is not None


_DISPLAY_TYPES = {
    cst.List: "list", cst.ListComp: "list", cst.Tuple: "tuple", cst.Dict: "dict", cst.DictComp: "dict",
    cst.Set: "set", cst.SetComp: "set", cst.FormattedString: "str",
}
# Calls whose result is a plain value, by what it is.
_VALUE_CALLS = {
    **{f"torch.{name}": "Tensor" for name in (
        "tensor", "as_tensor", "ones", "zeros", "full", "empty", "eye", "arange", "linspace", "rand", "randn",
        "randint", "from_numpy", "Tensor", "FloatTensor", "LongTensor",
    )},
    "torch.device": "device", "torch.Size": "Size",
    **{name: name for name in ("int", "float", "str", "bool", "list", "tuple", "dict", "set", "frozenset", "range")},
}
_MATH_CONSTANTS = frozenset({"math.pi", "math.e", "math.tau", "math.inf", "math.nan"})
_TORCH_DTYPES = frozenset(
    f"torch.{name}" for name in (
        "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int8", "uint8", "int16",
        "short", "int32", "int", "int64", "long", "bool", "complex64", "complex128", "cfloat", "cdouble",
    )
)


def _value_type(expression: cst.BaseExpression, imports: ImportTable) -> Optional[str]:
    """The type of a plain value that a module-level name may be bound to (`1e-5`, `(1, 2)`,
    `torch.float32`, `torch.tensor(...)`, `math.pi * 2`), else None: a module, function or class
    alias, an object, or anything tslint cannot tell."""
    literal = _literal_type(expression)
    if literal is not None:
        return "bytes" if literal == "str" and "b" in string_prefix(expression).lower() else literal
    if is_none(expression):
        return "None"
    display = _DISPLAY_TYPES.get(type(expression))
    if display is not None:
        return display
    if isinstance(expression, cst.BinaryOperation):
        left, right = _value_type(expression.left, imports), _value_type(expression.right, imports)
        if left in ("int", "float") and right in ("int", "float"):
            return "float" if "float" in (left, right) or isinstance(expression.operator, cst.Divide) else "int"
        return left if left is not None and left == right else None
    if isinstance(expression, (cst.Attribute, cst.Call)):
        name = imports.qualify(expression.func if isinstance(expression, cst.Call) else expression)
        if isinstance(expression, cst.Attribute):
            return "float" if name in _MATH_CONSTANTS else "dtype" if name in _TORCH_DTYPES else None
        if name is not None and name.split(".")[0] == "numpy":
            return "ndarray" if name.rsplit(".", 1)[-1] in ("array", "ones", "zeros", "arange", "asarray", "full", "eye", "linspace") else None
        return _VALUE_CALLS.get(name or "")
    return None




def _element_callees(call: cst.Call, imports: ImportTable) -> Tuple[str, ...]:
    return tuple(name for name in (imports.qualify(element.func) for element in _element_calls(call)) if name is not None)


def _element_calls(call: cst.Call) -> List[cst.Call]:
    """The calls that build the elements of a container: `nn.Sequential(a(), b())`, `[a(), b()]`..."""
    found: List[cst.Call] = []
    stack: List[cst.BaseExpression] = [argument.value for argument in call.args]
    while stack:
        value = stack.pop()
        if isinstance(value, cst.Call):
            found.append(value)
        elif isinstance(value, (cst.List, cst.Tuple)):
            stack.extend(element.value for element in value.elements)
        elif isinstance(value, (cst.ListComp, cst.GeneratorExp)):
            stack.append(value.elt)
        elif isinstance(value, cst.Dict):
            stack.extend(element.value for element in value.elements if isinstance(element, cst.DictElement))
        elif isinstance(value, cst.DictComp):
            stack.append(value.value)
    return found


def _unscriptable(value: cst.BaseExpression, imports: ImportTable) -> Optional[str]:
    """What makes a value's Python type one torch cannot convert (each case probed against torch)."""
    if isinstance(value, cst.Lambda):
        return "a lambda"
    if isinstance(value, (cst.Set, cst.SetComp)):
        return "a set"
    if isinstance(value, (cst.List, cst.Dict)):
        elements = [e.value for e in value.elements if isinstance(e, (cst.Element, cst.DictElement))]
        if len(elements) != len(value.elements):
            return None  # `*spread` or `**spread`: not known
        if not elements:
            return "an empty list" if isinstance(value, cst.List) else "an empty dict"
        kinds = {type(e) for e in elements}
        if all(_is_literal(e) for e in elements) and len(kinds & {cst.Integer, cst.Float, cst.SimpleString}) > 1:
            return "a list mixing value types" if isinstance(value, cst.List) else "a dict mixing value types"
        return None
    if isinstance(value, cst.Call):
        callee = imports.qualify(value.func) or ""
        if callee in ("list", "dict", "set", "frozenset") and not value.args:
            return {"list": "an empty list", "dict": "an empty dict"}.get(callee, "a set")
        if callee in ("set", "frozenset"):
            return "a set"
        if callee.startswith("numpy."):
            return "a numpy value"
        return None
    if isinstance(value, (cst.Name, cst.Attribute)) and imports.qualify(value) is not None:
        return f"reference:{imports.qualify(value)}"
    return None


def classify_value(value: cst.BaseExpression, imports: ImportTable) -> AttributeAssignment:
    found = _classify_value(value, imports)
    unscriptable = _unscriptable(value, imports)
    return found if unscriptable is None else replace(found, unscriptable=unscriptable)


# The Python type of a container display, recorded as a container attribute's callee.
_CONTAINER_TYPES = {
    cst.List: "list", cst.ListComp: "list", cst.Tuple: "tuple", cst.Dict: "dict", cst.DictComp: "dict",
    cst.Set: "set", cst.SetComp: "set",
}


def _classify_value(value: cst.BaseExpression, imports: ImportTable) -> AttributeAssignment:
    if is_none(value):
        return AttributeAssignment(AttributeKind.NONE)
    literal = _literal_type(value)
    if literal is not None:
        return AttributeAssignment(AttributeKind.CONSTANT, literal)
    if isinstance(value, (cst.List, cst.Tuple, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
        # The element classes matter: a plain list of submodules is invisible to torch.jit.script.
        wrapped = cst.Call(func=cst.Name("list"), args=[cst.Arg(value)])
        return AttributeAssignment(AttributeKind.CONTAINER, _CONTAINER_TYPES[type(value)], _element_callees(wrapped, imports))
    if isinstance(value, cst.Call):
        callee = imports.qualify(value.func)
        if callee in MODULE_CONTAINERS:
            elements = [(imports.qualify(e.func), e) for e in _element_calls(value)]
            return AttributeAssignment(
                AttributeKind.MODULE_CONTAINER, callee, tuple(name for name, _ in elements if name is not None),
                element_int_arguments=tuple(
                    (name, ints) for name, ints in ((name, _int_arguments(e)) for name, e in elements) if name is not None and ints
                ),
            )
        if callee in PARAMETER_TYPES:
            return AttributeAssignment(AttributeKind.PARAMETER, callee)
        return AttributeAssignment(AttributeKind.CALL, callee, int_arguments=_int_arguments(value))
    return AttributeAssignment(AttributeKind.OTHER)


def _int_arguments(call: cst.Call) -> Tuple[str, ...]:
    found = []
    for position, argument in enumerate(call.args):
        value = argument.value
        if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
            value = value.expression
        if isinstance(value, cst.Integer) and not argument.star:
            found.append(intern(argument.keyword.value if argument.keyword is not None else str(position)))
    return tuple(found)


def _is_abstract_body(function: cst.FunctionDef) -> bool:
    body = function.body
    if not isinstance(body, cst.IndentedBlock):
        statements = list(body.body)
    else:
        statements = []
        for statement in body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                statements.extend(statement.body)
            else:
                return False
    meaningful = [
        small
        for small in statements
        if not (isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)))
    ]
    if len(meaningful) != 1:
        return False
    only = meaningful[0]
    if isinstance(only, cst.Raise) and only.exc is not None:
        raised = only.exc.func if isinstance(only.exc, cst.Call) else only.exc
        return isinstance(raised, cst.Name) and raised.value == "NotImplementedError"
    return False


def _is_overload(decorators: Tuple[str, ...]) -> bool:
    return any(name.rsplit(".", 1)[-1] in {"overload", "_overload", "_overload_method"} for name in decorators)


def _self_name(function: cst.FunctionDef, decorators: Tuple[str, ...]) -> Optional[str]:
    if "staticmethod" in decorators:
        return None
    params = function.params
    first = (params.posonly_params or params.params or (None,))[0]
    return first.name.value if first is not None else None


def _string_set(value: cst.BaseExpression) -> FrozenSet[str]:
    if not isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        return frozenset()
    names = set()
    for element in value.elements:
        if isinstance(element.value, cst.SimpleString) and isinstance(element.value.evaluated_value, str):
            names.add(element.value.evaluated_value)
    return frozenset(names)


# torch.nn.common_types aliases of a scalar-or-tuple union.
SIZE_UNION_ALIASES = frozenset(
    f"torch.nn.common_types._{name}_t"
    for name in (
        "size_1", "size_2", "size_3", "size_4", "size_5", "size_6", "size_any",
        "size_any_opt", "size_2_opt", "size_3_opt", "ratio_2", "ratio_3", "ratio_any",
    )
)
SEQUENCE_TYPES = frozenset({"typing.Tuple", "tuple", "typing.List", "list"})
SCALAR_TYPES = frozenset({"int", "float"})


def _is_size_union(annotation: cst.BaseExpression, imports: ImportTable) -> bool:
    """`_size_2_t` and friends, `Union[int, Tuple[int, int]]`, `int | tuple[int, ...]`: a scalar and a
    sequence, no None."""
    if imports.qualify(annotation) in SIZE_UNION_ALIASES:
        return True
    if isinstance(annotation, cst.Subscript) and imports.qualify(annotation.value) == "typing.Union":
        members = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
    elif isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        members, stack = [], [annotation]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.BitOr):
                stack += [current.left, current.right]
            else:
                members.append(current)
    else:
        return False
    kinds = set()
    for member in members:
        target = member.value if isinstance(member, cst.Subscript) else member
        name = imports.qualify(target)
        kinds.add("sequence" if name in SEQUENCE_TYPES else "scalar" if name in SCALAR_TYPES else "other")
    return kinds == {"sequence", "scalar"}


def _float_parameters(node: cst.FunctionDef, imports: ImportTable) -> Tuple[str, ...]:
    params = (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)
    return tuple(
        intern(p.name.value) for p in params if p.annotation is not None and _is_float_type(p.annotation.annotation, imports)
    )


def _is_float_type(annotation: cst.BaseExpression, imports: ImportTable) -> bool:
    """`float`, `"float"`, `Optional[float]`, `float | None`."""
    if isinstance(annotation, cst.SimpleString):
        return annotation.evaluated_value in ("float", "Optional[float]", "typing.Optional[float]")
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = (annotation.left, annotation.right)
        return any(is_none(side) for side in sides) and any(_is_float_type(side, imports) for side in sides)
    if isinstance(annotation, cst.Subscript):
        return (
            imports.qualify(annotation.value) == "typing.Optional" and len(annotation.slice) == 1
            and isinstance(annotation.slice[0].slice, cst.Index) and _is_float_type(annotation.slice[0].slice.value, imports)
        )
    return imports.qualify(annotation) in ("float", "builtins.float")


def _takes_var_args(node: cst.FunctionDef) -> bool:
    return isinstance(node.params.star_arg, cst.Param) or node.params.star_kwarg is not None


def _returned_wrappers(node: cst.FunctionDef, imports: ImportTable) -> Tuple[Tuple[str, bool], ...]:
    """See FunctionInfo.returned_wrappers. Only top-level statements are read: `def wrapper` and
    `return wrapper` directly in the body."""
    chain: List[Tuple[str, bool]] = []
    current = node
    while len(chain) < 2 and isinstance(current.body, cst.IndentedBlock):
        nested = {s.name.value: s for s in current.body.body if isinstance(s, cst.FunctionDef)}
        returned = {
            small.value.value
            for statement in current.body.body if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body
            if isinstance(small, cst.Return) and isinstance(small.value, cst.Name)
        }
        inner = [nested[name] for name in returned if name in nested]
        if len(inner) != 1 or any(imports.qualify(d.decorator) == "functools.wraps" for d in inner[0].decorators):
            break
        current = inner[0]
        header = f"{current.name.value}({code_of(current.params)})"
        chain.append((header, _takes_var_args(current)))
    return tuple(chain)


Condition = Tuple[cst.BaseExpression, bool]


class _InitPaths:
    """Which `self.<name>` attributes `__init__` creates on every path, and under which `if`s the
    others are created. Statement level only: loops are not entered (an assignment there is neither),
    `try` bodies count as always running, a path that raises creates everything (it never returns an
    instance), an early `return` is not followed."""

    def __init__(self, self_name: str) -> None:
        self.self_name = self_name
        # name -> the conditions it is created under: an `if` test, and whether it holds
        self.conditions: Dict[str, List[Condition]] = {}

    def block(self, statements: Sequence[cst.CSTNode], condition: Optional[Condition]) -> Optional[Set[str]]:
        """The names every path through `statements` creates; None if every path raises."""
        created: Set[str] = set()
        for statement in statements:
            if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                if any(isinstance(small, cst.Raise) for small in statement.body):
                    return None
                names = self.created(statement)
                created |= names
                if condition is not None:
                    for name in names:
                        self.conditions.setdefault(name, []).append(condition)
                continue
            if isinstance(statement, cst.If):
                found = self.branch(statement)
            elif isinstance(statement, cst.With):
                found = self.block(suite_statements(statement.body), condition)
            elif isinstance(statement, cst.Try):
                found = self.block(suite_statements(statement.body), condition) or set()
                for handler in statement.handlers:
                    self.block(suite_statements(handler.body), condition)
                if statement.finalbody is not None:
                    final = self.block(suite_statements(statement.finalbody.body), condition)
                    found = None if final is None else found | final
            else:
                continue
            if found is None:
                return None
            created |= found
        return created

    def branch(self, node: cst.If) -> Optional[Set[str]]:
        body = self.block(suite_statements(node.body), (node.test, True))
        if node.orelse is None:
            other: Optional[Set[str]] = set()
        elif isinstance(node.orelse, cst.If):
            other = self.branch(node.orelse)
        else:
            other = self.block(suite_statements(node.orelse.body), (node.test, False))
        if body is None or other is None:
            return other if body is None else body
        return body & other

    def described(self, name: str) -> str:
        """`use_bias`, or not `use_bias`, or several joined by "or"."""
        shown = []
        for test, holds in self.conditions[name]:
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                test, holds = test.expression, not holds
            code = f"`{code_of(test)}`"
            text = code if holds else f"not {code}"
            if text not in shown:
                shown.append(text)
        return " or ".join(shown)

    def created(self, statement: Union[cst.SimpleStatementLine, cst.SimpleStatementSuite]) -> Set[str]:
        names: Set[str] = set()
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, (cst.Tuple, cst.List)):
                        targets = [element.value for element in target.target.elements]
                    else:
                        targets = [target.target]
                    names.update(filter(None, map(self.attribute, targets)))
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                names.update(filter(None, [self.attribute(small.target)]))
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                call = small.value
                if (
                    isinstance(call.func, cst.Attribute) and call.func.attr.value in REGISTRATIONS
                    and isinstance(call.func.value, cst.Name) and call.func.value.value == self.self_name
                    and call.args and isinstance(call.args[0].value, cst.SimpleString)
                ):
                    name = call.args[0].value.evaluated_value
                    if isinstance(name, str):
                        names.add(name)
        return names

    def attribute(self, target: cst.BaseExpression) -> Optional[str]:
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            if target.value.value == self.self_name:
                return target.attr.value
        return None


def _is_final_annotation(annotation: cst.BaseExpression, imports: ImportTable) -> bool:
    target = annotation.value if isinstance(annotation, cst.Subscript) else annotation
    name = imports.qualify(target)
    return name is not None and name.rsplit(".", 1)[-1] == "Final"


class _FileIndexer:
    def __init__(self, path: str, module: cst.Module, module_name: str, is_package: bool) -> None:
        self.path = path
        self.module = module
        self.module_name = module_name
        self.ordinal = 0
        self.nodes: Dict[int, cst.FunctionDef] = {}
        self.assignments: Dict[int, List[Tuple[str, AttributeAssignment]]] = {}
        # ordinal -> index in module.body of the top-level statement holding the function
        self.anchors: Dict[int, int] = {}
        self.statement_index = 0
        definitions = [
            statement.name.value
            for statement in top_level_statements(module)
            if isinstance(statement, (cst.ClassDef, cst.FunctionDef))
        ]
        self.imports = build_import_table(module, module_name, is_package, definitions)

    def qualname(self, *names: str) -> str:
        return ".".join(filter(None, (self.module_name, *names)))

    def function(self, node: cst.FunctionDef, owner: Optional[str]) -> FunctionInfo:
        decorators = tuple(
            intern(name) for name in (self.imports.qualify(d.decorator) for d in node.decorators) if name is not None
        )
        self_name = _self_name(node, decorators) if owner is not None else None
        facts = _FunctionFacts(self.imports, self_name, "classmethod" not in decorators)
        facts.walk(node)
        ordinal = self.ordinal
        self.ordinal += 1
        self.nodes[ordinal] = node
        self.anchors[ordinal] = self.statement_index
        if facts.assignments is not None:
            self.assignments[ordinal] = facts.assignments.found
        owner_short = owner.rsplit(".", 1)[-1] if owner else None
        return FunctionInfo(
            name=node.name.value,
            qualname=self.qualname(*(filter(None, (owner_short, node.name.value)))),
            path=self.path,
            ordinal=ordinal,
            owner=owner,
            decorators=decorators,
            is_abstract=_is_abstract_body(node),
            self_name=self_name,
            calls=tuple(facts.calls),
            parameters=tuple(
                (param.name.value, param.default is not None)
                for param in (*node.params.posonly_params, *node.params.params)
                if param.name.value != self_name
            ),
            takes_var_args=_takes_var_args(node),
            returned_wrappers=_returned_wrappers(node, self.imports) if owner is None else (),
            annotations=tuple(sorted(facts.annotations)),
            float_parameters=_float_parameters(node, self.imports),
            parameter_annotations=tuple(
                (param.name.value, code_of(param.annotation.annotation) if param.annotation else "")
                for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)
                if param.name.value != self_name
            ),
            returns=code_of(node.returns.annotation) if node.returns is not None else "",
        )

    def add_function(
        self, table: Dict[str, FunctionInfo], overloaded: Set[str], node: cst.FunctionDef, owner: Optional[str]
    ) -> None:
        """Index `node` into `table`; overload declarations only mark the implementation after them."""
        function = self.function(node, owner)
        if _is_overload(function.decorators):
            overloaded.add(function.name)
        else:
            table[function.name] = replace(function, has_overloads=function.name in overloaded)

    def klass(self, node: cst.ClassDef) -> ClassInfo:
        qualname = self.qualname(node.name.value)
        methods: Dict[str, FunctionInfo] = {}
        annotations: Set[str] = set()
        annotation_types: Dict[str, str] = {}
        size_unions: Set[str] = set()
        class_attributes: Set[str] = set()
        class_values: Dict[str, List[cst.BaseExpression]] = {}
        constants: Set[str] = set()
        unused_properties: FrozenSet[str] = frozenset()
        overloaded: Set[str] = set()
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                self.add_function(methods, overloaded, statement, qualname)
                continue
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    annotations.add(small.target.value)
                    annotation_types[small.target.value] = code_of(small.annotation.annotation)
                    if _is_size_union(small.annotation.annotation, self.imports):
                        size_unions.add(small.target.value)
                    if _is_final_annotation(small.annotation.annotation, self.imports):
                        constants.add(small.target.value)
                    if small.value is not None:
                        class_attributes.add(small.target.value)
                        class_values.setdefault(small.target.value, []).append(small.value)
                elif isinstance(small, cst.Assign):
                    for target in small.targets:
                        if not isinstance(target.target, cst.Name):
                            continue
                        name = target.target.value
                        class_attributes.add(name)
                        class_values.setdefault(name, []).append(small.value)
                        if name == "__constants__":
                            constants |= _string_set(small.value)
                        elif name == "__jit_unused_properties__":
                            unused_properties = _string_set(small.value)
        attributes: Dict[str, List[AttributeAssignment]] = {}
        for info in methods.values():
            for name, assignment in self.assignments.get(info.ordinal, ()):
                attributes.setdefault(name, []).append(replace(assignment, method=info.name))
        conditional: Dict[str, str] = {}
        init = methods.get("__init__")
        if init is not None and init.self_name and DYNAMIC_ATTRIBUTES not in attributes:
            paths = _InitPaths(init.self_name)
            always = paths.block(suite_statements(self.nodes[init.ordinal].body), None)
            conditional = {
                name: paths.described(name) for name in paths.conditions
                if always is not None and name not in always and name not in class_attributes
                and all(a.method == "__init__" for a in attributes.get(name, ()))
            }
        return ClassInfo(
            name=node.name.value,
            qualname=qualname,
            path=self.path,
            bases=tuple(self.imports.qualify(base.value) for base in node.bases),
            methods=methods,
            attributes={name: tuple(found) for name, found in attributes.items()},
            class_annotations=frozenset(annotations),
            size_unions=frozenset(size_unions),
            class_attributes=frozenset(class_attributes),
            constants=frozenset(constants),
            class_values=self.value_types(
                {name: values for name, values in class_values.items() if name not in methods and not name.startswith("__")}
            ),
            unused_properties=unused_properties,
            conditional_attributes=conditional,
            annotation_types=annotation_types,
            decorators=tuple(filter(None, (self.imports.qualify(d.decorator) for d in node.decorators))),
        )

    def value_types(self, assignments: Mapping[str, Sequence[cst.BaseExpression]]) -> Dict[str, str]:
        """The names whose every assigned value is a plain value, with its type (`float`, or
        `float or str` when they differ)."""
        found = {}
        for name, values in assignments.items():
            types = {_value_type(value, self.imports) for value in values}
            if None not in types:
                found[name] = " or ".join(sorted(types))  # type: ignore[arg-type]
        return found

    def build(self) -> FileIndex:
        classes: List[ClassInfo] = []
        functions: Dict[str, FunctionInfo] = {}
        module_constants: Set[str] = set()
        module_objects: Dict[str, str] = {}
        overloaded: Set[str] = set()
        for self.statement_index, statement in top_level_statements_with_index(self.module):
            if isinstance(statement, cst.ClassDef):
                classes.append(self.klass(statement))
            elif isinstance(statement, cst.FunctionDef):
                self.add_function(functions, overloaded, statement, None)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                        targets = small.targets if isinstance(small, cst.Assign) else [small]
                        for target in targets:
                            if isinstance(target.target, cst.Name) and _is_literal(small.value):
                                module_constants.add(target.target.value)
                            elif isinstance(target.target, cst.Name) and isinstance(small.value, cst.Call):
                                callee = self.imports.qualify(small.value.func) or ""
                                if callee in PYTHON_OBJECT_FACTORIES:
                                    module_objects[target.target.value] = callee
        module_values = self.value_types(module_assignments(self.module))
        return FileIndex(
            path=self.path,
            module_name=self.module_name,
            imports=self.imports,
            classes=tuple(classes),
            functions=functions,
            module_constants=frozenset(module_constants),
            module_objects=module_objects,
            module_values=module_values,
        )


@dataclass(frozen=True)
class FileTrees:
    """What stays with the parsed tree: each indexed function's node, and the index in `module.body`
    of the top-level statement that holds it (for computing positions)."""

    nodes: Mapping[int, cst.FunctionDef]
    anchors: Mapping[int, int]


def index_file(path: str, module: cst.Module, module_name: str, is_package: bool) -> Tuple[FileIndex, FileTrees]:
    indexer = _FileIndexer(path, module, module_name, is_package)
    index = indexer.build()
    return index, FileTrees(indexer.nodes, indexer.anchors)


# --- joining the files -------------------------------------------------------------------------


class ProjectIndex:
    """Cross-file facts. Built once per run from every file's index; read-only afterwards."""

    def __init__(self, files: Iterable[FileIndex], digests: Optional[Mapping[str, str]] = None) -> None:
        """`digests`: each file's content digest by path, for `dependency_key` (the result cache)."""
        # In path order, whatever order the files were indexed in (workers answer in any order):
        # where two files claim one module name (scripts in folders that are not packages), or one
        # qualified name, the same file wins in every run.
        self.files: Tuple[FileIndex, ...] = tuple(sorted(files, key=lambda f: f.path))
        self.digests: Mapping[str, str] = digests or {}
        self._imported: Dict[str, Tuple[FileIndex, ...]] = {}
        self.modules: Dict[str, FileIndex] = {}
        for file in self.files:
            if file.module_name:
                self.modules.setdefault(file.module_name, file)
        self.by_path: Dict[str, FileIndex] = {f.path: f for f in self.files}
        self.classes: Dict[str, ClassInfo] = {}
        self.functions: Dict[str, FunctionInfo] = {}
        for file in self.files:
            for info in file.classes:
                self.classes.setdefault(info.qualname, info)
            for function in file.functions.values():
                self.functions.setdefault(function.qualname, function)
        self.module_classes: FrozenSet[str] = self._find_module_classes()
        self._submodule_classes: Optional[FrozenSet[str]] = None
        self.subclassed: FrozenSet[str] = frozenset(
            base for info in self.classes.values() for base in self.resolved_bases(info) if base
        )

    def imported_files(self, file: FileIndex) -> Tuple[FileIndex, ...]:
        """The project files `file` imports names or modules from."""
        found = self._imported.get(file.path)
        if found is None:
            files = {}
            for target in file.imports.aliases.values():
                parts = target.split(".")
                for end in range(len(parts), 0, -1):
                    module = self.modules.get(".".join(parts[:end]))
                    if module is not None:
                        files[module.path] = module
                        break
            files.pop(file.path, None)
            found = self._imported[file.path] = tuple(files.values())
        return found

    def dependency_key(self, file: FileIndex) -> str:
        """A digest of what rules may read about the rest of the project while linting `file`
        beyond its compiled functions' class facts: the contents of every project file it imports
        from, directly or not (decorators, loggers, bases), and which of its classes other files use
        as submodules or subclass."""
        seen = {file.path: file}
        stack = [file]
        while stack:
            for imported in self.imported_files(stack.pop()):
                if imported.path not in seen:
                    seen[imported.path] = imported
                    stack.append(imported)
        del seen[file.path]
        facts = sorted(f"{path}:{self.digests.get(path, '')}" for path in seen)
        for info in file.classes:
            facts.append(f"{info.qualname}:{info.qualname in self.submodule_classes}:{info.qualname in self.subclassed}")
        return digest("\n".join(facts).encode("utf-8"))

    def resolve(self, qualified: Optional[str], depth: int = 0) -> Optional[str]:
        """Follow re-exports (`from .layers import Block` in a package `__init__`) to the definition."""
        if qualified is None or depth > 8:
            return qualified
        if qualified in self.classes or qualified in self.functions:
            return qualified
        module, _, name = qualified.rpartition(".")
        file = self.modules.get(module)
        if file is not None:
            target = file.imports.aliases.get(name)
            if target is not None and target != qualified:
                return self.resolve(target, depth + 1)
        return qualified

    def resolved_bases(self, info: ClassInfo) -> Tuple[Optional[str], ...]:
        return tuple(self.resolve(base) for base in info.bases)

    def _find_module_classes(self) -> FrozenSet[str]:
        """The classes that reach a torch module class through their bases: a walk down from those
        that name one directly, so its cost is linear in the classes however long a chain of
        subclasses is and in whatever order the files define it."""
        subclasses: Dict[str, List[str]] = {}
        work: List[str] = []
        for qualname, info in self.classes.items():
            for base in self.resolved_bases(info):
                if base is None:
                    continue
                if is_torch_module_class(base):
                    work.append(qualname)
                else:
                    subclasses.setdefault(base, []).append(qualname)
        found: Set[str] = set()
        while work:
            qualname = work.pop()
            if qualname not in found:
                found.add(qualname)
                work.extend(subclasses.get(qualname, ()))
        return frozenset(found)

    @property
    def submodule_classes(self) -> FrozenSet[str]:
        """Module classes that some indexed class holds as a submodule (attribute or container element)."""
        if self._submodule_classes is None:
            found = set()
            for info in self.classes.values():
                for assignments in info.attributes.values():
                    for assignment in assignments:
                        for callee in (assignment.callee, *assignment.elements):
                            resolved = self.resolve(callee)
                            if resolved in self.module_classes:
                                found.add(resolved)
            self._submodule_classes = frozenset(found)
        return self._submodule_classes

    def is_module_class(self, qualified: Optional[str]) -> bool:
        resolved = self.resolve(qualified)
        return resolved is not None and (resolved in self.module_classes or is_torch_module_class(resolved))

    def mro(self, info: ClassInfo) -> Tuple[ClassInfo, ...]:
        """The indexed classes of `info`'s method resolution order (depth-first, left to right), at
        most MAX_HIERARCHY of them (`hierarchy_too_deep` tells when some were left out)."""
        return self._hierarchy(info)[0]

    def hierarchy_too_deep(self, info: ClassInfo) -> bool:
        """Whether `info` has more than MAX_HIERARCHY indexed classes in its hierarchy: then tslint
        treats it as having unknown bases (its rules stay silent) and reports its file (TS001)."""
        return self._hierarchy(info)[1]

    def _hierarchy(self, info: ClassInfo) -> Tuple[Tuple[ClassInfo, ...], bool]:
        # A loop, not recursion: a chain of 1,000 subclasses exhausted Python's stack and cost the
        # whole run. Bounded: every class of a chain walks the chain, so a chain of 5,000 took 111 s.
        order: List[ClassInfo] = []
        seen: Set[str] = set()
        stack = [info]
        while stack:
            current = stack.pop()
            if current.qualname in seen:
                continue
            if len(order) == MAX_HIERARCHY:
                return tuple(order), True
            seen.add(current.qualname)
            order.append(current)
            bases = [self.classes[base] for base in self.resolved_bases(current) if base in self.classes]
            stack.extend(reversed(bases))  # the leftmost base is visited next, as recursion would
        return tuple(order), False

    def has_unknown_bases(self, info: ClassInfo) -> bool:
        """True if some base is neither indexed nor `torch.nn.Module` itself: it may add attributes.
        A hierarchy too deep to follow counts as unknown."""
        order, too_deep = self._hierarchy(info)
        if too_deep:
            return True
        for current in order:
            for base in self.resolved_bases(current):
                if base not in self.classes and base not in {"torch.nn.Module", "torch.nn.modules.module.Module"}:
                    return True
        return False


# --- what phase 2 needs of the project -----------------------------------------------------------


def outline(file: FileIndex) -> FileIndex:
    """The part of `file` that `compiled_code_files` reads: its names, imports, and its classes'
    bases, decorators and attributes; without calls, parameters, methods and values (most of it)."""
    functions = {
        name: replace(f, calls=(), parameters=(), returned_wrappers=(), annotations=(), float_parameters=())
        for name, f in file.functions.items()
    }
    classes = tuple(
        replace(c, methods={}, class_annotations=frozenset(), size_unions=frozenset(), class_attributes=frozenset(),
                constants=frozenset(), unused_properties=frozenset(), conditional_attributes={}, class_values={},
                annotation_types={})
        for c in file.classes
    )
    return replace(file, classes=classes, functions=functions, module_constants=frozenset(), module_objects={}, module_values={})


def compiled_code_files(index: ProjectIndex) -> Set[str]:
    """The paths of the files that linting the project's compiled code may read: enough to build, over
    them alone, the same compiled scopes and cross-file facts for every file that has compiled code.

    Compiled code starts in a file with a module class or a `@torch.jit.script` function or class;
    everything it reaches (called functions, base classes, submodules, TorchScript classes) is
    resolved through that file's imports, so it is in a file those import, directly or not. Files
    that hold a module class as an attribute are kept too (`submodule_classes`), and, for every name
    these files define, the file that wins it in the whole project (`modules`, `classes` and
    `functions` keep the first file, in path order, that claims a name). A file outside this set has
    no compiled code: linting it runs no rule."""
    starts = []
    for file in index.files:
        scripted = any(JIT_SCRIPT in f.decorators for f in file.functions.values())
        for info in file.classes:
            if scripted or info.qualname in index.module_classes or JIT_SCRIPT in info.decorators or any(
                index.resolve(callee) in index.module_classes
                for assignments in info.attributes.values() for a in assignments for callee in (a.callee, *a.elements)
            ):
                scripted = True
                break
        if scripted:
            starts.append(file)
    found: Dict[str, FileIndex] = {}
    work = list(starts)
    while work:
        file = work.pop()
        if file.path in found:
            continue
        found[file.path] = file
        work.extend(index.imported_files(file))
        winners = [index.modules.get(file.module_name)] if file.module_name else []
        winners += [index.classes.get(info.qualname) for info in file.classes]
        winners += [index.functions.get(f.qualname) for f in file.functions.values()]
        work.extend(index.by_path[w.path] for w in winners if w is not None and w.path != file.path)
    return set(found)
