from __future__ import annotations

from typing import Dict, Set

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class VariableTypeChangesInBlock(Rule):
    """Compiled code assigns a local variable a value of one type, then, inside an `if`, loop or
    `with` block, a value of a type torch cannot convert to it (`y = None` ... `if c: y = x`,
    `scale = 1` ... `if c: scale = 0.5`).

    torch types a variable by its assignment in the enclosing block. Straight-line rebinding to
    another type compiles, but not from inside a nested block: "Variable 'y' previously had type
    NoneType but is now being assigned to a value of type Tensor". The types are the type model's
    (analysis/inference.py): a value whose type tslint does not know is not reported. The side of an
    `if` torch decides while compiling (`is_scripting()`, `is None` of a None attribute, a `Final`
    bool) is emitted inline, not as a block: rebinding there compiles.
    """

    code = "TS319"
    name = "variable-type-changes-in-block"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}` was first assigned {first}; assigning it {then} inside a block fails in TorchScript."
    fix_hint = (
        "Annotate the first assignment with the type the variable really has (`y: Optional[torch.Tensor] = None`)."
    )
    torch_messages = ("previously had type",)

    def begin_function(self, context: RuleContext) -> Dict[int, object]:
        """The first type change of each name, by its target node: reported when the walk reaches
        the target, so only in code torch compiles."""
        found: Dict[int, object] = {}
        names: Set[str] = set()
        for event in context.types().events:
            if event.kind == "type-change" and event.name not in names:
                names.add(event.name)
                found[id(event.node)] = event
        return found

    def visit_AssignTarget(self, node: cst.AssignTarget, context: RuleContext) -> None:
        self._check(node.target, context)

    def visit_AugAssign(self, node: cst.AugAssign, context: RuleContext) -> None:
        self._check(node.target, context)

    def _check(self, target: cst.BaseExpression, context: RuleContext) -> None:
        found = [target]
        while found:
            current = found.pop()
            event = context.state.get(id(current)) if context.state else None
            if event is not None:
                message = self.message.format(name=event.name, first=_shown(event.first), then=_shown(event.second))
                context.report(current, message)
            if isinstance(current, (cst.Tuple, cst.List)):
                found.extend(element.value for element in current.elements)


def _shown(jit_type) -> str:
    text = str(jit_type)
    return "`None`" if text == "NoneType" else f"a value of type `{text}`"
