"""Where torch points at the call site of a function it compiles from Python source and fails in.

When torch compiles a called Python function (its own `torch.distributed.is_initialized`, a library
helper) and fails inside it, the caller's frame of its message ("'f' is being compiled since it was
called from 'forward'") highlights the caller's *pending range*: the range torch last recorded while
emitting the caller, not the call. torch records the range of each statement as it starts it, and of
each expression it emits as a value (an argument, an operand, a list element) before emitting it; it
resolves the callee, and compiles it, while emitting the call's callee, before recording the call.

So for a call that is an operand of an argument, of arithmetic or of a display, the highlighted range
is the call's callee, and for a call that is a statement's value, or the first operand of `and`/`or`,
the whole statement: both hold the call's line. But an operand of `and`/`or` after the first is
emitted as a condition, which records nothing: torch highlights the last value it emitted in the
operand before it (`self.training` in `bn_training and self.training and dist.is_initialized()`,
the `0` of `x.sum() > 0`, the callee `good` of `good()`), which may lie on an earlier line. Each case
probed in torch 2.13 (fixtures/python_functions.py).
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

LEAVES = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Name)


def operand_before(operation: cst.BooleanOperation, qualify) -> Optional[cst.CSTNode]:
    """The node whose range torch highlights as the call site of a function compiled while emitting
    `operation.right` (the call itself, or under `not`): the last value emitted in `operation.left`.
    None where that is not known (a special form such as `isinstance`, a chained comparison)."""
    return _last_in_condition(operation.left, qualify)


def condition_operand_call(operation: cst.BooleanOperation) -> Optional[cst.Call]:
    """The call `operation.right` is, through `not`s, else None."""
    operand = operation.right
    while isinstance(operand, cst.UnaryOperation) and isinstance(operand.operator, cst.Not):
        operand = operand.expression
    return operand if isinstance(operand, cst.Call) else None


def _last_in_condition(expression: cst.BaseExpression, qualify) -> Optional[cst.CSTNode]:
    """The last value torch emits while emitting `expression` as a condition."""
    if isinstance(expression, cst.BooleanOperation):
        return _last_in_condition(expression.right, qualify)
    if isinstance(expression, cst.UnaryOperation) and isinstance(expression.operator, cst.Not):
        return _last_in_condition(expression.expression, qualify)
    if isinstance(expression, cst.Call) and qualify(expression.func) == "isinstance" and expression.args:
        return _last_value(expression.args[0].value)  # the value tested; the type is not emitted
    if isinstance(expression, cst.Call) and qualify(expression.func) == "hasattr":
        return None  # not probed
    return _last_value(expression)


def _last_value(expression: cst.BaseExpression) -> Optional[cst.CSTNode]:
    """The last expression torch records while emitting `expression` as a value."""
    if isinstance(expression, LEAVES) or _dotted(expression):
        return expression  # a name, a literal, `self.training` (its base is not emitted as a value)
    if isinstance(expression, cst.Call):
        if any(argument.star for argument in expression.args):
            return None
        # The callee is emitted first, then the positional arguments, then the keywords (in the
        # order they are written); with no argument, the last value is the callee's own: the callee
        # itself (the call's range), or the last value of the call it is a method of
        # (`torch.sum(x, dim=0).numel()`: the `0`).
        positional = [a for a in expression.args if a.keyword is None]
        keywords = [a for a in expression.args if a.keyword is not None]
        ordered = positional + keywords
        if ordered:
            return _last_value(ordered[-1].value)
        if _dotted(expression.func):
            return expression.func
        base = expression.func
        while isinstance(base, cst.Attribute):
            base = base.value
        return _last_value(base) if isinstance(base, cst.Call) else None
    if isinstance(expression, cst.Comparison) and len(expression.comparisons) == 1:
        return _last_value(expression.comparisons[0].comparator)
    if isinstance(expression, cst.BinaryOperation):
        return _last_value(expression.right)
    return None


def _dotted(expression: cst.BaseExpression) -> bool:
    """A name or a chain of attribute reads of a name (`self.training`, `torch.jit.is_scripting`)."""
    while isinstance(expression, cst.Attribute):
        expression = expression.value
    return isinstance(expression, cst.Name)
