"""What each expression of a traced function depends on: tensor values, tensor sizes, or neither.

torch.jit.trace runs the Python code once and records tensor operations. Tensors stay symbolic, and
so does most shape arithmetic (`b, n = x.shape; x.view(b * n)`), but every Python decision or
conversion made from them is frozen into the graph (verified in tests/test_trace_rules.py):
- TENSOR: a tensor. Using it as a condition converts it to a Python bool (frozen, TracerWarning).
- SIZE: a size read from a tensor (`x.shape[0]`, `x.size(1)`, `x.numel()`): symbolic in arithmetic
  and shape arguments; frozen in conditions, `range(...)`, `int(...)`, `math.*`, `torch.tensor([...])`.
- VALUE: a Python value computed from tensor values (`.item()`, `.tolist()`, `int(t)`): already frozen.
- NONE: nothing tensor-dependent (constants, constructor configuration).

One pass in statement order; branches join (a name is as dependent as on either path) and loop
bodies run twice, so values carried around a loop are seen. A miss is possible, a false alarm is not
meant to be. The rank (`x.dim()`, `x.ndim`) counts as NONE: all inputs of a traced model share it.
So do an input's `x.dtype` and `x.device`; they are also remembered (`tensor_property`) because
passing them on as values freezes them (TS408).
"""

from __future__ import annotations

import enum
from typing import Dict, Iterable, Optional, Sequence

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none
from tslint.analysis.traversal import rooted_at, suite_statements


class Kind(enum.IntEnum):
    NONE = 0
    SIZE = 1
    VALUE = 2
    TENSOR = 3


TENSOR_ATTRIBUTES_TO_NONE = frozenset({"ndim", "dtype", "device", "is_cuda", "layout", "requires_grad"})
SIZE_METHODS = frozenset({"size", "numel", "nelement"})
RANK_METHODS = frozenset({"dim", "ndimension"})
VALUE_METHODS = frozenset({"item", "tolist", "numpy"})
PYTHON_CONVERSIONS = frozenset({"int", "float", "bool", "complex"})
SIZE_PRESERVING = frozenset({"max", "min", "abs", "round", "sum"})
TENSOR_FACTORIES = frozenset({
    "tensor", "as_tensor", "zeros", "ones", "empty", "full", "rand", "randn", "randint", "arange", "linspace",
    "logspace", "eye", "zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like", "from_numpy",
})
PREDICATES = frozenset({"isinstance", "hasattr", "callable", "type", "id", "print", "getattr"})


