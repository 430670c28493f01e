"""What a value expression is, read without running it: a literal, a container, a call, a plain value's
type, or something torch cannot use."""

from __future__ import annotations

from dataclasses import replace
from sys import intern
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none
from tslint.analysis.traversal import string_prefix
from tslint.index.model import MODULE_CONTAINERS, PARAMETER_TYPES, AttributeAssignment, AttributeKind

_LITERAL_TYPES = {
    cst.Integer: "int",
    cst.Float: "float",
    cst.Imaginary: "complex",
    cst.SimpleString: "str",
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


def is_literal(expression: cst.BaseExpression) -> bool:
    return _literal_type(expression) is not None


_DISPLAY_TYPES = {
    cst.List: "list",
    cst.ListComp: "list",
    cst.Tuple: "tuple",
    cst.Dict: "dict",
    cst.DictComp: "dict",
    cst.Set: "set",
    cst.SetComp: "set",
    cst.FormattedString: "str",
}
# Calls whose result is a plain value, by what it is.
_VALUE_CALLS = {
    **{
        f"torch.{name}": "Tensor"
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
            "from_numpy",
            "Tensor",
            "FloatTensor",
            "LongTensor",
        )
    },
    "torch.device": "device",
    "torch.Size": "Size",
    "torch.cuda.device_count": "int",
    **{name: name for name in ("int", "float", "str", "bool", "list", "tuple", "dict", "set", "frozenset", "range")},
}
_MATH_CONSTANTS = frozenset({"math.pi", "math.e", "math.tau", "math.inf", "math.nan"})
_TORCH_DTYPES = frozenset(
    f"torch.{name}"
    for name in (
        "float32",
        "float",
        "float64",
        "double",
        "float16",
        "half",
        "bfloat16",
        "int8",
        "uint8",
        "int16",
        "short",
        "int32",
        "int",
        "int64",
        "long",
        "bool",
        "complex64",
        "complex128",
        "cfloat",
        "cdouble",
    )
)


def value_type(expression: cst.BaseExpression, imports: ImportTable) -> Optional[str]:
    """The type of a plain value that a module-level name may be bound to (`1e-5`, `(1, 2)`,
    `torch.float32`, `torch.tensor(...)`, `math.pi * 2`), else None: a module, function or class
    alias, an object, or anything tslint cannot tell."""
    if isinstance(expression, cst.UnaryOperation) and isinstance(expression.operator, cst.Not):
        return "bool"  # `not x` is a bool whatever `x` is
    literal = _literal_type(expression)
    if literal is not None:
        return "bytes" if literal == "str" and "b" in string_prefix(expression).lower() else literal
    if is_none(expression):
        return "None"
    if isinstance(expression, cst.BooleanOperation):
        left, right = value_type(expression.left, imports), value_type(expression.right, imports)
        return left if left is not None and left == right else None
    display = _DISPLAY_TYPES.get(type(expression))
    if display is not None:
        return display
    if isinstance(expression, cst.BinaryOperation):
        left, right = value_type(expression.left, imports), value_type(expression.right, imports)
        if left in ("int", "float") and right in ("int", "float"):
            return "float" if "float" in (left, right) or isinstance(expression.operator, cst.Divide) else "int"
        return left if left is not None and left == right else None
    if isinstance(expression, (cst.Attribute, cst.Call)):
        name = imports.qualify(expression.func if isinstance(expression, cst.Call) else expression)
        if isinstance(expression, cst.Attribute):
            return "float" if name in _MATH_CONSTANTS else "dtype" if name in _TORCH_DTYPES else None
        if name is not None and name.split(".")[0] == "numpy":
            return (
                "ndarray"
                if name.rsplit(".", 1)[-1] in ("array", "ones", "zeros", "arange", "asarray", "full", "eye", "linspace")
                else None
            )
        if name is not None and name.startswith("torch.") and name.endswith(".is_available"):
            return "bool"  # torch.cuda.is_available(), torch.backends.mkldnn.is_available()...
        return _VALUE_CALLS.get(name or "")
    return None


def _element_callees(call: cst.Call, imports: ImportTable) -> Tuple[str, ...]:
    return tuple(
        name for name in (imports.qualify(element.func) for element in _element_calls(call)) if name is not None
    )


def _last_call(call: cst.Call, imports: ImportTable) -> Optional[str]:
    """The callee of the last argument of `nn.Sequential(a(), b())` when every argument is a plain
    positional call (no `*layers`, no `OrderedDict`): the module whose result the container returns."""
    if not call.args or any(
        arg.star or arg.keyword is not None or not isinstance(arg.value, cst.Call) for arg in call.args
    ):
        return None
    return imports.qualify(call.args[-1].value.func)


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
        elif isinstance(value, cst.IfExp):
            # `Linear(...) if num_classes > 0 else Identity()`: decided when the model is built, so
            # the container may hold either.
            stack.extend((value.body, value.orelse))
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
        if all(is_literal(e) for e in elements) and len(kinds & {cst.Integer, cst.Float, cst.SimpleString}) > 1:
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
    cst.List: "list",
    cst.ListComp: "list",
    cst.Tuple: "tuple",
    cst.Dict: "dict",
    cst.DictComp: "dict",
    cst.Set: "set",
    cst.SetComp: "set",
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
        return AttributeAssignment(
            AttributeKind.CONTAINER, _CONTAINER_TYPES[type(value)], _element_callees(wrapped, imports)
        )
    if isinstance(value, cst.Call):
        callee = imports.qualify(value.func)
        if callee in MODULE_CONTAINERS:
            elements = [(imports.qualify(e.func), e) for e in _element_calls(value)]
            return AttributeAssignment(
                AttributeKind.MODULE_CONTAINER,
                callee,
                tuple(name for name, _ in elements if name is not None),
                last_element=_last_call(value, imports) if callee == "torch.nn.Sequential" else None,
                element_int_arguments=tuple(
                    (name, ints)
                    for name, ints in ((name, _int_arguments(e)) for name, e in elements)
                    if name is not None and ints
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


def plain_value_types(assignments: Mapping[str, Sequence[cst.BaseExpression]], imports: ImportTable) -> Dict[str, str]:
    """The names whose every assigned value is a plain value, with its type (`float`, or `float or
    str` when they differ)."""
    found = {}
    for name, values in assignments.items():
        types = {value_type(value, imports) for value in values}
        if None not in types:
            found[name] = " or ".join(sorted(types))  # type: ignore[arg-type]
    return found
