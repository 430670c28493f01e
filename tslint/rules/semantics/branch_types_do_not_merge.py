from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class BranchTypesDoNotMerge(Rule):
    """Compiled code gives a variable values of two types torch cannot unify in the two branches of
    an `if` and reads it after the `if` (`if c: y = 1 else: y = 2.0`), or writes an if-expression
    whose branches have such types (`x if c else 1.0`).

    At the end of an `if`, torch unifies each variable's types: `None` and a Tensor give
    `Optional[Tensor]`, a tuple of ints and one of ints a tuple of ints, but an int and a float, a
    Tensor and a float, or a list and a tuple have no common type. torch: "Type mismatch: y is set to
    type int in the true branch and type float in the false branch" (at the `if`, once the variable is
    read), "if-expression's true branch has type Tensor but false branch has type float". The types
    are those of the type model; branches whose types tslint does not know are not reported.
    """

    code = "TS352"
    name = "branch-types-do-not-merge"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{name}` is {first} in the `if` branch and {second} in the `else` branch, and is read afterwards: "
        "TorchScript cannot merge the two types."
    )
    ifexp_message = (
        "The branches of this if-expression have types `{first}` and `{second}`, which TorchScript cannot merge."
    )
    fix_hint = (
        "Give both branches one type: `1.0` rather than `1` next to a float, `torch.tensor(v)` or `float(t)`, or an "
        "annotated variable."
    )
    torch_messages = ("Type mismatch:", "if-expression's true branch has type")

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        for event in context.types().events_at(node, "join-mismatch"):
            message = self.message.format(name=event.name, first=f"`{event.first}`", second=f"`{event.second}`")
            context.report(node, message, header_only=True)
            return

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        for event in context.types().events_at(node, "ifexp-mismatch"):
            context.report(node, self.ifexp_message.format(first=event.first, second=event.second))
            return
