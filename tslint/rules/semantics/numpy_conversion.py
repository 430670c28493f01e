from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class NumpyConversion(Rule):
    """Compiled code calls `.numpy()`.

    No TorchScript type has a `numpy` method: "'Tensor (inferred)' object has no attribute or method
    'numpy'".
    """

    code = "TS306"
    name = "numpy-conversion"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`.numpy()` is not available in compiled code."
    fix_hint = "Keep the computation in torch, or move the NumPy part into a `@torch.jit.ignore` method."
    torch_messages = ("object has no attribute or method 'numpy'",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "numpy" and not node.args:
            context.report(node)
