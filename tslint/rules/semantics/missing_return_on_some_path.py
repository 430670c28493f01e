from __future__ import annotations

from typing import Set

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class MissingReturnOnSomePath(Rule):
    """A compiled function annotated to return a value (`-> torch.Tensor`, even `-> Optional[...]`)
    returns one on some paths and can also reach the end of its body, where Python returns `None`.

    torch requires every path of a function whose return annotation is not `None` to end in a
    `return` or a `raise`: "Function was not annotated as having type None, but does not return along
    all paths". It points at the function's whole body, the arrow on its last statement, which is
    where tslint reports. Branches torch prunes (`if torch.jit.is_scripting():`) and loops that never
    end except by `return` (`while` followed by `assert False`) count as torch counts them; an
    unannotated function is not reported (torch unifies the implicit `None` with the other returns);
    nor is one with an `if` on `isinstance`/`is None` of a value of unknown type (torch may decide it).
    """

    code = "TS357"
    name = "missing-return-on-some-path"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{function}` is annotated to return `{declared}`, but control can reach the end of its body "
        "without a `return`."
    )
    fix_hint = "End every path with `return ...` (or `raise`), e.g. a final `return x` after the `if`."
    torch_messages = ("does not return along all paths",)

    def begin_function(self, context: RuleContext) -> Set[int]:
        return set()  # the returns the walk shows: compiled, not in a branch torch prunes

    def visit_Return(self, node: cst.Return, context: RuleContext) -> None:
        if node.value is not None:
            context.state.add(id(node))

    def end_function(self, context: RuleContext) -> None:
        function = context.node
        if function.returns is None or not context.state:
            return
        types = context.types()
        declared = types.declared_return
        if declared.kind in ("NoneType", "Unknown") or not types.falls_off_end:
            return
        last = _last_statement(function.body)
        context.report(last, self.message.format(function=function.name.value, declared=declared))


def _last_statement(body: cst.BaseSuite) -> cst.CSTNode:
    """The last simple statement of a body, inside its last compound statement (where torch's arrow
    points: the end of the function's range)."""
    while True:
        statements = body.body
        last = statements[-1]
        if isinstance(last, cst.SimpleStatementLine):
            return last.body[-1]
        if isinstance(body, cst.SimpleStatementSuite):
            return last
        orelse = getattr(last, "orelse", None)
        while isinstance(orelse, cst.If):
            orelse = orelse.orelse if orelse.orelse is not None else orelse.body
            if isinstance(orelse, cst.BaseSuite):
                break
        if isinstance(orelse, cst.Else):
            orelse = orelse.body
        body = orelse if isinstance(orelse, cst.BaseSuite) else last.body
