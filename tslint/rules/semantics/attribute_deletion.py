from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class AttributeDeletion(Rule):
    """Compiled code deletes an attribute (`del self.cache`).

    torch: "del statements are only supported for deleting list and dict items and variables".
    """

    code = "TS303"
    name = "attribute-deletion"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Deleting an attribute is not supported in compiled code."
    fix_hint = "Assign a neutral value instead (`self.cache = None`, with an `Optional[...]` class annotation)."
    torch_messages = ("del statements are only supported for deleting",)

    def visit_Del(self, node: cst.Del, context: RuleContext) -> None:
        targets = node.target.elements if isinstance(node.target, (cst.Tuple, cst.List)) else [node.target]
        for target in targets:
            value = target.value if isinstance(target, cst.Element) else target
            if isinstance(value, cst.Attribute):
                context.report(value)
