"""Module classes the project passes to `torch.jit.trace` itself (`torch.jit.trace(Block().eval(),
(x, 2.0))`, or `model = Block(); torch.jit.trace(model, ...)` in one function): root models, whose
`forward` receives the example inputs and returns the trace's outputs, even when another class also
holds them as a submodule. Read from the trace rules' index fact (tslint/rules/trace/_index_facts.py)."""

from __future__ import annotations

from typing import FrozenSet, Set

TRACED_CLASSES = "trace-traced-classes"


def traced_classes(index) -> FrozenSet[str]:
    """The module classes built (or bound to a local then named) as the first argument of a
    `torch.jit.trace(...)` / `torch.jit.trace_module(...)` call in some project function. Cached on
    the index."""
    found = getattr(index, "_traced_classes", None)
    if found is not None:
        return found
    classes: Set[str] = set()
    for file in index.files:
        for function in file.every_function():
            for name in function.fact(TRACED_CLASSES) or ():
                resolved = index.resolve(name)
                if resolved in index.module_classes:
                    classes.add(resolved)
    found = frozenset(classes)
    index._traced_classes = found
    return found
