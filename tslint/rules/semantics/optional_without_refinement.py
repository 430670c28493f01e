from __future__ import annotations

from typing import FrozenSet, List, Set, Tuple

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.analysis.imports import is_none
from tslint.rule import Rule, RuleContext
from tslint.analysis.traversal import children, suite_statements

Names = FrozenSet[str]
JUMPS = (cst.Return, cst.Raise, cst.Continue, cst.Break)


class OptionalWithoutRefinement(Rule):
    """Compiled code uses a parameter annotated `Optional[...]` as a value — in arithmetic
    (`x + bias`), through an attribute or method (`bias.sum()`), by subscript (`sizes[0]`) or as a
    condition (`if bias:`) — where torch has not refined it to its inner type.

    torch refines an `Optional` local inside `if p is not None:` (also `not (p is None)`, `and`
    chains, `isinstance`), after `if p is None: return/raise`, after `assert p is not None`, and in the
    `else` of `if p is None`. Not in a `while` test, not through a bool variable (`has = p is not
    None`), and not by truthiness: "Arguments for call are not valid ... found type
    'Optional[Tensor]'", "'Optional[Tensor]' object has no attribute or method 'sum'". Passing the
    Optional on to a function that takes one (`F.linear(x, w, bias)`) is fine and not reported;
    parameters the function reassigns are not checked.
    """

    code = "TS321"
    name = "optional-without-refinement"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}` is `Optional` here: TorchScript needs `if {name} is not None:` (or an `assert`) before this use."
    fix_hint = "Refine it first: `if p is not None: ...`, `assert p is not None`, or `if p is None: return ...`."

    def begin_function(self, context: RuleContext) -> Set[int]:
        return set()  # the statements the walk shows: compiled, not in a branch torch prunes

    def _compiled_statement(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.add(id(node))

    visit_SimpleStatementLine = visit_SimpleStatementSuite = _compiled_statement
    visit_If = visit_While = visit_For = visit_With = _compiled_statement

    def end_function(self, context: RuleContext) -> None:
        node = context.node
        optional = {
            name for name, param in context.typed_parameters().items()
            if param.annotation is not None and _is_optional(param.annotation.annotation, context)
        }
        if not optional:
            return
        checker = _Refinement(optional)
        checker.block(node.body, frozenset())
        visited = context.state
        for use, statement in checker.unrefined:
            if id(statement) in visited:
                context.report(use, self.message.format(name=use.value))


def _is_optional(annotation: cst.BaseExpression, context: RuleContext) -> bool:
    if isinstance(annotation, cst.Subscript):
        name = context.qualify(annotation.value)
        if name == "typing.Optional":
            return True
        if name == "typing.Union":
            return any(isinstance(e.slice, cst.Index) and is_none(e.slice.value) for e in annotation.slice)
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        return is_none(annotation.left) or is_none(annotation.right)
    return False


class _Refinement:
    """Walks a function in source order, knowing which Optional parameters are refined where."""

    def __init__(self, optional: Set[str]) -> None:
        self.optional = optional
        self.unrefined: List[Tuple[cst.Name, cst.CSTNode]] = []  # each use, with its statement
        self.current: cst.CSTNode = cst.Pass()

    # --- statements: each returns the names refined after it -----------------------------------

    def block(self, suite: cst.BaseSuite, refined: Names) -> Names:
        for statement in suite_statements(suite):
            refined = self.statement(statement, refined)
        return refined

    def statement(self, statement: cst.CSTNode, refined: Names) -> Names:
        self.current = statement
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                if isinstance(small, cst.Assert):
                    self.condition(small.test, refined)
                    refined = refined | _positive(small.test, self.optional)
                else:
                    self.expressions(small, refined)
            return refined
        if isinstance(statement, cst.If):
            self.condition(statement.test, refined)
            after_body = self.block(statement.body, refined | _positive(statement.test, self.optional))
            otherwise = refined | _negative(statement.test, self.optional)
            if isinstance(statement.orelse, cst.If):
                after_else = self.statement(statement.orelse, otherwise)
            elif statement.orelse is not None:
                after_else = self.block(statement.orelse.body, otherwise)
            else:
                after_else = otherwise
            if _jumps(statement.body):
                return after_else
            if statement.orelse is not None and not isinstance(statement.orelse, cst.If) and _jumps(statement.orelse.body):
                return after_body
            return after_body & after_else
        if isinstance(statement, cst.While):
            self.condition(statement.test, refined)  # torch does not refine in a while test
            self.block(statement.body, refined)
            return refined
        if isinstance(statement, cst.For):
            self.expressions(statement.iter, refined)
            self.block(statement.body, refined)
            return refined
        if isinstance(statement, cst.With):
            for item in statement.items:
                self.expressions(item.item, refined)
            return self.block(statement.body, refined)
        return refined  # nested definitions, try (TS203): not compiled or already an error

    # --- expressions ------------------------------------------------------------------------

    def condition(self, test: cst.BaseExpression, refined: Names) -> None:
        """A test: a bare Optional name there is a use (torch cannot cast it to bool)."""
        inner = test.expression if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) else test
        if isinstance(inner, cst.Name) and inner.value in self.optional and inner.value not in refined:
            self.unrefined.append((inner, self.current))
            return
        self.expressions(test, refined)

    def expressions(self, node: cst.CSTNode, refined: Names) -> None:
        stack = [(node, refined)]
        while stack:
            current, names = stack.pop()
            if isinstance(current, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
                continue
            for use in _uses(current):
                if use.value in self.optional and use.value not in names:
                    self.unrefined.append((use, self.current))
            if isinstance(current, cst.BooleanOperation):
                stack.append((current.left, names))
                if isinstance(current.operator, cst.And):
                    stack.append((current.right, names | _positive(current.left, self.optional)))
                else:
                    stack.append((current.right, names | _negative(current.left, self.optional)))
                continue
            if isinstance(current, cst.IfExp):
                stack.append((current.test, names))
                stack.append((current.body, names | _positive(current.test, self.optional)))
                stack.append((current.orelse, names | _negative(current.test, self.optional)))
                continue
            stack.extend((child, names) for child in children(current))


def _uses(node: cst.CSTNode) -> List[cst.Name]:
    """The names this node uses as definite values: arithmetic operands, attribute and subscript bases."""
    if isinstance(node, cst.BinaryOperation):
        return [side for side in (node.left, node.right) if isinstance(side, cst.Name)]
    if isinstance(node, (cst.Attribute, cst.Subscript)) and isinstance(node.value, cst.Name):
        return [node.value]
    return []


def _tested(test: cst.BaseExpression, positive: bool, optional: Set[str]) -> Names:
    """Names known not to be None when `test` is true (`positive`) or false."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _tested(test.expression, not positive, optional)
    if isinstance(test, cst.BooleanOperation):
        both = isinstance(test.operator, cst.And) == positive
        left, right = _tested(test.left, positive, optional), _tested(test.right, positive, optional)
        return left | right if both else left & right
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name):
        comparison = test.comparisons[0]
        if test.left.value in optional and is_none(comparison.comparator):
            if isinstance(comparison.operator, cst.IsNot) == positive and isinstance(comparison.operator, (cst.Is, cst.IsNot)):
                return frozenset({test.left.value})
    if positive and isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "isinstance":
        if test.args and isinstance(test.args[0].value, cst.Name) and test.args[0].value.value in optional:
            return frozenset({test.args[0].value.value})
    return frozenset()


def _positive(test: cst.BaseExpression, optional: Set[str]) -> Names:
    return _tested(test, True, optional)


def _negative(test: cst.BaseExpression, optional: Set[str]) -> Names:
    return _tested(test, False, optional)


def _jumps(suite: cst.BaseSuite) -> bool:
    body = suite_statements(suite)
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return any(isinstance(small, JUMPS) for small in last.body)
    return False
