from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# Verified against torch 2.13 in compiled code.
UNSUPPORTED_FUNCTIONS = {
    "torch.finfo": "Unknown builtin op: aten::finfo",
    "torch.iinfo": "Unknown builtin op: aten::iinfo",
}
# torch.nn.functional functions whose own Python source torch cannot compile: calling them from
# compiled code fails inside torch (verified against torch 2.13; the reason is torch's message).
UNCOMPILABLE_FUNCTIONS = {
    "torch.nn.functional.gaussian_nll_loss": "Comprehension ifs are not supported yet",
    "torch.nn.functional.triplet_margin_with_distance_loss": "keyword-only arguments with defaults",
    "torch.nn.functional.linear_cross_entropy": "keyword-only arguments with defaults",
    "torch.nn.functional.grouped_mm": "keyword-only arguments with defaults",
    "torch.nn.functional.scaled_mm": "Unknown type name 'ScalingType'",
    "torch.nn.functional.scaled_grouped_mm": "Unknown type name 'ScalingType'",
}
LEGACY_TYPES = frozenset(
    {"FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"}
)


class UnsupportedTorchApi(Rule):
    """Compiled code uses a torch API that TorchScript does not implement: `torch.finfo(...)`,
    `torch.iinfo(...)`, legacy tensor types (`x.type(torch.FloatTensor)`), `Tensor.norm(dim=...)`
    without `p`, or a `torch.nn.functional` function whose own source torch cannot compile
    (`F.gaussian_nll_loss`, `F.triplet_margin_with_distance_loss`, ...).

    torch: "Unknown builtin op: aten::finfo", "LegacyTypedConstructor cannot be used as a value",
    "Arguments for call are not valid" (for `norm`).
    """

    code = "TS312"
    name = "unsupported-torch-api"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{api}` is not available in compiled code."
    fix_hint = (
        "Use a constant (`1e-6`, or one computed in `__init__`), a dtype (`x.to(torch.float32)`), `x.norm(p=2, dim=1)`;"
        " compute losses torch cannot compile outside the exported model."
    )
    torch_messages = (
        "Comprehension ifs are not supported yet",
        "Compiled functions can't take variable number",
        "Unknown type name 'ScalingType'",
        "Unknown builtin op: aten::",
        "Arguments for call are not valid",
        "cannot be used as a value",
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.qualify(node.func)
        if name in UNSUPPORTED_FUNCTIONS:
            context.report(node, self.message.format(api=f"{name}(...)"))
            return
        if name in UNCOMPILABLE_FUNCTIONS:
            short = name.replace("torch.nn.functional.", "F.")
            message = self.message.format(api=f"{short}(...)")
            context.report(node, f"{message[:-1]}: torch fails compiling its source ({UNCOMPILABLE_FUNCTIONS[name]}).")
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
