from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import TENSOR_FACTORIES
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

NEW_METHODS = frozenset({"new_zeros", "new_ones", "new_empty", "new_full", "new_tensor"})
# torch.nn's recurrent layers: called without an initial state, their `forward` creates it with
# `device=input.device` (torch/nn/modules/rnn.py).
RECURRENT_LAYERS = frozenset(
    f"torch.nn{path}.{name}" for path in ("", ".modules.rnn") for name in ("LSTM", "GRU", "RNN")
)


class FrozenDtypeOrDevice(Rule):
    """Traced code creates a tensor on a device taken from an input or a parameter as a Python value
    (`torch.zeros(n, device=x.device)`, `torch.arange(n, device=device)` after `device = x.device`,
    `device=self.weight.device`, `device=next(self.parameters()).device`, `device=self.fc.weight.device`).

    The tracer records the example input's (or the parameter's) device as a constant, silently: after
    `traced.cuda()` the traced model still creates that tensor on the CPU ("Expected all tensors to be
    on the same device"). Casts to an input's own dtype or device (`y.to(x.dtype)`, `y.to(x)`) and `dtype=x.dtype`
    are not reported: they are exact for every input of the dtype and device the model was traced for.

    A torch.nn recurrent layer held by the module (`self.rnn = nn.LSTM(...)`, also `nn.GRU`, `nn.RNN`)
    called without its initial state (`y, _ = self.rnn(x)`) is the same hazard: its `forward` creates
    the zero state with `device=input.device`, which the trace records.
    """

    code = "TS408"
    name = "frozen-dtype-or-device"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`{expression}` creates a tensor on the device of the example input: the trace freezes that device."
    parameter_message = (
        "`{expression}` creates a tensor on the device of a parameter: the trace freezes that device, and the "
        "traced model moved with `.to(...)` still creates the tensor there."
    )
    recurrent_message = (
        "`{expression}` runs `{layer}` without an initial state: torch creates it on the device of the example "
        "input, and the trace freezes that device."
    )
    fix_hint = (
        "Derive the new tensor from the input (`x.new_zeros(n)`, `torch.zeros_like(x)`), or move the code into a "
        "`@torch.jit.script` helper."
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        layer = _recurrent_layer(node, context)
        if layer is not None:
            context.report(node, self.recurrent_message.format(expression=code_of(node).strip(), layer=layer))
            return
        name = context.qualify(func) or ""
        creates = name.startswith("torch.") and name.rsplit(".", 1)[-1] in TENSOR_FACTORIES
        if not creates and not (isinstance(func, cst.Attribute) and func.attr.value in NEW_METHODS):
            return
        taint = context.taint()
        for argument in node.args:
            if argument.keyword is not None and argument.keyword.value == "device":
                found = taint.tensor_property(argument.value)
                if found in ("device", "parameter device"):
                    message = self.message if found == "device" else self.parameter_message
                    context.report(argument, message.format(expression=code_of(argument).strip().rstrip(",")))


def _recurrent_layer(node: cst.Call, context: RuleContext):
    """`nn.LSTM` (`nn.GRU`, `nn.RNN`) when the call is `self.<layer>(x)`, one positional argument and no
    `hx`, and some class the function is compiled for assigns that attribute such a layer."""
    func = node.func
    me = context.compiled.info.self_name
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and me and func.value.value == me):
        return None
    if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
        return None
    from tslint.index.model import AttributeKind

    for _, klass in context.classes():
        for assignment in klass.attributes.get(func.attr.value, ()):
            if assignment.kind is AttributeKind.CALL and assignment.callee in RECURRENT_LAYERS:
                return "nn." + assignment.callee.rsplit(".", 1)[-1]
    return None
