from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# The default literals torch 2.13 rejects for each annotated type ("Expected a default value of type
# int on parameter"), probed one by one. It accepts more than Python's types suggest: an int for a
# float, an int or float for a bool, None for a Tensor.
REJECTED = {
    "int": ("None", "float", "str"),
    "float": ("None", "str"),
    "str": ("None", "int", "float"),
    "List": ("None",),
    "Dict": ("None",),
    "Tuple": ("None",),
}


class DefaultOfWrongType(Rule):
    """A compiled function's parameter is annotated with one type and has a literal default of a type
    torch will not convert to it: `p: int = 0.5`, `k: int = None`, `name: str = None`, `sizes:
    List[int] = None`, `scale: float = "auto"`.

    torch checks each default against the annotation when it compiles the signature: "Expected a
    default value of type int on parameter \"k\"". `Optional[int] = None`, `float = 1` (converted) and
    `Tensor = None` compile.
    """

    code = "TS112"
    name = "default-of-wrong-type"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Parameter `{param}` is annotated `{type}` but defaults to {default}: TorchScript rejects the default."
    fix_hint = (
        "Annotate `Optional[...]` for a `None` default, or give a default of the annotated type (`0` for an int)."
    )
    torch_messages = ("Expected a default value of type",)

    def visit_Param(self, node: cst.Param, context: RuleContext) -> None:
        if node.default is None or node.annotation is None:
            return
        default = _literal_kind(node.default)
        if default is None:
            return
        declared = context.types().parameters.get(node.name.value)
        if declared is None or default not in REJECTED.get(declared.kind, ()):
            return
        shown = "`None`" if default == "None" else f"a `{default}`"
        context.report(node, self.message.format(param=node.name.value, type=declared, default=shown))


def _literal_kind(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, cst.Float):
        return "float"
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return "str"
    if isinstance(node, cst.Name) and node.value == "None":
        return "None"
    return None
