from __future__ import annotations

import libcst as cst

from tslint.findings import Applicability, Mode, Severity
from tslint.rule import Rule, RuleContext, replace_node
from tslint.analysis.traversal import code_of


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
        annotation = node.annotation
        if isinstance(annotation, cst.Subscript) and (context.qualify(annotation.value) or "").rsplit(".", 1)[-1] in {"Tuple", "tuple"}:
            if any(isinstance(e.slice, cst.Index) and isinstance(e.slice.value, cst.Ellipsis) for e in annotation.slice):
                message = self.message.format(annotation=code_of(annotation))
                context.report(annotation, message, fix=_as_list(node, annotation, context))


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
