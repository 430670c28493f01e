from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class AnnotationWithoutValue(Rule):
    """A compiled function declares a local's type without a value: `y: torch.Tensor` on a line of
    its own, before the branches that assign it.

    torch's Python frontend rejects it while parsing the function ("annotated assignments without
    assigned value aren't supported"), so it fails even inside branches torch does not compile.
    """

    code = "TS219"
    name = "annotation-without-value"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{target}: {annotation}` declares a variable without a value, which compiled code cannot do."
    fix_hint = (
        "Annotate the first assignment instead (`y: torch.Tensor = x`), or drop the declaration: torch infers the "
        "type from the assignments."
    )
    torch_messages = ("annotated assignments without assigned value aren't supported",)
    frontend = True

    def visit_AnnAssign(self, node: cst.AnnAssign, context: RuleContext) -> None:
        if node.value is None:
            module = cst.Module(body=[])
            context.report(
                node,
                self.message.format(
                    target=module.code_for_node(node.target),
                    annotation=module.code_for_node(node.annotation.annotation),
                ),
            )
