"""TorchScript types of annotations and of module attributes, as torch gives them (no torch import).

The type representation is schema_types.JitType: `Tensor`, `int`, `float`, `bool`, `str`,
`NoneType`, `Optional[T]`, `List[T]`, `Dict[K, V]`, `Tuple[...]`, `Union[...]`, a class (`Class`,
named by its qualified name: a module class, a TorchScript class or NamedTuple) and `Unknown`, which
is what the type checker does not know: it matches everything and never produces a finding.

- `annotation_type` reads an annotation as torch's `ann_to_type` does (torch/jit/annotations.py):
  `torch.Tensor`, the builtin scalars, `typing` generics and their PEP 585 spellings, string
  annotations, project classes. What torch cannot resolve, or tslint does not follow, is Unknown.
- `attribute_type` is the type torch infers for `self.name` from what `__init__` assigns
  (torch/jit/_recursive.py, infer_concrete_type_builder): submodules are their class, parameters and
  buffers Tensors, literals their type; a class-level annotation wins. When the assignments disagree
  (a value that is `None` on one path), the type depends on how the instance was built: Unknown.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Optional, Sequence

import libcst as cst

from tslint.analysis.schema_types import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    NONE,
    STR,
    TENSOR,
    UNKNOWN,
    JitType,
    leaf,
    list_of,
    optional,
    tuple_of,
)

Qualify = Callable[[cst.BaseExpression], Optional[str]]
DEVICE = leaf("Device")

_LEAVES = {
    "torch.Tensor": TENSOR,
    "torch.nn.Parameter": TENSOR,
    "torch.nn.parameter.Parameter": TENSOR,
    # The dtype-specific classes torch's `is_tensor` accepts (torch/jit/annotations.py): plain Tensors
    # to TorchScript, the dtype not enforced. Not `torch.BFloat16Tensor`, nor `torch.cuda`'s.
    **{
        f"torch.{dtype}Tensor": TENSOR
        for dtype in ("Long", "Double", "Float", "Int", "Short", "Half", "Char", "Byte", "Bool")
    },
    "int": INT,
    "builtins.int": INT,
    "float": FLOAT,
    "builtins.float": FLOAT,
    "bool": BOOL,
    "builtins.bool": BOOL,
    "str": STR,
    "builtins.str": STR,
    "None": NONE,
    "torch.device": DEVICE,
    "torch.dtype": INT,
    "typing.Any": ANY,
}
_GENERICS = {
    "typing.List": "List",
    "list": "List",
    "builtins.list": "List",
    "typing.Dict": "Dict",
    "dict": "Dict",
    "builtins.dict": "Dict",
    "typing.Tuple": "Tuple",
    "tuple": "Tuple",
    "builtins.tuple": "Tuple",
    "typing.Optional": "Optional",
    "typing.Union": "Union",
    "typing.Final": "Final",
    "typing_extensions.Final": "Final",
    "torch.jit.Final": "Final",
}


# The key types torch builds a Dict of (probed in torch 2.13).
_DICT_KEYS = frozenset({"str", "int", "float", "complex", "Tensor", "Device", "Unknown"})


def class_type(qualified: str) -> JitType:
    return JitType("Class", name=qualified)


def is_known(jit_type: JitType) -> bool:
    """Whether nothing inside the type is Unknown."""
    return jit_type.kind != "Unknown" and all(is_known(item) for item in jit_type.items)


def annotation_type(
    annotation: cst.BaseExpression,
    qualify: Qualify,
    is_class: Callable[[str], bool] = lambda name: False,
    alias: Optional[Callable[[str], JitType]] = None,
) -> JitType:
    """The TorchScript type an annotation names; Unknown when tslint cannot tell. `alias`: the type
    of a name that is a project type alias (Unknown when it is not one)."""
    if isinstance(annotation, cst.SimpleString):
        text = annotation.evaluated_value
        if not isinstance(text, str):
            return UNKNOWN
        try:
            return annotation_type(_parse(text), qualify, is_class, alias)
        except cst.ParserSyntaxError:
            return UNKNOWN
    if isinstance(annotation, cst.Name) and annotation.value == "None":
        return NONE
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        return _union([annotation_type(side, qualify, is_class, alias) for side in (annotation.left, annotation.right)])
    if isinstance(annotation, cst.Subscript):
        return _generic(annotation, qualify, is_class, alias)
    name = qualify(annotation)
    if name is None:
        return UNKNOWN
    if name in _LEAVES:
        return _LEAVES[name]
    if is_class(name):
        return class_type(name)
    return alias(name) if alias is not None else UNKNOWN


@lru_cache(maxsize=4096)
def _parse(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


def _generic(
    annotation: cst.Subscript,
    qualify: Qualify,
    is_class: Callable[[str], bool],
    alias: Optional[Callable[[str], JitType]] = None,
) -> JitType:
    kind = _GENERICS.get(qualify(annotation.value) or "")
    if kind is None:
        return UNKNOWN
    items = []
    for element in annotation.slice:
        if not isinstance(element.slice, cst.Index):
            return UNKNOWN
        value = element.slice.value
        if isinstance(value, cst.Ellipsis):
            return UNKNOWN  # Tuple[int, ...]: torch rejects it (TS110)
        if isinstance(value, cst.Tuple) and kind == "Tuple" and not value.elements:
            return tuple_of()
        item = annotation_type(value, qualify, is_class, alias)
        # `Dict[str, Any]`: torch types a literal by the annotation it meets (a `return {"k": 1}`
        # is a Dict[str, Any] there), which the type model does not follow: Any inside stays unknown.
        items.append(UNKNOWN if item.kind == "Any" else item)
    if kind == "Final" and len(items) == 1:
        return items[0]  # a constant attribute's type is the one inside
    if kind == "Optional" and len(items) == 1:
        if items[0].kind == "Union":
            return _union([items[0], NONE])  # torch: `Optional[Union[A, B]]` is `Union[A, B, NoneType]`
        return optional(items[0]) if items[0].kind != "Unknown" else UNKNOWN
    if kind == "Union":
        return _union(items)
    if kind == "List" and len(items) == 1:
        return list_of(items[0])
    if kind == "Dict" and len(items) == 2:
        if items[0].kind not in _DICT_KEYS:
            # torch rejects the annotation itself: "Cannot create dict for key type '(str, str,
            # str)', only int, float, complex, Tensor, device and string keys are supported"
            return UNKNOWN
        return JitType("Dict", tuple(items))
    if kind == "Tuple":
        return tuple_of(*items)
    return UNKNOWN


def _union(items: Sequence[JitType]) -> JitType:
    """`Union[T, None]` is `Optional[T]`; other unions stay unions (torch's UnionType)."""
    if any(item.kind == "Unknown" for item in items):
        return UNKNOWN
    members = []
    for item in items:
        for member in item.items if item.kind == "Union" else (item,):
            if member not in members:
                members.append(member)
    if len(members) == 1:
        return members[0]
    others = [member for member in members if member.kind != "NoneType"]
    if len(others) == 1:
        return optional(others[0])
    return JitType("Union", tuple(members))
