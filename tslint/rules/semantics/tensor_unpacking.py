from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class TensorUnpacking(Rule):
    """Compiled code unpacks a Tensor as if it were a tuple: `row, col = edge_index` where
    `edge_index` is a Tensor (an unannotated parameter is one), `mean, log_var = self.proj(x)` where
    the submodule returns a Tensor, `f(*state)` with `state` a Tensor.

    In Python a tensor unpacks along its first dimension; TorchScript unpacks only tuples (and lists
    of a size it knows), so torch stops with "Tensor (inferred) cannot be used as a tuple". The
    value's type is the type model's; a value of unknown type is not reported.
    """

    code = "TS357"
    name = "tensor-unpacking"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "{what} is a Tensor: TorchScript cannot unpack it like a tuple."
    fix_hint = "Unpack `x.unbind(0)` (a tuple of the rows), or index the rows (`x[0]`, `x[1]`); annotate a parameter that is really a tuple (`pair: Tuple[Tensor, Tensor]`)."
    torch_messages = ("cannot be used as a tuple",)

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        if not any(isinstance(target.target, cst.Tuple) for target in node.targets):
            return
        what = _tensor(node.value, context)
        if what is not None:
            context.report(node.value, self.message.format(what=what))

    def visit_Arg(self, node: cst.Arg, context: RuleContext) -> None:
        what = _tensor(node.value, context) if node.star == "*" else None
        if what is not None:
            context.report(node.value, self.message.format(what=what))


def _tensor(value: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """How to name `value` when the type model says it is a Tensor; None otherwise."""
    if context.types().type_of(value).kind != "Tensor":
        return None
    text = code_of(value)
    return f"`{text}`" if len(text) <= 40 and "\n" not in text else "The value"
