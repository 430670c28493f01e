from __future__ import annotations


from tslint.findings import Mode, Severity
from tslint.analysis.imports import plain_parameters
from tslint.rule import Rule, RuleContext
from tslint.analysis.parameters import is_non_tensor_default, types_declared_elsewhere
from tslint.analysis.traversal import code_of


class UnannotatedNonTensorDefault(Rule):
    """An unannotated parameter of a compiled function has a default that is not a Tensor.

    TorchScript assumes every unannotated parameter is a Tensor and rejects the default.
    """

    code = "TS103"
    name = "unannotated-non-tensor-default"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Parameter `{param}` has no type annotation, so TorchScript types it as Tensor and rejects its default `{default}`."
    fix_hint = "Annotate the parameter with the default's type, e.g. `scale: float = 2.0`."

    def begin_function(self, context: RuleContext) -> None:
        node = context.node
        if types_declared_elsewhere(node, context.compiled.info):
            return
        for param in plain_parameters(node, context.compiled.info.self_name):
            default = param.default
            if param.annotation is None and default is not None:
                if is_non_tensor_default(default, context.imports, context.file.module_constants):
                    shown = code_of(default)
                    context.report(param, self.message.format(param=param.name.value, default=shown))
