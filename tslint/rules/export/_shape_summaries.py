"""What a function does with a tensor whose rows depend on data: a summary per function, read across
files by TS502 and by the export values of the function's callers (_values.py).

torch.export.export gives the size of `x.nonzero()`, `torch.where(mask)[0]` or `boxes[keep]` an
unbacked symbol, and fails where Python code decides on it — often not where the tensor is made but
in a helper it is handed to: torchvision's detection heads filter boxes by score and pass them to
`batched_nms`, whose `if boxes.numel() > 4000` then fails ("Could not guard on data-dependent
expression"; probed in torch 2.13 on fcos_resnet50_fpn). A summary is computed while the file is
indexed (_index_facts.py), from the function's own syntax: for each parameter, what happens if its
rows depend on data — whether the function decides on its size, what it returns then, and which
calls it hands it on to (followed at lint time, across files); and what the function returns
whatever its arguments (`remove_small_boxes` returns `torch.where(keep)[0]`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, plain_parameters
from tslint.analysis.trace_taint import TaintAnalysis
from tslint.analysis.traversal import walk
from tslint.index.model import FunctionInfo
from tslint.rules.export._values import DYNAMIC, DYNAMIC_SHAPE, SHAPES, ExportValues, unbacked_decision

FACT = "export-shape-summary"
DEPTH = 6  # helpers followed from a call, at most


@dataclass(frozen=True)
class ShapeSummary:
    parameters: Tuple[str, ...]  # positional parameters after `self`, then keyword-only ones, by name
    returns: FrozenSet[str]  # DYNAMIC_SHAPE / DYNAMIC_ELEMENTS of the result, whatever the arguments
    decides: FrozenSet[str]  # parameters whose data-dependent size the function's own code decides on
    passes: Tuple[Tuple[str, FrozenSet[str]], ...]  # parameter -> kinds of the result when it has such rows
    forwards: Tuple[Tuple[str, str, str], ...]  # (parameter, callee, callee's parameter: position or name)


def summarize(function: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Optional[tuple]:
    """The summary of one function (an index fact extractor) as plain tuples of strings, which the
    result cache's restricted unpickler accepts; None when it says nothing, or when the function is
    nested too deeply to follow (a 3000-branch `elif` chain): unknown is silent."""
    try:
        return _summarize(function, imports, owner)
    except RecursionError:
        return None


def _summarize(function: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Optional[tuple]:
    self_name = _self_name(function, owner)
    parameters = tuple(p.name.value for p in plain_parameters(function, self_name))
    taint = TaintAnalysis(function, imports, self_name, ())
    plain = ExportValues(function, taint, imports.qualify)
    returns = plain.returned & SHAPES
    decides, passes, forwards = set(), [], []
    for name in parameters:
        values = ExportValues(function, taint, imports.qualify, seeds={name: DYNAMIC})
        if any(unbacked_decision(values, test) for test in decisions(function, imports)):
            decides.add(name)
        result = (values.returned & SHAPES) - returns
        if result:
            passes.append((name, result))
        for call, slot in _dynamic_arguments(function, values, plain):
            callee = _callee_name(call, imports, owner, self_name)
            if callee is not None:
                forwards.append((name, callee, slot))
    if not (returns or decides or passes or forwards):
        return None
    return (
        parameters,
        tuple(sorted(returns)),
        tuple(sorted(decides)),
        tuple((name, tuple(sorted(kinds))) for name, kinds in passes),
        tuple(dict.fromkeys(forwards)),
    )


def decisions(function: cst.FunctionDef, imports: ImportTable) -> List[cst.BaseExpression]:
    """The conditions of `if`, `while` and conditional expressions of the function's own body, and
    the arguments of its `range(...)` loop counts: the Python decisions export must take."""
    found: List[cst.BaseExpression] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not function:
            return False
        if isinstance(node, (cst.If, cst.While, cst.IfExp)):
            found.append(node.test)
        elif isinstance(node, cst.For) and isinstance(node.iter, cst.Call):
            if imports.qualify(node.iter.func) == "range":
                found.extend(argument.value for argument in node.iter.args)
        return True

    walk(function, enter)
    return found


def _self_name(function: cst.FunctionDef, owner: Optional[str]) -> Optional[str]:
    if owner is None or any(_decorator_name(d) == "staticmethod" for d in function.decorators):
        return None
    params = (*function.params.posonly_params, *function.params.params)
    return params[0].name.value if params else None


def _decorator_name(decorator: cst.Decorator) -> str:
    return decorator.decorator.value if isinstance(decorator.decorator, cst.Name) else ""


def _dynamic_arguments(function: cst.FunctionDef, values: ExportValues, plain: ExportValues):
    """(call, the callee's parameter slot) for each argument the seeded parameter makes a tensor with
    data-dependent rows (and that has none without it)."""
    calls: List[cst.Call] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call):
            calls.append(node)
        return True

    walk(function, enter)
    for call in calls:
        for slot, argument in slotted_arguments(call):
            if DYNAMIC_SHAPE in values.kind(argument.value) and DYNAMIC_SHAPE not in plain.kind(argument.value):
                yield call, slot


def _callee_name(call: cst.Call, imports: ImportTable, owner: Optional[str], self_name: Optional[str]):
    func = call.func
    if (
        owner is not None
        and isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == self_name
    ):
        return f"{owner}.{func.attr.value}"  # a method of the class, or of a base class (resolved later)
    return imports.qualify(func)


# --- at lint time: the project index -------------------------------------------------------------


def summary_of(function: Optional[FunctionInfo]) -> Optional[ShapeSummary]:
    found = function.fact(FACT) if function is not None else None
    if found is None:
        return None
    parameters, returns, decides, passes, forwards = found
    return ShapeSummary(
        parameters,
        frozenset(returns),
        frozenset(decides),
        tuple((name, frozenset(kinds)) for name, kinds in passes),
        forwards,
    )


def resolve_function(index, qualified: Optional[str]) -> Optional[FunctionInfo]:
    """The project function a qualified name names: a function, or a method found along the MRO of
    the class named before its last dot."""
    qualified = index.resolve(qualified)
    if qualified is None:
        return None
    found = index.functions.get(qualified)
    if found is not None:
        return found
    owner, _, method = qualified.rpartition(".")
    klass = index.classes.get(index.resolve(owner))
    if klass is None:
        return None
    for base in index.mro(klass):
        if method in base.methods:
            return base.methods[method]
    return None


def bound_parameter(summary: ShapeSummary, slot: str) -> Optional[str]:
    """The parameter an argument slot (a position as a string, or a keyword) binds."""
    if slot.isdigit():
        position = int(slot)
        return summary.parameters[position] if position < len(summary.parameters) else None
    return slot if slot in summary.parameters else None


def decides(index, function: FunctionInfo, parameter: str, memo: Dict, depth: int = 0) -> bool:
    """Whether the function, or a helper it hands the parameter on to, decides on the size of the
    parameter in Python when the parameter's rows depend on data."""
    key = (function.qualname, parameter)
    if key in memo:
        return memo[key]
    memo[key] = False  # recursion: no
    summary = summary_of(function)
    found = False
    if summary is not None:
        found = parameter in summary.decides
        for name, callee, slot in summary.forwards if not found and depth < DEPTH else ():
            target = resolve_function(index, callee) if name == parameter else None
            target_summary = summary_of(target)
            bound = bound_parameter(target_summary, slot) if target_summary is not None else None
            if bound is not None and decides(index, target, bound, memo, depth + 1):
                found = True
                break
    memo[key] = found
    return found


def call_result(summary: ShapeSummary, slots: List[Tuple[str, FrozenSet[str]]]) -> FrozenSet[str]:
    """The kinds of a call's result from the callee's summary and each argument slot's kinds."""
    found = summary.returns
    passing = dict(summary.passes)
    for slot, kind in slots:
        parameter = bound_parameter(summary, slot)
        if parameter in passing and DYNAMIC_SHAPE in kind:
            found = found | passing[parameter]
    return found


def slotted_arguments(call: cst.Call) -> List[Tuple[str, cst.Arg]]:
    """(slot, argument) of a call's arguments up to the first `*args`/`**kwargs`: the slot is the
    keyword, or the position among the positional arguments."""
    found: List[Tuple[str, cst.Arg]] = []
    position = 0
    for argument in call.args:
        if argument.star:
            break
        found.append((argument.keyword.value if argument.keyword is not None else str(position), argument))
        position += argument.keyword is None
    return found


def argument_slots(call: cst.Call, kinds: List[FrozenSet[str]]) -> List[Tuple[str, FrozenSet[str]]]:
    """(slot, kinds) of a call's arguments up to the first `*args`/`**kwargs`; `kinds` per argument."""
    return [(slot, kind) for (slot, _), kind in zip(slotted_arguments(call), kinds)]


def callee(context, call: cst.Call) -> Optional[FunctionInfo]:
    """The project function a call of the observed function runs, if exactly one: `helper(...)`,
    `module.helper(...)`, `self.method(...)`, or `self.helper_object.method(...)` of an object the
    class builds from a project class (`self.box_coder = BoxCoder(...)`)."""
    func = call.func
    index = context.scope.index
    self_name = context.compiled.info.self_name
    if isinstance(func, cst.Attribute) and self_name is not None:
        if isinstance(func.value, cst.Name) and func.value.value == self_name:
            found = {resolve_function(index, f"{name}.{func.attr.value}") for name, _ in context.classes()}
            return found.pop() if len(found) == 1 else None
        attribute = context.self_attribute(func.value)
        if attribute is not None:
            found = set()
            for assignment in context.attribute(attribute):
                if assignment.kind.value != "call":
                    return None
                found.add(resolve_function(index, f"{assignment.callee}.{func.attr.value}"))
            return found.pop() if len(found) == 1 else None
    return resolve_function(index, context.qualify(func))


def export_values(context) -> ExportValues:
    """The analysis of the function the context observes, with what its calls of project functions
    return (their summaries), computed once and shared by the rules."""
    key = ("export-values", id(context.scope), context.compiled.info.ordinal)
    found: Optional[ExportValues] = context.file_facts.get(key)
    if found is None:

        def callees(call: cst.Call, kinds: List[FrozenSet[str]]) -> Optional[FrozenSet[str]]:
            summary = summary_of(callee(context, call))
            return call_result(summary, argument_slots(call, kinds)) if summary is not None else None

        found = ExportValues(context.node, context.taint(), context.qualify, context.types(), callees=callees)
        context.file_facts[key] = found
    return found
