from __future__ import annotations

from typing import Dict, Optional, Set

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.analysis.imports import is_none
from tslint.rule import Rule, RuleContext
from tslint.analysis.traversal import statements_in_order

SCALARS = {"int": "int", "float": "float", "str": "str", "bool": "bool"}


class InconsistentReturnType(Rule):
    """A compiled function returns values of different types: a tensor from one `return` and a number
    from another, tuples of different lengths, an `int` and a `float`; or a value of another type than
    its return annotation says.

    TorchScript gives a function one return type: "Previous return statement returned a value of type
    Tensor but this return statement returns a value of type int", "Return value was annotated as
    having type Tensor but is actually of type int". Only types tslint knows for sure are compared:
    literals, tuple lengths, and tensor parameters; `return None` next to a value compiles (torch
    makes it Optional) and is not reported.
    """

    code = "TS323"
    name = "inconsistent-return-type"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "This `return` gives {found}, but {expected}."
    fix_hint = "Return one type from every `return` (`torch.tensor(0.0)` or `x.new_zeros(())` instead of `0`, `1.0` instead of `1`), or annotate the return type as a Union."

    def begin_function(self, context: RuleContext) -> Set[int]:
        return set()  # the returns the walk shows: compiled, not in a branch torch prunes

    def visit_Return(self, node: cst.Return, context: RuleContext) -> None:
        context.state.add(id(node))

    def end_function(self, context: RuleContext) -> None:
        node = context.node
        compiled = context.state
        if not compiled or (node.returns is None and len(compiled) < 2):
            return  # nothing to compare
        returns = [r for r in statements_in_order(node.body, cst.Return) if id(r) in compiled and r.value is not None and not is_none(r.value)]
        if not returns:
            return
        kinds = _parameter_kinds(context)
        if node.returns is not None:
            expected = _annotation_kind(node.returns.annotation, context)
            if expected is None:
                return
            for ret in returns:
                found = _kind(ret.value, kinds)
                if found is not None and not _compatible(expected, found):
                    context.report(ret, self.message.format(found=_shown(found), expected=f"the function is annotated to return {_shown(expected)}"))
            return
        reference = _kind(returns[0].value, kinds)
        if reference is None:
            return
        for ret in returns[1:]:
            found = _kind(ret.value, kinds)
            if found is not None and not _compatible(reference, found):
                context.report(ret, self.message.format(found=_shown(found), expected=f"an earlier `return` gives {_shown(reference)}"))
                return


def _compatible(expected: str, found: str) -> bool:
    if expected.startswith("tuple") and found.startswith("tuple"):
        return expected == found or "?" in (expected[5:], found[5:])
    if {expected[:5], found[:5]} == {"tuple", "list"}:
        return True  # torch turns a returned tuple into an annotated list (torch.nn.functional does it)
    return expected == found


def _shown(kind: str) -> str:
    if kind.startswith("tuple"):
        return f"a tuple of {kind[5:]} values" if kind[5:] != "?" else "a tuple"
    return {"Tensor": "a Tensor", "int": "an int", "list": "a list", "dict": "a dict"}.get(kind, f"a {kind}")


def _parameter_kinds(context: RuleContext) -> Dict[str, str]:
    """Parameters whose type is certain: unannotated ones without a default are tensors in torch."""
    kinds: Dict[str, str] = {}
    for name, param in context.typed_parameters().items():
        if param.annotation is None:
            if param.default is None:
                kinds[name] = "Tensor"
            continue
        kind = _annotation_kind(param.annotation.annotation, context)
        if kind is not None and not kind.startswith("tuple"):
            kinds[name] = kind
    return kinds


def _annotation_kind(annotation: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    name = context.qualify(annotation.value if isinstance(annotation, cst.Subscript) else annotation) or ""
    if isinstance(annotation, cst.Subscript):
        if name in ("typing.Tuple", "tuple"):
            elements = [e.slice for e in annotation.slice]
            if all(isinstance(e, cst.Index) and not isinstance(e.value, cst.Ellipsis) for e in elements):
                return f"tuple{len(elements)}"
        if name in ("typing.List", "list"):
            return "list"
        if name in ("typing.Dict", "dict"):
            return "dict"
        return None
    if name in ("torch.Tensor", "Tensor"):
        return "Tensor"
    return SCALARS.get(name)


def _kind(value: cst.BaseExpression, parameters: Dict[str, str]) -> Optional[str]:
    if isinstance(value, cst.Tuple):
        starred = any(isinstance(e, cst.StarredElement) for e in value.elements)
        return "tuple?" if starred else f"tuple{len(value.elements)}"
    if isinstance(value, cst.UnaryOperation) and isinstance(value.expression, (cst.Integer, cst.Float)):
        value = value.expression
    if isinstance(value, cst.Integer):
        return "int"
    if isinstance(value, cst.Float):
        return "float"
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return "str"
    if isinstance(value, cst.Name):
        if value.value in ("True", "False"):
            return "bool"
        return parameters.get(value.value)
    if isinstance(value, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(value, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(value, cst.BinaryOperation):
        sides = (_kind(value.left, parameters), _kind(value.right, parameters))
        return "Tensor" if "Tensor" in sides else None
    return None
