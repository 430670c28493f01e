"""The kinds of values in traced code, and what a traced function's parameters hold before any
caller is known: the vocabulary of the provenance analysis (trace_taint.py, provenance.py).

Annotations are read as torch reads them, type comments (`# type: (List[Tensor], int) -> Tensor` on
the line after the `def`) included: `Tensor`, `List[Tensor]`, `Tuple[Tensor, ...]`,
`Dict[str, Tensor]` and `Optional[Tensor]` hold tensors; `str` never does; unannotated parameters
are taken for tensors (a traced model's inputs are), though only as a guess.
"""

from __future__ import annotations

import enum
from typing import Dict, List, Optional, Sequence

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none


class Kind(enum.IntEnum):
    """Ordered by what a value mixed of two is: a traced size plus a frozen Python value
    (`h + pad` with `pad = int(...)`) is still a traced size, whose comparisons warn."""

    NONE = 0
    VALUE = 1
    SIZE = 2
    TENSOR = 3


TENSOR_ATTRIBUTES_TO_NONE = frozenset({"ndim", "dtype", "device", "is_cuda", "layout", "requires_grad"})
SIZE_METHODS = frozenset({"size", "numel", "nelement"})
RANK_METHODS = frozenset({"dim", "ndimension"})
VALUE_METHODS = frozenset({"item", "tolist", "numpy"})
PYTHON_CONVERSIONS = frozenset({"int", "float", "bool", "complex"})
SIZE_PRESERVING = frozenset({"max", "min", "abs", "round", "sum"})
# `math` functions that only multiply what they are given: the sizes a trace hands them are
# 0-dim tensors, so the arithmetic is recorded (probed: `x.view(math.prod(x.shape))` traces exactly).
MATH_ARITHMETIC = frozenset({"math.prod"})
TENSOR_FACTORIES = frozenset(
    {
        "tensor",
        "as_tensor",
        "zeros",
        "ones",
        "empty",
        "full",
        "rand",
        "randn",
        "randint",
        "arange",
        "linspace",
        "logspace",
        "eye",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "rand_like",
        "randn_like",
        "from_numpy",
    }
)
# Tensor methods and torch functions that give a tuple or list of tensors: iterating one is not
# iterating a tensor's rows.
# The namespaces of torch's operators: their functions of tensors give tensors. Other torch functions
# (`torch.utils._pytree.tree_flatten`) give what tslint does not know.
OPERATOR_MODULES = frozenset(
    {"torch", "torch.nn.functional", "torch.special", "torch.linalg", "torch.fft", "torch.Tensor"}
)
TENSOR_SEQUENCES = frozenset(
    {
        "split",
        "chunk",
        "unbind",
        "tensor_split",
        "split_with_sizes",
        "hsplit",
        "vsplit",
        "dsplit",
        "meshgrid",
        "broadcast_tensors",
        "unsafe_split",
        "unsafe_chunk",
    }
)
SEQUENCE_BUILDERS = frozenset({"list", "tuple", "dict", "sorted", "reversed", "set"})
PREDICATES = frozenset({"isinstance", "hasattr", "callable", "type", "id", "print", "getattr"})


def default_parameter_kinds(
    function: cst.FunctionDef, imports: ImportTable, self_name: Optional[str]
) -> Dict[str, Kind]:
    """What a parameter holds when its callers are unknown: a tensor unless annotated or defaulted
    otherwise (a traced model's inputs are tensors)."""
    kinds: Dict[str, Kind] = {}
    params = function.params
    commented = comment_annotations(function, self_name)
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        name = param.name.value
        if name == self_name:
            continue
        annotation = param.annotation.annotation if param.annotation is not None else commented.get(name)
        is_tensor = annotation is None and (param.default is None or is_none(param.default))
        # `mask: Optional[Tensor] = None`: left at its default when traced, unless callers say otherwise
        optional = param.default is not None and is_none(param.default)
        is_tensor = is_tensor or (annotation is not None and not optional and holds_tensors(annotation, imports))
        kinds[name] = Kind.TENSOR if is_tensor else Kind.NONE
    return kinds


