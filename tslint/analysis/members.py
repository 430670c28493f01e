"""Whether a value of a known TorchScript type has an attribute or method, as torch's frontend decides
(SimpleValue::attr and BuiltinFunction::tryCreate in torch/csrc/jit/frontend/sugared_value.cpp).

A Tensor has the properties of `signatures().tensor_attributes`, the methods of the `aten::` operators
with a `self` argument taking a Tensor, and the casts torch sugars (`x.float()`, `x.tolist()`,
`x.type(...)`). A list, dict, str or number has a method `m` when an `aten::m` overload's first
argument, named `self`, accepts it (type variables bound). tests/test_type_members.py probes every name
of `dir(torch.Tensor)` and of Python's list, dict and str in torch and compares.
"""

from __future__ import annotations

from typing import Optional

from tslint.analysis.schema_matching import _evaluate, _match_type_variables, is_subtype
from tslint.analysis.schema_types import JitType, fake
from tslint.analysis.signatures import signatures

# Tensor methods torch provides without an operator of that name (probed in torch 2.13).
TENSOR_SUGAR = frozenset(
    {
        "byte",
        "char",
        "short",
        "int",
        "long",
        "half",
        "float",
        "double",
        "cfloat",
        "cdouble",
        "tolist",
        "type",
    }
)
# Dtype casts of a Tensor without arguments, each giving a Tensor: torch's sugar above, and the Python
# methods `bool` and `bfloat16`, which TorchScript lacks (has_member says so) but torch.export and
# torch.jit.trace run, so what follows them is still typed as the Tensor it is.
TENSOR_CASTS = frozenset(TENSOR_SUGAR - {"tolist", "type"} | {"bool", "bfloat16"})
# Types whose members this module decides; for the others (classes, Optional, Union, Device...) the
# answer is unknown.
DECIDED = ("Tensor", "List", "Dict", "str", "int", "float", "bool", "Tuple", "NoneType")


def has_member(jit_type: JitType, name: str) -> Optional[bool]:
    """True or False for the types in DECIDED; None when tslint does not know."""
    kind = jit_type.kind
    if kind not in DECIDED or name.startswith("__"):
        return None
    if kind == "Tuple" and jit_type.name:
        return name in jit_type.name.split(",")  # a named tuple's fields (see expressions._match)
    if kind == "Tensor":
        tables = signatures()
        return name in tables.tensor_attributes or name in TENSOR_SUGAR or bool(tables.tensor_method(name))
    return _operator_method(jit_type, name)


def optional_has_member(jit_type: JitType, name: str) -> Optional[bool]:
    """For an `Optional[T]` not refined: whether an `aten::` operator named `name` takes it as `self`
    (torch looks the member up on the Optional type itself: "'Optional[Tensor]' object has no attribute
    or method 'flatten'"); None for another type or a dunder name."""
    if jit_type.kind != "Optional" or name.startswith("__"):
        return None
    return _operator_method(jit_type, name)


def _operator_method(jit_type: JitType, name: str) -> bool:
    for schema in signatures().operator("aten::" + name):
        if not schema.arguments or schema.arguments[0].name != "self":
            continue
        formal = fake(schema.arguments[0].type)
        env: dict = {}
        if not _match_type_variables(formal, jit_type, env):
            continue
        concrete = _evaluate(formal, env)
        if concrete is not None and is_subtype(jit_type, concrete):
            return True
    return False
