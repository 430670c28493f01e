from __future__ import annotations

import libcst as cst

from tslint.ftypes import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.traversal import code_of


class TypeCallInCompiledCode(Rule):
    """Compiled code calls the builtin `type(...)`: `type(x) is torch.Tensor`, `type(n) == int`,
    `type(x).__name__`, `type(x)(...)`.

    TorchScript has no Python `type`: every use fails. Compared, named or called, it fails to
    compile ("builtin cannot be used as a value", "type(Tensor 0) -> Tensor 0", "'Tensor' object
    has no attribute or method '__name__'"); on its own (`print(type(x))`) it compiles and fails when
    run ("The following operation failed in the TorchScript interpreter").
    """

    code = "TS338"
    name = "type-call-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{call}`: TorchScript has no Python `type`; test with `isinstance(...)` instead."
    fix_hint = "Use `isinstance(x, int)` (torch refines the variable's type in the branch), or decide in `__init__` and store the result."
    torch_messages = ("builtin cannot be used as a value", "type(Tensor 0) -> Tensor 0", "has no attribute or method '__name__'")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if not isinstance(func, cst.Name) or func.value != "type" or len(node.args) != 1 or node.args[0].keyword is not None:
            return
        if "type" in context.local_names() or context.qualify(func) != "type":
            return
        context.report(node, self.message.format(call=code_of(node)))
