from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.imports import is_none
from tslint.analysis.trace_taint import Kind
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


def _what(value: Optional[cst.BaseExpression], context: RuleContext) -> Optional[str]:
    if value is None or is_none(value):
        return "`None`"
    if isinstance(value, (cst.Dict, cst.DictComp)) or (
        isinstance(value, cst.Call) and context.qualify(value.func) == "dict"
    ):
        return "a dict"
    if isinstance(value, (cst.List, cst.ListComp)):
        return "a list"
    if isinstance(value, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)) or (
        isinstance(value, cst.Name) and value.value in ("True", "False")
    ):
        return "a Python constant"
    return None


def _python_number(value: cst.Tuple, context: RuleContext) -> Optional[str]:
    """A tuple display with a Python number among its elements: a literal, or a number computed from
    a tensor's values (`return y, x.sum().item()`), which torch refuses as an output. A size
    (`return y, x.shape[0]`) is fine: the trace returns it as a 0-dim tensor of the input's size."""
    taint = context.taint()
    for element in value.elements:
        if isinstance(element, cst.StarredElement):
            return None
        if _what(element.value, context) == "a Python constant":
            return "a tuple holding a Python constant"
        if taint.kind(element.value) is Kind.VALUE:
            return f"`{code_of(element.value)}`, a Python number computed from a tensor"
    return None


class UntraceableOutput(Rule):
    """The `forward` of a module class that nothing uses as a submodule returns a dict, a list,
    `None` or a Python constant, or a tuple holding one or a Python number computed from a tensor
    (`return y, x.sum().item()`).

    torch.jit.trace only records tensors and tuples of tensors as outputs: a dict fails ("Encountering
    a dict at the output of the tracer might cause the trace to be incorrect" — an error in the default
    strict mode), `None` fails ("The traced function didn't return any values"), constants fail, and a
    list gives a TracerWarning. A tuple holding a Python number fails the same way, unless the number
    is a size (`x.shape[0]`, `h // 2`): the trace returns that as a 0-dim tensor.
    """

    code = "TS407"
    name = "untraceable-output"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`forward` of the traced model `{root}` returns {what}, which torch.jit.trace cannot record as an output."
    fix_hint = "Return a tensor or a tuple of tensors (a NamedTuple works too); keep dicts for eager-only wrappers."

    def visit_Return(self, node: cst.Return, context: RuleContext) -> None:
        function = context.compiled.info
        if function.name != "forward" or context.region is not context.region.COMPILED:
            return
        roots = context.traced_models()
        if not roots:
            return  # a submodule's output goes to its parent, not out of the trace
        what = _what(node.value, context)
        if what is None and isinstance(node.value, cst.Tuple):
            what = _python_number(node.value, context)
        if what is not None:
            context.report(node, self.message.format(root=roots[0].rsplit(".", 1)[-1], what=what))
