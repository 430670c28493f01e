"""Module classes the project scripts on the spot (`self.exit = torch.jit.script(EarlyExit())`):
a trace runs their scripted version, which keeps its control flow, as a `@torch.jit.script`
function does. Read from the trace rules' index fact (tslint/rules/trace/_index_facts.py)."""

from __future__ import annotations

from typing import FrozenSet, Set

SCRIPTED_INSTANCES = "trace-scripted-instances"


def scripted_classes(index) -> FrozenSet[str]:
    """The module classes some function builds as the argument of `torch.jit.script(...)` and no
    class holds as a plain submodule (one held plainly is traced through its holder all the same).
    Cached on the index."""
    found = getattr(index, "_scripted_instances", None)
    if found is not None:
        return found
    classes: Set[str] = set()
    for file in index.files:
        for function in file.every_function():
            for name in function.fact(SCRIPTED_INSTANCES) or ():
                resolved = index.resolve(name)
                if resolved in index.module_classes and resolved not in index.submodule_classes:
                    classes.add(resolved)
    found = frozenset(classes)
    index._scripted_instances = found
    return found
