from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class LoopElseInCompiledCode(Rule):
    """A loop in compiled code has an `else` clause.

    torch's Python frontend rejects it ("else branches of for loops aren't supported (for `while ... else`, torch fails
    with an internal TypeError and no source location)") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS211"
    name = "loop-else-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{loop} ... else` is not supported in compiled code."
    fix_hint = "Track completion with a flag variable and test it after the loop."
    torch_messages = ("incompatible constructor arguments", "else branches of for loops aren't supported")
    frontend = True

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        if node.orelse is not None:
            context.report(node, self.message.format(loop="for"), header_only=True)

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        if node.orelse is not None:
            context.report(node, self.message.format(loop="while"), header_only=True)
