"""Syntactic tests the export values read (tslint/rules/export/_values.py): how a block ends, a size
test that tells 0 or 1 from larger sizes, literal dimensions, the names an expression reads."""

from __future__ import annotations

from typing import Optional, Set

import libcst as cst

from tslint.analysis.traversal import suite_statements, walk


def ends_with(block: cst.BaseSuite) -> str:
    """ "raises" when the block's last statement is a `raise`, "leaves" when it is a `return`,
    `continue` or `break`, else ""."""
    statements = list(suite_statements(block))
    last = statements[-1] if statements else None
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and last.body:
        small = last.body[-1]
        if isinstance(small, cst.Raise):
            return "raises"
        if isinstance(small, (cst.Return, cst.Continue, cst.Break)):
            return "leaves"
    return ""


def degenerate_size_test(test: cst.BaseExpression) -> bool:
    """`x.numel() == 0`, `x.shape[0] == 1 or not n`, `n < 2`: every comparison tells 0 or 1 from
    larger sizes."""
    if isinstance(test, cst.BooleanOperation):
        return degenerate_size_test(test.left) and degenerate_size_test(test.right)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return not isinstance(test.expression, (cst.Comparison, cst.BooleanOperation)) or degenerate_size_test(
            test.expression
        )
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        operator, right = test.comparisons[0].operator, test.comparisons[0].comparator
        for literal, below in (
            (right, (cst.LessThan, cst.GreaterThanEqual)),
            (test.left, (cst.GreaterThan, cst.LessThanEqual)),
        ):
            if isinstance(literal, cst.Integer):
                value = literal.evaluated_value
                return value in (0, 1) or (value == 2 and isinstance(operator, below))  # `n < 2`: 0 or 1
    return False


# For `size OP literal`: whether the test holds on the degenerate sizes (0, 1) — True: its branch is
# the degenerate one (`n == 0`, `n < 2`), False: its `else` is (`n > 0`, `n >= 2`, `n != 1`).
_HOLDS_ON_DEGENERATE = {cst.Equal: True, cst.LessThan: True, cst.LessThanEqual: True}
_HOLDS_OFF_DEGENERATE = {cst.NotEqual: False, cst.GreaterThan: False, cst.GreaterThanEqual: False}
_FLIPPED = {cst.LessThan: cst.GreaterThan, cst.GreaterThan: cst.LessThan}
_FLIPPED.update({cst.LessThanEqual: cst.GreaterThanEqual, cst.GreaterThanEqual: cst.LessThanEqual})


def degenerate_branch(test: cst.BaseExpression) -> Optional[bool]:
    """For a degenerate_size_test: True when its branch is the one taken on sizes 0 or 1 (`n == 0`,
    `x.shape[0] == 1 or not n`), False when its `else` is (`n > 0`, `a >= 2 and b != 0`), None
    when the test mixes both or is no such test."""
    if not degenerate_size_test(test):
        return None
    if isinstance(test, cst.BooleanOperation):
        left, right = degenerate_branch(test.left), degenerate_branch(test.right)
        either = isinstance(test.operator, cst.Or)
        # `a == 0 or b < 2`: either degenerate size takes the branch; `a > 0 and b > 0`: either takes the else
        return left if left == right and left is either else None
    if isinstance(test, cst.UnaryOperation):
        inner = test.expression
        if not isinstance(inner, (cst.Comparison, cst.BooleanOperation)):
            return True  # `not n`: n is 0
        side = degenerate_branch(inner)
        return None if side is None else not side
    comparison = test.comparisons[0]
    operator = type(comparison.operator)
    if isinstance(test.left, cst.Integer):  # `0 < n`: read as `n > 0`
        operator = _FLIPPED.get(operator, operator)
    return {**_HOLDS_ON_DEGENERATE, **_HOLDS_OFF_DEGENERATE}.get(operator)


def as_tuple(node: cst.Call) -> bool:
    return any(
        a.keyword is not None
        and a.keyword.value == "as_tuple"
        and isinstance(a.value, cst.Name)
        and a.value.value == "True"
        for a in node.args
    )


def is_none_or_ellipsis(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Ellipsis) or (isinstance(node, cst.Name) and node.value == "None")


def positive_integer(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Integer) and node.evaluated_value >= 1


def literal_dimension(node: cst.Subscript) -> bool:
    """`x.shape[1]`: one index, a literal dimension after the first."""
    return (
        len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Index)
        and positive_integer(node.slice[0].slice.value)
    )


def read_names(node: cst.CSTNode) -> Set[str]:
    """The variables an expression reads (`idx` in `idx.shape[0]`, not `shape`)."""
    found: Set[str] = set()

    def enter(current: cst.CSTNode) -> bool:
        if isinstance(current, cst.Name):
            found.add(current.value)
        if isinstance(current, cst.Attribute):
            walk(current.value, enter)  # `idx.shape`: the name read is `idx`, not `shape`
            return False
        return True

    walk(node, enter)
    return found