class TaintAnalysis:
    """Kinds of the expressions of one traced function, computed once and shared by all trace rules."""

    def __init__(self, function: cst.FunctionDef, imports: ImportTable, self_name: Optional[str],
                 tensor_attributes: Iterable[str]) -> None:
        self.imports = imports
        self.self_name = self_name
        self.tensor_attributes = frozenset(tensor_attributes)  # parameters and buffers of the module
        self.env: Dict[str, Kind] = {}
        self.kinds: Dict[cst.CSTNode, Kind] = {}
        # `x.dtype` / `x.device` of a tensor, and local names bound to one: constants in a trace.
        self.properties: Dict[cst.CSTNode, str] = {}
        self.property_names: Dict[str, str] = {}
        params = function.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            if name == self_name:
                continue
            # An argument of a traced function is a tensor unless annotated or defaulted otherwise.
            annotation = param.annotation.annotation if param.annotation is not None else None
            qualified = imports.qualify(annotation) if annotation is not None else None
            is_tensor = annotation is None and (param.default is None or is_none(param.default))
            is_tensor = is_tensor or (qualified is not None and qualified.endswith("Tensor"))
            self.env[name] = Kind.TENSOR if is_tensor else Kind.NONE
        self._block(function.body)

    def kind(self, node: cst.CSTNode) -> Kind:
        return self.kinds.get(node, Kind.NONE)

    def tensor_property(self, node: cst.CSTNode) -> Optional[str]:
        """"dtype" or "device" when the expression is a tensor's dtype or device, else None."""
        return self.properties.get(node)

    # --- statements, in order ---------------------------------------------------------------

    def _block(self, block: cst.BaseSuite) -> None:
        for statement in suite_statements(block):
            self._statement(statement)

    def _statement(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self._small(small)
        elif isinstance(statement, cst.SimpleStatementSuite):
            for small in statement.body:
                self._small(small)
        elif isinstance(statement, cst.If):
            self._expr(statement.test)
            before = dict(self.env)
            self._block(statement.body)
            after_body, self.env = self.env, before
            if statement.orelse is not None:
                self._statement(statement.orelse) if isinstance(statement.orelse, cst.If) else self._block(statement.orelse.body)
            self._join(after_body)  # either branch may have run
        elif isinstance(statement, (cst.For, cst.While)):
            # Twice: the second pass sees what the first iteration bound (`total = total + x.sum()`).
            for _ in range(2):
                before = dict(self.env)
                if isinstance(statement, cst.For):
                    self._bind(statement.target, self._loop_element(statement.iter))
                else:
                    self._expr(statement.test)
                self._block(statement.body)
                self._join(before)  # the body may run zero times
            if statement.orelse is not None:
                self._block(statement.orelse.body)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                kind = self._expr(item.item)
                if item.asname is not None:
                    self._bind(item.asname.name, kind)
            self._block(statement.body)
        elif isinstance(statement, cst.Try):
            self._block(statement.body)
            for handler in statement.handlers:
                self._block(handler.body)
            for extra in (statement.orelse, statement.finalbody):
                if extra is not None:
                    self._block(extra.body)

    def _join(self, other: Dict[str, Kind]) -> None:
        """Where two paths meet, a name is as tensor-dependent as on either path."""
        for name, kind in other.items():
            if kind > self.env.get(name, Kind.NONE):
                self.env[name] = kind

    def _small(self, small: cst.CSTNode) -> None:
        if isinstance(small, cst.Assign):
            kind = self._expr(small.value)
            for target in small.targets:
                self._bind(target.target, kind)
                if isinstance(target.target, cst.Name) and small.value in self.properties:
                    self.property_names[target.target.value] = self.properties[small.value]
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self._bind(small.target, self._expr(small.value))
        elif isinstance(small, cst.AugAssign):
            kind = max(self._expr(small.value), self._expr(small.target))
            self._bind(small.target, kind)
        elif isinstance(small, (cst.Expr, cst.Return)):
            if small.value is not None:
                self._expr(small.value)
        elif isinstance(small, cst.Assert):
            self._expr(small.test)

    def _bind(self, target: cst.CSTNode, kind: Kind) -> None:
        if isinstance(target, cst.Name):
            self.env[target.value] = kind
            self.property_names.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            # `b, n = x.shape` gives sizes; unpacking a tensor gives tensors.
            for element in target.elements:
                self._bind(element.value, kind)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, kind)

    def _loop_element(self, iterable: cst.BaseExpression) -> Kind:
        kind = self._expr(iterable)
        if isinstance(iterable, cst.Call) and self.imports.qualify(iterable.func) == "range":
            return Kind.NONE if kind is Kind.NONE else Kind.VALUE  # the count was frozen
        return kind

    # --- expressions ------------------------------------------------------------------------

    def _expr(self, node: cst.BaseExpression) -> Kind:
        kind = self._compute(node)
        self.kinds[node] = kind
        return kind

    def _compute(self, node: cst.BaseExpression) -> Kind:
        if isinstance(node, cst.Name):
            if node.value in self.property_names:
                self.properties[node] = self.property_names[node.value]
            return self.env.get(node.value, Kind.NONE)
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == self.self_name:
                return Kind.TENSOR if node.attr.value in self.tensor_attributes else Kind.NONE
            base = self._expr(node.value)
            if base is Kind.TENSOR:
                if node.attr.value == "shape":
                    return Kind.SIZE
                attribute = node.attr.value
                if attribute in ("dtype", "device") and not rooted_at(node.value, self.self_name):
                    self.properties[node] = attribute  # an input's: a parameter's changes only by `.half()`
                if attribute in TENSOR_ATTRIBUTES_TO_NONE or attribute.startswith("is_"):
                    return Kind.NONE  # metadata (`x.is_nested`, `x.dtype`), fixed for a traced model
                return Kind.TENSOR
            return base
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Subscript):
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    self._expr(element.slice.value)
            return self._expr(node.value)
        if isinstance(node, cst.BinaryOperation):
            return max(self._expr(node.left), self._expr(node.right))
        if isinstance(node, cst.UnaryOperation):
            return self._expr(node.expression)
        if isinstance(node, cst.BooleanOperation):
            return max(self._expr(node.left), self._expr(node.right))
        if isinstance(node, cst.Comparison):
            kinds = [self._expr(node.left)] + [self._expr(c.comparator) for c in node.comparisons]
            if all(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in node.comparisons):
                return Kind.NONE  # `mask is None`: decided by the arguments passed, not by tensor data
            return max(kinds)
        if isinstance(node, (cst.Tuple, cst.List)):
            return max([self._expr(e.value) for e in node.elements], default=Kind.NONE)
        if isinstance(node, cst.IfExp):
            self._expr(node.test)
            return max(self._expr(node.body), self._expr(node.orelse))
        return Kind.NONE

    def _call(self, node: cst.Call) -> Kind:
        arguments = [self._expr(argument.value) for argument in node.args]
        strongest = max(arguments, default=Kind.NONE)
        func = node.func
        if isinstance(func, cst.Attribute) and not (isinstance(func.value, cst.Name) and func.value.value == self.self_name):
            receiver = self._expr(func.value)
            method = func.attr.value
            if receiver is Kind.TENSOR:
                if method in SIZE_METHODS:
                    return Kind.SIZE
                if method in RANK_METHODS:
                    return Kind.NONE
                if method in VALUE_METHODS:
                    return Kind.VALUE
                return Kind.TENSOR
            if receiver is not Kind.NONE:
                return max(receiver, strongest)
        name = self.imports.qualify(func) or ""
        if name in PREDICATES or name.startswith(("torch.jit.", "torch._C.")):
            return Kind.NONE
        if name.startswith("torch.") and name.rsplit(".", 1)[-1].startswith(("is_", "has_")):
            return Kind.NONE  # predicates about types and settings (`torch.is_tensor`, `has_torch_function`)
        if name == "len" and node.args and _is_whole_shape(node.args[0].value):
            return Kind.NONE  # len(x.shape) is the rank
        if name == "len" or name == "torch.numel":
            return Kind.SIZE if strongest >= Kind.SIZE else Kind.NONE
        if name in PYTHON_CONVERSIONS:
            return Kind.VALUE if strongest >= Kind.SIZE else Kind.NONE
        if name.startswith("math."):
            return Kind.VALUE if strongest >= Kind.SIZE else Kind.NONE
        if name in SIZE_PRESERVING:
            return strongest
        if name.startswith("torch."):
            # A torch function of tensors gives a tensor; without tensor arguments only a factory
            # does (`torch.zeros`); others are settings (`torch.backends.mha.get_fastpath_enabled()`).
            factory = name.rsplit(".", 1)[-1] in TENSOR_FACTORIES
            return Kind.TENSOR if strongest is Kind.TENSOR or factory else strongest
        return strongest  # a helper or submodule call: a tensor in, a tensor out


def _is_whole_shape(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Attribute) and node.attr.value == "shape":
        return True
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "size" and not node.args


def tensor_attribute_names(attributes) -> Sequence[str]:
    """Module attributes holding tensors (parameters, buffers, torch.* results)."""
    from tslint.index.model import AttributeKind

    found = []
    for name, assignments in attributes.items():
        if assignments and all(a.kind in (AttributeKind.PARAMETER, AttributeKind.BUFFER) for a in assignments):
            found.append(name)
    return found
