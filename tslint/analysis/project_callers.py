"""Who calls, builds, references and holds what across the project index: the project-wide facts
the trace provenance (`provenance.py`) reads to decide which of a file's functions code outside it
may reach. Each is computed once and cached on the index."""

from __future__ import annotations

from typing import Dict, FrozenSet, Set, Tuple


def external_callees(index) -> FrozenSet[str]:
    """Qualified names of the module-level functions that some function of another file calls."""
    found: Set[str] = set()
    for file in index.files:
        for info in file.every_function():
            for call in info.calls:
                if call.kind.value != "function":
                    continue
                target = index.resolve(call.target)
                callee = index.functions.get(target) if target is not None else None
                if callee is not None and callee.path != file.path:
                    found.add(callee.qualname)
    return frozenset(found)


def built_by_modules(index) -> FrozenSet[str]:
    """Module classes that a method of a module class constructs (`HighResolutionModule(...)` in a
    `_make_stage` that fills an `nn.Sequential`): submodules, though not held as a plain attribute.
    Cached on the index."""
    found = getattr(index, "_built_by_modules", None)
    if found is not None:
        return found
    built: Set[str] = set()
    for qualname in index.module_classes:
        for method in index.classes[qualname].methods.values():
            for call in method.calls:
                if call.kind.value == "function":
                    target = index.resolve(call.target)
                    if target in index.module_classes and target != qualname:
                        built.add(target)
    found = frozenset(built)
    index._built_by_modules = found
    return found


def referenced_modules(index) -> FrozenSet[str]:
    """Module classes some project function uses as a value rather than calling them
    (`cfg["block"] = Block`, `block_cls: Any = Block`): handed on to be built as submodules, not
    known to be traced models. Cached on the index."""
    found = getattr(index, "_referenced_modules", None)
    if found is not None:
        return found
    functions = [*index.functions.values(), *(m for c in index.classes.values() for m in c.methods.values())]
    referenced = {index.resolve(name) for function in functions for name in function.references}
    found = frozenset(name for name in referenced if name in index.module_classes)
    index._referenced_modules = found
    return found


def holders(index) -> Dict[str, FrozenSet[Tuple[str, bool]]]:
    """For each class some class holds: (the holder's path, whether in a container). Cached on the index."""
    found = getattr(index, "_provenance_holders", None)
    if found is not None:
        return found
    held: Dict[str, Set[Tuple[str, bool]]] = {}
    for holder in index.classes.values():
        for assignments in holder.attributes.values():
            for assignment in assignments:
                for element in assignment.elements:
                    resolved = index.resolve(element)
                    if resolved is not None:
                        held.setdefault(resolved, set()).add((holder.path, True))
                resolved = index.resolve(assignment.callee)
                if resolved is not None:
                    held.setdefault(resolved, set()).add((holder.path, False))
    found = {name: frozenset(paths) for name, paths in held.items()}
    index._provenance_holders = found
    return found
