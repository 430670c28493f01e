"""The index facts of the trace rules: the classes each function scripts on the spot
(`self.exit = torch.jit.script(EarlyExit())`), so that a trace of the project leaves their control
flow alone — the scripted submodule keeps it, as a `@torch.jit.script` function does; and the
classes builders pass to constructors that store them (`RAFT(corr_block=CorrBlock(...))` with
`self.corr_block = corr_block`), whose methods the trace runs (tslint/analysis/constructor_arguments.py)."""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from tslint.analysis.constructor_arguments import (
    BUILT_ARGUMENTS,
    STORED_PARAMETERS,
    built_arguments,
    stored_parameters,
)
from tslint.analysis.imports import ImportTable
from tslint.analysis.scripted_instances import SCRIPTED_INSTANCES, SCRIPTED_SLOTS
from tslint.analysis.traced_roots import TRACED_CLASSES
from tslint.analysis.traversal import LEAF_TYPES, walk
from tslint.index.facts import FactExtractors

FACT = SCRIPTED_INSTANCES
JIT_SCRIPT = "torch.jit.script"
JIT_TRACES = frozenset({"torch.jit.trace", "torch.jit.trace_module"})
# Calls on a model that return the model itself (`Block().eval()`, `model.to(device)`).
SELF_RETURNING = frozenset({"eval", "train", "to", "cpu", "cuda", "float", "double", "half", "requires_grad_"})


def scripted_instances(
    function: cst.FunctionDef, imports: ImportTable, owner: Optional[str]
) -> Optional[Tuple[str, ...]]:
    """The qualified names of the classes built as the argument of `torch.jit.script(...)` in the
    function (`torch.jit.script(EarlyExit())`), sorted; None when there are none."""
    found: List[str] = []

    def enter(node: cst.CSTNode) -> bool:
        if type(node) is cst.Call:
            func = node.func
            named = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
            if named == "script" and node.args and type(node.args[0].value) is cst.Call:
                if imports.qualify(func) == JIT_SCRIPT and not node.args[0].keyword:
                    built = imports.qualify(node.args[0].value.func)
                    if built:
                        found.append(built)
        return True

    walk(function.body, enter, skipped=LEAF_TYPES)
    return tuple(sorted(set(found))) or None


def _straight_line(body: cst.BaseSuite):
    """The simple statements of a body that run whenever it does, in order (into `with` blocks, not
    into branches, loops or `try`)."""
    if not isinstance(body, cst.IndentedBlock):
        return
    for statement in body.body:
        if isinstance(statement, cst.With):
            yield from _straight_line(statement.body)
        elif isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body


def scripted_slots(
    function: cst.FunctionDef, imports: ImportTable, owner: Optional[str]
) -> Optional[Tuple[Tuple[str, str], ...]]:
    """The submodule attributes the function replaces by their scripted version, on code that runs
    whenever the function does: `model.exit = torch.jit.script(model.exit)` or
    `model.exit = torch.jit.script(Exit())`, with `model` a local bound once to `Holder(...)`
    (`(qualified Holder, "exit")`), or `self.exit = torch.jit.script(self.exit)` in a method of its
    class (the owner). Sorted; None when there are none."""
    bindings: dict = {}

    def enter(node: cst.CSTNode) -> bool:
        _record_binding(node, bindings)
        return True

    found: List[Tuple[str, str]] = []
    self_name = None
    if owner is not None and function.params.params:
        self_name = function.params.params[0].name.value
    for small in _straight_line(function.body):
        if type(small) is not cst.Assign or len(small.targets) != 1:
            continue
        target, value = small.targets[0].target, small.value
        if type(target) is not cst.Attribute or type(target.value) is not cst.Name:
            continue
        if type(value) is not cst.Call or len(value.args) != 1 or value.args[0].keyword or value.args[0].star:
            continue
        if imports.qualify(value.func) != JIT_SCRIPT:
            continue
        scripted = value.args[0].value
        same = (
            type(scripted) is cst.Attribute
            and type(scripted.value) is cst.Name
            and scripted.value.value == target.value.value
            and scripted.attr.value == target.attr.value
        )
        if not same and type(scripted) is not cst.Call:
            continue
        holder = target.value.value
        if holder == self_name:
            found.append((owner, target.attr.value))
            continue
        if not bindings:
            walk(function.body, enter, skipped=LEAF_TYPES)
        values = bindings.get(holder, ())
        klass = _built_class(values[0], {}, imports) if len(values) == 1 and values[0] is not None else None
        if klass:
            found.append((klass, target.attr.value))
    return tuple(sorted(set(found))) or None


def _record_binding(node: cst.CSTNode, bindings: dict) -> bool:
    """Record in `bindings` (local name -> values bound to it) what `node` binds: the value of a
    plain assignment, None for any other binding (augmented, annotated, a loop, `:=`: unknown).
    Whether `node` is a binding."""
    kind = type(node)
    if kind is cst.Assign:
        for target in node.targets:
            if type(target.target) is cst.Name:
                bindings.setdefault(target.target.value, []).append(node.value)
        return True
    if kind in (cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr) and type(node.target) is cst.Name:
        bindings.setdefault(node.target.value, []).append(None)
        return True
    return False


def _built_class(value: cst.BaseExpression, built: dict, imports: ImportTable) -> Optional[str]:
    """The qualified callee of the constructor call a model expression stands for: `Block()`,
    `Block().eval()`, or a local name bound to one (`built`); None when unknown."""
    while type(value) is cst.Call and type(value.func) is cst.Attribute and value.func.attr.value in SELF_RETURNING:
        value = value.func.value
    if type(value) is cst.Name:
        return built.get(value.value)
    if type(value) is cst.Call and type(value.func) in (cst.Name, cst.Attribute):
        return imports.qualify(value.func)
    return None


def traced_classes(function: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Optional[Tuple[str, ...]]:
    """The qualified names of the classes the first argument of a `torch.jit.trace(...)` call in the
    function builds (`torch.jit.trace(Block().eval(), ...)`, or `model = Block()` then
    `torch.jit.trace(model, ...)` with `model` bound once in the function), sorted; None when none."""
    bindings: dict = {}  # local name -> the constructor callees bound to it
    traced: List[cst.BaseExpression] = []

    def enter(node: cst.CSTNode) -> bool:
        if _record_binding(node, bindings):
            return True
        if type(node) is cst.Call and node.args and not node.args[0].keyword and not node.args[0].star:
            func = node.func
            named = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
            if named in ("trace", "trace_module") and imports.qualify(func) in JIT_TRACES:
                traced.append(node.args[0].value)
        return True

    walk(function.body, enter, skipped=LEAF_TYPES)
    if not traced:
        return None
    built = {}
    for name, values in bindings.items():
        if len(values) == 1 and values[0] is not None:
            callee = _built_class(values[0], {}, imports)
            if callee:
                built[name] = callee
    found = {callee for callee in (_built_class(value, built, imports) for value in traced) if callee}
    return tuple(sorted(found)) or None


# Only a call named `script` can be `torch.jit.script(...)`, one named `trace` or `trace_module`
# `torch.jit.trace(...)`: a file without the word has none.
FACTS = FactExtractors(
    functions={
        FACT: scripted_instances,
        TRACED_CLASSES: traced_classes,
        SCRIPTED_SLOTS: scripted_slots,
        BUILT_ARGUMENTS: built_arguments,
        STORED_PARAMETERS: stored_parameters,
    },
    words={FACT: ("script",), SCRIPTED_SLOTS: ("script",), TRACED_CLASSES: ("trace", "trace_module")},
)
