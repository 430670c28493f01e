from __future__ import annotations

import libcst as cst

from tslint.ftypes import Mode, Severity
from tslint.rule import Rule, RuleContext

# Verified against torch 2.13 in compiled code.
UNSUPPORTED_FUNCTIONS = {
    "torch.finfo": "Unknown builtin op: aten::finfo",
    "torch.iinfo": "Unknown builtin op: aten::iinfo",
}
LEGACY_TYPES = frozenset({"FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"})


class UnsupportedTorchApi(Rule):
    """Compiled code uses a torch API that TorchScript does not implement: `torch.finfo(...)`,
    `torch.iinfo(...)`, legacy tensor types (`x.type(torch.FloatTensor)`), or `Tensor.norm(dim=...)`
    without `p`.

    torch: "Unknown builtin op: aten::finfo", "LegacyTypedConstructor cannot be used as a value",
    "Arguments for call are not valid" (for `norm`).
    """

    code = "TS312"
    name = "unsupported-torch-api"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{api}` is not available in compiled code."
    fix_hint = "Use a constant (`1e-6`, or one computed in `__init__`), a dtype (`x.to(torch.float32)`), or `x.norm(p=2, dim=1)`."

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.qualify(node.func)
        if name in UNSUPPORTED_FUNCTIONS:
            context.report(node, self.message.format(api=f"{name}(...)"))
            return
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        keywords = {a.keyword.value for a in node.args if a.keyword is not None}
        if func.attr.value == "norm" and "dim" in keywords and "p" not in keywords and not _positional(node):
            context.report(node, self.message.format(api=".norm(dim=...) without p"))
        elif func.attr.value == "type" and len(node.args) == 1:
            target = context.qualify(node.args[0].value) or ""
            if target.startswith("torch.") and target.rsplit(".", 1)[-1] in LEGACY_TYPES:
                context.report(node, self.message.format(api=f".type({target})"))


def _positional(node: cst.Call) -> bool:
    return any(a.keyword is None and a.star == "" for a in node.args)
