from __future__ import annotations

import libcst as cst

from tslint.analysis.default_attributes import asserted_not_none, default_described
from tslint.findings import Mode, Severity
from tslint.index.model import AttributeKind
from tslint.rule import Rule, RuleContext


class NoneAttributeCalledInDefaultConstruction(Rule):
    """Compiled code calls `self.<name>(...)`, an attribute `__init__` leaves `None` when the class is
    built with its default arguments (`layer_norm=False` and `self.norm = nn.LayerNorm(d) if layer_norm
    else None`, or `self.conv = None` replaced only under `if use_conv:`).

    torch types the attribute from the instance it scripts: `NoneType` for the default instance, and
    the call fails, "cannot call a value of type 'NoneType'" — also under a plain bool flag
    (`if self.layer_norm:`, both sides compiled) or a test of an unannotated parameter (`if condition is
    not None:`: the parameter is a Tensor, never None). Calls under `if self.norm is not None:` are not
    compiled for that instance and are not reported. An error for the instance built with its defaults;
    an instance built with other arguments may script. Reported only when the defaults decide every test
    on the way; an attribute that is `None` on every path is TS326's.
    """

    code = "TS362"
    name = "none-attribute-called-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{name}` is `None` when `{owner}` is built with its defaults ({defaults}), and TorchScript "
        "cannot call `None`: scripting such an instance fails."
    )
    fix_hint = (
        "Test `if self.attr is not None:` around the call (torch then drops it for instances where it is "
        "`None`), or give the attribute a module on every path (`nn.Identity()`)."
    )
    torch_messages = ("cannot call a value of type 'NoneType'",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.self_attribute(node.func)
        if name is None:
            return
        classes = context.classes()
        if all(a.kind is AttributeKind.NONE for _, klass in classes for a in klass.attributes.get(name, ())):
            return  # None on every path: TS326
        found = default_described(classes, name, "none")
        if found is not None and not asserted_not_none(context.node, context.compiled.info.self_name or "", name):
            owner, defaults = found
            context.report(
                node.func, self.message.format(receiver=context.receiver, name=name, owner=owner, defaults=defaults)
            )
