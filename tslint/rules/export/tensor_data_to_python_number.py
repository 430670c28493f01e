from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import PYTHON_CONVERSIONS
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.export._shape_summaries import export_values
from tslint.rules.export._values import DATA


class TensorDataToPythonNumber(Rule):
    """Exported code converts a tensor's value to a Python number: `int(t)`, `float(t)`, `bool(t)`,
    `math.*(t)`, or the same of a `.item()`; or makes a NumPy array of a tensor (`t.numpy()`).

    Non-strict torch.export.export (the default in torch 2.13) traces with real Python: converting an
    unbacked value needs its concrete value, which does not exist at export time ("Could not extract
    specialized integer from data-dependent expression u0", "Could not guard on data-dependent
    expression zuf0"). Strict export (`strict=True`) keeps the value symbolic. A value that a
    `torch._check(...)` of the function constrains is left alone.
    """

    code = "TS505"
    name = "tensor-data-to-python-number-in-export"
    severity = Severity.ERROR
    mode = Mode.EXPORT
    message = "`{call}` converts {what} to a Python value: non-strict torch.export.export cannot."
    fix_hint = (
        "Keep the value a tensor (`x + x.max()`, not `x + float(x.max())`); `.item()` alone, without "
        "`int(...)`/`float(...)`, stays symbolic; or export with `strict=True`."
    )
    torch_messages = (
        "Could not extract specialized integer from data-dependent expression",
        "Could not guard on data-dependent expression",
        ".numpy() is not supported for tensor subclasses",
    )

    numpy_message = "`{call}` makes a NumPy array of a tensor: non-strict torch.export.export cannot."

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "numpy":
            self._numpy(node, func, context)
            return
        name = context.qualify(node.func) or ""
        if not (name in PYTHON_CONVERSIONS or name.startswith("math.")) or len(node.args) != 1 or node.args[0].star:
            return
        argument = node.args[0].value
        values = export_values(context)
        if values.is_checked(argument) or values.is_condition(node):
            return  # checked, or the whole test of a branch: TS501 reports the decision
        if values.behind_shape_decision(node) or values.behind_shape_decision(argument):
            return  # reached on some input shapes only: export may never trace it
        if DATA in values.kind(argument):
            what = "a value read from a tensor"
        elif values.evidently_tensor(argument):
            what = "a tensor"
        else:
            return
        context.report(node, self.message.format(call=f"{name}(...)", what=what))

    def _numpy(self, node: cst.Call, func: cst.Attribute, context: RuleContext) -> None:
        """`t.numpy()`: non-strict export traces with fake tensors, which refuse it (".numpy() is not
        supported for tensor subclasses", probed in torch 2.13); strict export traces it."""
        values = export_values(context)
        if values.behind_shape_decision(node) or not values.evidently_tensor(func.value):
            return
        text = context.source[0].code_for_node(node) if context.source[0] else "numpy()"
        context.report(node, self.numpy_message.format(call=text))
