from __future__ import annotations

import libcst as cst

from tslint.analysis.traversal import walk
from tslint.findings import Mode, Severity
from tslint.index.model import AttributeKind
from tslint.rule import Rule, RuleContext

# Attributes whose assignment export handles or that are not Python state: a parameter or buffer
# (`self.buf.add_(1)` is a buffer mutation export records), a module container.
KEPT = frozenset({AttributeKind.PARAMETER, AttributeKind.BUFFER, AttributeKind.MODULE_CONTAINER})


class ModuleStateMutationInExport(Rule):
    """Exported code updates a plain attribute of the module from its previous value
    (`self.count += 1`, `self.total = self.total + x.sum()`): state carried from call to call.

    torch.export.export runs `forward` once while tracing: the update happens then (export restores
    the attribute afterwards), and the exported program neither stores the attribute nor reads it
    again — what the traced call computed is a constant. Probed in torch 2.13, non-strict and
    strict: a call counter agrees with eager mode on the first call and not after. Export only warns
    (strict: "we found certain side effects happened in the model.forward"). A plain overwrite
    (`self.cache = x`) is not reported: whether anything reads it later is unknown. Registered
    buffers mutated in place are exported correctly.
    """

    code = "TS506"
    name = "module-state-mutation-in-export"
    severity = Severity.WARNING
    mode = Mode.EXPORT
    message = (
        "`{receiver}.{name}` is updated from its previous value in exported code: the exported program never stores it "
        "and always computes with the value seen while exporting."
    )
    fix_hint = (
        "Keep state in a registered buffer updated in place (`self.count.add_(1)`), or return the new value from "
        "`forward` and keep it outside the model."
    )

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        for target in node.targets:
            name = context.self_attribute(target.target)
            if name is not None and _reads(node.value, name, context):
                self._check(target.target, name, context)

    def visit_AugAssign(self, node: cst.AugAssign, context: RuleContext) -> None:
        name = context.self_attribute(node.target)
        if name is not None:
            self._check(node.target, name, context)

    def _check(self, target: cst.BaseExpression, name: str, context: RuleContext) -> None:
        if not context.classes():
            return
        if any(assignment.kind in KEPT for assignment in context.attribute(name)):
            return
        context.report(target, self.message.format(receiver=context.receiver, name=name))


def _reads(value: cst.BaseExpression, name: str, context: RuleContext) -> bool:
    """Whether the expression reads `self.<name>`."""
    found = []

    def enter(node: cst.CSTNode) -> bool:
        if found:
            return False
        if isinstance(node, cst.Attribute) and context.self_attribute(node) == name:
            found.append(node)
            return False
        return True

    walk(value, enter)
    return bool(found)
