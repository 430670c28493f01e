from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.imports import is_none, plain_parameters
from tslint.analysis.optional_parameters import compiles_as_optional, use_type
from tslint.analysis.parameters import types_declared_elsewhere
from tslint.findings import Applicability, Mode, Severity
from tslint.rule import NodeFix, Rule, RuleContext, replace_span
from tslint.rules.signatures._typing_import import typing_name


class UnannotatedNoneDefault(Rule):
    """An unannotated parameter of a compiled function defaults to `None`.

    TorchScript types the parameter as Tensor, not `Optional[Tensor]`: `x is not None` is then always
    true, and calling without the argument fails at run time — a silent change of meaning.
    """

    code = "TS105"
    name = "unannotated-none-default"
    severity = Severity.WARNING
    mode = Mode.SCRIPT
    message = (
        "Parameter `{param}` defaults to `None` but has no annotation: TorchScript types it as Tensor, not {wanted}."
    )
    fix_hint = (
        "Annotate the parameter `Optional[...]` of the type it holds: `mask: Optional[Tensor] = None`, "
        "`device: Optional[torch.device] = None`."
    )

    def begin_function(self, context: RuleContext) -> None:
        node = context.node
        if types_declared_elsewhere(node, context.compiled.info):
            return
        for param in plain_parameters(node, context.compiled.info.self_name):
            default = param.default
            if param.annotation is None and is_none(default):
                name = param.name.value
                held = use_type(node, name)
                wanted = f"`Optional[{held}]`" if held else "`Optional[Tensor]`"
                fix = _optional_tensor(param, context) if held is None else None
                context.report(param, self.message.format(param=name, wanted=wanted), fix=fix)


def _optional_tensor(param: cst.Param, context: RuleContext) -> Optional[NodeFix]:
    """`mask=None` -> `mask: Optional[torch.Tensor] = None`, importing `Optional` from typing where
    isort puts it when the file does not. Only where the function still compiles with the parameter
    Optional (analysis/optional_parameters.py): torch typed it as a Tensor, and as an Optional a use
    torch does not see refined (`x * mask` with no `if mask is not None:`) no longer compiles. Unsafe
    all the same: a scripted call that passed a Tensor still does, but one that omitted the argument
    now runs the `is None` branches it skipped before (the meaning the author intended)."""
    aliases = context.imports.aliases
    if aliases.get("Tensor") == "torch.Tensor":
        tensor = "Tensor"
    elif aliases.get("torch") == "torch":
        tensor = "torch.Tensor"
    else:
        return None
    name = param.name.value
    if getattr(param.default, "lpar", None) or not compiles_as_optional(context.types(), name):
        return None
    spelled = typing_name(context.source[0], aliases, "Optional")
    if spelled is None:
        return None
    optional, edits = spelled
    annotated = replace_span(param.name, param.default, f"{name}: {optional}[{tensor}] = None", "")
    return NodeFix(f"Annotate `{name}: {optional}[{tensor}]`", (*annotated.edits, *edits), Applicability.UNSAFE)
