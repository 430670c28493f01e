"""The cross-file index joining every file's `FileIndex`, and what phase 2 needs of it."""

from __future__ import annotations

from sys import intern
from typing import Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

from tslint.analysis.imports import ImportTable
from tslint.digests import digest
from tslint.index.model import (
    JIT_SCRIPT,
    MAX_HIERARCHY,
    NATIVE_BASE_CLASSES,
    AttributeAssignment,
    ClassInfo,
    FileIndex,
    FunctionInfo,
    is_torch_module_class,
)

# How python_mro names `torch.nn.Module`, however the project's bases spell it.
TORCH_MODULE = "torch.nn.Module"


class ProjectIndex:
    """Cross-file facts. Built once per run from every file's index; read-only afterwards."""

    def __init__(self, files: Iterable[FileIndex], digests: Optional[Mapping[str, str]] = None) -> None:
        """`digests`: each file's content digest by path, for `dependency_key` (the result cache)."""
        # In path order, whatever order the files were indexed in (workers answer in any order):
        # where two files claim one module name (scripts in folders that are not packages), or one
        # qualified name, the same file wins in every run. Within a file the indexer kept, of a name
        # defined more than once, only the definition Python binds (`module_bindings`: the last in
        # sequence; none when a branch decides which).
        self.files: Tuple[FileIndex, ...] = tuple(sorted(files, key=lambda f: f.path))
        self.digests: Mapping[str, str] = digests or {}
        self._imported: Dict[str, Tuple[FileIndex, ...]] = {}
        self._starred: Dict[str, str] = {}
        self.modules: Dict[str, FileIndex] = {}
        for file in self.files:
            if file.module_name:
                self.modules.setdefault(file.module_name, file)
        self.by_path: Dict[str, FileIndex] = {f.path: f for f in self.files}
        self.classes: Dict[str, ClassInfo] = {}
        self.functions: Dict[str, FunctionInfo] = {}
        for file in self.files:
            for info in file.classes:
                self.classes.setdefault(info.qualname, info)
            for function in file.functions.values():
                self.functions.setdefault(function.qualname, function)
        self.module_classes: FrozenSet[str] = self._find_module_classes()
        self._submodule_classes: Optional[FrozenSet[str]] = None
        self._extended_constants: Optional[Dict[str, FrozenSet[str]]] = None
        self._python_mros: Dict[str, Optional[Tuple[str, ...]]] = {}
        self.subclassed: FrozenSet[str] = frozenset(
            base for info in self.classes.values() for base in self.resolved_bases(info) if base
        )

    def imported_files(self, file: FileIndex) -> Tuple[FileIndex, ...]:
        """The project files `file` imports names or modules from."""
        found = self._imported.get(file.path)
        if found is None:
            files = {}
            for target in (*file.imports.aliases.values(), *file.imports.star_sources):
                parts = target.split(".")
                for end in range(len(parts), 0, -1):
                    module = self.modules.get(".".join(parts[:end]))
                    if module is not None:
                        files[module.path] = module
                        break
            files.pop(file.path, None)
            found = self._imported[file.path] = tuple(files.values())
        return found

    def dependency_key(self, file: FileIndex) -> str:
        """A digest of what rules may read about the rest of the project while linting `file`
        beyond its compiled functions' class facts: the contents of every project file it imports
        from, directly or not (decorators, loggers, bases), and which of its classes other files use
        as submodules or subclass."""
        seen = {file.path: file}
        stack = [file]
        while stack:
            for imported in self.imported_files(stack.pop()):
                if imported.path not in seen:
                    seen[imported.path] = imported
                    stack.append(imported)
        del seen[file.path]
        facts = sorted(f"{path}:{self.digests.get(path, '')}" for path in seen)
        for info in file.classes:
            facts.append(
                f"{info.qualname}:{info.qualname in self.submodule_classes}:{info.qualname in self.subclassed}"
            )
        return digest("\n".join(facts).encode("utf-8"))

    def resolve(self, qualified: Optional[str], depth: int = 0) -> Optional[str]:
        """Follow re-exports (`from .layers import Block` in a package `__init__`) to the definition."""
        if qualified is None or depth > 8:
            return qualified
        if qualified in self.classes or qualified in self.functions:
            return qualified
        module, _, name = qualified.rpartition(".")
        file = self.modules.get(module)
        if file is not None:
            target = file.imports.aliases.get(name)
            if target is not None and target != qualified:
                return self.resolve(target, depth + 1)
            if target is None and file.imports.star_sources and not name.startswith("_"):
                return self._resolve_starred(qualified, file.imports.star_sources, name, depth)
        return qualified

    def _resolve_starred(self, qualified: str, sources: Tuple[str, ...], name: str, depth: int) -> str:
        """`from .conv import *` in a package `__init__`: the last star import that brings a project
        class or function of that name binds it (Python's order). Only a definition found counts: a
        name tslint cannot place stays as it was, unknown. Memoized (packages star-import each other)."""
        found = self._starred.get(qualified)
        if found is None:
            self._starred[qualified] = qualified  # a cycle back here finds nothing
            for source in reversed(sources):
                candidate = self.resolve(f"{source}.{name}", depth + 1)
                if candidate in self.classes or candidate in self.functions:
                    found = candidate
                    break
            else:
                found = qualified
            self._starred[qualified] = found
        return found

    def resolved_bases(self, info: ClassInfo) -> Tuple[Optional[str], ...]:
        return tuple(self.resolve(base) for base in info.bases)

    def _find_module_classes(self) -> FrozenSet[str]:
        """The classes that reach a torch module class through their bases: a walk down from those
        that name one directly, so its cost is linear in the classes however long a chain of
        subclasses is and in whatever order the files define it."""
        subclasses: Dict[str, List[str]] = {}
        work: List[str] = []
        for qualname, info in self.classes.items():
            for base in self.resolved_bases(info):
                if base is None:
                    continue
                if is_torch_module_class(base):
                    work.append(qualname)
                else:
                    subclasses.setdefault(base, []).append(qualname)
        found: Set[str] = set()
        while work:
            qualname = work.pop()
            if qualname not in found:
                found.add(qualname)
                work.extend(subclasses.get(qualname, ()))
        return frozenset(found)

    @property
    def extended_constants(self) -> Mapping[str, FrozenSet[str]]:
        """The classes whose `__constants__` some class body binds as its own and then extends in
        place (`__constants__ = Base.__constants__`, then `+= [...]`: Python extends Base's list
        itself), each with the names those bodies write (tslint/analysis/class_constants.py)."""
        if self._extended_constants is None:
            found: Dict[str, FrozenSet[str]] = {}
            for info in self.classes.values():
                listing = info.listed_constants
                if listing is None or not listing.steps:
                    continue
                aliased: Optional[str] = None
                for operation, expression in listing.steps:
                    if operation == "=":
                        single = len(expression) == 1 and expression[0][0] == "class"
                        aliased = expression[0][2][0] if single else None
                    elif aliased is not None:
                        base = self.resolve(aliased) or aliased
                        found[base] = found.get(base, frozenset()) | listing.names
            self._extended_constants = found
        return self._extended_constants

    @property
    def submodule_classes(self) -> FrozenSet[str]:
        """Module classes that some indexed class holds as a submodule (attribute or container element)."""
        if self._submodule_classes is None:
            found = set()
            for info in self.classes.values():
                for assignments in info.attributes.values():
                    for assignment in assignments:
                        for callee in (assignment.callee, *assignment.elements):
                            resolved = self.resolve(callee)
                            if resolved in self.module_classes:
                                found.add(resolved)
            self._submodule_classes = frozenset(found)
        return self._submodule_classes

    def is_module_class(self, qualified: Optional[str]) -> bool:
        resolved = self.resolve(qualified)
        return resolved is not None and (resolved in self.module_classes or is_torch_module_class(resolved))

    def mro(self, info: ClassInfo) -> Tuple[ClassInfo, ...]:
        """The indexed classes of `info`'s method resolution order (depth-first, left to right), at
        most MAX_HIERARCHY of them (`hierarchy_too_deep` tells when some were left out)."""
        return self._hierarchy(info)[0]

    def python_mro(self, info: ClassInfo) -> Optional[Tuple[str, ...]]:
        """`info`'s method resolution order as Python computes it (C3, which `mro` is not: it goes
        depth-first), by qualified name. Indexed classes come with their bases; any other base is a
        class without bases of its own, but torch's module classes end in `nn.Module` (named
        TORCH_MODULE however the project spells it) and an unresolved base is named "?…". None when
        Python would not order them (it raises TypeError) or the hierarchy is too deep to follow."""
        if info.qualname in self._python_mros:
            return self._python_mros[info.qualname]
        self._python_mros[info.qualname] = None  # a cycle of bases orders nothing
        found: Optional[Tuple[str, ...]] = None
        if not self.hierarchy_too_deep(info):
            linearized: List[List[str]] = []
            bases: List[str] = []
            for number, base in enumerate(self.resolved_bases(info)):
                known = self.classes.get(base) if base is not None else None
                if known is not None:
                    order = self.python_mro(known)
                elif base is None:
                    order = (f"?{number}:{info.qualname}",)
                elif base in NATIVE_BASE_CLASSES:
                    order = (TORCH_MODULE,)
                else:  # torch's own module classes end in nn.Module: what comes between is torch's
                    order = (base, TORCH_MODULE) if is_torch_module_class(base) else (base,)
                if order is None:
                    break
                linearized.append(list(order))
                bases.append(order[0])
            else:
                merged = _c3_merge([*linearized, bases])
                found = None if merged is None else (info.qualname, *merged)
        self._python_mros[info.qualname] = found
        return found

    def hierarchy_too_deep(self, info: ClassInfo) -> bool:
        """Whether `info` has more than MAX_HIERARCHY indexed classes in its hierarchy: then tslint
        treats it as having unknown bases (its rules stay silent) and reports its file (TS001)."""
        return self._hierarchy(info)[1]

    def _hierarchy(self, info: ClassInfo) -> Tuple[Tuple[ClassInfo, ...], bool]:
        # A loop, not recursion: a chain of 1,000 subclasses exhausted Python's stack and cost the
        # whole run. Bounded: every class of a chain walks the chain, so a chain of 5,000 took 111 s.
        order: List[ClassInfo] = []
        seen: Set[str] = set()
        stack = [info]
        while stack:
            current = stack.pop()
            if current.qualname in seen:
                continue
            if len(order) == MAX_HIERARCHY:
                return tuple(order), True
            seen.add(current.qualname)
            order.append(current)
            bases = [self.classes[base] for base in self.resolved_bases(current) if base in self.classes]
            stack.extend(reversed(bases))  # the leftmost base is visited next, as recursion would
        return tuple(order), False

    def has_bases_outside_torch(self, info: ClassInfo) -> bool:
        """Like has_unknown_bases, but a base among torch's own module classes (`torch.nn.modules.
        loss._Loss`) is known: its attributes are torch's, not the project's."""
        return self._has_base_outside(info, lambda base: base.startswith("torch.nn."))

    def has_unknown_bases(self, info: ClassInfo) -> bool:
        """True if some base is neither indexed nor `torch.nn.Module` itself: it may add attributes.
        A hierarchy too deep to follow counts as unknown."""
        return self._has_base_outside(info, NATIVE_BASE_CLASSES.__contains__)

    def _has_base_outside(self, info: ClassInfo, known: Callable[[str], bool]) -> bool:
        """Whether some base in `info`'s hierarchy is unresolved, or neither indexed nor `known`; a
        hierarchy too deep to follow counts as having one."""
        order, too_deep = self._hierarchy(info)
        if too_deep:
            return True
        for current in order:
            for base in self.resolved_bases(current):
                if base is None or (base not in self.classes and not known(base)):
                    return True
        return False


