"""The index facts that project-wide analyses gather from every function of the project, whatever
file it is in and whether or not torch compiles it: a `torch.jit.trace(Block(), ...)` of a script
makes `Block` a traced root (`traced_roots`), a `torch.jit.script(Exit())` leaves `Exit`'s control
flow to the scripted module (`scripted_instances`), a `RAFT(corr_block=CorrBlock())` tells the
trace which class a stored parameter holds (`constructor_arguments`). A large run's parent, which
keeps only outlines (`tslint.index.project.outline`), sends the files that carry one to the
workers with the compiled code, so that these facts are the same as over the whole project.

So too for the files that call a module-level function of the compiled code's files, name one
of the project's module classes as a value or subclass one of their classes: which traced
functions code outside their file calls (`project_callers.external_callees`), which classes are
handed on (`referenced_modules`) and which are subclassed (`ProjectIndex.subclassed`) are read
from every file of the project."""

from __future__ import annotations

from sys import intern
from typing import Iterable, Mapping, Set, Tuple

from tslint.analysis.constructor_arguments import BUILT_ARGUMENTS
from tslint.analysis.scripted_instances import SCRIPTED_INSTANCES, SCRIPTED_SLOTS
from tslint.analysis.traced_roots import TRACED_CLASSES
from tslint.index.model import CallKind, FileIndex
from tslint.index.project import ProjectIndex

PROJECT_WIDE_FACTS = frozenset({TRACED_CLASSES, SCRIPTED_INSTANCES, SCRIPTED_SLOTS, BUILT_ARGUMENTS})


def carries_project_wide_facts(file: FileIndex) -> bool:
    """Whether some function or method of `file` has a fact the project-wide analyses read."""
    return any(name in PROJECT_WIDE_FACTS for function in file.every_function() for name, _ in function.facts)


def outside_names(file: FileIndex) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """The qualified names the file's functions call as functions, and those they use as values,
    but the file's own module's (interned: the parent keeps them for every file of a large run)."""
    own = f"{file.module_name}." if file.module_name else None
    called, referenced = set(), set()
    for function in file.every_function():
        called.update(call.target for call in function.calls if call.kind is CallKind.FUNCTION)
        referenced.update(function.references)

    def outside(names: Set[str]) -> Tuple[str, ...]:
        return tuple(sorted(intern(n) for n in names if "." in n and not (own and n.startswith(own))))

    return outside(called), outside(referenced)


def reaching_files(
    index: ProjectIndex, names: Mapping[str, Tuple[Tuple[str, ...], Tuple[str, ...]]], compiled: Iterable[str]
) -> Set[str]:
    """The paths outside `compiled` whose `names` (`outside_names`) call a module-level function of a
    file in `compiled`, or use a module class as a value, and those with a subclass of a class of a
    file in `compiled` (`index.subclassed`: its methods are entries of the trace provenance)."""
    compiled = set(compiled)
    found = {
        file.path
        for file in index.files
        if file.path not in compiled
        and any(
            base in index.classes and index.classes[base].path in compiled
            for info in file.classes
            for base in index.resolved_bases(info)
        )
    }
    for path, (called, referenced) in names.items():
        if path in compiled:
            continue
        for name in called:
            function = index.functions.get(index.resolve(name) or "")
            if function is not None and function.path in compiled:
                found.add(path)
                break
        else:
            if any(index.resolve(name) in index.module_classes for name in referenced):
                found.add(path)
    return found
