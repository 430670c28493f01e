"""What the rules know about types in compiled code: which type expressions TorchScript cannot
resolve (the annotation and isinstance rules), and which values are certainly lists, strs or tensors.

Every type name here was scripted against torch 2.13 (tests/test_torch_agreement.py checks each one):
torch answers "Unknown type name 'dict'", "Unknown type constructor Sequence" or "Attempted to use
List without a contained type".
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from tslint.analysis.imports import plain_parameters
from tslint.analysis.traversal import string_prefix
from tslint.index.model import AttributeKind

# Names that are not TorchScript types, bare or subscripted.
UNKNOWN_NAMES = frozenset(
    {
        "dict",
        "set",
        "frozenset",
        "bytes",
        "object",
        "range",
        "slice",
        "type",
        "torch.Size",
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.generic",
        "numpy.number",
        "numpy.float32",
        "numpy.float64",
        "numpy.int64",
        "torch.layout",
        "torch.memory_format",
        "collections.OrderedDict",
        "typing.Callable",
        "typing.Sequence",
        "typing.Mapping",
        "typing.Iterable",
        "typing.Hashable",
        "typing.Sized",
        "typing.NamedTuple",
        "collections.abc.Callable",
        "collections.abc.Sequence",
        "collections.abc.Mapping",
        "collections.abc.Iterable",
    }
)
# Generic types torch has no constructor for (`Sequence[int]`).
UNKNOWN_CONSTRUCTORS = frozenset(
    {
        "typing.Callable",
        "typing.Sequence",
        "typing.Iterable",
        "typing.Literal",
        "typing.Mapping",
        "typing.Set",
        "typing.FrozenSet",
        "typing.Iterator",
        "typing.Type",
        "typing.Counter",
        "typing.Generator",
        "typing.MutableSequence",
        "typing.Deque",
        "typing.DefaultDict",
        "typing.OrderedDict",
        "typing.Final",
        "typing.ClassVar",
        "collections.abc.Callable",
        "collections.abc.Sequence",
        "collections.abc.Iterable",
        "collections.abc.Mapping",
        "set",
        "frozenset",
        "type",
    }
)
# Typing generics that need their parameters (`List` alone fails, `list` alone compiles).
NEED_PARAMETERS = frozenset({"typing.List", "typing.Dict", "typing.Tuple"})
CONTAINERS = frozenset(
    {
        "typing.List",
        "typing.Dict",
        "typing.Tuple",
        "typing.Optional",
        "typing.Union",
        "list",
        "dict",
        "tuple",
    }
)
EQUIVALENT = {
    "typing.Sequence": "List[...]",
    "typing.Iterable": "List[...]",
    "typing.Mapping": "Dict[...]",
    "typing.Set": "List[...]",
    "set": "List[...]",
    "dict": "Dict[K, V]",
    "typing.Literal": "str",
    "typing.List": "List[T]",
    "typing.Dict": "Dict[K, V]",
    "typing.Tuple": "Tuple[T, ...] with its element types",
    "typing.Final": "the plain type (Final belongs on class-level constants)",
    "torch.Size": "List[int]",
}

# `List[...]` in an annotation.
LIST_TYPES = frozenset({"typing.List", "list"})

Qualify = Callable[[cst.BaseExpression], Optional[str]]


def unsupported_type(
    expression: cst.BaseExpression, qualify: Qualify, is_module_class: Callable[[str], bool]
) -> Optional[str]:
    """The first part of a type expression TorchScript cannot resolve (its qualified name), or None."""
    if isinstance(expression, cst.SimpleString):
        try:  # a string annotation: torch resolves the type written inside
            inner = cst.parse_expression(expression.evaluated_value)
        except Exception:
            return None
        return unsupported_type(inner, qualify, is_module_class)
    if isinstance(expression, cst.Subscript):
        name = qualify(expression.value)
        if name in UNKNOWN_CONSTRUCTORS:
            return name
        if name not in CONTAINERS:
            return None  # a user generic or something tslint cannot see into
        for element in expression.slice:
            if isinstance(element.slice, cst.Index):
                found = unsupported_type(element.slice.value, qualify, is_module_class)
                if found is not None:
                    return found
        return None
    if isinstance(expression, cst.BinaryOperation) and isinstance(expression.operator, cst.BitOr):
        return unsupported_type(expression.left, qualify, is_module_class) or unsupported_type(
            expression.right, qualify, is_module_class
        )
    if isinstance(expression, (cst.Name, cst.Attribute)):
        name = qualify(expression)
        if name is None:
            return None
        if name in UNKNOWN_NAMES or name in NEED_PARAMETERS or is_module_class(name):
            return name
    return None


def list_kind(value: cst.BaseExpression) -> Optional[str]:
    """What makes `value` a list in TorchScript, if it certainly is one: a list display or
    comprehension, or `x.shape` / `x.size()` (sliced or not). Lists have no size torch knows while
    compiling ("cannot statically infer the expected size of a list")."""
    if isinstance(value, (cst.List, cst.ListComp)):
        return "a list"
    target = value.value if isinstance(value, cst.Subscript) else value
    if isinstance(target, cst.Attribute) and target.attr.value == "shape":
        return "`.shape` (a List[int] in TorchScript)"
    if (
        isinstance(target, cst.Call)
        and isinstance(target.func, cst.Attribute)
        and target.func.attr.value == "size"
        and not target.args
    ):
        return "`.size()` (a List[int] in TorchScript)"
    return None


# str methods that return a str (TorchScript has each of them).
STR_RESULTS = frozenset(
    {
        "capitalize",
        "center",
        "expandtabs",
        "format",
        "join",
        "ljust",
        "lower",
        "lstrip",
        "replace",
        "rjust",
        "rstrip",
        "strip",
        "swapcase",
        "title",
        "upper",
        "zfill",
    }
)


def is_str_value(value: cst.BaseExpression, context, seen: frozenset = frozenset()) -> bool:
    """Whether `value` is certainly a str in the compiled function: a string literal, `str(...)`, a
    slice or index of a str, a str method's result, a parameter annotated `str` that is only ever
    reassigned strs, or a local that is only ever assigned strs."""
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
        return "b" not in string_prefix(value).lower()
    if isinstance(value, cst.FormattedString):
        return True
    if isinstance(value, cst.Subscript):
        return is_str_value(value.value, context, seen)
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Name):
            return func.value == "str" and "str" not in context.local_names() and context.qualify(func) == "str"
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in STR_RESULTS
            and is_str_value(func.value, context, seen)
        )
    if isinstance(value, cst.Name) and value.value not in seen:
        name = value.value
        param = parameter(name, context)
        if param is not None and not (
            param.annotation is not None and context.qualify(param.annotation.annotation) == "str"
        ):
            return False
        assigned = context.plain_assignments().get(name)
        if assigned is None:  # never assigned (a parameter then), or bound in another way too
            return param is not None and name in context.typed_parameters()
        return all(is_str_value(v, context, seen | {name}) for v in assigned)
    return False


def parameter(name: str, context) -> Optional[cst.Param]:
    """The compiled function's parameter `name`, if it has one."""
    return next((p for p in plain_parameters(context.node, None) if p.name.value == name), None)