def comment_annotations(function: cst.FunctionDef, self_name: Optional[str]) -> Dict[str, cst.BaseExpression]:
    """The parameter types of a `# type: (list[Tensor], int) -> Tensor` comment on the line after the
    `def` (where torch reads it), by parameter name; empty without one or when it does not parse."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return {}
    text = next((line.comment.value for line in body.body[0].leading_lines if line.comment is not None), "")
    text = text.lstrip("#").strip()
    if not text.startswith("type:") or "->" not in text:
        return {}
    try:
        arguments = cst.parse_expression(text[len("type:") :].rsplit("->", 1)[0].strip())
    except cst.ParserSyntaxError:
        return {}
    if isinstance(arguments, cst.Tuple):
        types = [element.value for element in arguments.elements]
    elif arguments.lpar:
        types = [arguments]  # `(Tensor)`: one parameter
    else:
        return {}
    params = function.params
    names = [p.name.value for p in (*params.posonly_params, *params.params) if p.name.value != self_name]
    if len(names) != len(types):
        return {}
    return dict(zip(names, types))


CONTAINER_TYPES = frozenset(
    {
        "list",
        "tuple",
        "dict",
        "typing.List",
        "typing.Tuple",
        "typing.Sequence",
        "collections.abc.Sequence",
        "typing.Dict",
        "typing.Mapping",
        "collections.abc.Mapping",
    }
)
OPTIONAL_TYPES = frozenset({"typing.Optional", "typing.Union"})


TYPING_MODULES = ("typing.", "typing_extensions.", "torch.jit.annotations.", "collections.abc.")


def type_name(annotation: cst.BaseExpression, imports: ImportTable) -> str:
    """The qualified name of an annotation's base, with typing's re-exports as `typing.X`
    (`from torch.jit.annotations import List`)."""
    name = imports.qualify(annotation) or ""
    if name.startswith(TYPING_MODULES):
        return "typing." + name.rsplit(".", 1)[-1]
    return name


def holds_tensors(annotation: cst.BaseExpression, imports: ImportTable, depth: int = 0) -> bool:
    """Whether an annotation is `Tensor`, `Optional[Tensor]`, or a list, tuple or dict of tensors
    (`List[Tensor]`, `Dict[str, Tensor]`): its values, or their elements, are the traced tensors.
    Containers of containers (`List[Dict[str, Tensor]]`) are not: the kinds do not follow nesting,
    and an element taken from one would pass for a tensor."""
    if isinstance(annotation, cst.Subscript):
        base = type_name(annotation.value, imports)
        if base in CONTAINER_TYPES:
            if depth:
                return False
            depth += 1
        elif base not in OPTIONAL_TYPES:
            return False
        elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        if base in ("dict", "typing.Dict", "typing.Mapping"):
            elements = elements[1:]  # the values, not the keys
        return any(holds_tensors(element, imports, depth) for element in elements)
    qualified = imports.qualify(annotation)
    return qualified is not None and qualified.endswith("Tensor")


def container_parameters(function: cst.FunctionDef, imports: ImportTable, self_name: Optional[str]) -> List[str]:
    """Parameters annotated as a list or tuple (`input: List[Tensor]`): iterating one is not
    iterating a tensor's rows."""
    found = []
    params = function.params
    commented = comment_annotations(function, self_name)
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        annotation = param.annotation.annotation if param.annotation is not None else commented.get(param.name.value)
        if annotation is None:
            continue
        base = annotation.value if isinstance(annotation, cst.Subscript) else annotation
        if type_name(base, imports) in OPTIONAL_TYPES and isinstance(annotation, cst.Subscript):
            inner = [
                e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index) and not is_none(e.slice.value)
            ]
            if len(inner) == 1:
                base = inner[0].value if isinstance(inner[0], cst.Subscript) else inner[0]
        if type_name(base, imports) in CONTAINER_TYPES:
            found.append(param.name.value)
    return found


