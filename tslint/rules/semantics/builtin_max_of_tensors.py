from __future__ import annotations

import libcst as cst

from tslint.analysis.module_containers import calls_each_module
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

INSTEAD = {"max": "torch.maximum", "min": "torch.minimum"}


class BuiltinMaxOfTensors(Rule):
    """Compiled code calls the builtin `max(...)` or `min(...)` on tensors: `max([a, b])`,
    `min(t for t in ts)`, `max([layer(x) for layer in self.layers])`, `max(a, b)` or `max(t, 0)`.

    TorchScript's builtin `max`/`min` compare numbers. A list of tensors fails to compile
    ("Arguments for call are not valid"). Two tensors compile, because torch converts each to an
    int, and then fail when the model runs on floating-point tensors ("Cannot input a tensor of type
    Float as an integral argument"), or return an int for integer ones; so does a tensor beside an
    int literal (`max(t, 0)`). Only values that are certainly tensors are reported (by the type model).
    """

    code = "TS342"
    name = "builtin-max-of-tensors"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "The builtin `{builtin}(...)` of a list of tensors fails in compiled code; use "
        "`torch.stack(tensors).{builtin}(0).values`."
    )
    pair_message = (
        "The builtin `{builtin}(a, b)` converts tensors to ints in compiled code (it fails when run on float "
        "tensors); use `{instead}`."
    )
    fix_hint = "Use `torch.maximum(a, b)` / `torch.minimum(a, b)`, or `torch.stack(tensors).max(0).values`."
    torch_messages = ("Arguments for call are not valid", "Cannot input a tensor of type")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if not isinstance(func, cst.Name) or func.value not in INSTEAD or any(a.keyword or a.star for a in node.args):
            return
        builtin = func.value
        if builtin in context.local_names() or context.qualify(func) != builtin:
            return
        values = [a.value for a in node.args]
        if len(values) == 1:
            value = values[0]
            listed = (
                isinstance(value, cst.List)
                and value.elements
                and all(isinstance(e, cst.Element) and _is_tensor(e.value, context) for e in value.elements)
            )
            if listed or (isinstance(value, (cst.ListComp, cst.GeneratorExp)) and calls_each_module(value, context)):
                context.report(node, self.message.format(builtin=builtin))
        elif any(_is_tensor(v, context) for v in values) and all(
            _is_tensor(v, context) or isinstance(v, cst.Integer) for v in values
        ):  # with a float literal instead, torch converts the tensor to a float, which runs
            literal = next((v for v in values if isinstance(v, cst.Integer)), None)
            instead = (
                f"{INSTEAD[builtin]}(a, b)"
                if literal is None
                else f"t.clamp({'min' if builtin == 'max' else 'max'}={literal.value})"
            )
            context.report(node, self.pair_message.format(builtin=builtin, instead=instead))


def _is_tensor(value: cst.BaseExpression, context: RuleContext) -> bool:
    return context.types().type_of(value).kind == "Tensor"
