from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.imports import plain_parameters
from tslint.analysis.parameters import is_non_tensor_default, types_declared_elsewhere
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext, replace_span


class UnannotatedNonTensorDefault(Rule):
    """An unannotated parameter of a compiled function has a default that is not a Tensor.

    TorchScript assumes every unannotated parameter is a Tensor and rejects the default.
    """

    code = "TS103"
    name = "unannotated-non-tensor-default"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "Parameter `{param}` has no type annotation, so TorchScript types it as Tensor and rejects its default "
        "`{default}`."
    )
    fix_hint = "Annotate the parameter with the default's type, e.g. `scale: float = 2.0`."
    torch_messages = ("Expected a default value of type",)

    def begin_function(self, context: RuleContext) -> None:
        node = context.node
        if types_declared_elsewhere(node, context.compiled.info):
            return
        for param in plain_parameters(node, context.compiled.info.self_name):
            default = param.default
            if param.annotation is None and default is not None:
                if is_non_tensor_default(default, context.imports, context.file.module_constants):
                    shown = code_of(default)
                    message = self.message.format(param=param.name.value, default=shown)
                    context.report(param, message, fix=_annotate(param, context))


def literal_type(value: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """The TorchScript type of a literal default: `int`, `float`, `str`, `bool`, or `Tuple[...]` of
    those when the file imports `Tuple` from typing; None for anything else."""
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        value = value.expression
        if not isinstance(value, (cst.Integer, cst.Float)):
            return None
    if isinstance(value, cst.Integer):
        return "int"
    if isinstance(value, cst.Float):
        return "float"
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
        return None if _bytes(value) else "str"
    if isinstance(value, cst.Name) and value.value in ("True", "False") and context.qualify(value) == value.value:
        return "bool"
    if isinstance(value, cst.Tuple) and value.elements and "Tuple" in context.imports.aliases:
        if context.imports.aliases["Tuple"] not in ("typing.Tuple", "typing_extensions.Tuple"):
            return None
        types = [
            literal_type(e.value, context) if not isinstance(e, cst.StarredElement) else None for e in value.elements
        ]
        return None if None in types else f"Tuple[{', '.join(types)}]"
    return None


def _bytes(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.ConcatenatedString):
        return _bytes(value.left) or _bytes(value.right)
    return isinstance(value, cst.SimpleString) and "b" in value.prefix.lower()


def _annotate(param: cst.Param, context: RuleContext):
    """`n=3` -> `n: int = 3`: the type torch needs is the default's own. Safe: an annotation changes
    nothing in eager PyTorch."""
    assert param.default is not None
    annotation = literal_type(param.default, context)
    if annotation is None:
        return None
    name = param.name.value
    message = f"Annotate `{name}: {annotation}`"
    if getattr(param.default, "lpar", None):  # its parentheses lie outside its range: keep `=` and the default
        return replace_span(param.name, param.name, f"{name}: {annotation}", message)
    text = f"{name}: {annotation} = {code_of(param.default)}"
    return replace_span(param.name, param.default, text, message)
