from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.imports import is_none, plain_parameters
from tslint.analysis.parameters import types_declared_elsewhere
from tslint.findings import Applicability, Mode, Severity
from tslint.rule import NodeFix, Rule, RuleContext, insert_before_statement, replace_span


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
        "Parameter `{param}` defaults to `None` but has no annotation: TorchScript types it as Tensor, not "
        "Optional[Tensor]."
    )
    fix_hint = "Annotate the parameter: `mask: Optional[Tensor] = None`."

    def begin_function(self, context: RuleContext) -> None:
        node = context.node
        if types_declared_elsewhere(node, context.compiled.info):
            return
        for param in plain_parameters(node, context.compiled.info.self_name):
            default = param.default
            if param.annotation is None and is_none(default):
                context.report(param, self.message.format(param=param.name.value), fix=_optional_tensor(param, context))


def _optional_tensor(param: cst.Param, context: RuleContext) -> Optional[NodeFix]:
    """`mask=None` -> `mask: Optional[torch.Tensor] = None`, importing `Optional` from typing when the
    file does not. Unsafe: what torch typed as a Tensor becomes Optional, so a use torch does not
    see refined (`x * mask` with no `if mask is not None:`) no longer compiles (TS321 reports it)."""
    aliases = context.imports.aliases
    if aliases.get("Tensor") == "torch.Tensor":
        tensor = "Tensor"
    elif aliases.get("torch") == "torch":
        tensor = "torch.Tensor"
    else:
        return None
    edits = []
    if aliases.get("Optional") in ("typing.Optional", "typing_extensions.Optional"):
        optional = "Optional"
    elif aliases.get("typing") == "typing":
        optional = "typing.Optional"
    elif "Optional" in aliases or context.source[0] is None:
        return None
    else:
        optional = "Optional"
        anchor = _first_import(context.source[0])
        if anchor is None:
            return None
        edits.append(insert_before_statement(anchor, "from typing import Optional"))
    name = param.name.value
    if getattr(param.default, "lpar", None):
        return None
    annotated = replace_span(param.name, param.default, f"{name}: {optional}[{tensor}] = None", "")
    return NodeFix(f"Annotate `{name}: {optional}[{tensor}]`", (*annotated.edits, *edits), Applicability.UNSAFE)


def _first_import(module: cst.Module) -> Optional[cst.SimpleStatementLine]:
    """The first top-level import that is not a `from __future__` one: a new import goes before it."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine) or not statement.body:
            continue
        first = statement.body[0]
        if isinstance(first, cst.Import):
            return statement
        if isinstance(first, cst.ImportFrom) and not (
            isinstance(first.module, cst.Name) and first.module.value == "__future__"
        ):
            return statement
    return None
