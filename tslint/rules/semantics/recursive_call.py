from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.index.model import CallKind
from tslint.rule import Rule, RuleContext


class RecursiveCall(Rule):
    """Compiled code calls a function or method that is still being compiled: the function itself
    (`return self.forward(x[None])`), or one that calls back into it (`a` calls `b`, `b` calls `a`).

    TorchScript compiles a callee when it meets the first call to it, and does not compile recursion:
    "method 'forward' is called recursively. Recursive calls are not supported" (for a module-level
    function, "function 'helper' is called recursively"), at the call that closes the cycle. A cycle
    through a `@torch.jit.ignore` method is fine: torch does not compile its body.
    """

    code = "TS346"
    name = "recursive-call"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{call}` calls back into `{target}`, which torch is still compiling: TorchScript does not support recursion."
    )
    fix_hint = "Rewrite the recursion as a loop, or move it into a `@torch.jit.ignore` method."
    torch_messages = ("is called recursively",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        site = _call_site(node, context)
        if site is None:
            return
        recursive = context.scope.recursive_calls()
        info = context.compiled.info
        for class_name in context.compiled.classes:
            for call in recursive:
                if call.caller == info.key and call.class_name == class_name and (call.kind, call.target) == site:
                    text = self.message.format(call=code_of(node.func), target=site[1].rsplit(".", 1)[-1])
                    context.report(node.func, text)
                    return


def _call_site(node: cst.Call, context: RuleContext) -> Optional[Tuple[CallKind, str]]:
    """(kind, target) of the call as the project index records it (tslint/index/functions.py)."""
    func = node.func
    if isinstance(func, cst.Attribute):
        owner = func.value
        if isinstance(owner, cst.Name) and owner.value == context.compiled.info.self_name:
            return CallKind.SELF_METHOD, func.attr.value
        if isinstance(owner, cst.Attribute) and context.self_attribute(owner) is not None:
            return CallKind.SUBMODULE_METHOD, func.attr.value
    qualified = context.qualify(func)
    return (CallKind.FUNCTION, qualified) if qualified is not None else None