def _c3_merge(sequences: List[List[str]]) -> Optional[List[str]]:
    """Python's C3 merge of the bases' orders and the list of bases; None where Python raises
    "Cannot create a consistent method resolution order"."""
    merged: List[str] = []
    sequences = [list(sequence) for sequence in sequences if sequence]
    while sequences:
        for sequence in sequences:
            head = sequence[0]
            if not any(head in other[1:] for other in sequences):
                break
        else:
            return None
        merged.append(head)
        sequences = [rest for sequence in sequences if (rest := [c for c in sequence if c != head])]
    return merged


def outline(file: FileIndex, shared: Optional[Dict[tuple, AttributeAssignment]] = None) -> FileIndex:
    """The part of `file` that `compiled_code_files` and a file without compiled code (TS001 of a
    hierarchy too deep, `lint_indexed` without scopes) read: its names, imports, its functions'
    names and decorators, and its classes' bases, decorators and the classes their attributes are
    built from; without calls, parameters, methods, annotations and values (most of it).

    A large run's parent keeps one of every file (all of site-packages: 16,301), so what is left is
    made small: names interned (one `torch.nn.Module` for the whole project: pickling gave each
    file its own copies), empty containers shared, attributes built from no call left out (they
    name no class) and equal attribute assignments one object (of those in `shared`, which the
    caller keeps for its outlines)."""
    shared = {} if shared is None else shared
    path = intern(file.path)
    functions = {
        intern(name): FunctionInfo(
            intern(f.name),
            intern(f.qualname),
            path,
            f.ordinal,
            _interned(f.owner),
            tuple(map(intern, f.decorators)),
            f.is_abstract,
            None,
            (),
            has_overloads=f.has_overloads,
            takes_var_args=f.takes_var_args,
            returns_self=f.returns_self,
            type_comment=f.type_comment,
        )
        for name, f in file.functions.items()
    }
    return FileIndex(
        path,
        intern(file.module_name),
        ImportTable(
            intern(file.imports.module_name),
            {intern(k): intern(v) for k, v in file.imports.aliases.items()},
            tuple(map(intern, file.imports.star_sources)),
        ),
        tuple(_class_outline(info, path, shared) for info in file.classes),
        functions,
        _NOTHING,
        _NO_ENTRIES,
        _NO_ENTRIES,
    )