def tensor_check(test: cst.BaseExpression, imports: ImportTable) -> Optional[str]:
    """`name` when the condition is `isinstance(name, torch.Tensor)`."""
    if not (isinstance(test, cst.Call) and imports.qualify(test.func) == "isinstance" and len(test.args) == 2):
        return None
    subject, kind = test.args[0].value, test.args[1].value
    if isinstance(subject, cst.Name) and (imports.qualify(kind) or "") in ("torch.Tensor", "torch.tensor"):
        return subject.value
    return None


def string_parameters(function: cst.FunctionDef, imports: ImportTable, self_name: Optional[str]) -> List[str]:
    commented = comment_annotations(function, self_name)
    found = []
    for param in (*function.params.posonly_params, *function.params.params, *function.params.kwonly_params):
        annotation = param.annotation.annotation if param.annotation is not None else commented.get(param.name.value)
        if annotation is not None and imports.qualify(annotation) in ("str", "builtins.str"):
            found.append(param.name.value)
    return found


def container_check(test: cst.BaseExpression, imports: ImportTable) -> Optional[str]:
    """`name` when the condition is `isinstance(name, list)` (or tuple, dict, or a tuple of these)."""
    if not (isinstance(test, cst.Call) and imports.qualify(test.func) == "isinstance" and len(test.args) == 2):
        return None
    subject, kinds = test.args[0].value, test.args[1].value
    options = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
    names = [type_name(option, imports) for option in options]
    if isinstance(subject, cst.Name) and names and all(name in CONTAINER_TYPES for name in names):
        return subject.value
    return None


def torch_module_attribute_names(attributes) -> Sequence[str]:
    """Module attributes holding a torch.nn layer (`self.fc = nn.Linear(...)`): calling one gives a tensor."""
    from tslint.index.model import AttributeKind

    found = []
    for name, assignments in attributes.items():
        if assignments and all(
            a.kind is AttributeKind.CALL and (a.callee or "").startswith("torch.nn.") for a in assignments
        ):
            found.append(name)
    return found


def tensor_attribute_names(attributes) -> Sequence[str]:
    """Module attributes holding tensors (parameters, buffers, torch.* results)."""
    from tslint.index.model import AttributeKind

    found = []
    for name, assignments in attributes.items():
        if assignments and all(a.kind in (AttributeKind.PARAMETER, AttributeKind.BUFFER) for a in assignments):
            found.append(name)
    return found


def _operands(node: cst.BaseExpression, operator: type) -> list:
    """The operands of a chain of one boolean operator (`a and b and c`), parentheses or not."""
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, operator):
        return _operands(node.left, operator) + _operands(node.right, operator)
    return [node]


def _is_tracing(node: cst.BaseExpression, imports: ImportTable) -> bool:
    """`torch.jit.is_tracing()` (or a wrapper named so: `torchvision._is_tracing()`)."""
    if not isinstance(node, cst.Call) or node.args:
        return False
    name = imports.qualify(node.func) or ""
    return name in ("torch.jit.is_tracing", "torch._C._get_tracing_state") or name.rsplit(".", 1)[-1] in (
        "is_tracing",
        "_is_tracing",
    )


def decided_by_tracing(test: cst.BaseExpression, imports: ImportTable) -> bool:
    """`n > k and not torch.jit.is_tracing()` is False, `n > k or torch.jit.is_tracing()` True,
    whatever `n` is while tracing: the traced model takes the path the code chose for tracing, for
    every input (though torch warns where it converts `n > k`)."""
    if not isinstance(test, cst.BooleanOperation):
        return False
    if isinstance(test.operator, cst.And):
        return any(
            isinstance(o, cst.UnaryOperation) and isinstance(o.operator, cst.Not) and _is_tracing(o.expression, imports)
            for o in _operands(test, cst.And)
        )
    return any(_is_tracing(o, imports) for o in _operands(test, cst.Or))