def is_parameter(name: str, context) -> bool:
    return parameter(name, context) is not None


# Tensor methods that return one tensor (never a tuple, never a Python number).
TENSOR_METHODS = frozenset(
    {
        "abs",
        "add",
        "clamp",
        "clone",
        "contiguous",
        "cos",
        "cpu",
        "detach",
        "div",
        "double",
        "exp",
        "flatten",
        "float",
        "half",
        "log",
        "matmul",
        "mean",
        "mul",
        "neg",
        "norm",
        "pow",
        "relu",
        "reshape",
        "sigmoid",
        "sin",
        "softmax",
        "sqrt",
        "squeeze",
        "sub",
        "sum",
        "t",
        "tanh",
        "to",
        "unsqueeze",
        "view",
    }
)
TENSOR_OPERATORS = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.Power, cst.MatrixMultiply)


def is_tensor_value(value: cst.BaseExpression, context) -> bool:
    """Whether `value` is certainly a tensor in the compiled function: a parameter that is one
    (unannotated without a default, or annotated `Tensor`) and is never rebound, a call of a
    submodule, a tensor method that returns a tensor (`x.sum()`), or arithmetic with a tensor."""
    if isinstance(value, cst.Name):
        param = context.typed_parameters().get(value.value)
        if param is None:
            return False
        annotation = param.annotation.annotation if param.annotation is not None else None
        if annotation is None:
            return param.default is None
        return (context.qualify(annotation) or "").endswith("Tensor")
    if isinstance(value, cst.Call):
        func = value.func
        name = context.self_attribute(func)
        if name is not None:
            assignments = context.attribute(name)
            index = context.scope.index
            return bool(assignments) and all(
                a.kind is AttributeKind.CALL and index.is_module_class(index.resolve(a.callee)) for a in assignments
            )
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in TENSOR_METHODS
            and is_tensor_value(func.value, context)
        )
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, TENSOR_OPERATORS):
        return is_tensor_value(value.left, context) or is_tensor_value(value.right, context)
    return False
