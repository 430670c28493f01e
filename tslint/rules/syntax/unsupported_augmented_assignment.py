from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

UNSUPPORTED = {cst.FloorDivideAssign: "//=", cst.MatrixMultiplyAssign: "@="}


class UnsupportedAugmentedAssignment(Rule):
    """Compiled code uses `//=` or `@=`.

    torch's Python frontend rejects it ("unsupported kind of augmented assignment: FloorDiv / MatMult") while parsing
    the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS214"
    name = "unsupported-augmented-assignment"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Augmented assignment `{operator}` is not supported in compiled code."
    fix_hint = "Write it out: `n = n // 2`, `y = y @ x`."
    frontend = True
    torch_messages = ("unsupported kind of augmented assignment",)

    def visit_AugAssign(self, node: cst.AugAssign, context: RuleContext) -> None:
        operator = UNSUPPORTED.get(type(node.operator))
        if operator is not None:
            context.report(node.operator, self.message.format(operator=operator))
