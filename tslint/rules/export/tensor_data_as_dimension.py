from __future__ import annotations

from typing import Iterable

import libcst as cst

from tslint.analysis.trace_taint import PYTHON_CONVERSIONS, Kind
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.export._shape_summaries import export_values
from tslint.rules.export._values import DATA

DIMENSION_KEYWORDS = frozenset({"dim", "dims", "axis"})
# Tensor methods whose first positional argument is a dimension (`x.sum(1)`); as torch functions
# (`torch.sum(x, 1)`) the dimension comes after the tensor.
FIRST_DIMENSION = frozenset(
    {
        *("all", "amax", "amin", "any", "argmax", "argmin", "count_nonzero", "cumprod", "cumsum", "log_softmax"),
        *("logsumexp", "mean", "nanmean", "nansum", "prod", "softmax", "squeeze", "std", "sum", "unbind"),
        *("unsqueeze", "var"),
    }
)
# Tensor methods whose positional arguments are all dimensions (`x.permute(0, *axes)`).
ALL_DIMENSIONS = frozenset({"flip", "movedim", "permute", "transpose"})


class TensorDataAsDimension(Rule):
    """Exported code passes a Python value read from a tensor (`.tolist()`, `.item()`) as a dimension:
    `dim=`, `x.sum(d)`, `x.permute(*dims)`.

    A value read from a tensor's data is an unbacked symbol at export time; a dimension must be a
    concrete integer, so torch.export.export fails at the call, non-strict and strict ("Could not
    extract specialized integer from data-dependent expression u0"; probed in torch 2.13 on
    `torch.sum(x, dim=torch.arange(1, x.dim()).tolist())`). A value that a `torch._check(...)` of the
    function constrains, and a conversion (`int(...)`, TS505's), are left alone.
    """

    code = "TS511"
    name = "tensor-data-as-dimension-in-export"
    severity = Severity.ERROR
    mode = Mode.EXPORT
    message = "`{argument}`, read from a tensor, is used as a dimension: torch.export.export needs a concrete integer."
    fix_hint = (
        "Compute dimensions in Python (`list(range(1, x.dim()))`), not with tensor ops and `.tolist()` or `.item()`."
    )
    torch_messages = ("Could not extract specialized integer from data-dependent expression",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        values = export_values(context)
        if values.behind_shape_decision(node):
            return  # reached on some input shapes only
        for argument in self._dimensions(node, context):
            value = argument.value
            if DATA not in values.kind(value) or values.is_checked(value):
                continue
            if isinstance(value, cst.Call) and (context.qualify(value.func) or "") in PYTHON_CONVERSIONS:
                continue  # TS505 reports the conversion
            text = context.source[0].code_for_node(value) if context.source[0] else "argument"
            context.report(argument, self.message.format(argument=text))
            return

    def _dimensions(self, node: cst.Call, context: RuleContext) -> Iterable[cst.Arg]:
        func = node.func
        name = context.qualify(func) or ""
        method = ""
        if isinstance(func, cst.Attribute) and context.taint().kind(func.value) is Kind.TENSOR:
            method = func.attr.value
            offset = 0
        elif name.startswith("torch.") and name.count(".") == 1:
            method = name[len("torch.") :]
            offset = 1  # the tensor comes first
        else:
            return
        positional = [a for a in node.args if a.keyword is None]
        for argument in node.args:
            if argument.keyword is not None and argument.keyword.value in DIMENSION_KEYWORDS:
                yield argument
        if method in FIRST_DIMENSION and len(positional) > offset:
            yield positional[offset]
        elif method in ALL_DIMENSIONS:
            yield from positional[offset:]
