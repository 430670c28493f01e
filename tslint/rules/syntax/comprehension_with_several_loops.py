from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class ComprehensionWithSeveralLoops(Rule):
    """A comprehension in compiled code has more than one `for` clause.

    torch's Python frontend rejects it ("Only a single generator is currently supported") while parsing the function, so
    it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS208"
    name = "comprehension-with-several-loops"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Comprehensions with more than one `for` are not supported in compiled code."
    fix_hint = "Use nested `for` loops that append to a list."
    frontend = True
    torch_messages = ("Only a single generator is currently supported",)

    def visit_CompFor(self, node: cst.CompFor, context: RuleContext) -> None:
        if node.inner_for_in is not None:
            context.report(node.inner_for_in)
