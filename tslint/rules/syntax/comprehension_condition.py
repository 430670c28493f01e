from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class ComprehensionCondition(Rule):
    """A list, dict or generator comprehension in compiled code has an `if` clause.

    torch's Python frontend rejects it ("Comprehension ifs are not supported yet") while parsing the function, so it
    fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS207"
    name = "comprehension-condition"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Comprehensions with an `if` condition are not supported in compiled code."
    fix_hint = "Use a `for` loop with an `if` that appends to a list."
    frontend = True

    def _check(self, node: cst.BaseExpression, context: RuleContext) -> None:
        # torch reports the comprehension, on the line it starts (its `[`), not the `if` (probed).
        clause = node.for_in
        while clause is not None:
            if clause.ifs:
                context.report(node, header_only=True)
                return
            clause = clause.inner_for_in

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _check
    torch_messages = ("Comprehension ifs are not supported",)
