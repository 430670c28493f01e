from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class TrainingFlagInTracedCode(Rule):
    """Traced code reads `self.training`. Off by default: enable it with `--extend-select TS404`.

    Its value when tracing is baked into the graph, with no warning: a model traced in training mode
    keeps dropout (or any `if self.training:` path) after `.eval()`. A trace taken in eval mode, the
    documented workflow, records exactly the inference path, so most models with dropout or
    batch-norm variants trace correctly: the rule is for projects that trace in training mode.
    """

    code = "TS404"
    name = "training-flag-in-traced-code"
    severity = Severity.WARNING
    mode = Mode.TRACE
    default_enabled = False
    message = "`self.training` is frozen at its value when tracing; `.eval()` will not change the traced module."
    fix_hint = (
        "Call `model.eval()` (or `.train()`) before tracing, for the mode you will export; trace once per mode if "
        "you need both."
    )

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        if (
            node.attr.value == "training"
            and isinstance(node.value, cst.Name)
            and node.value.value == context.compiled.info.self_name
        ):
            context.report(node)
