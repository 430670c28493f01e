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
- DYNAMIC_SHAPE: such a tensor itself (only its sizes matter), and every tensor made from it that
  keeps its rows: elementwise arithmetic, dtype and layout changes, slices, indexing another tensor
  with it (`boxes[keep]`), `torch.cat` of a list holding one;
- DYNAMIC_ELEMENTS: a tuple or list of such tensors (`torch.where(mask)`, `scores.topk(k)`, a list
  they are appended to).

A call of a project function gives what the function's shape summary says (_shape_summaries.py:
`remove_small_boxes` returns indices of data-dependent count; a helper handed one returns it).
Names join over branches (either path), loop bodies are seen twice. What is not understood has no
kind: unknown is silent.
"""

from __future__ import annotations

from typing import Callable, Dict, FrozenSet, List, Optional, Set

import libcst as cst

from tslint.analysis.schema_types import TENSOR
from tslint.analysis.trace_taint import PYTHON_CONVERSIONS, RANK_METHODS, Kind
from tslint.analysis.traversal import suite_statements, walk
from tslint.rules.export._syntax import (
    as_tuple,
    degenerate_branch,
    degenerate_size_test,
    ends_with,
    is_none_or_ellipsis,
    literal_dimension,
    positive_integer,
    read_names,
)

DATA = "data"
UNBACKED = "unbacked"
DYNAMIC_SHAPE = "dynamic-shape"
DYNAMIC_ELEMENTS = "dynamic-elements"
NOTHING: FrozenSet[str] = frozenset()
DYNAMIC: FrozenSet[str] = frozenset({DYNAMIC_SHAPE})
ELEMENTS: FrozenSet[str] = frozenset({DYNAMIC_ELEMENTS})
SHAPES: FrozenSet[str] = DYNAMIC | ELEMENTS

VALUE_METHODS = frozenset({"item", "tolist"})
# Tensor methods and torch functions whose result's shape depends on the input's values.
DYNAMIC_SHAPE_METHODS = frozenset({"nonzero", "unique", "unique_consecutive", "masked_select", "argwhere"})
DYNAMIC_SHAPE_FUNCTIONS = frozenset(f"torch.{name}" for name in DYNAMIC_SHAPE_METHODS)
SIZE_METHODS = frozenset({"size", "numel", "nelement"})
ARITHMETIC = frozenset({"max", "min", "abs", "round", "sum"})
# Tensor methods whose result keeps the receiver's rows (and so its data-dependent size).
ROW_METHODS = frozenset(
    {
        *("abs", "add", "argsort", "bool", "byte", "ceil", "clamp", "clamp_min", "clamp_max", "clip", "clone"),
        *("contiguous", "cpu", "detach", "div", "double", "exp", "expand_as", "flatten", "float", "floor"),
        *("half", "int", "log", "long", "mul", "neg", "permute", "pow", "reciprocal", "relu", "reshape"),
        *("round", "sigmoid", "sign", "softmax", "sqrt", "sub", "tanh", "to", "type_as", "unsqueeze"),
        *("view", "view_as", "sigmoid_", "clamp_", "mul_", "add_", "div_", "sub_"),
    }
)
TUPLE_METHODS = frozenset({"topk", "sort", "unbind"})  # a tuple of tensors with the receiver's rows
# torch functions whose result keeps the rows of a data-dependent-size tensor among their arguments.
ROW_FUNCTIONS = frozenset(
    f"torch.{name}"
    for name in (
        *("abs", "add", "argsort", "cat", "ceil", "clamp", "div", "exp", "floor", "log", "maximum"),
        *("minimum", "mul", "round", "sigmoid", "sqrt", "stack", "sub", "tanh", "where"),
        *("nn.functional.relu", "nn.functional.softmax", "nn.functional.sigmoid"),
    )
)
# `callees(call, argument kinds)`: the kinds of a project function's result, if its summary tells.
Callees = Callable[[cst.Call, List[FrozenSet[str]]], Optional[FrozenSet[str]]]
CHECKS = frozenset({"torch._check", "torch._check_is_size", "torch._check_with"})


class ExportValues:
    """The DATA / UNBACKED / DYNAMIC_SHAPE kinds of the expressions of one exported function."""

    def __init__(
        self,
        function: cst.FunctionDef,
        taint,
        qualify,
        types=None,
        seeds: Optional[Dict[str, FrozenSet[str]]] = None,
        callees: Optional[Callees] = None,
    ) -> None:
        self.taint = taint  # the provenance of the function: which expressions are tensors
        self.qualify = qualify
        self.types = types  # the type model's view of the function (context.types()), if any
        self.callees = callees
        self.conditions: Set[int] = set()  # ids of the tests of `if`, `while`, `assert`, `x if c else y`
        self.returned: FrozenSet[str] = NOTHING  # the kinds of what the function returns
        # `seeds`: kinds of the parameters (a shape summary asks "what if this one's rows depend on data?")
        self.env: Dict[str, FrozenSet[str]] = dict(seeds or {})
        self.kinds: Dict[cst.CSTNode, FrozenSet[str]] = {}
        self.masks: Set[str] = set()  # names bound to a comparison of tensors (boolean masks)
        self.checked: Set[str] = set()  # names some torch._check* call of the function mentions
        # ids of the expressions reached only on some input shapes (behind_shape_decision)
        self.shape_guarded: Set[int] = set()
        self._shape_guards = 0
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
            if isinstance(current, cst.Call):  # not a tensor: its receiver may be one, its arguments tell nothing
                walk(current.func, enter)  # (`helper(x, x.sum(1)) > 2` of a helper returning a size)
                return False
            return True

        walk(node, enter)
        return bool(found)

    def behind_shape_decision(self, node: cst.CSTNode) -> bool:
        """Whether the expression is evaluated only on some input shapes: in a branch of a test of sizes
        or ranks, or after such a branch that returns (`if a.shape == b.shape: return torch.where(...)`).
        torch.export.export decides such a test while tracing and follows only the branch taken
        (probed in torch 2.13: `bool(m.any())` after `if x.shape == m.shape: return ...` exports when
        the shapes agree, fails when they differ), so which data-dependent lines it reaches depends
        on shapes tslint does not know: unknown is silent. A branch whose alternative raises is the
        valid inputs' path, not guarded; of a size against 0 or 1, only the degenerate sizes' side is
        (export takes a dynamic size to be at least 2: the empty-input branch is not the usual path)."""
        return id(node) in self.shape_guarded

    def _shape_decision(self, test: cst.BaseExpression) -> bool:
        """A test export decides while tracing from the inputs' sizes or ranks alone (a size against
        0 or 1 is not the usual path's decision; a rank against 0 is: `t.dim() > 0`, a scalar?)."""
        sizes, ranks = self._shape_reads(test)
        return bool(ranks) or (bool(sizes) and not degenerate_size_test(test))

    def _degenerate_branch(self, test: cst.BaseExpression) -> Optional[bool]:
        """Of sizes against 0 or 1 alone, which side the degenerate sizes take (True: the branch, `if
        x.shape[0] == 1:`; False: the `else`, `n.numel() > 0`): it runs on some shapes only."""
        sizes, ranks = self._shape_reads(test)
        return degenerate_branch(test) if sizes and not ranks else None

    def _shape_reads(self, test: cst.BaseExpression) -> tuple:
        """The sizes and ranks of tensors a test reads; none when it reads tensor data."""
        sizes, ranks = [], []
        if self.kind(test) & ({DATA, UNBACKED} | SHAPES) or self.evidently_tensor(test):
            return sizes, ranks

        def enter(current: cst.CSTNode) -> bool:
            if isinstance(current, (cst.Lambda, cst.BaseComp)):
                return False
            if self.taint.kind(current) is Kind.SIZE:
                sizes.append(current)
                return False
            if isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
                if current.func.attr.value in RANK_METHODS and self.taint.kind(current.func.value) is Kind.TENSOR:
                    ranks.append(current)
                    return False
            if isinstance(current, cst.Attribute) and current.attr.value == "ndim":
                if self.taint.kind(current.value) is Kind.TENSOR:
                    ranks.append(current)
                    return False
            return True

        walk(test, enter)
        return sizes, ranks

    def _guarded_block(self, block: cst.BaseSuite, guarded: bool) -> None:
        self._shape_guards += guarded
        try:
            self._block(block)
        finally:
            self._shape_guards -= guarded

    def is_checked(self, node: cst.CSTNode) -> bool:
        """Whether a `torch._check*` call of the function mentions a name the expression reads:
        torch then knows what the check asserts and may decide the guard (probed: `torch._check(n > 2)`
        before `if n > 2:` exports)."""
        return bool(self.checked & read_names(node))

    # --- statements ---------------------------------------------------------------------------

    def _block(self, block: cst.BaseSuite) -> None:
        guards = self._shape_guards
        try:
            for statement in suite_statements(block):
                self._statement(statement)
                if isinstance(statement, cst.If) and self._shape_skips_rest(statement):
                    self._shape_guards = guards + 1  # the rest of the block runs on some shapes only
        finally:
            self._shape_guards = guards

    def _shape_skips_rest(self, statement: cst.If) -> bool:
        """`if <sizes>: return ...`: a valid path leaving the block on some shapes; not `a and <sizes>`
        with `a` deciding no shape (`fixed is not None and x.dim() == 3`: `a` false, the rest runs)."""
        orelse = None if isinstance(statement.orelse, (cst.If, type(None))) else statement.orelse.body
        degenerate = self._degenerate_branch(statement.test)
        if degenerate is not None:  # the usual path leaves: the rest runs on the degenerate sizes only
            usual = orelse if degenerate else statement.body
            return usual is not None and ends_with(usual) == "leaves"
        if not self._shape_decision(statement.test):
            return False
        if any(not self._shape_decision(each) for each in _conjuncts(statement.test)):
            return False
        return any(ends_with(branch) == "leaves" for branch in (statement.body, orelse) if branch is not None)

    def _statement(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                self._small(small)
        elif isinstance(statement, cst.If):
            self.conditions.add(id(statement.test))
            self._expr(statement.test)
            shapes = self._shape_decision(statement.test)
            degenerate = self._degenerate_branch(statement.test)
            orelse = statement.orelse
            otherwise = None if orelse is None or isinstance(orelse, cst.If) else ends_with(orelse.body)
            before = dict(self.env)
            self._guarded_block(statement.body, (shapes or degenerate is True) and otherwise != "raises")
            after_body, self.env = self.env, before
            if orelse is not None:
                guarded = (shapes or degenerate is False) and ends_with(statement.body) != "raises"
                self._shape_guards += guarded
                try:
                    if isinstance(orelse, cst.If):
                        self._statement(orelse)
                    else:
                        self._block(orelse.body)
                finally:
                    self._shape_guards -= guarded
            self._join(after_body)
        elif isinstance(statement, (cst.For, cst.While)):
            for _ in range(2):  # what one iteration binds, the next one reads
                before = dict(self.env)
                if isinstance(statement, cst.For):
                    element = self._expr(statement.iter)
                    rows = DYNAMIC if DYNAMIC_ELEMENTS in element else NOTHING  # `for boxes in boxes_list:`
                    self._bind(statement.target, (element & {DATA}) | rows)  # elements of a `.tolist()`
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
                if not self._bind_elementwise(target.target, small.value):
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
            self.returned = self.returned | self._expr(small.value)
        elif isinstance(small, cst.Expr):
            value = small.value
            if isinstance(value, cst.Call) and (self.qualify(value.func) or "") in CHECKS:
                for argument in value.args:
                    self.checked |= read_names(argument.value)
            self._expr(value)
        elif isinstance(small, cst.Assert):
            self.conditions.add(id(small.test))
            self._expr(small.test)

    def _bind_elementwise(self, target: cst.CSTNode, value: cst.BaseExpression) -> bool:
        """`boxes, scores = boxes[keep], scores[keep]`: each name its own value's kinds."""
        if not (isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List))):
            return False
        targets, values = target.elements, value.elements
        if len(targets) != len(values) or any(isinstance(e, cst.StarredElement) for e in (*targets, *values)):
            return False
        for name, element in zip(targets, values):
            self._bind(name.value, self.kind(element.value))
        return True

    def _bind(self, target: cst.CSTNode, kind: FrozenSet[str]) -> None:
        if isinstance(target, cst.Name):
            self.env[target.value] = kind
        elif isinstance(target, (cst.Tuple, cst.List)):
            # `n, c = idx.shape` gives sizes; unpacking a dynamic-shape tensor gives its rows, and
            # unpacking `scores.topk(k)` of one gives tensors of as many rows
            rows = DYNAMIC if DYNAMIC_ELEMENTS in kind else NOTHING
            for element in target.elements:
                self._bind(element.value, (kind - SHAPES) | rows)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, kind)

    # --- expressions --------------------------------------------------------------------------

    def _expr(self, node: cst.BaseExpression) -> FrozenSet[str]:
        if self._shape_guards:
            self.shape_guarded.add(id(node))
        kind = self._compute(node)
        self.kinds[node] = kind
        return kind

    def _tensor(self, node: cst.BaseExpression) -> bool:
        """A tensor by the provenance or the type model (a helper's `-> Tensor`: `dist.rsample(s)`)."""
        typed = self.types is not None and self.types.type_of(node) == TENSOR
        return typed or DYNAMIC_SHAPE in self.kind(node) or self.taint.kind(node) is Kind.TENSOR

    def _is_mask(self, node: cst.BaseExpression) -> bool:
        """A comparison of tensors (`x > 0`), its negation, or a name bound to one."""
        if isinstance(node, cst.Name):
            return node.value in self.masks
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.BitInvert):
            return self._is_mask(node.expression)
        if isinstance(node, cst.Comparison):
            comparisons = node.comparisons
            return self._maybe_tensor(node.left) and not any(
                isinstance(c.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)) for c in comparisons
            )
        return False

    def _maybe_tensor(self, node: cst.BaseExpression) -> bool:
        """A tensor, or what the provenance cannot tell (a tensor taken from a list of them in
        `for scores in zip(...)`): only a tensor takes a comparison as an index, so `x[x > t]`
        is boolean-mask indexing unless `x` is known to be something else."""
        return self._tensor(node) or (
            self.taint.kind(node) is Kind.NONE and not isinstance(node, (cst.BaseNumber, cst.BaseString))
        )

    def _compute(self, node: cst.BaseExpression) -> FrozenSet[str]:
        if isinstance(node, cst.Name):
            return self.env.get(node.value, NOTHING)
        if isinstance(node, cst.Attribute):
            base = self._expr(node.value)
            if node.attr.value == "shape" and DYNAMIC_SHAPE in base:
                return frozenset({UNBACKED})
            return base - SHAPES
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Subscript):
            return self._subscript(node)
        if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            return _rows(self._expr(node.left) | self._expr(node.right))
        if isinstance(node, cst.UnaryOperation):
            return _rows(self._expr(node.expression))
        if isinstance(node, cst.Comparison):
            found = self._expr(node.left)
            for comparison in node.comparisons:
                found = found | self._expr(comparison.comparator)
            if all(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in node.comparisons):
                return NOTHING
            return _rows(found)  # `scores > 0.5` of a dynamic-shape tensor: a mask as long
        if isinstance(node, (cst.Tuple, cst.List)):
            # of tensors with data-dependent rows: ELEMENTS; of lists of them (`return boxes_list,
            # scores_list`), nothing: unpacking one gives lists, whose `len` is static
            found = NOTHING
            for element in node.elements:
                found = found | self._expr(element.value)
            return (found - SHAPES) | (ELEMENTS if DYNAMIC_SHAPE in found else NOTHING)
        if isinstance(node, cst.IfExp):
            self.conditions.add(id(node.test))
            self._expr(node.test)
            shapes, degenerate, found = self._shape_decision(node.test), self._degenerate_branch(node.test), NOTHING
            for branch, side in ((node.body, True), (node.orelse, False)):
                guarded = shapes or degenerate is side
                self._shape_guards += guarded
                try:
                    found = found | self._expr(branch)
                finally:
                    self._shape_guards -= guarded
            return found
        return NOTHING

    def _subscript(self, node: cst.Subscript) -> FrozenSet[str]:
        base = self._expr(node.value)
        indices = []  # the kind of each plain index, None for a slice
        mask = False
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                indices.append(self._expr(element.slice.value))
                mask = mask or self._is_mask(element.slice.value)
            else:
                indices.append(None)
                for bound in (element.slice.lower, element.slice.upper, element.slice.step):
                    if bound is not None:
                        self._expr(bound)
        if mask and self._maybe_tensor(node.value):
            return DYNAMIC  # boolean-mask indexing: as many rows as are True
        if any(index is not None and DYNAMIC_SHAPE in index for index in indices):
            return DYNAMIC  # `boxes[keep]`: a row for each of the data-dependent indices
        if DYNAMIC_ELEMENTS in base and indices and indices[0] is not None:
            return DYNAMIC  # `torch.where(mask)[0]`
        if DYNAMIC_SHAPE in base and indices:
            first = node.slice[0].slice
            if isinstance(first, cst.Slice) or (
                isinstance(first.value, (cst.Ellipsis, cst.Name)) and is_none_or_ellipsis(first.value)
            ):
                return base  # `keep[:100]`, `boxes[:, 1:]`, `boxes[..., 2]`, `offsets[:, None]`: rows kept
            return base - SHAPES  # `hits[0]`: one row
        if UNBACKED in base and isinstance(node.value, (cst.Attribute, cst.Call)) and literal_dimension(node):
            return NOTHING  # `hits.shape[1]`: the data decides only the first dimension
        return base - SHAPES

    def _call(self, node: cst.Call) -> FrozenSet[str]:
        arguments = [self._expr(argument.value) for argument in node.args]
        joined = NOTHING.union(*arguments) - SHAPES
        func = node.func
        receiver = self._expr(func.value) if isinstance(func, cst.Attribute) else NOTHING
        if self.callees is not None:
            answer = self.callees(node, arguments)
            if answer is not None:
                return answer
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in ("append", "extend", "insert") and isinstance(func.value, cst.Name) and arguments:
                if arguments[-1] & SHAPES:  # a list of data-dependent-size tensors
                    self.env[func.value.value] = self.env.get(func.value.value, NOTHING) | ELEMENTS
                return NOTHING
            if self._tensor(func.value):
                if method in VALUE_METHODS:
                    return frozenset({DATA})
                if method in DYNAMIC_SHAPE_METHODS:
                    return ELEMENTS if as_tuple(node) else DYNAMIC
                if method in SIZE_METHODS and DYNAMIC_SHAPE in receiver:
                    if method == "size" and node.args and positive_integer(node.args[0].value):
                        return NOTHING  # `hits.size(1)`
                    return frozenset({UNBACKED})
                if DYNAMIC_SHAPE in receiver and method in ROW_METHODS:
                    return DYNAMIC
                if method in TUPLE_METHODS and (DYNAMIC_SHAPE in receiver or UNBACKED in joined):
                    return ELEMENTS  # `scores.topk(k)` of a dynamic-shape tensor, or with a data-dependent k
                return NOTHING
            if receiver:
                return (receiver | joined) - SHAPES  # `a.index(...)` of a `.tolist()` list
        name = self.qualify(func) or ""
        # torch's own functions: their first argument is a tensor
        if name in DYNAMIC_SHAPE_FUNCTIONS and node.args:
            return ELEMENTS if as_tuple(node) else DYNAMIC
        if name == "torch.where" and len(node.args) == 1:
            return ELEMENTS  # the indices of the true elements, one tensor a dimension
        if name in ROW_FUNCTIONS and any(a & SHAPES for a in arguments):
            return DYNAMIC
        if name in ("len", "torch.numel") and node.args and DYNAMIC_SHAPE in arguments[0]:
            return frozenset({UNBACKED})
        if name in PYTHON_CONVERSIONS and node.args:
            if self.evidently_tensor(node.args[0].value):
                return frozenset({DATA})  # `int(t)`, `bool(x.sum() > 0)`: the tensor's value
            return joined
        if name.startswith("math.") or name in ARITHMETIC:
            return joined
        return NOTHING


def _conjuncts(test: cst.BaseExpression) -> List[cst.BaseExpression]:
    """The operands of a chain of `and` (the test itself when it is not one)."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _conjuncts(test.left) + _conjuncts(test.right)
    return [test]


def _rows(kind: FrozenSet[str]) -> FrozenSet[str]:
    """An operation's kinds from its operands': a tensor operand's data-dependent rows are kept
    (broadcasting keeps them), a container's are not."""
    return kind - {DYNAMIC_ELEMENTS}


def unbacked_decision(values: ExportValues, test: cst.BaseExpression) -> bool:
    """Whether a Python decision on `test` needs a data-dependent size (DATA: TS501's), that no
    `torch._check*` of the function mentions, reached whatever the input shapes."""
    kind = values.kind(test)
    return (
        UNBACKED in kind
        and DATA not in kind
        and not values.is_checked(test)
        and not values.behind_shape_decision(test)  # reached on some input shapes only
    )
