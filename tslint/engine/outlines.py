"""What a large run's parent keeps of every indexed file, and which files phase 2 needs from it.

The parent of a large parallel run (tslint.engine.workers.OUTLINE_MIN_BYTES) keeps an outline of each
file's index (`tslint.index.project.outline`), and of the files carrying project-wide facts
(`tslint.analysis.project_wide`) those facts themselves. From them it tells which files the workers
need in full: the compiled code and all it reaches (`compiled_code_files`), the classes handed to its
constructors (`RAFT(corr_block=CorrBlock())`: the trace runs `CorrBlock`'s methods) with all they
reach, and the files whose facts or calls change what the analyses find for those files (a trace,
a script, a constructor call of one of their classes, a caller, user or subclass). What those last
files import is needed only to resolve their names: the workers get it as outlines, which the parent
holds already. A file carrying facts about other classes only (a `Foo(bar=Baz())` of classes without
compiled code) is not sent at all.
"""

from __future__ import annotations

from dataclasses import replace
from sys import intern
from typing import Dict, FrozenSet, Iterable, Mapping, Sequence, Set, Tuple

from tslint.analysis.constructor_arguments import BUILT_ARGUMENTS
from tslint.analysis.project_wide import outside_names, reaching_files
from tslint.analysis.scripted_instances import SCRIPTED_INSTANCES, SCRIPTED_SLOTS
from tslint.analysis.traced_roots import TRACED_CLASSES
from tslint.engine.phases import FileSummary, IndexedFile
from tslint.engine.reading import FileChanged
from tslint.files import SourceFile
from tslint.index.model import FileIndex
from tslint.index.project import ProjectIndex, compiled_code_files, outline
from tslint.rule import Rule

# A project-wide fact as the parent keeps it: (kind, name, built), names as the index gives them.
# CLASS: a class traced or scripted (`name`); SLOT: a submodule slot scripted in place, of the
# class `name`; BUILT: an instance of `built` handed to a constructor call of `name`.
CLASS, SLOT, BUILT = "class", "slot", "built"
Fact = Tuple[str, str, str]


def project_wide_facts(file: FileIndex) -> Tuple[Fact, ...]:
    """The facts of `file` that the project-wide analyses read (`tslint.analysis.project_wide`)."""
    found: Set[Fact] = set()
    for function in file.every_function():
        for key, value in function.facts:
            if key in (TRACED_CLASSES, SCRIPTED_INSTANCES):
                found.update((CLASS, intern(name), "") for name in value)  # type: ignore[union-attr]
            elif key == SCRIPTED_SLOTS:
                found.update((SLOT, intern(holder), "") for holder, _ in value)  # type: ignore[union-attr]
            elif key == BUILT_ARGUMENTS:
                found.update((BUILT, intern(callee), intern(built)) for callee, _, built in value)  # type: ignore[union-attr]
    return tuple(sorted(found))


class Outlines:
    """What this process keeps of every indexed file during a large parallel run: each summary's
    problem and error, an outline of its index, what its functions call and name outside its module
    (`outside_names`) and its project-wide facts: enough to tell which files phase 2 needs, and which
    hierarchies are too deep. The full indexes of a large project (all of site-packages: ~400 MB)
    stay with the workers."""

    def __init__(self, summaries: Iterable[FileSummary] = ()) -> None:
        self.summaries: Dict[str, FileSummary] = {}
        self._shared: dict = {}  # the outlines' attribute assignments, one object for equal ones
        self.facts: Dict[str, Tuple[Fact, ...]] = {}  # the project-wide facts of the files carrying some
        self.names: Dict[str, tuple] = {}  # what each file calls and names outside it (outside_names)
        self.add(summaries)

    def add(self, summaries: Iterable[FileSummary]) -> None:
        for s in summaries:
            index = outline(s.index, self._shared) if s.index is not None else None
            self.summaries[s.display] = replace(s, index=index)
            facts = project_wide_facts(s.index) if s.index is not None else ()
            if facts:
                self.facts[s.display] = facts
            names = outside_names(s.index) if s.index is not None else ((), ())
            if names[0] or names[1]:
                self.names[s.display] = names

    def index(self) -> ProjectIndex:
        return ProjectIndex(s.index for s in self.summaries.values() if s.index is not None)

    def item(self, source: SourceFile) -> IndexedFile:
        """The file as phase 2 sees it when it has no compiled code (no rule runs: no tree needed)."""
        s = self.summaries[source.display]
        return IndexedFile(source, s.digest, None, s.index, None, s.problem, s.error)

    def phase_two_files(
        self, rules: Sequence[Rule], work: Sequence[SourceFile], contents: Mapping[str, bytes]
    ) -> Tuple[FrozenSet[str], FrozenSet[str]]:
        """(the files the workers need in full, and those they need only as outlines): see the module."""
        index = self.index()
        full = compiled_code_files(index)
        carriers: Set[str] = set()
        while True:
            found, passed = _fact_readers(index, self.facts, full)
            carriers |= found
            if passed <= full:
                break
            full = compiled_code_files(index, full | passed)
        readers = carriers | reaching_files(index, self.names, full) | trace_sites(rules, work, contents, full)
        outlined = compiled_code_files(index, full | readers) - full - readers
        return frozenset(full | readers), frozenset(outlined)


def _fact_readers(
    index: ProjectIndex, facts: Mapping[str, Tuple[Fact, ...]], full: Set[str]
) -> Tuple[Set[str], Set[str]]:
    """The files outside `full` with a fact the analyses read for the classes of `full` (a module class
    traced or scripted, a slot of a class of `full` scripted in place, an instance handed to a
    constructor of a class of `full`), and the files of the classes so handed."""

    def path(name: str) -> str:
        resolved = index.resolve(name)
        return index.classes[resolved].path if resolved in index.classes else ""

    readers: Set[str] = set()
    passed: Set[str] = set()
    for file, entries in facts.items():
        if file in full:
            continue
        for kind, name, built in entries:
            if (kind == CLASS and index.resolve(name) in index.module_classes) or (kind == SLOT and path(name) in full):
                readers.add(file)
            elif kind == BUILT and path(name) in full and path(built):
                readers.add(file)
                passed.add(path(built))
    return readers, passed


def trace_sites(
    rules: Sequence[Rule], work: Sequence[SourceFile], contents: Mapping[str, bytes], full: Set[str]
) -> Set[str]:
    """The files outside `full` whose text has a `torch.jit.trace` call, when a rule checks those call
    sites in any function (TS412): as in `lint_indexed`, they read the models they build."""
    if not any(hasattr(rule, "check_function") for rule in rules):
        return set()
    found = set()
    for source in (s for s in work if s.display not in full):
        try:
            if b"jit.trace" in contents[source.display]:
                found.add(source.display)
        except FileChanged:
            pass  # its error comes when it is linted
    return found
