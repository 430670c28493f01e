from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


class StringRepetition(Rule):
    """Compiled code repeats a string with `*`: `print("=" * 40)`, `3 * "-"`.

    TorchScript's `str` has no `*` operator: "Arguments for call are not valid. The following variants
    are available: aten::mul.Tensor(Tensor self, Tensor other) -> Tensor ...". Lists can be repeated
    (`[0] * n` compiles).
    """

    code = "TS332"
    name = "string-repetition"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Repeating a string with `*` is not supported in compiled code."
    fix_hint = 'Write the string out (`"========"`), or build it in `__init__` and store it as an attribute.'
    torch_messages = ("found type 'str'",)

    def visit_BinaryOperation(self, node: cst.BinaryOperation, context: RuleContext) -> None:
        if isinstance(node.operator, cst.Multiply) and (
            isinstance(node.left, STRINGS) or isinstance(node.right, STRINGS)
        ):
            context.report(node)
