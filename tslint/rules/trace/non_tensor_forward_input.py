from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.analysis.imports import is_none
from tslint.rule import Rule, RuleContext

PYTHON_SCALARS = frozenset({"int", "float", "bool", "str", "complex", "bytes"})
CONTAINERS = frozenset({
    "list", "tuple", "dict", "typing.List", "typing.Tuple", "typing.Dict", "typing.Optional", "typing.Union",
    "typing.Sequence", "typing.Mapping",
})
LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


class NonTensorForwardInput(Rule):
    """The `forward` of the traced model (a module class no other class uses as a submodule) takes a
    Python value (`scale: float = 2.0`, `flag=False`, `n: int`) or `**kwargs`.

    torch.jit.trace only accepts tensors (and lists, tuples, dicts of tensors) as inputs: a Python
    value among the example inputs fails ("Type 'Tuple[Tensor, int]' cannot be traced"); left at its
    default, it is frozen, and the traced model refuses it ("forward() expected at most 2
    argument(s) but received 3"). Keyword arguments cannot be passed to a traced model at all.
    """

    code = "TS409"
    name = "non-tensor-forward-input"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`forward` of the traced model takes {what}: torch.jit.trace only records tensor inputs."
    fix_hint = "Make it a constructor argument stored on the module, or pass it as a tensor."

    def begin_function(self, context: RuleContext) -> None:
        node, function = context.node.params, context.compiled.info
        if function.name != "forward":
            return
        if not context.traced_models():
            return  # a submodule receives Python values from its parent's forward, which is fine
        if isinstance(node.star_kwarg, cst.Param):
            context.report(node.star_kwarg, self.message.format(what=f"`**{node.star_kwarg.name.value}`, which a traced model cannot receive"))
        for param in (*node.posonly_params, *node.params, *node.kwonly_params):
            if param.name.value == function.self_name:
                continue
            what = _python_value(param, context)
            if what is not None:
                context.report(param, self.message.format(what=f"`{param.name.value}`, {what}"))


def _python_value(param: cst.Param, context: RuleContext) -> Optional[str]:
    if param.annotation is not None:
        if _python_type(param.annotation.annotation, context):
            return "a Python value"
        return None
    default = param.default
    if default is None or is_none(default):
        return None  # unannotated: a tensor, or an optional tensor
    if isinstance(default, LITERALS) or (isinstance(default, cst.Name) and default.value in ("True", "False")):
        return "a Python value (its default is frozen into the trace)"
    if isinstance(default, cst.UnaryOperation) and isinstance(default.expression, (cst.Integer, cst.Float)):
        return "a Python value (its default is frozen into the trace)"
    return None


def _python_type(annotation: cst.BaseExpression, context: RuleContext) -> bool:
    """Whether an annotation is a Python scalar type, or a container or Optional of one only.
    Tensors, containers of tensors and types tslint cannot see through count as tensors."""
    if isinstance(annotation, cst.Subscript):
        if (context.qualify(annotation.value) or "") not in CONTAINERS:
            return False
        elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        typed = [e for e in elements if not is_none(e) and not isinstance(e, cst.Ellipsis)]
        return bool(typed) and all(_python_type(e, context) for e in typed)
    return (context.qualify(annotation) or "") in PYTHON_SCALARS
