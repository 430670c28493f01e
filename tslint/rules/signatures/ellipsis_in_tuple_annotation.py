from __future__ import annotations

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.findings import Applicability, Mode, Severity
from tslint.rule import Rule, RuleContext, replace_node


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
                    fix = _as_list(node, annotation, context) if annotation is node.annotation else None
                    context.report(annotation, self.message.format(annotation=code_of(annotation)), fix=fix)
                    return
                stack += [e.slice.value for e in reversed(annotation.slice) if isinstance(e.slice, cst.Index)]


def _as_list(node: cst.Annotation, annotation: cst.Subscript, context: RuleContext):
    """`sizes: Tuple[int, ...]` -> `sizes: List[int]` (or `list[int]` when the file does not import
    `List`), for a parameter without a default only. Unsafe: compiled callers must then pass a list,
    and the body may use the value as a tuple."""
    params = context.node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    param = next((p for p in every if p.annotation is node), None)
    if param is None or param.default is not None or len(annotation.slice) != 2:
        return None
    element = annotation.slice[0].slice
    if not isinstance(element, cst.Index):
        return None
    listed = "List" if context.imports.aliases.get("List") in ("typing.List", "typing_extensions.List") else "list"
    if listed == "list" and "list" in context.imports.aliases:
        return None
    text = f"{listed}[{code_of(element.value)}]"
    return replace_node(annotation, text, f"Annotate `{text}`", Applicability.UNSAFE)
