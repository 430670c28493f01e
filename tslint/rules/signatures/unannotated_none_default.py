from __future__ import annotations


from tslint.findings import Mode, Severity
from tslint.analysis.imports import is_none, plain_parameters
from tslint.rule import Rule, RuleContext
from tslint.analysis.parameters import types_declared_elsewhere


class UnannotatedNoneDefault(Rule):
    """An unannotated parameter of a compiled function defaults to `None`.

    TorchScript types the parameter as Tensor, not `Optional[Tensor]`: `x is not None` is then always
    true, and calling without the argument fails at run time — a silent change of meaning.
    """

    code = "TS105"
    name = "unannotated-none-default"
    severity = Severity.WARNING
    mode = Mode.SCRIPT
    message = "Parameter `{param}` defaults to `None` but has no annotation: TorchScript types it as Tensor, not Optional[Tensor]."
    fix_hint = "Annotate the parameter: `mask: Optional[Tensor] = None`."

    def begin_function(self, context: RuleContext) -> None:
        node = context.node
        if types_declared_elsewhere(node, context.compiled.info):
            return
        for param in plain_parameters(node, context.compiled.info.self_name):
            default = param.default
            if param.annotation is None and is_none(default):
                context.report(param, self.message.format(param=param.name.value))
