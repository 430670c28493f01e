"""What the expression types (expressions.py) look operators up in: the aten operator of each Python
operator and comparison, the casts, constants and dtypes torch knows, and the record of one call
matched against torch's schemas (`Call`), which the call checks read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.schema_types import BOOL, FLOAT, INT, NONE, STR, JitType, tuple_of
from tslint.analysis.signatures import Schema

BINARY_OPERATORS = {
    cst.Add: "aten::add",
    cst.Subtract: "aten::sub",
    cst.Multiply: "aten::mul",
    cst.Divide: "aten::div",
    cst.FloorDivide: "aten::floordiv",
    cst.Modulo: "aten::remainder",
    cst.Power: "aten::pow",
    cst.MatrixMultiply: "aten::matmul",
    cst.BitAnd: "aten::__and__",
    cst.BitOr: "aten::__or__",
    cst.BitXor: "aten::__xor__",
    cst.LeftShift: "aten::__lshift__",
    cst.RightShift: "aten::__rshift__",
}
COMPARISONS = {
    cst.Equal: "aten::eq",
    cst.NotEqual: "aten::ne",
    cst.LessThan: "aten::lt",
    cst.LessThanEqual: "aten::le",
    cst.GreaterThan: "aten::gt",
    cst.GreaterThanEqual: "aten::ge",
    cst.In: "aten::__contains__",
}
CASTS = {"int": INT, "float": FLOAT, "bool": BOOL, "str": STR}
CONSTANTS = {"math.pi": FLOAT, "math.e": FLOAT, "math.tau": FLOAT, "math.inf": FLOAT, "math.nan": FLOAT}
DTYPES = frozenset(
    f"torch.{name}"
    for name in (
        "float32 float float64 double float16 half bfloat16 int8 uint8 int16 short int32 int int64 long bool "
        "complex64 complex128 cfloat cdouble"
    ).split()
)
NUMBER_KINDS = ("int", "float", "bool")


@dataclass(frozen=True)
class Call:
    """A call of a torch function or Tensor method whose argument types are all known, with the
    schemas torch matches it against and whether one matched."""

    node: cst.CSTNode  # the call, or an arithmetic operation (a call of an aten operator)
    name: str  # as the user wrote it: `torch.zeros`, `Tensor.view`, the `-` operator
    schemas: Tuple[Schema, ...]
    positional: Tuple[JitType, ...]
    keywords: Tuple[Tuple[str, JitType], ...]
    self_type: Optional[JitType]
    matched: bool


def returns_of(schema_returns: Sequence[JitType]) -> JitType:
    if not schema_returns:
        return NONE
    if len(schema_returns) == 1:
        return schema_returns[0]
    return tuple_of(*schema_returns)


def number_union_beside_unknown(left: JitType, right: JitType) -> bool:
    """One operand Unknown, the other a Union whose members are all Tensors or numbers."""
    if "Unknown" not in (left.kind, right.kind):
        return False
    other = right if left.kind == "Unknown" else left
    return other.kind == "Union" and all(
        member.kind in NUMBER_KINDS + ("Tensor", "number") and not member.items for member in other.items
    )


def known(jit_type: JitType) -> bool:
    return jit_type.kind != "Unknown" and all(known(item) for item in jit_type.items)


_LIST_ADD_ELEMENTS = frozenset({"int", "float", "number"})


def element_kinds_clash(left: JitType, right: JitType) -> bool:
    """`a + b` of a list and a list or tuple whose elements are numbers of different kinds:
    `[1.5] + x.shape[1:]` (`List[float]` and `List[int]`), `(n,) + x.shape[1:]` with `n = t.item()`
    (a `number`). Only `aten::add.t(t[] a, t[] b)` takes a list and both operands must be lists of one
    `t` (a tuple converts to a list of its element type): torch's "Arguments for call are not valid"
    (probed on each pairing of int, float and number, tuple or list first). Elements of one kind only,
    none of them containers."""
    kinds = []
    for side in (left, right):
        if side.kind == "List":
            elements = side.items[:1]
        elif side.kind == "Tuple":
            elements = side.items
        else:
            return False
        found = {element.kind for element in elements}
        if len(found) != 1 or any(element.items for element in elements):
            return False
        kinds.append(found.pop())
    return kinds[0] != kinds[1] and set(kinds) <= _LIST_ADD_ELEMENTS
