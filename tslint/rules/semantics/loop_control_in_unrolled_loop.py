from __future__ import annotations

from typing import List, Optional, Union

import libcst as cst

from tslint.analysis.module_containers import unrolled_iterable
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class LoopControlInUnrolledLoop(Rule):
    """Compiled code has `break` or `continue` in a loop torch unrolls: a loop over an
    `nn.ModuleList`, `nn.Sequential`, `nn.ModuleDict` (or its `items()`, `keys()`, `values()`),
    `nn.ParameterList` / `nn.ParameterDict`, a slice of one, `enumerate` or `zip` of them, a tuple
    literal or a parameter annotated `Tuple[...]`.

    torch compiles such a loop by repeating its body once per element, and rejects `break` and
    `continue` there: "Because we emit iteration over modulelists or tuples as unrolled loops, we do
    not support break or continue inside the body of these loops". A loop over a list or a `range`
    may use both.
    """

    code = "TS334"
    name = "loop-control-in-unrolled-loop"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{statement}` in a loop over {what}: torch unrolls this loop and supports no `break` or `continue` in it."
    )
    fix_hint = (
        "Guard the rest of the body with `if` instead (a flag variable replaces `break`), or loop over a `range` and "
        "index a list."
    )
    torch_messages = ("we do not support break or continue inside the body of these loops",)

    def begin_function(self, context: RuleContext) -> List[Optional[str]]:
        # The loops around the current node, innermost last: what an unrolled one iterates, else None.
        return []

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        context.state.append(unrolled_iterable(node.iter, context))

    def leave_For(self, node: cst.For, context: RuleContext) -> None:
        context.state.pop()

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        context.state.append(None)

    def leave_While(self, node: cst.While, context: RuleContext) -> None:
        context.state.pop()

    def visit_Break(self, node: cst.Break, context: RuleContext) -> None:
        self._check(node, "break", context)

    def visit_Continue(self, node: cst.Continue, context: RuleContext) -> None:
        self._check(node, "continue", context)

    def _check(self, node: Union[cst.Break, cst.Continue], statement: str, context: RuleContext) -> None:
        loops = context.state
        if loops and loops[-1] is not None:
            context.report(node, self.message.format(statement=statement, what=loops[-1]))
