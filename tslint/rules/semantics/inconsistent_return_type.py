from __future__ import annotations

from typing import Optional, Set

import libcst as cst

from tslint.analysis.schema_matching import _convert, is_subtype, unify
from tslint.analysis.schema_types import JitType
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class InconsistentReturnType(Rule):
    """A compiled function returns values of different types: a tensor from one `return` and a number
    from another, tuples of different lengths, an `int` and a `float`; or a value of another type than
    its return annotation says.

    TorchScript gives a function one return type: "Previous return statement returned a value of type
    Tensor but this return statement returns a value of type int", "Return value was annotated as
    having type Tensor but is actually of type int". The types are the type model's
    (analysis/inference.py), unified in order as torch unifies them: `return None` next to a value
    gives an Optional and is not reported, a tuple of ints returned where a `List[int]` is annotated
    is converted; once a `return` gives a type tslint does not know, later ones are not compared.
    A `List`/`Dict` holding `Any` in the annotation is never the type of a module attribute torch
    types from its value (`return self.cfg` under `-> Dict[str, Any]`): containers are invariant.
    """

    code = "TS323"
    name = "inconsistent-return-type"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "This `return` gives {found}, but {expected}."
    fix_hint = (
        "Return one type from every `return` (`torch.tensor(0.0)` or `x.new_zeros(())` instead of `0`, `1.0` instead "
        "of `1`), or annotate the return type as a Union."
    )
    torch_messages = ("Previous return statement returned a value of type", "Return value was annotated as having type")

    def begin_function(self, context: RuleContext) -> Set[int]:
        return set()  # the returns the walk shows: compiled, not in a branch torch prunes

    def visit_Return(self, node: cst.Return, context: RuleContext) -> None:
        context.state.add(id(node))

    def end_function(self, context: RuleContext) -> None:
        types = context.types()
        returns = [(node, found) for node, found in types.returns if id(node) in context.state]
        declared = types.declared_return if context.node.returns is not None else None
        if declared is not None:
            holds_any = _holds_any(context.node.returns.annotation, context)
            expected = f"the function is annotated to return `{declared}`"
            for node, found in returns:
                if holds_any and _value_typed_attribute(node, context):
                    code = cst.Module([]).code_for_node
                    shown = f"`{code(node.value)}`, typed by torch from its value (never with `Any`)"
                    annotated = f"the function is annotated to return `{code(context.node.returns.annotation)}`"
                    context.report(node, self.message.format(found=shown, expected=annotated))
                elif declared.kind == "Unknown" or found.kind in ("Unknown", "Union"):
                    continue
                elif not is_subtype(_convert(declared, found, True), declared):
                    context.report(node, self.message.format(found=_shown(found), expected=expected))
            return
        merged: Optional[JitType] = None
        for node, found in returns:
            if found.kind in ("Unknown", "Union"):
                return  # a Union may be one tslint did not refine as torch does
            if merged is None:
                merged = found
                continue
            joined = unify(merged, found)
            if joined is None:
                expected = f"an earlier `return` gives `{merged}`"
                context.report(node, self.message.format(found=_shown(found), expected=expected))
                return
            merged = joined


def _shown(found: JitType) -> str:
    return f"a value of type `{found}`"


CONTAINERS = frozenset({"typing.List", "typing.Dict", "list", "dict", "builtins.list", "builtins.dict"})


def _holds_any(annotation: cst.BaseExpression, context: RuleContext) -> bool:
    """Whether the annotation has `Any` as the element of a `List` or the value of a `Dict`, at any
    depth (an attribute's inferred type never has: torch infers element types from the elements).
    The type model reads `Any` as unknown, so this reads the annotation as written."""
    if not isinstance(annotation, cst.Subscript):
        return False
    elements = [item.slice.value for item in annotation.slice if isinstance(item.slice, cst.Index)]
    if not elements:
        return False
    if context.qualify(annotation.value) in CONTAINERS and context.qualify(elements[-1]) == "typing.Any":
        return True
    return any(_holds_any(element, context) for element in elements)


def _value_typed_attribute(node: cst.Return, context: RuleContext) -> bool:
    """Whether `node` returns `self.name`, an attribute the project assigns and no class of the
    hierarchy annotates or defines in its body, for some class the function is compiled for (a
    shared base's property is compiled for every module on it; one of them is enough): torch types
    it from the instance's value (or, holding a value it cannot type, has no such attribute)."""
    name = context.self_attribute(node.value) if node.value is not None else None
    if name is None:
        return False
    return any(
        not klass.unknown_bases
        and bool(klass.attributes.get(name))
        and name not in klass.annotations
        and name not in klass.class_attributes
        and name not in klass.methods
        for _, klass in context.classes()
    )
