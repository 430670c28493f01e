from __future__ import annotations

import libcst as cst

from tslint.analysis.module_containers import calls_each_module
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class SumOfTensors(Rule):
    """Compiled code calls the builtin `sum(...)` on a list of tensors: `sum([a, b])` of tensor
    arguments, `sum([layer(x) for layer in self.layers])` over a module container, or `sum(outs)` of a
    value the type model types `List[Tensor]` (`outs: List[Tensor]`, or `outs = []` filled by
    `append`: an unannotated `[]` is a `List[Tensor]` to torch).

    TorchScript's builtin `sum` only adds up numbers; for a list of tensors it tries `aten::sum`:
    "Arguments for call are not valid ... Expected a value of type 'Tensor' for argument 'self' but
    instead found type 'List[Tensor]'". Only lists whose elements are certainly tensors are
    reported (by the type model).
    """

    code = "TS333"
    name = "sum-of-tensors"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "The builtin `sum(...)` of a list of tensors is not supported in compiled code."
    fix_hint = (
        "Use `torch.stack(tensors).sum(0)`, or add them in a loop: `total = tensors[0]; for t in tensors[1:]: total "
        "= total + t`."
    )
    torch_messages = ("aten::sum",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "sum") or len(node.args) != 1:
            return
        if "sum" in context.local_names() or context.qualify(node.func) != "sum":
            return
        value = node.args[0].value
        if (
            isinstance(value, cst.List)
            and value.elements
            and all(_is_tensor(e.value, context) for e in value.elements if isinstance(e, cst.Element))
            and all(isinstance(e, cst.Element) for e in value.elements)
        ):
            context.report(node)
        elif isinstance(value, (cst.ListComp, cst.GeneratorExp)) and calls_each_module(value, context):
            context.report(node)
        elif not isinstance(value, (cst.List, cst.ListComp, cst.GeneratorExp)) and _is_tensor_list(value, context):
            context.report(node)  # `sum(outs)` with `outs = []` (a List[Tensor]) or `outs: List[Tensor]`


def _is_tensor(value: cst.BaseExpression, context: RuleContext) -> bool:
    return context.types().type_of(value).kind == "Tensor"


def _is_tensor_list(value: cst.BaseExpression, context: RuleContext) -> bool:
    jit_type = context.types().type_of(value)
    return jit_type.kind == "List" and jit_type.element.kind == "Tensor"
