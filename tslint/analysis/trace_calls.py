"""The kinds of calls in a traced function (see tslint/analysis/trace_taint.py for the kinds).

A call's kind follows from its callee: a tensor's method (`x.size(0)` a SIZE, `x.item()` a VALUE,
`x.view(...)` a TENSOR), a Python builtin or `math` function (a VALUE computed from tensors is frozen),
a torch operator (tensors in, a tensor out), the project's own function (answered by the `calls` hook
with the callee's summary for these argument kinds) or anything else (a tensor in, a tensor out, as a
guess). `CallKinds` is the part of `TaintAnalysis` that computes them; it reads and marks the
analysis's state (`env`, `kinds`, `container_nodes`, `guessed_nodes`, `mappings`, `elements`, ...),
which `TaintAnalysis.__init__` sets up.
"""

from __future__ import annotations

from typing import Callable, Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable
from tslint.analysis.trace_values import (
    MATH_ARITHMETIC,
    OPERATOR_MODULES,
    PREDICATES,
    PYTHON_CONVERSIONS,
    RANK_METHODS,
    SEQUENCE_BUILDERS,
    SIZE_METHODS,
    SIZE_PRESERVING,
    TENSOR_FACTORIES,
    TENSOR_SEQUENCES,
    VALUE_METHODS,
    Kind,
)

# What a call to a project function gives: the kind of its result, and of each element when every
# return of the function is a tuple display of one length (`return x, h, w`); None when unknown.
# Then whether every return is a list or tuple (a display, a comprehension, `list(...)`), and which
# elements of a returned tuple display are.
# Last, whether a return is only guessed to be a tensor (see `is_guess`).
CallAnswer = Tuple[Kind, Optional[Tuple[Kind, ...]], bool, Optional[Tuple[bool, ...]], bool]
# (call, positional kinds, keyword kinds, the arguments ("0", "1", ... or keywords) that are lists,
# tuples or guessed tensors, and for `blk(x)` in `for blk in self.blocks:` ("blocks", 1): the module
# container and how deep inside it; see TaintAnalysis._module_loop)
CallHook = Callable[
    [cst.Call, List[Kind], Dict[str, Kind], FrozenSet[str], Optional[Tuple[str, int]]], Optional[CallAnswer]
]


# Methods of a list that put their arguments in it.
FILLING_METHODS = frozenset({"append", "extend", "insert"})


