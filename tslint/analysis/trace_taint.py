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
bodies run until the names they bind stop changing, so values carried around a loop are seen. A miss
is possible, a false alarm is not meant to be. Calls to the project's own functions are answered by
`calls` (tslint/analysis/provenance.py: the callee's return for these argument kinds), and the
parameters' kinds may come from the call sites (`parameter_kinds`) instead of their annotations. The rank (`x.dim()`, `x.ndim`) counts as NONE: all inputs of a traced model share it.
So do an input's `x.dtype` and `x.device`; they are also remembered (`tensor_property`) because
passing them on as values freezes them (TS408).
"""

from __future__ import annotations

import enum
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none
from tslint.analysis.traversal import rooted_at, suite_statements


class Kind(enum.IntEnum):
    """Ordered by what a value mixed of two is: a traced size plus a frozen Python value
    (`h + pad` with `pad = int(...)`) is still a traced size, whose comparisons warn."""

    NONE = 0
    VALUE = 1
    SIZE = 2
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
MAX_LOOP_PASSES = 6

# What a call to a project function gives: the kind of its result, and of each element when every
# return of the function is a tuple display of one length (`return x, h, w`); None when unknown.
CallAnswer = Tuple[Kind, Optional[Tuple[Kind, ...]]]
CallHook = Callable[[cst.Call, List[Kind], Dict[str, Kind]], Optional[CallAnswer]]


def default_parameter_kinds(function: cst.FunctionDef, imports: ImportTable, self_name: Optional[str]) -> Dict[str, Kind]:
    """What a parameter holds when its callers are unknown: a tensor unless annotated or defaulted
    otherwise (a traced model's inputs are tensors)."""
    kinds: Dict[str, Kind] = {}
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        name = param.name.value
        if name == self_name:
            continue
        annotation = param.annotation.annotation if param.annotation is not None else None
        qualified = imports.qualify(annotation) if annotation is not None else None
        is_tensor = annotation is None and (param.default is None or is_none(param.default))
        is_tensor = is_tensor or (qualified is not None and qualified.endswith("Tensor"))
        kinds[name] = Kind.TENSOR if is_tensor else Kind.NONE
    return kinds


class TaintAnalysis:
    """Kinds of the expressions of one traced function, computed once and shared by all trace rules."""

    def __init__(self, function: cst.FunctionDef, imports: ImportTable, self_name: Optional[str],
                 tensor_attributes: Iterable[str], parameter_kinds: Optional[Mapping[str, Kind]] = None,
                 calls: Optional[CallHook] = None) -> None:
        self.imports = imports
        self.self_name = self_name
        self.tensor_attributes = frozenset(tensor_attributes)  # parameters and buffers of the module
        self.calls = calls
        self.env: Dict[str, Kind] = {}
        self.kinds: Dict[cst.CSTNode, Kind] = {}
        # `x.dtype` / `x.device` of a tensor, and local names bound to one: constants in a trace.
        self.properties: Dict[cst.CSTNode, str] = {}
        self.property_names: Dict[str, str] = {}
        # Names bound to a tuple or list display (`feats = (feats,)`): iterating them is not
        # iterating a tensor's rows, whatever their elements hold.
        self.containers: set = set()
        self.container_nodes: set = set()
        # Per-element kinds of values that are tuples of known length (`return x, h, w`).
        self.elements: Dict[cst.CSTNode, Tuple[Kind, ...]] = {}
        self.returns = Kind.NONE
        self.return_elements: Optional[Tuple[Kind, ...]] = None
        self._tuple_returns = True
        self.env.update(default_parameter_kinds(function, imports, self_name))
        self.containers.update(_container_parameters(function, imports))
        if parameter_kinds is not None:
            self.env.update(parameter_kinds)
        self._block(function.body)
        if not self._tuple_returns:
            self.return_elements = None

    def kind(self, node: cst.CSTNode) -> Kind:
        return self.kinds.get(node, Kind.NONE)

    def is_container(self, node: cst.CSTNode) -> bool:
        """Whether the expression is a tuple or list display, or a name bound to one here."""
        return node in self.container_nodes

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
            before, containers = dict(self.env), set(self.containers)
            refined = _tensor_check(statement.test, self.imports)
            self._block(statement.body)
            after_body, self.env = self.env, before
            body_containers, self.containers = self.containers, containers
            if refined is not None:
                self.containers.add(refined)  # `isinstance(t, Tensor)` is false on this path
            if statement.orelse is not None:
                self._statement(statement.orelse) if isinstance(statement.orelse, cst.If) else self._block(statement.orelse.body)
            self._join(after_body)  # either branch may have run
            self.containers &= body_containers
        elif isinstance(statement, (cst.For, cst.While)):
            # Until the names stop changing: later passes see what earlier iterations bound
            # (`total = total + x.sum()`, `h = h // 2` after `h = x.shape[2]`).
            for _ in range(MAX_LOOP_PASSES):
                before = dict(self.env)
                if isinstance(statement, cst.For):
                    self._bind(statement.target, self._loop_element(statement.iter))
                else:
                    self._expr(statement.test)
                self._block(statement.body)
                self._join(before)  # the body may run zero times
                if self.env == before:
                    break
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
                self._bind(target.target, kind, self.elements.get(small.value))
                if isinstance(target.target, cst.Name):
                    if small.value in self.properties:
                        self.property_names[target.target.value] = self.properties[small.value]
                    if small.value in self.container_nodes:
                        self.containers.add(target.target.value)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self._bind(small.target, self._expr(small.value))
        elif isinstance(small, cst.AugAssign):
            kind = max(self._expr(small.value), self._expr(small.target))
            self._bind(small.target, kind)
        elif isinstance(small, cst.Return):
            kind = self._expr(small.value) if small.value is not None else Kind.NONE
            self.returns = max(self.returns, kind)
            elements = self.elements.get(small.value) if small.value is not None else None
            if elements is None or (self.return_elements is not None and len(elements) != len(self.return_elements)):
                self._tuple_returns = False
            elif self.return_elements is None:
                self.return_elements = elements
            else:
                self.return_elements = tuple(max(a, b) for a, b in zip(self.return_elements, elements))
        elif isinstance(small, cst.Expr):
            self._expr(small.value)
        elif isinstance(small, cst.Assert):
            self._expr(small.test)

    def _bind(self, target: cst.CSTNode, kind: Kind, elements: Optional[Tuple[Kind, ...]] = None) -> None:
        if isinstance(target, cst.Name):
            self.env[target.value] = kind
            self.property_names.pop(target.value, None)
            self.containers.discard(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            # `b, n = x.shape` gives sizes; unpacking a tensor gives tensors; `x, n = f(x)` with
            # `f` returning `x, x.shape[0]` gives each its own.
            starred = any(isinstance(element, cst.StarredElement) for element in target.elements)
            if elements is not None and not starred and len(elements) == len(target.elements):
                for element, element_kind in zip(target.elements, elements):
                    self._bind(element.value, element_kind)
                return
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
            if node.value in self.containers:
                self.container_nodes.add(node)
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
                else:  # `x[:_rows(h)]`: the bounds are evaluated (and may call a helper)
                    for bound in (element.slice.lower, element.slice.upper, element.slice.step):
                        if bound is not None:
                            self._expr(bound)
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
            kinds = [self._expr(e.value) for e in node.elements]
            self.container_nodes.add(node)
            if not any(isinstance(e, cst.StarredElement) for e in node.elements):
                self.elements[node] = tuple(kinds)
            return max(kinds, default=Kind.NONE)
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
            return Kind.SIZE if strongest >= Kind.SIZE else strongest
        if name in PYTHON_CONVERSIONS or name.startswith("math."):
            return Kind.VALUE if strongest is not Kind.NONE else Kind.NONE
        if name in SIZE_PRESERVING:
            return strongest
        if name.startswith("torch."):
            # A torch function of tensors gives a tensor; without tensor arguments only a factory
            # does (`torch.zeros`); others are settings (`torch.backends.mha.get_fastpath_enabled()`).
            factory = name.rsplit(".", 1)[-1] in TENSOR_FACTORIES
            return Kind.TENSOR if strongest is Kind.TENSOR or factory else strongest
        answer = self._project_call(node)
        if answer is not None:
            kind, elements = answer
            if elements is not None:
                self.elements[node] = elements
            return kind
        return strongest  # a helper or submodule call: a tensor in, a tensor out

    def _project_call(self, node: cst.Call) -> Optional[CallAnswer]:
        """What the project's own function called here returns for these arguments, if known."""
        if self.calls is None:
            return None
        positional: List[Kind] = []
        keywords: Dict[str, Kind] = {}
        for argument in node.args:
            kind = self.kinds.get(argument.value, Kind.NONE)
            if argument.star:
                return None  # `f(*sizes)`: which parameter gets what is unknown
            if argument.keyword is not None:
                keywords[argument.keyword.value] = kind
            else:
                positional.append(kind)
        return self.calls(node, positional, keywords)


CONTAINER_TYPES = frozenset({"list", "tuple", "typing.List", "typing.Tuple", "typing.Sequence", "collections.abc.Sequence"})


def _container_parameters(function: cst.FunctionDef, imports: ImportTable) -> List[str]:
    """Parameters annotated as a list or tuple (`input: List[Tensor]`): iterating one is not
    iterating a tensor's rows."""
    found = []
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.annotation is None:
            continue
        annotation = param.annotation.annotation
        base = annotation.value if isinstance(annotation, cst.Subscript) else annotation
        if (imports.qualify(base) or "") in CONTAINER_TYPES:
            found.append(param.name.value)
    return found


def _tensor_check(test: cst.BaseExpression, imports: ImportTable) -> Optional[str]:
    """`name` when the condition is `isinstance(name, torch.Tensor)`."""
    if not (isinstance(test, cst.Call) and imports.qualify(test.func) == "isinstance" and len(test.args) == 2):
        return None
    subject, kind = test.args[0].value, test.args[1].value
    if isinstance(subject, cst.Name) and (imports.qualify(kind) or "") in ("torch.Tensor", "torch.tensor"):
        return subject.value
    return None


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
