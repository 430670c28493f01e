from __future__ import annotations

from typing import FrozenSet, Iterable, List, Set

import libcst as cst

from tslint.analysis.imports import plain_parameters
from tslint.analysis.schema_types import TENSOR
from tslint.analysis.trace_taint import PYTHON_CONVERSIONS, Kind, TaintAnalysis
from tslint.analysis.traversal import walk
from tslint.findings import Mode, Severity
from tslint.index.model import FunctionInfo
from tslint.rule import Rule, RuleContext
from tslint.rules.export._shape_summaries import (
    _definition,
    _self_name,
    callee,
    export_values,
    slotted_arguments,
)
from tslint.rules.export._values import DATA

DIMENSION_KEYWORDS = frozenset({"dim", "dims", "axis"})
# Tensor methods whose first positional argument is a dimension (`x.sum(1)`); as torch functions
# (`torch.sum(x, 1)`) the dimension comes after the tensor.
FIRST_DIMENSION = frozenset(
    {
        *("all", "amax", "amin", "any", "argmax", "argmin", "count_nonzero", "cumprod", "cumsum", "log_softmax"),
        *("logsumexp", "mean", "nanmean", "nansum", "prod", "softmax", "squeeze", "std", "sum", "unbind"),
        *("unsqueeze", "var"),
    }
)
# Tensor methods whose positional arguments are all dimensions (`x.permute(0, *axes)`).
ALL_DIMENSIONS = frozenset({"flip", "movedim", "permute", "transpose"})


