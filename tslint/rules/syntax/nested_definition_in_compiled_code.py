from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class NestedDefinitionInCompiledCode(Rule):
    """A compiled function defines a function or a class inside its body.

    torch's Python frontend rejects it ("function definitions aren't supported / class definitions aren't supported")
    while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS202"
    name = "nested-definition-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "A {kind} defined inside a compiled function is not supported."
    fix_hint = "Move the definition to the module level (or make it a method)."
    frontend = True
    torch_messages = ("function definitions aren't supported", "class definitions aren't supported")

    def visit_FunctionDef(self, node: cst.FunctionDef, context: RuleContext) -> None:
        if node is not context.node:
            context.report(node, self.message.format(kind="function"), header_only=True)

    def visit_ClassDef(self, node: cst.ClassDef, context: RuleContext) -> None:
        context.report(node, self.message.format(kind="class"), header_only=True)
