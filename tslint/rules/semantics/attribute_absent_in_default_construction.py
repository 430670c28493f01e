from __future__ import annotations

import libcst as cst

from tslint.analysis.default_attributes import default_described
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class AttributeAbsentInDefaultConstruction(Rule):
    """Compiled code reads an attribute that `__init__` does not create when the class is built with its
    default arguments (`use_rel_pos: bool = False` and `if use_rel_pos: self.rel_pos_h = ...`), and that
    nothing else in the class hierarchy creates.

    torch types a module's attributes from the instance it scripts; the default instance has no such
    attribute, and compiling the read fails: "Module 'Attention' has no attribute 'rel_pos_h'" — even
    under `if self.use_rel_pos:`, because torch compiles both sides of a plain bool attribute. An error
    for the instance built with its defaults (which a parent building it with no arguments, or a user
    trying the class out, gets); an instance built with other arguments may script. Reported only when
    the defaults decide every test on the way (literal defaults, values `__init__` computes from them),
    and for each class the code is compiled for; uses under `hasattr(self, "x")` are not compiled.
    """

    code = "TS361"
    name = "attribute-absent-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{name}` is not created when `{owner}` is built with its defaults ({defaults}): "
        "scripting such an instance fails."
    )
    fix_hint = (
        "Create the attribute on every path of `__init__` (`self.x = None` in the `else`, then "
        '`if self.x is not None:` here), or guard the use with `hasattr(self, "x")`.'
    )
    torch_messages = ("has no attribute",)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = context.self_attribute(node)
        if name is None:
            return
        found = default_described(context.classes(), name, "absent")
        if found is not None:
            owner, defaults = found
            context.report(
                node, self.message.format(receiver=context.receiver, name=name, owner=owner, defaults=defaults)
            )
