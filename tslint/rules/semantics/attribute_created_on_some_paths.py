from __future__ import annotations

import libcst as cst

from tslint.analysis.default_attributes import default_described
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class AttributeCreatedOnSomePaths(Rule):
    """Compiled code uses an attribute that `__init__` creates only under a condition
    (`if use_bias: self.bias = nn.Parameter(...)` with no `else`), and that nothing else creates.

    An instance built down the other path has no such attribute, and torch.jit.script fails:
    "Module 'Net' has no attribute 'bias'" — even when the use sits under `if self.use_bias:`,
    because torch compiles both sides of a plain bool attribute. A warning: instances built down the
    creating path script fine. Uses under `hasattr(self, "bias")` are not reported (torch compiles
    that branch only when the attribute exists), nor is a class-body annotation a fix: it does not
    create the attribute.
    """

    code = "TS330"
    name = "attribute-created-on-some-paths"
    severity = Severity.WARNING
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{name}` is created in `__init__` only when {condition}: scripting an instance built "
        "otherwise fails."
    )
    fix_hint = (
        "Create it on every path (`else: self.x = None`, then `if self.x is not None:` in `forward`), "
        'or guard the use with `hasattr(self, "x")`.'
    )
    torch_messages = ("' has no attribute '",)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = context.self_attribute(node)
        if name is None or default_described(context.classes(), name, "absent") is not None:
            return  # the default instance lacks it: TS361's error
        for _, klass in context.classes():
            condition = klass.conditional_attributes.get(name)
            if condition is not None:
                context.report(node, self.message.format(receiver=context.receiver, name=name, condition=condition))
                return
