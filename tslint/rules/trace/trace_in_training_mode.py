from __future__ import annotations

from typing import Callable, Iterator, List, Optional, Set, Tuple

import libcst as cst

from tslint.analysis.traversal import walk
from tslint.findings import Mode, Severity
from tslint.index.model import FileIndex, FunctionInfo
from tslint.index.project import ProjectIndex
from tslint.rule import Rule

TRACE_CALLS = frozenset({"torch.jit.trace", "torch.jit.trace_module"})
BATCH_NORMS = frozenset(f"torch.nn.{n}" for n in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm"))
DROPOUTS = frozenset(f"torch.nn.{n}" for n in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"))
# Calls on the model before the trace that leave its mode as it is; any other use is unknown.
MODE_KEEPING = frozenset({"to", "cpu", "cuda", "float", "double", "half", "load_state_dict", "parameters"})
MAX_CLASSES = 64  # the classes of submodules looked at, per traced model

Syntax = Callable[[FunctionInfo], Optional[cst.FunctionDef]]


class TraceInTrainingMode(Rule):
    """`torch.jit.trace(model, ...)` on a model built in the same function and never put in eval mode,
    whose class (or a submodule's project class) builds a BatchNorm or a Dropout.

    A new module is in training mode. The trace records the mode it runs in: BatchNorm normalises
    with the statistics of the tracing batch (and `.eval()` on the traced model does not change
    that), Dropout zeroes random elements on every call. The traced model then gives another answer
    than the model in eval mode. Reported only where the model is a local built from a project class
    in the same function body and nothing before the trace can have changed its mode: any `.eval()`
    or `.train(...)` call in the function, or any other use of the model before the trace, makes the
    rule silent.
    """

    code = "TS412"
    name = "trace-in-training-mode"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = (
        "`{model}` is traced in training mode: its {layer} is recorded as in training, and the traced model "
        "gives another answer than `{model}` in eval mode."
    )
    fix_hint = "Call `.eval()` on the model before `torch.jit.trace` (the trace records the mode it runs in)."

    def check_function(
        self, node: cst.FunctionDef, file: FileIndex, index: ProjectIndex, syntax: Syntax
    ) -> List[Tuple[cst.CSTNode, str]]:
        """The trace calls of one function (of any code, compiled or not) to report, with messages."""
        if _mode_changed(node):
            return []
        parameters = {p.name.value for p in _all_params(node.params)}
        found = []
        built: dict = {}  # local name -> its constructor call, while it stays untouched
        used: Set[str] = set()  # locals used in a way that may change their mode
        for statement in _straight_line(node.body):
            call = _trace_call(statement, file)
            if call is not None and call.args:
                model = call.args[0].value
                name = model.value if isinstance(model, cst.Name) else None
                constructor = model if isinstance(model, cst.Call) else built.get(name)
                if name in parameters or name in used or constructor is None:
                    layer = None
                else:
                    layer = _training_layer(constructor, file, index, syntax)
                if layer is not None:
                    shown = name if name is not None else "the model"
                    found.append((call, self.message.format(model=shown, layer=layer)))
            _track(statement, built, used)
        return found


def _all_params(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star


def _straight_line(body: cst.BaseSuite) -> Iterator[cst.BaseStatement]:
    """The statements of a function body in order, into `with` blocks (`torch.no_grad()`), not into
    branches or loops (their statements are not in straight-line order)."""
    if not isinstance(body, cst.IndentedBlock):
        return
    for statement in body.body:
        if isinstance(statement, cst.With):
            yield from _straight_line(statement.body)
        else:
            yield statement


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: List[cst.Call] = []
        self.names: List[cst.Name] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)

    def enter(self, node: cst.CSTNode) -> bool:
        """The same nodes for `tslint.analysis.traversal.walk` (much faster than libcst's `visit`),
        though not in source order."""
        kind = type(node)
        if kind is cst.Call:
            self.calls.append(node)  # type: ignore[arg-type]
        elif kind is cst.Name:
            self.names.append(node)  # type: ignore[arg-type]
        return True


def _mode_changed(node: cst.FunctionDef) -> bool:
    """Any `.eval()` or `.train(...)` call in the function, on anything: an alias may be the model."""
    calls = _Calls()
    walk(node.body, calls.enter)  # in no particular order: any one will do
    return any(
        isinstance(c.func, cst.Attribute) and c.func.attr.value in ("eval", "train", "apply", "requires_grad_")
        for c in calls.calls
    )


def _trace_call(statement: cst.BaseStatement, file: FileIndex) -> Optional[cst.Call]:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    value = small.value if isinstance(small, (cst.Assign, cst.Expr, cst.Return)) else None
    if isinstance(value, cst.Call) and file.imports.qualify(value.func) in TRACE_CALLS:
        return value
    return None


def _track(statement: cst.BaseStatement, built: dict, used: Set[str]) -> None:
    """After `statement`: `name = Class(...)` records a model built; every other mention of a local
    but as the receiver of a call that keeps the mode (`model.to(device)`) marks it used."""
    target = None
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and isinstance(small.value, cst.Call)
        ):
            target = small.targets[0].target.value
    names = _Calls()
    walk(statement, names.enter)  # in no particular order: read as sets
    keeping = {
        id(c.func.value)
        for c in names.calls
        if isinstance(c.func, cst.Attribute)
        and c.func.attr.value in MODE_KEEPING
        and isinstance(c.func.value, cst.Name)
    }
    for name in names.names:
        if name.value in built and id(name) not in keeping and name.value != target:
            used.add(name.value)
    if target is not None:
        if target in built or target in used:
            used.add(target)  # bound twice: which instance is traced is not straight-line simple
        built[target] = statement.body[0].value  # type: ignore[union-attr]


def _training_layer(constructor: cst.Call, file: FileIndex, index: ProjectIndex, syntax: Syntax) -> Optional[str]:
    """ "a BatchNorm" or "a Dropout" when the project class built by `constructor`, or the project
    class of a submodule it holds at any depth, builds one in its `__init__` that behaves otherwise in
    training mode; None when not, or unknown."""
    name = index.resolve(file.imports.qualify(constructor.func))
    if name is None or name not in index.module_classes:
        return None
    seen: Set[str] = set()
    work = [name]
    while work and len(seen) < MAX_CLASSES:
        current = work.pop()
        if current in seen or current not in index.classes:
            continue
        seen.add(current)
        info = index.classes[current]
        work.extend(b for b in index.resolved_bases(info) if b is not None)
        for assignments in info.attributes.values():
            for assignment in assignments:
                for callee in (assignment.callee, *assignment.elements):
                    resolved = index.resolve(callee)
                    if resolved is not None and resolved in index.classes:
                        work.append(resolved)
        init = info.methods.get("__init__")
        definition = syntax(init) if init is not None else None
        if definition is not None:
            if _mode_changed(definition):
                return None  # `self.eval()` in `__init__`: the mode is not the default
            layer = _layer_in(definition, index.by_path.get(init.path), index)
            if layer is not None:
                return layer
    return None


def _layer_in(init: cst.FunctionDef, file: Optional[FileIndex], index: ProjectIndex) -> Optional[str]:
    if file is None:
        return None
    calls = _Calls()
    init.body.visit(calls)
    for call in calls.calls:
        callee = file.imports.qualify(call.func)
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        if callee in BATCH_NORMS and "track_running_stats" not in keywords:
            return "BatchNorm"
        if callee in DROPOUTS and _nonzero_rate(call, keywords):
            return "Dropout"
    return None


def _nonzero_rate(call: cst.Call, keywords: dict) -> bool:
    """The dropout rate is the default (0.5) or a nonzero number literal."""
    positional = [a.value for a in call.args if a.keyword is None and a.star == ""]
    if any(a.star for a in call.args):
        return False
    rate = keywords.get("p", positional[0] if positional else None)
    if rate is None:
        return True
    return isinstance(rate, (cst.Float, cst.Integer)) and float(rate.value) != 0.0