class TensorDataAsDimension(Rule):
    """Exported code passes a Python value read from a tensor (`.tolist()`, `.item()`) as a dimension:
    `dim=`, `x.sum(d)`, `x.permute(*dims)`.

    A value read from a tensor's data is an unbacked symbol at export time; a dimension must be a
    concrete integer, so torch.export.export fails at the call, non-strict and strict ("Could not
    extract specialized integer from data-dependent expression u0"; probed in torch 2.13 on
    `torch.sum(x, dim=torch.arange(1, x.dim()).tolist())`). A value that a `torch._check(...)` of the
    function constrains, and a conversion (`int(...)`, TS505's), are left alone.
    """

    code = "TS511"
    name = "tensor-data-as-dimension-in-export"
    severity = Severity.ERROR
    mode = Mode.EXPORT
    message = "`{argument}`, read from a tensor, is used as a dimension: torch.export.export needs a concrete integer."
    fix_hint = (
        "Compute dimensions in Python (`list(range(1, x.dim()))`), not with tensor ops and `.tolist()` or `.item()`."
    )
    torch_messages = ("Could not extract specialized integer from data-dependent expression",)

    call_message = (
        "`{argument}`, read from a tensor, is handed to `{callee}`, which uses it as a dimension: "
        "torch.export.export needs a concrete integer."
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        values = export_values(context)
        if values.behind_shape_decision(node):
            return  # reached on some input shapes only
        taint = context.taint()
        for argument in dimensions(node, context.qualify, lambda e: taint.kind(e) is Kind.TENSOR):
            if self._data(argument.value, values, context):
                context.report(argument, self.message.format(argument=self._text(argument.value, context)))
                return
        data = [(slot, a) for slot, a in slotted_arguments(node) if self._data(a.value, values, context)]
        if not data:
            return
        function = callee(context, node)
        used = _dimension_parameters(context, function) if function is not None else frozenset()
        if function is None or not used:
            return
        for slot, argument in data:
            if _bound(function, used, slot):
                text = self._text(argument.value, context)
                context.report(argument, self.call_message.format(argument=text, callee=function.name))
                return

    index_message = "`{index}`, {what}, indexes a Python {container}: torch.export.export needs a concrete integer."

    def visit_Subscript(self, node: cst.Subscript, context: RuleContext) -> None:
        """`choices[i]` with `choices` a Python list or tuple and `i` a tensor or a value read from one:
        Python calls `i.__index__()`, which needs the value (probed in torch 2.13, non-strict and strict:
        "Could not extract specialized integer from data-dependent expression u0")."""
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return
        container = python_sequence(node.value, context)
        if container is None:
            return
        values = export_values(context)
        index = node.slice[0].slice.value
        if values.behind_shape_decision(node) or values.is_checked(index):
            return
        if self._data(index, values, context):
            what = "read from a tensor"
        elif evident_tensor(index, context, values, 3):
            what = "a tensor"
        else:
            return
        text = self._text(index, context)
        context.report(node.slice[0], self.index_message.format(index=text, what=what, container=container))

    @staticmethod
    def _data(value: cst.BaseExpression, values, context: RuleContext) -> bool:
        if DATA not in values.kind(value) or values.is_checked(value):
            return False
        # a conversion (`int(t)`) is TS505's
        return not (isinstance(value, cst.Call) and (context.qualify(value.func) or "") in PYTHON_CONVERSIONS)

    @staticmethod
    def _text(value: cst.BaseExpression, context: RuleContext) -> str:
        return context.source[0].code_for_node(value) if context.source[0] else "argument"


def evident_tensor(value: cst.BaseExpression, context: RuleContext, values, depth: int) -> bool:
    """Whether `value` is a Tensor by the type model and evidently so for export, where an unannotated
    parameter may be a Python number: computed by a call only a tensor answers as one
    (ExportValues.evidently_tensor), a parameter annotated as a Tensor, or a local bound only to such
    values (assigned, or the target of a loop over one)."""
    if context.types().type_of(value) != TENSOR and not isinstance(value, cst.Name):
        return False
    if values.evidently_tensor(value):
        return True
    if not isinstance(value, cst.Name) or depth == 0:
        return False
    parameter = context.typed_parameters().get(value.value)
    if parameter is not None:
        annotation = parameter.annotation
        return annotation is not None and (context.qualify(annotation.annotation) or "") == "torch.Tensor"
    bound = list(context.plain_assignments().get(value.value, ()))
    loops = [
        each.iter
        for each in _loops(context.node)
        if isinstance(each.target, cst.Name) and each.target.value == value.value
    ]
    if loops and bound or not (loops or bound):
        return False
    return all(evident_tensor(each, context, values, depth - 1) for each in bound + loops)


def _loops(function: cst.FunctionDef) -> List[cst.For]:
    found: List[cst.For] = []

    def enter(current: cst.CSTNode) -> bool:
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not function:
            return False
        if isinstance(current, cst.For):
            found.append(current)
        return True

    walk(function, enter)
    return found


SEQUENCE_CALLS = {"list": "list", "tuple": "tuple"}


def python_sequence(value: cst.BaseExpression, context: RuleContext):
    """ "list" or "tuple" when `value` is evidently a Python list or tuple: a display, a comprehension,
    a `list(...)`/`tuple(...)` call, or a local the function binds only to those; None otherwise."""
    if isinstance(value, cst.Name):
        bound = context.plain_assignments().get(value.value)
        if not bound or value.value in context.typed_parameters():
            return None
        kinds = {python_sequence(each, context) if not isinstance(each, cst.Name) else None for each in bound}
        return kinds.pop() if len(kinds) == 1 else None
    if isinstance(value, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(value, cst.Tuple):
        return "tuple"
    if isinstance(value, cst.Call) and not isinstance(value.func, cst.Attribute):
        return SEQUENCE_CALLS.get(context.qualify(value.func) or "")
    return None


def dimensions(node: cst.Call, qualify, is_tensor) -> Iterable[cst.Arg]:
    """The arguments of a call of a torch function or tensor method that are dimensions."""
    func = node.func
    name = qualify(func) or ""
    if isinstance(func, cst.Attribute) and is_tensor(func.value):
        method, offset = func.attr.value, 0
    elif name.startswith("torch.") and name.count(".") == 1:
        method, offset = name[len("torch.") :], 1  # the tensor comes first
    else:
        return
    positional = [a for a in node.args if a.keyword is None]
    for argument in node.args:
        if argument.keyword is not None and argument.keyword.value in DIMENSION_KEYWORDS:
            yield argument
    if method in FIRST_DIMENSION and len(positional) > offset:
        yield positional[offset]
    elif method in ALL_DIMENSIONS:
        yield from positional[offset:]


def _dimension_parameters(context: RuleContext, function: FunctionInfo) -> FrozenSet[str]:
    """The parameters a project function passes, as they are, as a dimension of a torch call (a
    helper reducing over the axes it is given: `torch.sum(x, dim=reduce_axis)`)."""
    memo = context.shared.setdefault("export-dimension-parameters", {})
    if function.key in memo:
        return memo[function.key]
    memo[function.key] = frozenset()
    node = _definition(context, function)
    file = context.scope.index.by_path.get(function.path)
    if node is None or file is None:
        return frozenset()
    self_name = _self_name(node, function.owner)
    parameters = {p.name.value for p in plain_parameters(node, self_name)}
    taint = TaintAnalysis(node, file.imports, self_name, ())
    found: Set[str] = set()

    def enter(current: cst.CSTNode) -> bool:
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not node:
            return False
        if isinstance(current, cst.Call):
            for argument in dimensions(current, file.imports.qualify, lambda e: taint.kind(e) is Kind.TENSOR):
                if isinstance(argument.value, cst.Name) and argument.value.value in parameters:
                    found.add(argument.value.value)
        return True

    walk(node, enter)
    memo[function.key] = frozenset(found)
    return memo[function.key]


def _bound(function: FunctionInfo, used: FrozenSet[str], slot: str) -> bool:
    """Whether the argument slot binds one of the parameters `used`."""
    if not slot.isdigit():
        return slot in used
    names = [name for name, _ in function.parameters]  # positional-or-keyword, after `self`
    return int(slot) < len(names) and names[int(slot)] in used
