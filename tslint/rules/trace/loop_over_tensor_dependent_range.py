from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import Kind
from tslint.analysis.traversal import code_of, walk
from tslint.findings import Mode, Severity
from tslint.index.model import JIT_SCRIPT
from tslint.rule import Rule, RuleContext

# TorchScript types (the type model's) that iterate as Python sequences, not as a tensor's rows.
CONTAINER_KINDS = frozenset({"List", "Tuple", "Dict", "Optional", "Union", "Class"})


SCRIPTED_LIST = (
    "`{name}(...)` is a `@torch.jit.script` function returning a list it fills in a loop: torch.jit.trace records "
    "the list with the example input's length."
)


class LoopOverTensorDependentRange(Rule):
    """Traced code loops a number of times that depends on a tensor: `for i in range(x.size(0))`, or
    iterates over a tensor (`for row in x`).

    The tracer unrolls the loop for the example input's size, so other sizes run the wrong number of
    iterations: silently for `range(n)`, with "TracerWarning: Iterating over a tensor" for a tensor,
    also inside `zip(...)`, `enumerate(...)` or a comprehension. A call to a `@torch.jit.script`
    function that returns a list it fills in a loop (`out.append(r)` in `for r in x:`) keeps its
    loop, but the trace records the list it returned for the example input, with that length.
    """

    code = "TS403"
    name = "loop-over-tensor-dependent-range"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "This loop runs {count}: torch.jit.trace unrolls it for the example input, silently."
    fix_hint = "Use a vectorised tensor operation, or move the loop into a `@torch.jit.script` function."

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        """A `@torch.jit.script` function of this file returning a list it fills in a loop: the trace
        records the list the example input gave, with its length."""
        index = context.scope.index
        name = index.resolve(context.qualify(node.func))
        function = index.functions.get(name) if name is not None else None
        if function is None or not function.has_decorator(JIT_SCRIPT) or function.path != context.file.path:
            return
        definition = context.nodes.get(function.ordinal)
        if definition is not None and _fills_a_list(definition, context):
            context.report(node, SCRIPTED_LIST.format(name=code_of(node.func)))

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        self._check(node.iter, context, False)

    def visit_CompFor(self, node: cst.CompFor, context: RuleContext) -> None:
        self._check(node.iter, context, True)

    def _check(self, iterable: cst.BaseExpression, context: RuleContext, typed: bool) -> None:
        """`typed`: iterating rows only where the type model types the iterable a Tensor (lists
        pass through comprehensions, zip and enumerate more often than tensors do)."""
        taint = context.taint()
        name = context.qualify(iterable.func) if isinstance(iterable, cst.Call) else None
        if name == "range":
            kind = max((taint.kind(argument.value) for argument in iterable.args), default=Kind.NONE)
            if kind is not Kind.NONE:
                count = (
                    "as many times as a tensor's size" if kind is Kind.SIZE else "a tensor-dependent number of times"
                )
                context.report(iterable, self.message.format(count=count))
        elif name in ("zip", "enumerate"):  # each argument is iterated
            if any(_rows(argument.value, context, True) for argument in iterable.args if not argument.star):
                context.report(iterable, self.message.format(count="once per row of a tensor"))
            elif name == "enumerate" and iterable.args and _pieces(iterable.args[0].value, context):
                context.report(iterable, self.message.format(count=PIECES))
        elif _rows(iterable, context, typed):
            context.report(iterable, self.message.format(count="once per row of a tensor"))
        elif _pieces(iterable, context):
            context.report(iterable, self.message.format(count=PIECES))


PIECES = "once per piece of a tensor's first dimension"


def _pieces(iterable: cst.BaseExpression, context: RuleContext) -> bool:
    """`x.split(2)`, `x.unbind()`, `torch.split(x, n)` along the first dimension (the batch): how many
    pieces there are depends on its size, and the trace records the example input's count, with no
    warning (probed in torch 2.13). Not a split into a list of sizes (`x.split([2, 3])`: as many
    pieces as sizes), along another dimension (channels are fixed for a model), or of what may not be
    a tensor."""
    if not isinstance(iterable, cst.Call) or any(a.star for a in iterable.args):
        return False
    func = iterable.func
    arguments = list(iterable.args)
    if isinstance(func, cst.Attribute) and func.attr.value in ("split", "unbind"):
        method, tensor = func.attr.value, func.value
        if context.qualify(func) in ("torch.split", "torch.unbind"):
            if not arguments or arguments[0].keyword is not None:
                return False
            tensor, arguments = arguments[0].value, arguments[1:]
    else:
        return False
    taint = context.taint()
    if taint.kind(tensor) is not Kind.TENSOR or taint.is_container(tensor) or taint.is_guess(tensor):
        return False
    if context.types().type_of(tensor).kind != "Tensor":
        return False
    positional = [a for a in arguments if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in arguments if a.keyword is not None}
    dims = positional[1:2] if method == "split" else positional[:1]
    dim = keywords.get("dim", dims[0].value if dims else None)
    if dim is not None and not (isinstance(dim, cst.Integer) and dim.evaluated_value == 0):
        return False
    if method == "unbind":
        return True
    size = keywords.get(
        "split_size_or_sections", keywords.get("split_size", positional[0].value if positional else None)
    )
    return isinstance(size, cst.Integer) or (size is not None and taint.kind(size) is Kind.SIZE)


def _rows(iterable: cst.BaseExpression, context: RuleContext, typed: bool) -> bool:
    """Whether iterating the expression iterates a tensor's rows: a tensor by provenance, neither a
    list or tuple display nor a parameter only guessed to be a tensor, and not a container by type
    (`typed`: a Tensor by type)."""
    taint = context.taint()
    if taint.kind(iterable) is not Kind.TENSOR or taint.is_container(iterable) or taint.is_guess(iterable):
        return False
    kind = context.types().type_of(iterable).kind
    return kind == "Tensor" if typed else kind not in CONTAINER_KINDS


def _fills_a_list(function: cst.FunctionDef, context: RuleContext) -> bool:
    """Whether the function is annotated to return a list and appends to one inside a loop."""
    returns = function.returns
    annotation = returns.annotation if returns is not None else None
    base = annotation.value if isinstance(annotation, cst.Subscript) else annotation
    if base is None or context.qualify(base) not in ("typing.List", "list"):
        return False
    found = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.For, cst.While)):
            walk(node.body, inner)
            return False
        return not isinstance(node, (cst.FunctionDef, cst.Lambda))

    def inner(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "append":
            found.append(node)
        return not isinstance(node, (cst.FunctionDef, cst.Lambda))

    walk(function.body, enter)
    return bool(found)
