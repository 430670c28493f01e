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
    (`self.count += 1`, `self.total = self.total + x.sum()`), or a name it declares `global`
    (`global CALLS; CALLS += 1`): state carried from call to call.

    torch.export.export runs `forward` once while tracing: the update happens then (export restores
    the attribute afterwards), and the exported program neither stores the attribute nor reads it
    again — what the traced call computed is a constant. Probed in torch 2.13, non-strict and
    strict: a call counter agrees with eager mode on the first call and not after. Export only warns
    (strict: "we found certain side effects happened in the model.forward"). A plain overwrite
    (`self.cache = x`) is not reported: whether anything reads it later is unknown. Registered
    buffers mutated in place are exported correctly. A `global` counter is frozen the same way
    (probed: the exported program answers `x * 1` on every call, non-strict and strict).

    No `nonlocal`: exported code as analysed (methods of module-level classes, module-level
    functions) cannot declare one, and the functions and classes nested in a function that can are
    not analysed. A closure counter is frozen the same way (probed); a `nonlocal` inside a helper
    nested in `forward` is per-call state and exports correctly (probed).
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

    global_message = (
        "`{name}` (a module global) is updated from its previous value in exported code: the exported program never "
        "stores it and always computes with the value seen while exporting."
    )

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        for target in node.targets:
            name = context.self_attribute(target.target)
            if name is not None and _reads(node.value, name, context):
                self._check(target.target, name, context)
            elif isinstance(target.target, cst.Name) and _reads_name(node.value, target.target.value):
                self._check_declared(target.target, context)

    def visit_AugAssign(self, node: cst.AugAssign, context: RuleContext) -> None:
        name = context.self_attribute(node.target)
        if name is not None:
            self._check(node.target, name, context)
        elif isinstance(node.target, cst.Name):
            self._check_declared(node.target, context)

    def _check_declared(self, target: cst.Name, context: RuleContext) -> None:
        if target.value in _declared(context):
            context.report(target, self.global_message.format(name=target.value))

    def _check(self, target: cst.BaseExpression, name: str, context: RuleContext) -> None:
        if not context.classes():
            return
        if any(assignment.kind in KEPT for assignment in context.attribute(name)):
            return
        context.report(target, self.message.format(receiver=context.receiver, name=name))


def _declared(context: RuleContext) -> set:
    """The names the exported function declares `global` in its own body, computed once per
    function."""
    key = ("export-declared", context.compiled.info.ordinal)
    found = context.file_facts.get(key)
    if found is None:
        found = set()

        def enter(node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not context.node:
                return False
            if isinstance(node, cst.Global):
                found.update(item.name.value for item in node.names)
            return True

        walk(context.node, enter)
        context.file_facts[key] = found
    return found


def _reads_name(value: cst.BaseExpression, name: str) -> bool:
    """Whether the expression reads the plain name."""
    found = []

    def enter(node: cst.CSTNode) -> bool:
        if found or isinstance(node, (cst.Lambda, cst.BaseComp)):
            return False
        if isinstance(node, cst.Name) and node.value == name:
            found.append(node)
        elif isinstance(node, cst.Attribute):  # `other.CALLS` is not the name: only the receiver
            if _reads_name(node.value, name):
                found.append(node)
            return False
        return True

    walk(value, enter)
    return bool(found)


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
