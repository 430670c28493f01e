from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class AttributeAssignmentTypeMismatch(Rule):
    """Compiled code assigns `self.name` a value whose type is not the attribute's: `self.cache = x`
    where `__init__` set `self.cache = None`, `self.count = 1.5` where it set `self.count = 0`,
    `self.scale = 2` where it set `self.scale = 1.0`.

    torch fixes each attribute's type from the instance `__init__` built (`None` is `NoneType`, a
    literal its type, a class-level annotation wins) and converts nothing when compiled code assigns
    it, not even an int to a float: "Wrong type for attribute assignment. Expected NoneType but got
    Tensor (inferred)". The types are the type model's; attributes and values of unknown type are not
    reported, but for one: an attribute with no annotation that `__init__` sets from a value (a
    parameter, a literal, None) is never `Optional` to torch, whatever the instance holds, so an
    `Optional` value assigned to it fails whichever type the built value gives it ("Expected
    NoneType but got Optional[bool]" in kornia's `keepdim` setter).
    """

    code = "TS356"
    name = "attribute-assignment-type-mismatch"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{name}` is `{expected}` (as `__init__` sets it); assigning it a value of type `{found}` fails in "
        "TorchScript."
    )
    fix_hint = (
        "Declare the attribute's real type on the class (`cache: Optional[torch.Tensor]`) and keep assigning that "
        "type (`1.0`, not `1`, for a float)."
    )
    by_value_message = (
        "`{receiver}.{name}` has the type of the value `__init__` stores, never an Optional; assigning it a value of "
        "type `{found}` fails in TorchScript."
    )
    torch_messages = ("Wrong type for attribute assignment",)

    def visit_AssignTarget(self, node: cst.AssignTarget, context: RuleContext) -> None:
        if not isinstance(node.target, cst.Attribute):
            return
        for event in context.types().events_at(node.target, "attribute-type"):
            template = self.by_value_message if event.first.kind == "Unknown" else self.message
            context.report(
                node.target,
                template.format(receiver=context.receiver, name=event.name, expected=event.first, found=event.second),
            )
            return
