from __future__ import annotations

import libcst as cst

from tslint.findings import Applicability, Mode, Severity
from tslint.rule import Rule, RuleContext, replace_node


class UnaryPlusInCompiledCode(Rule):
    """Compiled code applies unary `+` to a value.

    torch's Python frontend rejects it ("'UnaryOp' object has no attribute 'range' (an internal error: torch gives no
    source location)") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS215"
    name = "unary-plus-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "Unary `+` is not supported in compiled code."
    fix_hint = "Drop the `+` (it does nothing), or use `x.clone()` if a copy was meant."
    torch_messages = ("'UnaryOp' object has no attribute 'range'",)
    frontend = True

    def visit_UnaryOperation(self, node: cst.UnaryOperation, context: RuleContext) -> None:
        if isinstance(node.operator, cst.Plus):
            context.report(node, fix=_drop_plus(node))


def _drop_plus(node: cst.UnaryOperation):
    """`+x` -> `x`: unary plus returns its operand for an int, a float and a Tensor (`torch.positive`
    returns its input). For a bool it is not a no-op (`+True` is the int 1, `+mask` of a bool tensor
    raises), so the fix is unsafe when the operand may be a bool."""
    operand = node.expression
    booleans = (cst.Comparison, cst.BooleanOperation, cst.UnaryOperation)
    maybe_bool = isinstance(operand, booleans) or (isinstance(operand, cst.Name) and operand.value in ("True", "False"))
    # The node's own parentheses lie outside its source range: they stay.
    return replace_node(
        node, operand, "Remove the unary `+`", Applicability.UNSAFE if maybe_bool else Applicability.SAFE
    )
