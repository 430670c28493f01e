"""What a function does with a tensor whose rows depend on data: a summary per function, read by
TS502 and by the export values of the function's callers (_values.py), across files.

torch.export.export gives the size of `x.nonzero()`, `torch.where(mask)[0]` or `boxes[keep]` an
unbacked symbol, and fails where Python code decides on it — often not where the tensor is made but
in a helper it is handed to: torchvision's detection heads filter boxes by score and pass them to
`batched_nms`, whose `if boxes.numel() > 4000` then fails ("Could not guard on data-dependent
expression"; probed in torch 2.13 on fcos_resnet50_fpn). A summary says, from the function's own
syntax and its helpers' summaries: for each parameter, what happens if its rows depend on data —
whether the function decides on its size, what it returns then, and which calls it hands it on to
(followed by `decides`, across files); and what the function returns whatever its arguments
(`remove_small_boxes` returns `torch.where(keep)[0]`; a helper returning that helper's result does
too).

Summaries are computed at lint time, in export mode only, for the functions an export rule's
question reaches (the callees of exported code, and theirs), once per function and run: computing
one for every function while files were indexed made every mode ~45 % slower.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, plain_parameters
from tslint.analysis.trace_taint import TaintAnalysis
from tslint.analysis.traversal import walk
from tslint.index.model import FunctionInfo
from tslint.rules.export._values import (
    DYNAMIC,
    DYNAMIC_SHAPE,
    SHAPES,
    UNBACKED,
    Callees,
    ExportValues,
    unbacked_decision,
)

DEPTH = 6  # helpers followed from a call, at most
# What a summary says of a result: a tensor with data-dependent rows, a tuple of them, or the size of
# one (`return ops.filtered(boxes, scores).shape[0]`: deciding on it is TS502's, not TS501's).
RETURNED = SHAPES | {UNBACKED}


@dataclass(frozen=True)
class ShapeSummary:
    parameters: Tuple[str, ...]  # positional parameters after `self`, then keyword-only ones, by name
    returns: FrozenSet[str]  # DYNAMIC_SHAPE / DYNAMIC_ELEMENTS / UNBACKED of the result, whatever the arguments
    decides: FrozenSet[str]  # parameters whose data-dependent size the function's own code decides on
    passes: Tuple[Tuple[str, FrozenSet[str]], ...]  # parameter -> kinds of the result when it has such rows
    forwards: Tuple[Tuple[str, str, str], ...]  # (parameter, callee, callee's parameter: position or name)


def summarize(
    function: cst.FunctionDef, imports: ImportTable, owner: Optional[str], callees: Optional[Callees] = None
) -> Optional[ShapeSummary]:
    """The summary of one function; None when it says nothing, or when the function is nested too
    deeply to follow (a 3000-branch `elif` chain): unknown is silent. `callees`: what the calls of
    project functions return (the helpers' own summaries)."""
    try:
        return _summarize(function, imports, owner, callees)
    except RecursionError:
        return None


def _summarize(
    function: cst.FunctionDef, imports: ImportTable, owner: Optional[str], callees: Optional[Callees]
) -> Optional[ShapeSummary]:
    self_name = _self_name(function, owner)
    parameters = tuple(p.name.value for p in plain_parameters(function, self_name))
    taint = TaintAnalysis(function, imports, self_name, ())
    plain = ExportValues(function, taint, imports.qualify, callees=callees)
    returns = plain.returned & RETURNED
    decides, passes, forwards = set(), [], []
    tests = decisions(function, imports)
    for name in parameters:
        values = ExportValues(function, taint, imports.qualify, seeds={name: DYNAMIC}, callees=callees)
        if any(unbacked_decision(values, test) for test in tests):
            decides.add(name)
        result = (values.returned & RETURNED) - returns
        if result:
            passes.append((name, frozenset(result)))
        for call, slot in _dynamic_arguments(function, values, plain):
            callee_name = _callee_name(call, imports, owner, self_name)
            if callee_name is not None:
                forwards.append((name, callee_name, slot))
    if not (returns or decides or passes or forwards):
        return None
    return ShapeSummary(
        parameters, frozenset(returns), frozenset(decides), tuple(passes), tuple(dict.fromkeys(forwards))
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


# Summaries computed inside one another, at most (a helper's, asked while summarizing its caller);
# and the rounds a function calling itself back, through helpers or not, is summarized again until
# its summary stops changing.
NESTED = 8
ROUNDS = 3
# Per project index (one per run; the language server builds one per check): (path, ordinal) -> summary.
_SUMMARIES: weakref.WeakKeyDictionary[object, Dict[Tuple[str, int], Optional[ShapeSummary]]] = (
    weakref.WeakKeyDictionary()
)


class _Progress(threading.local):
    """The summaries being computed in this thread (the language server lints in two)."""

    def __init__(self) -> None:
        self.stack: List[Tuple[str, int]] = []  # outermost first
        self.pending: Dict[Tuple[str, int], Optional[ShapeSummary]] = {}  # their values so far
        self.low: List[int] = []  # per computation: the lowest stack position it read a value so far from
        self.read: Set[Tuple[str, int]] = set()  # computations whose value so far was read
        # Summaries not kept for the run (they read an unfinished one, or were cut at NESTED), kept
        # until the outermost computation ends: without them a deep call graph is walked again
        # from every caller, exponentially (kornia's geometry helpers took over 30 minutes).
        self.provisional: Dict[Tuple[str, int], Optional[ShapeSummary]] = {}


_STATE = _Progress()


def summary_of(context, function: Optional[FunctionInfo]) -> Optional[ShapeSummary]:
    """The shape summary of a project function, computed the first time an export rule asks (the
    run's other rules never pay for it) and kept for the run. Helpers the function calls are
    summarized in turn, so that a helper returning another helper's data-dependent result passes it
    on; a function whose helpers call it back is summarized again until its summary is stable (at
    most ROUNDS times), and results that read such an unfinished summary are kept only once it is."""
    if function is None:
        return None
    index = context.scope.index
    cache = _SUMMARIES.setdefault(index, {})
    key = function.key
    if key in cache:
        return cache[key]
    if key in _STATE.pending:  # called back while being summarized: its value so far
        _STATE.read.add(key)
        _STATE.low[-1] = min(_STATE.low[-1], _STATE.stack.index(key))
        return _STATE.pending[key]
    if key in _STATE.provisional:  # summarized already under this outermost computation, not kept
        _STATE.low[-1] = min(_STATE.low[-1], 0)
        return _STATE.provisional[key]
    if len(_STATE.stack) >= NESTED:  # too deep to follow: unknown, and its callers are not kept either
        _STATE.low[-1] = min(_STATE.low[-1], 0)
        return None
    node = _definition(context, function)
    file = index.by_path.get(function.path)
    if node is None or file is None:
        cache[key] = None
        return None
    found, low = _computed(context, function, node, file.imports)
    if low >= len(_STATE.stack):
        cache[key] = found
    else:
        _STATE.provisional[key] = found
        _STATE.low[-1] = min(_STATE.low[-1], low)
    if not _STATE.stack:
        _STATE.provisional.clear()
    return found


def _computed(context, function: FunctionInfo, node: cst.FunctionDef, imports: ImportTable):
    """(the summary, the lowest stack position it read an unfinished summary from)."""
    key = function.key
    position = len(_STATE.stack)
    _STATE.stack.append(key)
    _STATE.pending[key] = None
    _STATE.low.append(position)
    self_name = _self_name(node, function.owner)

    def callees(call: cst.Call, kinds: List[FrozenSet[str]]) -> Optional[FrozenSet[str]]:
        name = _callee_name(call, imports, function.owner, self_name)
        summary = summary_of(context, resolve_function(context.scope.index, name)) if name is not None else None
        return call_result(summary, argument_slots(call, kinds)) if summary is not None else None

    try:
        found = None
        for round_ in range(ROUNDS):
            if round_:  # summaries read from this one's value so far are stale now
                _STATE.provisional.clear()
            _STATE.read.discard(key)
            found = summarize(node, imports, function.owner, callees)
            if key not in _STATE.read or found == _STATE.pending[key]:
                break
            _STATE.pending[key] = found
        return found, _STATE.low[-1]
    finally:
        _STATE.stack.pop()
        _STATE.low.pop()
        del _STATE.pending[key]
        _STATE.read.discard(key)


def _definition(context, function: FunctionInfo) -> Optional[cst.FunctionDef]:
    """The function's syntax: from the file being linted, or parsed from its own file."""
    if function.path == context.file.path:
        return context.nodes.get(function.ordinal)
    return context.syntax.function(function) if context.syntax is not None else None


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


def decides(context, function: FunctionInfo, parameter: str, memo: Dict, depth: int = 0) -> bool:
    """Whether the function, or a helper it hands the parameter on to, decides on the size of the
    parameter in Python when the parameter's rows depend on data."""
    key = (function.qualname, parameter)
    if key in memo:
        return memo[key]
    memo[key] = False  # recursion: no
    summary = summary_of(context, function)
    found = False
    if summary is not None:
        found = parameter in summary.decides
        for name, callee, slot in summary.forwards if not found and depth < DEPTH else ():
            target = resolve_function(context.scope.index, callee) if name == parameter else None
            target_summary = summary_of(context, target)
            bound = bound_parameter(target_summary, slot) if target_summary is not None else None
            if bound is not None and decides(context, target, bound, memo, depth + 1):
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
            summary = summary_of(context, callee(context, call))
            return call_result(summary, argument_slots(call, kinds)) if summary is not None else None

        found = ExportValues(context.node, context.taint(), context.qualify, context.types(), callees=callees)
        context.file_facts[key] = found
    return found