# Shared by every outline: nothing reads, let alone changes, these.
_NOTHING: FrozenSet[str] = frozenset()
_NO_ENTRIES: Mapping[str, object] = {}


def _class_outline(info: ClassInfo, path: str, shared: Dict[tuple, AttributeAssignment]) -> ClassInfo:
    attributes = {}
    for name, assignments in info.attributes.items():
        kept = tuple(_assignment(a, shared) for a in assignments if a.callee is not None or a.elements)
        if kept:
            attributes[intern(name)] = kept
    return ClassInfo(
        intern(info.name),
        intern(info.qualname),
        path,
        tuple(map(_interned, info.bases)),
        methods=_NO_ENTRIES,  # type: ignore[arg-type]
        attributes=attributes,
        class_annotations=_NOTHING,
        size_unions=_NOTHING,
        class_attributes=_NOTHING,
        listed_constants=None,
        finals=_NOTHING,
        unused_properties=_NOTHING,
        conditional_attributes=_NO_ENTRIES,  # type: ignore[arg-type]
        decorators=tuple(map(intern, info.decorators)),
        annotation_types=_NO_ENTRIES,  # type: ignore[arg-type]
        parameter_attributes=_NO_ENTRIES,  # type: ignore[arg-type]
    )


def _assignment(assignment: AttributeAssignment, shared: Dict[tuple, AttributeAssignment]) -> AttributeAssignment:
    """An outline's copy of `assignment`: its kind and the classes it names, one object for all
    equal ones."""
    key = (assignment.kind, assignment.callee, assignment.elements)
    found = shared.get(key)
    if found is None:
        found = shared[key] = AttributeAssignment(
            assignment.kind, _interned(assignment.callee), tuple(map(intern, assignment.elements))
        )
    return found


