from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class MutableDefaultArgument(Rule):
    """A compiled function has a list, dict or set as a parameter default — even an annotated one.

    torch: "Mutable default parameters are not supported because Python binds them to the function
    and they persist across function calls."
    """

    code = "TS109"
    name = "mutable-default-argument"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Parameter `{param}` has a mutable default, which TorchScript does not support."
    fix_hint = (
        "Use an immutable default (`Tuple[int, int] = (1, 2)`), or `Optional[List[int]] = None` and build the list "
        "in the body."
    )
    torch_messages = ("Mutable default parameters are not supported",)

    def visit_Param(self, node: cst.Param, context: RuleContext) -> None:
        if isinstance(node.default, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
            context.report(node, self.message.format(param=node.name.value))