class CallKinds:
    """The call half of `TaintAnalysis`: `_call` gives the kind of one call whose arguments it evaluates."""

    # The state of the analysis these methods read and mark (set up by TaintAnalysis.__init__).
    imports: ImportTable
    self_name: Optional[str]
    torch_layers: FrozenSet[str]
    calls: Optional[CallHook]
    objects: Optional[Callable[[cst.BaseExpression], Optional[FrozenSet[str]]]]
    object_nodes: Dict[cst.CSTNode, FrozenSet[str]]
    kinds: Dict[cst.CSTNode, Kind]
    elements: Dict[cst.CSTNode, Tuple[Kind, ...]]
    element_containers: Dict[cst.CSTNode, Tuple[bool, ...]]
    container_nodes: set
    guessed_nodes: set
    mappings: set
    module_loops: Dict[str, Tuple[str, int]]
    env: Dict[str, Kind]
    containers: set

    def _expr(self, node: cst.BaseExpression) -> Kind:
        raise NotImplementedError  # TaintAnalysis evaluates (and records) every expression

    def _call(self, node: cst.Call) -> Kind:
        arguments = [self._expr(argument.value) for argument in node.args]
        strongest = max(arguments, default=Kind.NONE)
        func = node.func
        if isinstance(func, cst.Attribute) and not (
            isinstance(func.value, cst.Name) and func.value.value == self.self_name
        ):
            receiver = self._expr(func.value)
            method = func.attr.value
            if method in FILLING_METHODS and isinstance(func.value, cst.Name) and func.value.value in self.containers:
                # `sizes.append(x.shape[0])`: the list holds what it is given (sizes stay sizes)
                name = func.value.value
                self.env[name] = max(self.env.get(name, Kind.NONE), strongest)
                return Kind.NONE
            if (
                method in ("values", "items", "keys")
                and not node.args
                and (receiver is not Kind.TENSOR or func.value in self.container_nodes)
            ):
                self.container_nodes.add(node)  # a dict's view
            if method == "keys" and not node.args:
                self.container_nodes.add(node)
                return Kind.NONE  # a dict's keys (tensors have no `keys()`): names, fixed
            if receiver is Kind.TENSOR:
                if method in TENSOR_SEQUENCES:
                    self.container_nodes.add(node)
                if method in SIZE_METHODS:
                    return Kind.SIZE
                if method in RANK_METHODS:
                    return Kind.NONE
                if method in VALUE_METHODS:
                    return Kind.VALUE
                if method.startswith("is_") and method not in ("is_nonzero", "is_same_size"):
                    return Kind.NONE  # `x.is_floating_point()`, `x.is_contiguous()`: metadata, fixed (probed)
                return Kind.TENSOR
            if receiver is Kind.SIZE and method == "numel" and not node.args:
                return Kind.VALUE  # `x.size().numel()`: torch.Size multiplies in C++, a constant (no warning)
            if receiver is not Kind.NONE:
                return self._unknown_call(node, max(receiver, strongest))
        name = self.imports.qualify(func) or ""
        if name in SEQUENCE_BUILDERS:
            self.container_nodes.add(node)
            if name == "dict":
                self.mappings.add(node)
        if name in PREDICATES or name.startswith(("torch.jit.", "torch._C.")):
            return Kind.NONE
        if name.startswith("torch.") and name.rsplit(".", 1)[-1].startswith(("is_", "has_")):
            return Kind.NONE  # predicates about types and settings (`torch.is_tensor`, `has_torch_function`)
        if name == "len" and node.args and _is_whole_shape(node.args[0].value):
            return Kind.NONE  # len(x.shape) is the rank
        if (
            name == "len"
            and node.args
            and (node.args[0].value in self.container_nodes or node.args[0].value in self.guessed_nodes)
        ):
            return Kind.NONE  # the length of a list or tuple: its structure, fixed for the traced model
        if name == "len" or name == "torch.numel":
            return Kind.SIZE if strongest >= Kind.SIZE else strongest
        if name in PYTHON_CONVERSIONS or (name.startswith("math.") and name not in MATH_ARITHMETIC):
            return Kind.VALUE if strongest is not Kind.NONE else Kind.NONE
        if name in SIZE_PRESERVING or name in MATH_ARITHMETIC:
            return strongest
        if name.startswith("torch."):
            # A torch function of tensors gives a tensor; without tensor arguments only a factory
            # does (`torch.zeros`); others are settings (`torch.backends.mha.get_fastpath_enabled()`).
            factory = name.rsplit(".", 1)[-1] in TENSOR_FACTORIES
            if name.rsplit(".", 1)[-1] in TENSOR_SEQUENCES:
                self.container_nodes.add(node)
            kind = Kind.TENSOR if strongest is Kind.TENSOR or factory else strongest
            if name.rsplit(".", 1)[0] not in OPERATOR_MODULES:
                return self._unknown_call(node, kind)  # `torch.utils._pytree.tree_flatten(x)`: not an operator
            return kind
        kind = self._project_answer(node)
        if kind is not None:
            return kind
        return self._unknown_call(node, strongest)  # a helper or submodule call: a tensor in, a tensor out

    def _project_answer(self, node: cst.Call) -> Optional[Kind]:
        """A call of the project's own: a plain class built (no tensor itself), or a function or
        method whose summary answers; None when neither."""
        attributes = self.objects(node.func) if self.objects is not None else None
        if attributes is not None:
            self.object_nodes[node] = attributes
            return Kind.NONE  # an instance of a plain project class: its tensors are its attributes
        answer = self._project_call(node)
        if answer is None:
            return None
        kind, elements, container, element_containers, guess = answer
        if guess:
            self.guessed_nodes.add(node)
        if elements is not None:
            self.elements[node] = elements
        if container:
            self.container_nodes.add(node)
        if element_containers is not None:
            self.element_containers[node] = element_containers
        return kind

    def _unknown_call(self, node: cst.Call, kind: Kind) -> Kind:
        """A call tslint cannot see into: a tensor in, a tensor out, though only as a guess (it may
        give a list or a tuple of them)."""
        func = node.func
        layer = (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == self.self_name
            and (func.attr.value in self.torch_layers)
        )
        if kind is Kind.TENSOR and not layer:
            self.guessed_nodes.add(node)
        return kind

    def _project_call(self, node: cst.Call) -> Optional[CallAnswer]:
        """What the project's own function called here returns for these arguments, if known."""
        if self.calls is None:
            return None
        positional: List[Kind] = []
        keywords: Dict[str, Kind] = {}
        shaky = set()
        for argument in node.args:
            kind = self.kinds.get(argument.value, Kind.NONE)
            if argument.star:
                return None  # `f(*sizes)`: which parameter gets what is unknown
            name = argument.keyword.value if argument.keyword is not None else str(len(positional))
            if argument.value in self.container_nodes or argument.value in self.guessed_nodes:
                shaky.add(name)
            if argument.keyword is not None:
                keywords[argument.keyword.value] = kind
            else:
                positional.append(kind)
        element_of = self.module_loops.get(node.func.value) if isinstance(node.func, cst.Name) else None
        return self.calls(node, positional, keywords, frozenset(shaky), element_of)


def _is_whole_shape(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Attribute) and node.attr.value == "shape":
        return True
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "size"
        and not node.args
    )
