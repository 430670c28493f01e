"""Unannotated parameters a function's body uses as Python values: a bool flag (`if flag:`), a count
(`range(n)`), a string option (`mode == "bilinear"`).

The trace provenance takes an unannotated parameter for a tensor when its callers are unknown (the
inputs of a traced model are tensors). A helper or a sub-layer's `forward` called from other files or
through a module container receives what its callers' Python code passes, and a parameter it tests
for truth, counts a `range` with or compares with a string is a Python value there: a string never
is a tensor, a tensor in `range(...)` or `if t:` would be a hazard its caller's own code shows (the
call site in the file passes a size, which the provenance keeps), and guessing a tensor only turns
configuration into findings. torch.jit.trace records a Python argument as the constant it is for
that call, which is exact whenever the caller passes the same value (tests/test_trace_rules.py).

What counts as a use (the parameter itself, not an expression of it):
- `if p:`, `while p:`, `a if p else b`, `not p`, an operand of `and` / `or`;
- an argument of `range(...)`;
- `p == "..."`, `p != "..."`, `p in ("a", "b")` with string literals.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional

import libcst as cst

from tslint.analysis.imports import ImportTable
from tslint.analysis.trace_values import comment_annotations
from tslint.analysis.traversal import code_of, walk

# The node types `python_value_parameters` looks at (the walk passes the others by).
_LOOKED_AT = frozenset(
    {
        cst.FunctionDef,
        cst.Lambda,
        cst.ClassDef,
        cst.If,
        cst.While,
        cst.IfExp,
        cst.UnaryOperation,
        cst.BooleanOperation,
        cst.Call,
        cst.Comparison,
    }
)


class Use(NamedTuple):
    """How a parameter is first used as a Python value: as a "bool", an "int" or a "str", and where."""

    type: str
    code: str


def python_value_parameters(
    function: cst.FunctionDef, imports: ImportTable, self_name: Optional[str]
) -> Dict[str, Use]:
    """Unannotated parameters (no annotation, no type comment) used as Python values, with their first
    such use; a comparison with a string wins over other uses (a string is never a tensor)."""
    commented = comment_annotations(function, self_name)
    params = function.params
    candidates = {
        p.name.value
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        if p.annotation is None and p.name.value not in commented and p.name.value != self_name
    }
    found: Dict[str, Use] = {}
    if not candidates:
        return found

    def note(node: cst.BaseExpression, use: cst.CSTNode, type_: str = "bool") -> None:
        if not isinstance(node, cst.Name) or node.value not in candidates:
            return
        if node.value not in found or (type_ == "str" and found[node.value].type != "str"):
            found[node.value] = Use(type_, code_of(use))

    def enter(node: cst.CSTNode) -> bool:
        kind = type(node)  # exact types: isinstance on libcst's ABC-based nodes is slow here
        if kind not in _LOOKED_AT:
            return True
        if kind is cst.FunctionDef or kind is cst.Lambda or kind is cst.ClassDef:
            return node is function
        if kind is cst.If or kind is cst.While:
            note(node.test, node.test)
        elif kind is cst.IfExp:
            note(node.test, node)
        elif kind is cst.UnaryOperation:
            if type(node.operator) is cst.Not:
                note(node.expression, node)
        elif kind is cst.BooleanOperation:
            note(node.left, node)
            note(node.right, node)
        elif kind is cst.Call:
            if imports.qualify(node.func) == "range":
                for argument in node.args:
                    if not argument.star:
                        note(argument.value, node, "int")
        elif len(node.comparisons) == 1:  # a Comparison
            target = node.comparisons[0]
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)) and _is_string(target.comparator):
                note(node.left, node, "str")
            elif isinstance(target.operator, (cst.In, cst.NotIn)) and _strings(target.comparator):
                note(node.left, node, "str")
        return True

    walk(function.body, enter)
    return found


def _is_string(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString))


def _strings(node: cst.BaseExpression) -> bool:
    """A tuple, list or set display of string literals only."""
    return (
        isinstance(node, (cst.Tuple, cst.List, cst.Set))
        and bool(node.elements)
        and all(_is_string(e.value) for e in node.elements)
    )
