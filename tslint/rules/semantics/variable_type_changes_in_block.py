from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.analysis.imports import is_none
from tslint.rule import Rule, RuleContext
from tslint.analysis.traversal import statements_in_order

Assignment = Tuple[cst.Name, Optional[str], Tuple[int, ...]]  # target, literal type, enclosing suites


def _literal_type(value: cst.BaseExpression) -> Optional[str]:
    if is_none(value):
        return "None"
    if isinstance(value, cst.Integer):
        return "int"
    if isinstance(value, cst.Float):
        return "float"
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return "str"
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return "bool"
    return None  # not known without type inference


@dataclass
class _Assignments:
    """What the walk of one function collected."""

    blocks: List[int] = field(default_factory=list)  # the suites around the current node
    assignments: List[Assignment] = field(default_factory=list)
    annotated: Set[str] = field(default_factory=set)


class VariableTypeChangesInBlock(Rule):
    """Compiled code assigns a local variable `None` (or a literal of one type), then assigns it
    another type inside an `if`, loop or `with` block (`y = None` ... `if c: y = x`).

    torch types a variable at its first assignment. Straight-line rebinding to another type compiles,
    but not from inside a nested block: "Variable 'y' previously had type NoneType but is now being
    assigned to a value of type Tensor".
    """

    code = "TS319"
    name = "variable-type-changes-in-block"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}` was first assigned {first}; assigning it {then} inside a block fails in TorchScript."
    fix_hint = "Annotate the first assignment with the type the variable really has (`y: Optional[torch.Tensor] = None`)."

    def begin_function(self, context: RuleContext) -> _Assignments:
        return _Assignments()

    def _enter_block(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.blocks.append(id(node))

    def _leave_block(self, node: cst.CSTNode, context: RuleContext) -> None:
        blocks = context.state.blocks
        if blocks and blocks[-1] == id(node):
            blocks.pop()

    # Suites, not statements: the body and the `else` of one `if` are different blocks, and a variable
    # set to `None` in one branch and to a tensor in the other is merged by torch into an Optional.
    visit_IndentedBlock = visit_SimpleStatementSuite = _enter_block
    leave_IndentedBlock = leave_SimpleStatementSuite = _leave_block

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        state: _Assignments = context.state
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                state.assignments.append((target.target, _literal_type(node.value), tuple(state.blocks)))

    def visit_AnnAssign(self, node: cst.AnnAssign, context: RuleContext) -> None:
        if isinstance(node.target, cst.Name):
            context.state.annotated.add(node.target.value)

    def end_function(self, context: RuleContext) -> None:
        node, state = context.node, context.state
        by_name: Dict[str, List[Assignment]] = {}
        for assignment in state.assignments:
            if assignment[0].value not in state.annotated:
                by_name.setdefault(assignment[0].value, []).append(assignment)
        candidates = {name: found for name, found in by_name.items() if len(found) > 1 and any(f[1] for f in found)}
        if not candidates:
            return
        order = {
            id(target.target): position
            for position, assign in enumerate(statements_in_order(node.body, cst.Assign)) for target in assign.targets
        }
        for name, found in candidates.items():
            found.sort(key=lambda assignment: order.get(id(assignment[0]), 0))
            target, first, blocks = found[0]
            if first is None:
                continue
            for later, kind, inner in found[1:]:
                changes = kind != first and (first == "None" or kind is not None)
                if changes and len(inner) > len(blocks) and inner[: len(blocks)] == blocks:
                    then = _shown(kind) if kind else "a value of another type"
                    context.report(later, self.message.format(name=name, first=_shown(first), then=then))
                    break


def _shown(kind: str) -> str:
    return {"None": "`None`", "int": "an int"}.get(kind, f"a {kind}")
