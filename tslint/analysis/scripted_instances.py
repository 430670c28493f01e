"""Module classes the project scripts on the spot (`self.exit = torch.jit.script(EarlyExit())`), or
whose submodule slot it replaces by its scripted version before tracing
(`model.exit = torch.jit.script(model.exit)`): a trace runs their scripted version, which keeps its
control flow, as a `@torch.jit.script` function does. Read from the trace rules' index facts
(tslint/rules/trace/_index_facts.py)."""

from __future__ import annotations

from typing import Dict, FrozenSet, Set, Tuple

SCRIPTED_INSTANCES = "trace-scripted-instances"
SCRIPTED_SLOTS = "trace-scripted-slots"

Slot = Tuple[str, str]  # (the holder class, the attribute)


def scripted_classes(index) -> FrozenSet[str]:
    """The module classes some function builds as the argument of `torch.jit.script(...)`, or holds
    at a submodule slot some function scripts in place, that no class holds as a plain submodule
    anywhere else (one held plainly is traced through its holder all the same). Cached on the index."""
    found = getattr(index, "_scripted_instances", None)
    if found is not None:
        return found
    built: Set[str] = set()
    slots: Set[Slot] = set()
    for file in index.files:
        for function in file.every_function():
            for name in function.fact(SCRIPTED_INSTANCES) or ():
                resolved = index.resolve(name)
                if resolved in index.module_classes:
                    built.add(resolved)
            for holder, attribute in function.fact(SCRIPTED_SLOTS) or ():
                resolved = index.resolve(holder)
                if resolved in index.classes:
                    slots.add((resolved, attribute))
    classes = {name for name in built if name not in index.submodule_classes}
    if slots:
        holdings = _plain_holdings(index)
        for name, held in holdings.items():
            if held and all(slot in slots for slot in held):
                classes.add(name)
    found = frozenset(classes)
    index._scripted_instances = found
    return found


def _plain_holdings(index) -> Dict[str, Set[Slot]]:
    """For each module class held as a submodule: where — `(holder, attribute)` for an attribute
    built of it (`self.exit = Exit()`), `(holder, "")` for an element of a container (never a slot
    scripted in place)."""
    holdings: Dict[str, Set[Slot]] = {}
    for holder, info in index.classes.items():
        for attribute, assignments in info.attributes.items():
            for assignment in assignments:
                resolved = index.resolve(assignment.callee)
                if resolved in index.module_classes:
                    holdings.setdefault(resolved, set()).add((holder, attribute))
                for element in assignment.elements:
                    resolved = index.resolve(element)
                    if resolved in index.module_classes:
                        holdings.setdefault(resolved, set()).add((holder, ""))
    return holdings