def _interned(name: Optional[str]) -> Optional[str]:
    return None if name is None else intern(name)


def compiled_code_files(index: ProjectIndex, also: Iterable[str] = ()) -> Set[str]:
    """The paths of the files that linting the project's compiled code may read: enough to build, over
    them alone, the same compiled scopes and cross-file facts for every file that has compiled code.

    Compiled code starts in a file with a module class or a `@torch.jit.script` function or class;
    everything it reaches (called functions, base classes, submodules, TorchScript classes) is
    resolved through that file's imports, so it is in a file those import, directly or not. Files
    that hold a module class as an attribute are kept too (`submodule_classes`), and, for every name
    these files define, the file that wins it in the whole project (`modules`, `classes` and
    `functions` keep the first file, in path order, that claims a name). A file outside this set has
    no compiled code: linting it runs no rule.

    `also`: the paths of more files to start from, whose code (not compiled) some rule or some
    project-wide fact reads (a `torch.jit.trace` call of a script's `main`); what they reach is
    kept as for compiled code, so their findings are those of a run over the whole project."""
    starts = [index.by_path[path] for path in sorted(also) if path in index.by_path]
    for file in index.files:
        scripted = any(JIT_SCRIPT in f.decorators for f in file.functions.values())
        for info in file.classes:
            if (
                scripted
                or info.qualname in index.module_classes
                or JIT_SCRIPT in info.decorators
                or any(
                    index.resolve(callee) in index.module_classes
                    for assignments in info.attributes.values()
                    for a in assignments
                    for callee in (a.callee, *a.elements)
                )
            ):
                scripted = True
                break
        if scripted:
            starts.append(file)
    found: Dict[str, FileIndex] = {}
    work = list(starts)
    while work:
        file = work.pop()
        if file.path in found:
            continue
        found[file.path] = file
        work.extend(index.imported_files(file))
        winners = [index.modules.get(file.module_name)] if file.module_name else []
        winners += [index.classes.get(info.qualname) for info in file.classes]
        winners += [index.functions.get(f.qualname) for f in file.functions.values()]
        work.extend(index.by_path[w.path] for w in winners if w is not None and w.path != file.path)
    return set(found)
