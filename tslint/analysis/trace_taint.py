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
is possible, a false alarm is not meant to be. Calls are given their kinds in
tslint/analysis/trace_calls.py; those to the project's own functions are answered by
`calls` (tslint/analysis/provenance.py: the callee's return for these argument kinds), and the
parameters' kinds may come from the call sites (`parameter_kinds`) instead of their annotations. The rank (`x.dim()`,
`x.ndim`) counts as NONE: all inputs of a traced model share it.
So do an input's `x.dtype` and `x.device`; they are also remembered (`tensor_property`) because
passing them on as values freezes them (TS408).
"""

from __future__ import annotations

from typing import Callable, Dict, FrozenSet, Iterable, Mapping, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable
from tslint.analysis.trace_calls import CallHook, CallKinds
from tslint.analysis.trace_values import (  # noqa: F401 (re-exported: rules import the kinds from here)
    OPERATOR_MODULES,
    PREDICATES,
    PYTHON_CONVERSIONS,
    RANK_METHODS,
    SEQUENCE_BUILDERS,
    SIZE_METHODS,
    SIZE_PRESERVING,
    TENSOR_ATTRIBUTES_TO_NONE,
    TENSOR_FACTORIES,
    TENSOR_SEQUENCES,
    VALUE_METHODS,
    Kind,
    comment_annotations,
    container_check,
    container_parameters,
    decided_by_tracing,
    default_parameter_kinds,
    string_parameters,
    tensor_attribute_names,
    tensor_check,
    torch_module_attribute_names,
)
from tslint.analysis.traversal import rooted_at, suite_statements

MAX_LOOP_PASSES = 6


class TaintAnalysis(CallKinds):
    """Kinds of the expressions of one traced function, computed once and shared by all trace rules."""

    def __init__(
        self,
        function: cst.FunctionDef,
        imports: ImportTable,
        self_name: Optional[str],
        tensor_attributes: Iterable[str],
        parameter_kinds: Optional[Mapping[str, Kind]] = None,
        calls: Optional[CallHook] = None,
        guessed: Optional[Iterable[str]] = None,
        torch_layers: Iterable[str] = (),
        object_tensors: Optional[Mapping[str, FrozenSet[str]]] = None,
        objects: Optional[Callable[[cst.BaseExpression], Optional[FrozenSet[str]]]] = None,
        module_tensors: Optional[Mapping[str, FrozenSet[str]]] = None,
    ) -> None:
        self.imports = imports
        self.self_name = self_name
        self.tensor_attributes = frozenset(tensor_attributes)  # parameters and buffers of the module
        self.torch_layers = frozenset(torch_layers)  # submodules of torch.nn classes: called, they give tensors
        self.calls = calls
        # Submodules of project module classes, with their parameters and buffers (`self.block.weight`).
        self.module_tensors: Dict[str, FrozenSet[str]] = dict(module_tensors or {})
        # Parameters holding an instance of a project class (`image_list: ImageList`), with the
        # attributes of that class that hold tensors (`image_list.tensors`); dropped when rebound.
        self.object_tensors: Dict[str, FrozenSet[str]] = dict(object_tensors or {})
        # `objects(func)`: for a call building an instance of such a class (`ImageList(x, sizes)`),
        # its tensor attributes; the instance itself is no tensor.
        self.objects = objects
        self.object_nodes: Dict[cst.CSTNode, FrozenSet[str]] = {}
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
        self.returns_container: Optional[bool] = None  # every return a list or tuple (None: no return seen)
        self.returns_guess = False
        self.return_element_containers: Optional[Tuple[bool, ...]] = None
        self.element_containers: Dict[cst.CSTNode, Tuple[bool, ...]] = {}
        defaults = default_parameter_kinds(function, imports, self_name)
        # Parameters taken for tensors only because nothing says otherwise (unannotated, callers
        # unknown): by default every unannotated one. Iterating one may be iterating a list.
        commented = comment_annotations(function, self_name)
        unannotated = {
            p.name.value
            for p in (*function.params.posonly_params, *function.params.params)
            if p.annotation is None and p.name.value not in commented
        }
        self.guessed: set = {name for name, kind in defaults.items() if kind is Kind.TENSOR and name in unannotated}
        if guessed is not None:
            self.guessed = set(guessed)
        self.guessed_nodes: set = set()
        self.mappings: set = set()  # dict displays and names bound to one: their values may be anything
        self.mapping_names: set = set()
        # Loop names bound to the submodules of a module container: `for blk in self.blocks:` gives
        # `blk` ("blocks", 1); `for blk in blocks:` with `blocks` ("stages", 1) gives ("stages", 2).
        self.module_loops: Dict[str, Tuple[str, int]] = {}
        self.env.update(defaults)
        self.containers.update(container_parameters(function, imports, self_name))
        if parameter_kinds is not None:
            self.env.update(parameter_kinds)
        for name in string_parameters(function, imports, self_name):
            self.env[name] = Kind.NONE  # a `str` is never computed from a tensor's values
        self._block(function.body)
        if not self._tuple_returns:
            self.return_elements = None
            self.return_element_containers = None

    def kind(self, node: cst.CSTNode) -> Kind:
        return self.kinds.get(node, Kind.NONE)

    def is_container(self, node: cst.CSTNode) -> bool:
        """Whether the expression is a tuple or list display, or a name bound to one here."""
        return node in self.container_nodes

    def is_guess(self, node: cst.CSTNode) -> bool:
        """Whether the expression is a parameter taken for a tensor only for want of an annotation or
        known callers (it may be a list of tensors)."""
        return node in self.guessed_nodes

    def tensor_property(self, node: cst.CSTNode) -> Optional[str]:
        """ "dtype" or "device" when the expression is an input tensor's dtype or device, "parameter
        device" when it is the device of a parameter or buffer of the module, else None."""
        return self.properties.get(node)

    def _module_tensor(self, node: cst.BaseExpression) -> bool:
        """Whether the expression is a parameter or buffer of the module: `self.weight`,
        `self.fc.weight` (a torch.nn layer's, or a project submodule's parameter),
        `next(self.parameters())`, `next(iter(self.block.buffers()))`."""
        me = self.self_name
        if me is None:
            return False
        if type(node) is cst.Attribute:
            owner = node.value
            if type(owner) is cst.Name:
                return owner.value == me and node.attr.value in self.tensor_attributes
            if type(owner) is cst.Attribute and type(owner.value) is cst.Name and owner.value.value == me:
                layer = owner.attr.value
                return layer in self.torch_layers or node.attr.value in self.module_tensors.get(layer, ())
            return False
        if type(node) is cst.Call and type(node.func) is cst.Name and node.func.value == "next":
            if len(node.args) != 1:
                return False
            inner = node.args[0].value
            if type(inner) is cst.Call and type(inner.func) is cst.Name and inner.func.value == "iter":
                inner = inner.args[0].value if len(inner.args) == 1 else inner
            return (
                type(inner) is cst.Call
                and not inner.args
                and type(inner.func) is cst.Attribute
                and inner.func.attr.value in ("parameters", "buffers")
                and rooted_at(inner.func.value, me)
            )
        return False

    # --- statements, in order ---------------------------------------------------------------

    def _block(self, block: cst.BaseSuite) -> None:
        for statement in suite_statements(block):
            self._statement(statement)

    def _statement(self, statement: cst.CSTNode) -> None:
        if type(statement) is cst.SimpleStatementLine:
            for small in statement.body:
                self._small(small)
        elif type(statement) is cst.SimpleStatementSuite:
            for small in statement.body:
                self._small(small)
        elif type(statement) is cst.If:
            self._expr(statement.test)
            before, containers = dict(self.env), set(self.containers)
            refined = tensor_check(statement.test, self.imports)
            listed = container_check(statement.test, self.imports)
            if listed is not None:
                self.containers.add(listed)  # `isinstance(feats, list)` holds on this path
            self._block(statement.body)
            after_body, self.env = self.env, before
            body_containers, self.containers = self.containers, containers
            if refined is not None:
                self.containers.add(refined)  # `isinstance(t, Tensor)` is false on this path
            if statement.orelse is not None:
                self._statement(statement.orelse) if type(statement.orelse) is cst.If else self._block(
                    statement.orelse.body
                )
            self._join(after_body)  # either branch may have run
            self.containers &= body_containers
        elif type(statement) in (cst.For, cst.While):
            # Until the names stop changing: later passes see what earlier iterations bound
            # (`total = total + x.sum()`, `h = h // 2` after `h = x.shape[2]`).
            for _ in range(MAX_LOOP_PASSES):
                before = dict(self.env)
                if type(statement) is cst.For:
                    self._bind(
                        statement.target, self._loop_element(statement.iter), self._loop_elements(statement.iter)
                    )
                    if self._iterated_guess(statement.iter):
                        self._guess(statement.target)
                    self._module_loop(statement.target, statement.iter)
                else:
                    self._expr(statement.test)
                self._block(statement.body)
                self._join(before)  # the body may run zero times
                if self.env == before:
                    break
            if statement.orelse is not None:
                self._block(statement.orelse.body)
        elif type(statement) is cst.With:
            for item in statement.items:
                kind = self._expr(item.item)
                if item.asname is not None:
                    self._bind(item.asname.name, kind)
            self._block(statement.body)
        elif type(statement) is cst.Try:
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
        if type(small) is cst.Assign:
            kind = self._expr(small.value)
            for target in small.targets:
                self._bind(target.target, kind, self.elements.get(small.value))
                if small.value in self.guessed_nodes:
                    self._guess(target.target)
                flags = self._element_flags(small.value)
                if (
                    type(target.target) in (cst.Tuple, cst.List)
                    and flags is not None
                    and len(flags) == len(target.target.elements)
                ):
                    for element, flag in zip(target.target.elements, flags):  # `boxes, n = f(x)`: `boxes` a list
                        if flag and type(element.value) is cst.Name:
                            self.containers.add(element.value.value)
                if type(target.target) is cst.Name:
                    if small.value in self.object_nodes:
                        self.object_tensors[target.target.value] = self.object_nodes[small.value]
                    if small.value in self.properties:
                        self.property_names[target.target.value] = self.properties[small.value]
                    if small.value in self.container_nodes:
                        self.containers.add(target.target.value)
                    if small.value in self.mappings:
                        self.mapping_names.add(target.target.value)
                elif type(target.target) in (cst.Tuple, cst.List) and isinstance(small.value, (cst.Tuple, cst.List)):
                    # `dtype, device = x.dtype, x.device`: each name is what its element is
                    pairs = zip(target.target.elements, small.value.elements)
                    if len(target.target.elements) == len(small.value.elements):
                        for name, value in pairs:
                            if type(name.value) is cst.Name and value.value in self.properties:
                                self.property_names[name.value.value] = self.properties[value.value]
        elif type(small) is cst.AnnAssign:
            if small.value is not None:
                self._bind(small.target, self._expr(small.value))
        elif type(small) is cst.AugAssign:
            kind = max(self._expr(small.value), self._expr(small.target))
            self._bind(small.target, kind)
        elif type(small) is cst.Return:
            kind = self._expr(small.value) if small.value is not None else Kind.NONE
            self.returns = max(self.returns, kind)
            elements = self.elements.get(small.value) if small.value is not None else None
            self.returns_container = small.value in self.container_nodes and self.returns_container is not False
            parts = [e.value for e in small.value.elements] if type(small.value) is cst.Tuple else [small.value]
            self.returns_guess = self.returns_guess or any(part in self.guessed_nodes for part in parts)
            flags = self._element_flags(small.value)
            if elements is None or (self.return_elements is not None and len(elements) != len(self.return_elements)):
                self._tuple_returns = False
            elif self.return_elements is None:
                self.return_elements = elements
                self.return_element_containers = flags
            else:
                self.return_elements = tuple(max(a, b) for a, b in zip(self.return_elements, elements))
                if self.return_element_containers is not None and flags is not None:
                    self.return_element_containers = tuple(
                        a and b for a, b in zip(self.return_element_containers, flags)
                    )
        elif type(small) is cst.Expr:
            self._expr(small.value)
        elif type(small) is cst.Assert:
            self._expr(small.test)

    def _element_flags(self, value: Optional[cst.BaseExpression]) -> Optional[Tuple[bool, ...]]:
        """For a tuple display or a call answered with one: which elements are lists or tuples."""
        if type(value) in (cst.Tuple, cst.List) and not any(type(e) is cst.StarredElement for e in value.elements):
            return tuple(e.value in self.container_nodes for e in value.elements)
        return self.element_containers.get(value) if value is not None else None

    def _bind(self, target: cst.CSTNode, kind: Kind, elements: Optional[Tuple[Kind, ...]] = None) -> None:
        if type(target) is cst.Name:
            self.env[target.value] = kind
            self.property_names.pop(target.value, None)
            self.containers.discard(target.value)
            self.guessed.discard(target.value)
            self.mapping_names.discard(target.value)
            self.module_loops.pop(target.value, None)
            self.object_tensors.pop(target.value, None)
        elif type(target) in (cst.Tuple, cst.List):
            # `b, n = x.shape` gives sizes; unpacking a tensor gives tensors; `x, n = f(x)` with
            # `f` returning `x, x.shape[0]` gives each its own.
            starred = any(type(element) is cst.StarredElement for element in target.elements)
            if elements is not None and not starred and len(elements) == len(target.elements):
                for element, element_kind in zip(target.elements, elements):
                    self._bind(element.value, element_kind)
                return
            for element in target.elements:
                self._bind(element.value, kind)
        elif type(target) is cst.StarredElement:
            self._bind(target.value, kind)

    def _guess(self, target: cst.CSTNode) -> None:
        """The names `target` binds hold what a guessed value holds: maybe not tensors."""
        if type(target) is cst.Name:
            self.guessed.add(target.value)
        elif type(target) in (cst.Tuple, cst.List):
            for element in target.elements:
                self._guess(element.value)
        elif type(target) is cst.StarredElement:
            self._guess(target.value)

    def _module_loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        """`for blk in self.blocks:` / `for i, blk in enumerate(self.blocks):` / `for embed, blocks in
        zip(self.embeds, self.stages):`: `blk` is an element of a module container, `blocks` one
        too, and `for blk in blocks:` an element of one of its elements."""
        if type(iterable) is cst.Call and not any(a.star or a.keyword for a in iterable.args):
            called = self.imports.qualify(iterable.func)
            if called == "enumerate" and len(iterable.args) == 1:
                if type(target) is cst.Tuple and len(target.elements) == 2:
                    self._module_loop(target.elements[1].value, iterable.args[0].value)
                return
            if called == "zip" and type(target) is cst.Tuple and len(target.elements) == len(iterable.args):
                for element, argument in zip(target.elements, iterable.args):
                    self._module_loop(element.value, argument.value)
            return
        if type(target) is not cst.Name:
            return
        if (
            type(iterable) is cst.Attribute
            and type(iterable.value) is cst.Name
            and iterable.value.value == self.self_name
        ):
            self.module_loops[target.value] = (iterable.attr.value, 1)
        elif type(iterable) is cst.Name and iterable.value in self.module_loops:
            attribute, depth = self.module_loops[iterable.value]
            self.module_loops[target.value] = (attribute, depth + 1)

    def _iterated_guess(self, iterable: cst.BaseExpression) -> bool:
        """Whether iterating gives guessed values: a guessed value, or zip/enumerate of one."""
        if iterable in self.guessed_nodes:
            return True
        if type(iterable) is cst.Call and self.imports.qualify(iterable.func) in ("zip", "enumerate"):
            return any(a.value in self.guessed_nodes for a in iterable.args)
        return False

    def _loop_elements(self, iterable: cst.BaseExpression) -> Optional[Tuple[Kind, ...]]:
        """Per-name kinds of `for a, b in zip(x, y)` and `for i, b in enumerate(y)` (kinds computed)."""
        if type(iterable) is not cst.Call or any(a.star or a.keyword is not None for a in iterable.args):
            return None
        name = self.imports.qualify(iterable.func)
        kinds = tuple(self.kinds.get(a.value, Kind.NONE) for a in iterable.args)
        if name == "zip":
            return kinds
        if name == "enumerate" and len(kinds) == 1:
            return (Kind.NONE, kinds[0])
        return None

    def _loop_element(self, iterable: cst.BaseExpression) -> Kind:
        kind = self._expr(iterable)
        if type(iterable) is cst.Call and self.imports.qualify(iterable.func) == "range":
            return Kind.NONE if kind is Kind.NONE else Kind.VALUE  # the count was frozen
        return kind

    # --- expressions ------------------------------------------------------------------------

    def _expr(self, node: cst.BaseExpression) -> Kind:
        kind = self._compute(node)
        self.kinds[node] = kind
        return kind

    def _compute(self, node: cst.BaseExpression) -> Kind:
        if type(node) is cst.Name:
            if node.value in self.containers:
                self.container_nodes.add(node)
            if node.value in self.guessed:
                self.guessed_nodes.add(node)
            if node.value in self.mapping_names:
                self.mappings.add(node)
            if node.value in self.property_names:
                self.properties[node] = self.property_names[node.value]
            return self.env.get(node.value, Kind.NONE)
        if type(node) is cst.Attribute:
            if node.attr.value == "device" and self._module_tensor(node.value):
                self._expr(node.value)
                self.properties[node] = "parameter device"  # the trace keeps the device it was on
                return Kind.NONE
            if type(node.value) is cst.Name and node.value.value == self.self_name:
                return Kind.TENSOR if node.attr.value in self.tensor_attributes else Kind.NONE
            base = self._expr(node.value)
            if type(node.value) is cst.Name and node.attr.value in self.object_tensors.get(node.value.value, ()):
                return Kind.TENSOR  # `image_list.tensors`, typed `Tensor` by its class
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
        if type(node) is cst.Call:
            return self._call(node)
        if type(node) is cst.Subscript:
            for element in node.slice:
                if type(element.slice) is cst.Index:
                    self._expr(element.slice.value)
                else:  # `x[:_rows(h)]`: the bounds are evaluated (and may call a helper)
                    for bound in (element.slice.lower, element.slice.upper, element.slice.step):
                        if bound is not None:
                            self._expr(bound)
            kind = self._expr(node.value)
            if node.value in self.guessed_nodes or node.value in self.mappings:
                self.guessed_nodes.add(node)  # an element of what may be a list, or of a dict display
            return kind
        if type(node) is cst.BinaryOperation:
            return max(self._expr(node.left), self._expr(node.right))
        if type(node) is cst.UnaryOperation:
            return self._expr(node.expression)
        if type(node) is cst.BooleanOperation:
            kind = max(self._expr(node.left), self._expr(node.right))
            return Kind.NONE if decided_by_tracing(node, self.imports) else kind
        if type(node) is cst.Comparison:
            kinds = [self._expr(node.left)] + [self._expr(c.comparator) for c in node.comparisons]
            if all(type(c.operator) in (cst.Is, cst.IsNot) for c in node.comparisons):
                return Kind.NONE  # `mask is None`: decided by the arguments passed, not by tensor data
            return max(kinds)
        if type(node) in (cst.Tuple, cst.List):
            kinds = [self._expr(e.value) for e in node.elements]
            self.container_nodes.add(node)
            if not any(type(e) is cst.StarredElement for e in node.elements):
                self.elements[node] = tuple(kinds)
            return max(kinds, default=Kind.NONE)
        if type(node) is cst.IfExp:
            self._expr(node.test)
            kind = max(self._expr(node.body), self._expr(node.orelse))
            if node.body in self.container_nodes and node.orelse in self.container_nodes:
                self.container_nodes.add(node)
            return kind
        if type(node) in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            return self._comprehension(node)
        if type(node) is cst.Dict:
            kinds = [self._expr(e.value) for e in node.elements]
            self.container_nodes.add(node)
            self.mappings.add(node)
            return max(kinds, default=Kind.NONE)
        return Kind.NONE

    def _comprehension(self, node) -> Kind:
        """`[b.size(0) for b in boxes]`: the kind of its elements; the names it binds stay inside."""
        saved_env, saved_properties, saved_containers = dict(self.env), dict(self.property_names), set(self.containers)
        saved_loops = dict(self.module_loops)
        clause = node.for_in
        while clause is not None:
            self._bind(clause.target, self._loop_element(clause.iter), self._loop_elements(clause.iter))
            if self._iterated_guess(clause.iter):
                self._guess(clause.target)
            self._module_loop(clause.target, clause.iter)
            for condition in clause.ifs:
                self._expr(condition.test)
            clause = clause.inner_for_in
        if type(node) is cst.DictComp:
            kind = max(self._expr(node.key), self._expr(node.value))
        else:
            kind = self._expr(node.elt)
        self.env, self.property_names, self.containers = saved_env, saved_properties, saved_containers
        self.module_loops = saved_loops
        if type(node) is not cst.GeneratorExp:
            self.container_nodes.add(node)
        return kind
