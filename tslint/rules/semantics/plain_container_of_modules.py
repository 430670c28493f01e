from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.index.model import AttributeKind
from tslint.rule import Rule, RuleContext


class PlainContainerOfModules(Rule):
    """Compiled code uses an attribute that holds submodules in a plain Python list, tuple or dict.

    torch only sees submodules registered through `nn.ModuleList` / `nn.ModuleDict`; the attribute is
    dropped: "Module 'Net' has no attribute 'blocks' (This attribute exists on the Python module, but
    we failed to convert Python type: 'list' to a TorchScript type.)".
    """

    code = "TS314"
    name = "plain-container-of-modules"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{name}` holds submodules in a plain {kind}: TorchScript cannot see it."
    fix_hint = "Wrap it in `nn.ModuleList([...])` (or `nn.ModuleDict({...})` for a dict) in `__init__`."
    torch_messages = ("but we failed to convert Python type: 'list'",)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = context.self_attribute(node)
        if name is None:
            return
        assignments = context.attribute(name)
        index = context.scope.index
        if assignments and all(
            a.kind is AttributeKind.CONTAINER and a.elements and all(index.is_module_class(e) for e in a.elements)
            for a in assignments
        ):
            context.report(node, self.message.format(receiver=context.receiver, name=name, kind="container"))
