"""Syntactic tests the export values read (tslint/rules/export/_values.py): how a block ends, a size
test that tells 0 or 1 from larger sizes, literal dimensions, the names an expression reads."""

from __future__ import annotations

from typing import Set

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
