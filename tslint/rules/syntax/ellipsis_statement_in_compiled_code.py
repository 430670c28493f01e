from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class EllipsisStatementInCompiledCode(Rule):
    """A compiled function has `...` as a statement: a placeholder body (`def encode(self, x): ...`)
    that compiled code calls, or a stray `...` line.

    torch compiles every statement and has nothing to emit for a bare `...`: "Cannot emit expr for:
    (dots)". (Abstract bases whose `forward` only raises `NotImplementedError` are not compiled;
    a `...` body is, as soon as compiled code reaches it.) `x[..., 0]` is fine.
    """

    code = "TS218"
    name = "ellipsis-statement-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "A `...` statement cannot be compiled by TorchScript."
    fix_hint = "Write `pass`, or `raise NotImplementedError` in a placeholder that subclasses override."
    torch_messages = ("Cannot emit expr for: (dots)",)

    def visit_Expr(self, node: cst.Expr, context: RuleContext) -> None:
        if isinstance(node.value, cst.Ellipsis):
            context.report(node)
