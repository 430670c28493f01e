from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class TypeCommentOnDefLine(Rule):
    """A compiled function has its `# type: (...) -> ...` comment at the end of the `def` line.

    torch reads a function's type comment only from the line after the `def`; on the `def` line its
    parser stops with "expected type comment but found 'def' here" and no source location.
    """

    code = "TS108"
    name = "type-comment-on-def-line"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "torch reads a type comment only on the line after the `def`, not at the end of it."
    fix_hint = "Move the `# type: (...) -> ...` comment to its own line, first in the body (or use annotations)."
    torch_messages = ("expected type comment but found 'def' here",)
    frontend = True

    def begin_function(self, context: RuleContext) -> None:
        body = context.node.body
        if isinstance(body, cst.IndentedBlock):
            comment = body.header.comment
            if comment is not None and comment.value.lstrip("#").strip().startswith("type:") and "->" in comment.value:
                context.report(comment)
