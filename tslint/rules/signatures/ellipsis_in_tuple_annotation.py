from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.imports import is_none
from tslint.analysis.traversal import code_of
from tslint.findings import Applicability, Mode, Severity
from tslint.rule import NodeFix, Rule, RuleContext, replace_node
from tslint.rules.signatures._typing_import import typing_name


class EllipsisInTupleAnnotation(Rule):
    """A compiled function uses a variable-length tuple type, `Tuple[int, ...]`.

    TorchScript tuples have a fixed length: "Expression of type dots cannot be used in a type expression".
    """

    code = "TS107"
    name = "ellipsis-in-tuple-annotation"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{annotation}` (a tuple of any length) is not a TorchScript type."
    fix_hint = "Use `List[int]` for a sequence of any length, or spell the tuple out: `Tuple[int, int]`."
    torch_messages = ("Expression of type dots cannot be used in a type expression",)

    def visit_Annotation(self, node: cst.Annotation, context: RuleContext) -> None:
        # Anywhere in the annotation: `Optional[Tuple[int, ...]]`, `tuple[Tensor, ...] | None`.
        stack = [node.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, cst.BinaryOperation):
                stack += [annotation.right, annotation.left]
            elif isinstance(annotation, cst.Subscript):
                if (context.qualify(annotation.value) or "").rsplit(".", 1)[-1] in {"Tuple", "tuple"} and any(
                    isinstance(e.slice, cst.Index) and isinstance(e.slice.value, cst.Ellipsis) for e in annotation.slice
                ):
                    fix = _as_list(node, annotation, context)
                    context.report(annotation, self.message.format(annotation=code_of(annotation)), fix=fix)
                    return
                stack += [e.slice.value for e in reversed(annotation.slice) if isinstance(e.slice, cst.Index)]


def _as_list(node: cst.Annotation, annotation: cst.Subscript, context: RuleContext) -> Optional[NodeFix]:
    """`sizes: Tuple[int, ...]` -> `sizes: List[int]`, also inside the annotation
    (`Optional[Tuple[int, ...]] = None`, `List[Tuple[Tensor, ...]]`), for a parameter without a default
    or defaulting to `None` only (a tuple default would not be a list). `List` is imported from typing
    where isort puts it when the file lacks it (`list[int]`, which torch 2.13 also accepts, only when the
    import has no place). Unsafe: compiled callers must then pass a list, and the body may use the value
    as a tuple."""
    params = context.node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    param = next((p for p in every if p.annotation is node), None)
    if param is None or (param.default is not None and not is_none(param.default)) or len(annotation.slice) != 2:
        return None
    element = annotation.slice[0].slice
    if not isinstance(element, cst.Index):
        return None
    spelled = typing_name(context.source[0], context.imports.aliases, "List")
    if spelled is None and "list" in context.imports.aliases:
        return None
    listed, imports = spelled if spelled is not None else ("list", ())
    text = f"{listed}[{code_of(element.value)}]"
    fix = replace_node(annotation, text, f"Annotate `{text}`", Applicability.UNSAFE)
    return NodeFix(fix.message, (*fix.edits, *imports), Applicability.UNSAFE)
