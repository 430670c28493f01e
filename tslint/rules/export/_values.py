"""Which Python values of exported code come from tensor *data*, and which sizes are *unbacked*.

The trace provenance (tslint/analysis/provenance.py, `context.taint()`) tells tensors from sizes
from Python values, but torch.export draws one more line, probed in torch 2.13: a Python value made
from a tensor's data (`.item()`, `.tolist()`, `int(t)`) is an unbacked symbol, and so is the size of
a tensor whose shape depends on data (`.nonzero()`, `torch.unique`, `x[mask]`); a Python value made
from an input's size (`int(x.size(0))`) is an ordinary, backed size. Export fails ("Could not guard
on data-dependent expression") only when a Python decision needs an unbacked value; computing with
one (`torch.zeros(n)`, `x[:n]`, `x.view(n, -1)`) is fine. This module tracks the two kinds per
function, on top of the provenance's kinds:

- DATA: a Python value computed from a tensor's values;
- UNBACKED: a size (or number of elements) of a tensor whose shape depends on data;
- DYNAMIC_SHAPE: such a tensor itself (only its sizes matter).

Names join over branches (either path), loop bodies are seen twice. What is not understood has no
kind: unknown is silent.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Set

import libcst as cst

from tslint.analysis.schema_types import TENSOR
from tslint.analysis.trace_taint import PYTHON_CONVERSIONS, Kind
from tslint.analysis.traversal import suite_statements, walk

DATA = "data"
UNBACKED = "unbacked"
DYNAMIC_SHAPE = "dynamic-shape"
NOTHING: FrozenSet[str] = frozenset()

VALUE_METHODS = frozenset({"item", "tolist"})
# Tensor methods and torch functions whose result's shape depends on the input's values.
DYNAMIC_SHAPE_METHODS = frozenset({"nonzero", "unique", "unique_consecutive", "masked_select", "argwhere"})
DYNAMIC_SHAPE_FUNCTIONS = frozenset(f"torch.{name}" for name in DYNAMIC_SHAPE_METHODS)
SIZE_METHODS = frozenset({"size", "numel", "nelement"})
ARITHMETIC = frozenset({"max", "min", "abs", "round", "sum"})
CHECKS = frozenset({"torch._check", "torch._check_is_size", "torch._check_with"})


class ExportValues:
    """The DATA / UNBACKED / DYNAMIC_SHAPE kinds of the expressions of one exported function."""

    def __init__(self, function: cst.FunctionDef, taint, qualify, types=None) -> None:
        self.taint = taint  # the provenance of the function: which expressions are tensors
        self.qualify = qualify
        self.types = types  # the type model's view of the function (context.types()), if any
        self.conditions: Set[int] = set()  # ids of the tests of `if`, `while`, `assert`, `x if c else y`
        self.env: Dict[str, FrozenSet[str]] = {}
        self.kinds: Dict[cst.CSTNode, FrozenSet[str]] = {}
        self.masks: Set[str] = set()  # names bound to a comparison of tensors (boolean masks)
        self.checked: Set[str] = set()  # names some torch._check* call of the function mentions
        self._block(function.body)

    def kind(self, node: cst.CSTNode) -> FrozenSet[str]:
        return self.kinds.get(node, NOTHING)

    def is_condition(self, node: cst.CSTNode) -> bool:
        return id(node) in self.conditions

    def evidently_tensor(self, node: cst.BaseExpression) -> bool:
        """Whether the expression is a tensor and computes one with a call that only a tensor answers
        as one (`x.sum() > 0`, `torch.isnan(x).any()`): the provenance takes every unannotated
        parameter for a tensor, as torch.jit.trace's inputs are, but `forward(self, x, flag)` may be
        exported with a Python `flag`. The type model must agree that the call gives a Tensor."""
        if self.taint.kind(node) is not Kind.TENSOR or self.types is None:
            return False
        found = []

        def enter(current: cst.CSTNode) -> bool:
            if found or isinstance(current, (cst.Lambda, cst.BaseComp)):
                return False
            if (
                isinstance(current, cst.Call)
                and self.taint.kind(current) is Kind.TENSOR
                and self.types.type_of(current) == TENSOR
            ):
                found.append(current)
                return False
            return True

        walk(node, enter)
        return bool(found)

    def is_checked(self, node: cst.CSTNode) -> bool:
        """Whether a `torch._check*` call of the function mentions a name the expression reads:
        torch then knows what the check asserts and may decide the guard (probed: `torch._check(n > 2)`
        before `if n > 2:` exports)."""
        return bool(self.checked & read_names(node))

    # --- statements ---------------------------------------------------------------------------

    def _block(self, block: cst.BaseSuite) -> None:
        for statement in suite_statements(block):
            self._statement(statement)

    def _statement(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                self._small(small)
        elif isinstance(statement, cst.If):
            self.conditions.add(id(statement.test))
            self._expr(statement.test)
            before = dict(self.env)
            self._block(statement.body)
            after_body, self.env = self.env, before
            if statement.orelse is not None:
                if isinstance(statement.orelse, cst.If):
                    self._statement(statement.orelse)
                else:
                    self._block(statement.orelse.body)
            self._join(after_body)
        elif isinstance(statement, (cst.For, cst.While)):
            for _ in range(2):  # what one iteration binds, the next one reads
                before = dict(self.env)
                if isinstance(statement, cst.For):
                    element = self._expr(statement.iter)
                    self._bind(statement.target, element & {DATA})  # elements of a `.tolist()`
                else:
                    self.conditions.add(id(statement.test))
                    self._expr(statement.test)
                self._block(statement.body)
                self._join(before)
            if statement.orelse is not None:
                self._block(statement.orelse.body)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                self._expr(item.item)
            self._block(statement.body)
        elif isinstance(statement, cst.Try):
            self._block(statement.body)
            for handler in statement.handlers:
                self._block(handler.body)
            for extra in (statement.orelse, statement.finalbody):
                if extra is not None:
                    self._block(extra.body)

    def _join(self, other: Dict[str, FrozenSet[str]]) -> None:
        for name, kind in other.items():
            self.env[name] = self.env.get(name, NOTHING) | kind

    def _small(self, small: cst.CSTNode) -> None:
        if isinstance(small, cst.Assign):
            kind = self._expr(small.value)
            for target in small.targets:
                self._bind(target.target, kind)
                if isinstance(target.target, cst.Name):
                    if self._is_mask(small.value):
                        self.masks.add(target.target.value)
                    else:
                        self.masks.discard(target.target.value)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._bind(small.target, self._expr(small.value))
        elif isinstance(small, cst.AugAssign):
            self._bind(small.target, self._expr(small.value) | self._expr(small.target))
        elif isinstance(small, cst.Return) and small.value is not None:
            self._expr(small.value)
        elif isinstance(small, cst.Expr):
            value = small.value
            if isinstance(value, cst.Call) and (self.qualify(value.func) or "") in CHECKS:
                for argument in value.args:
                    self.checked |= read_names(argument.value)
            self._expr(value)
        elif isinstance(small, cst.Assert):
            self.conditions.add(id(small.test))
            self._expr(small.test)

    def _bind(self, target: cst.CSTNode, kind: FrozenSet[str]) -> None:
        if isinstance(target, cst.Name):
            self.env[target.value] = kind
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                # `n, c = idx.shape` gives sizes; unpacking a dynamic-shape tensor gives its rows
                self._bind(element.value, kind - {DYNAMIC_SHAPE})
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, kind)

    # --- expressions --------------------------------------------------------------------------

    def _expr(self, node: cst.BaseExpression) -> FrozenSet[str]:
        kind = self._compute(node)
        self.kinds[node] = kind
        return kind

    def _tensor(self, node: cst.BaseExpression) -> bool:
        return self.taint.kind(node) is Kind.TENSOR

    def _is_mask(self, node: cst.BaseExpression) -> bool:
        """A comparison of tensors (`x > 0`), its negation, or a name bound to one."""
        if isinstance(node, cst.Name):
            return node.value in self.masks
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.BitInvert):
            return self._is_mask(node.expression)
        if isinstance(node, cst.Comparison):
            comparisons = node.comparisons
            return self._tensor(node) and not any(
                isinstance(c.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)) for c in comparisons
            )
        return False

    def _compute(self, node: cst.BaseExpression) -> FrozenSet[str]:
        if isinstance(node, cst.Name):
            return self.env.get(node.value, NOTHING)
        if isinstance(node, cst.Attribute):
            base = self._expr(node.value)
            if node.attr.value == "shape" and DYNAMIC_SHAPE in base:
                return frozenset({UNBACKED})
            return base - {DYNAMIC_SHAPE}
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Subscript):
            base = self._expr(node.value)
            mask = False
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    self._expr(element.slice.value)
                    mask = mask or self._is_mask(element.slice.value)
                else:
                    for bound in (element.slice.lower, element.slice.upper, element.slice.step):
                        if bound is not None:
                            self._expr(bound)
            if mask and self._tensor(node.value):
                return frozenset({DYNAMIC_SHAPE})  # boolean-mask indexing: as many rows as are True
            return base - {DYNAMIC_SHAPE}
        if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            return (self._expr(node.left) | self._expr(node.right)) - {DYNAMIC_SHAPE}
        if isinstance(node, cst.UnaryOperation):
            return self._expr(node.expression) - {DYNAMIC_SHAPE}
        if isinstance(node, cst.Comparison):
            found = self._expr(node.left)
            for comparison in node.comparisons:
                found = found | self._expr(comparison.comparator)
            if all(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in node.comparisons):
                return NOTHING
            return found - {DYNAMIC_SHAPE}
        if isinstance(node, (cst.Tuple, cst.List)):
            found = NOTHING
            for element in node.elements:
                found = found | self._expr(element.value)
            return found - {DYNAMIC_SHAPE}
        if isinstance(node, cst.IfExp):
            self.conditions.add(id(node.test))
            self._expr(node.test)
            return self._expr(node.body) | self._expr(node.orelse)
        return NOTHING

    def _call(self, node: cst.Call) -> FrozenSet[str]:
        arguments = [self._expr(argument.value) for argument in node.args]
        joined = NOTHING.union(*arguments) - {DYNAMIC_SHAPE}
        func = node.func
        if isinstance(func, cst.Attribute):
            receiver = self._expr(func.value)
            method = func.attr.value
            if self._tensor(func.value):
                if method in VALUE_METHODS:
                    return frozenset({DATA})
                if method in DYNAMIC_SHAPE_METHODS:
                    return frozenset({DYNAMIC_SHAPE})
                if method in SIZE_METHODS and DYNAMIC_SHAPE in receiver:
                    return frozenset({UNBACKED})
                return NOTHING
            if receiver:
                return (receiver | joined) - {DYNAMIC_SHAPE}  # `a.index(...)` of a `.tolist()` list
        name = self.qualify(func) or ""
        if name in DYNAMIC_SHAPE_FUNCTIONS and node.args and self._tensor(node.args[0].value):
            return frozenset({DYNAMIC_SHAPE})
        if name == "torch.where" and len(node.args) == 1 and self._tensor(node.args[0].value):
            return frozenset({DYNAMIC_SHAPE})  # the indices of the true elements
        if name in ("len", "torch.numel") and node.args and DYNAMIC_SHAPE in arguments[0]:
            return frozenset({UNBACKED})
        if name in PYTHON_CONVERSIONS and node.args:
            if self.evidently_tensor(node.args[0].value):
                return frozenset({DATA})  # `int(t)`, `bool(x.sum() > 0)`: the tensor's value
            return joined
        if name.startswith("math.") or name in ARITHMETIC:
            return joined
        return NOTHING


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


def export_values(context) -> ExportValues:
    """The analysis of the function the context observes, computed once and shared by the rules."""
    key = ("export-values", id(context.scope), context.compiled.info.ordinal)
    found: Optional[ExportValues] = context.file_facts.get(key)
    if found is None:
        found = ExportValues(context.node, context.taint(), context.qualify, context.types())
        context.file_facts[key] = found
    return found
