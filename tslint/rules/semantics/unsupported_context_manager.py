from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# Verified against torch 2.13: these fail as `with` items in compiled code, while `torch.no_grad()`,
# `torch.autocast(...)` and `torch.autograd.profiler.record_function(...)` compile.
UNSUPPORTED = {
    "torch.enable_grad": "Unknown builtin op: aten::enable_grad",
    "torch.autograd.enable_grad": "Unknown builtin op: aten::enable_grad",
    "torch.inference_mode": "Unknown builtin op: aten::inference_mode",
    "torch.autograd.inference_mode": "Unknown builtin op: aten::inference_mode",
    "torch.set_grad_enabled": "With item expression must return an object",
    "torch.autograd.set_grad_enabled": "With item expression must return an object",
    "open": "Python builtin <built-in function open> is currently not supported",
}


class UnsupportedContextManager(Rule):
    """Compiled code uses a context manager TorchScript does not support.

    `torch.enable_grad()`, `torch.set_grad_enabled(...)`, `torch.inference_mode()` and `open(...)` fail
    ("Unknown builtin op: aten::enable_grad", ...); `torch.no_grad()` and `torch.autocast(...)` work.
    """

    code = "TS305"
    name = "unsupported-context-manager"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`with {name}(...)` is not supported in compiled code."
    fix_hint = "Use `torch.no_grad()` where that is what is meant, or move the block into a `@torch.jit.ignore` method."
    torch_messages = ("With item expression must return an object", "Unknown builtin op: aten::")

    def visit_With(self, node: cst.With, context: RuleContext) -> None:
        for item in node.items:
            if isinstance(item.item, cst.Call):
                name = context.qualify(item.item.func)
                if name in UNSUPPORTED:
                    context.report(item.item, self.message.format(name=name))
