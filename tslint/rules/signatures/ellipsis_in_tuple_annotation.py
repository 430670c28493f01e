from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
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
                    context.report(annotation, self.message.format(annotation=code_of(annotation)))
                    return
                stack += [e.slice.value for e in reversed(annotation.slice) if isinstance(e.slice, cst.Index)]
