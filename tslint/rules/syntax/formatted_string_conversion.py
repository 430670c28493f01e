from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class FormattedStringConversion(Rule):
    """An f-string in compiled code uses a conversion (`!r`, `!s`, `!a`), a format spec (`:>4`,
    `:.2f`) or a self-documenting `=` field (`{x=}`, which Python compiles with `!r`).

    torch's Python frontend rejects it ("Don't support conversion in JoinedStr / Don't support formatting in JoinedStr") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS212"
    name = "formatted-string-conversion"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "f-string {what} are not supported in compiled code."
    fix_hint = "Drop the `!r`/`!s` conversion and the `:...` format spec, or use `str.format`."
    frontend = True

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression, context: RuleContext) -> None:
        if node.format_spec is not None:
            context.report(node, self.message.format(what="format specs"))
        elif node.conversion is not None:
            context.report(node, self.message.format(what="conversions (`!r`, `!s`)"))
        elif node.equal is not None:  # Python compiles `{x=}` as `x=` and `{x!r}`
            context.report(node, self.message.format(what="`=` fields (`{x=}`, which imply `!r`)"))
