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
    called, referenced = set(), set()
    for function in file.every_function():
        called.update(call.target for call in function.calls if call.kind is CallKind.FUNCTION)
        referenced.update(function.references)

    def outside(names: Set[str]) -> Tuple[str, ...]:
        return tuple(sorted(intern(n) for n in names if n.rpartition(".")[0] not in ("", file.module_name)))

    return outside(called), outside(referenced)


def reaching_files(
    index: ProjectIndex, names: Mapping[str, Tuple[Tuple[str, ...], Tuple[str, ...]]], compiled: Iterable[str]
) -> Set[str]:
    """Files outside `compiled` that change what the project-wide analyses find for the files in
    `compiled`: for each module-level function of those files, a file that calls it; for each module
    class, one that uses it as a value; for each of their classes, one that subclasses it; each only
    when no file of `compiled` (the function's own file aside) does already, and the first such file
    in path order (the analyses read sets: one is as good as all)."""
    compiled = set(compiled)
    covered: Set[Tuple[str, str]] = set()  # ("call" | "value" | "base", name): read from some file

    def read(path: str) -> Set[Tuple[str, str]]:
        found = set()
        called, referenced = names.get(path, ((), ()))
        for name in called:
            function = index.functions.get(index.resolve(name) or "")
            if function is not None and function.path in compiled and function.path != path:
                found.add(("call", function.qualname))
        found.update(("value", n) for n in map(index.resolve, referenced) if n in index.module_classes)
        for info in index.by_path[path].classes:
            for base in index.resolved_bases(info):
                if base in index.classes and index.classes[base].path in compiled:
                    found.add(("base", base))
        return found

    for path in sorted(compiled):
        if path in index.by_path:
            covered |= read(path)
    extra = set()
    for file in index.files:  # in path order
        if file.path not in compiled:
            new = read(file.path) - covered
            if new:
                extra.add(file.path)
                covered |= new
    return extra
