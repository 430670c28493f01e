"""The facts about one module class that decide which of its code torch compiles (CompiledClass), and
whether the guards of a piece of code hold for it (guards_hold): read by the compiled scope
(compiled_scope.py) and by rules about a class's attributes."""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Set

from tslint.analysis.attribute_annotations import annotated_optional, none_test_side_holds
from tslint.analysis.branch_guards import Guard, GuardKind, Guards
from tslint.analysis.class_constants import class_constants
from tslint.index.model import DYNAMIC_ATTRIBUTES, NATIVE_BASE_CLASSES, CallKind, ClassInfo, FunctionInfo
from tslint.index.project import ProjectIndex

# Methods torch's own module classes call from their `__init__` (nn.Linear, the convolutions, the
# norms): a project class that overrides one runs it while being built.
TORCH_BASE_RESETS = frozenset({"reset_parameters", "_reset_parameters", "reset_running_stats"})
_EMPTY: FrozenSet[str] = frozenset()
# What most classes' construction runs: one object for all of them.
_PLAIN_CONSTRUCTION: FrozenSet[str] = frozenset({"__init__", *TORCH_BASE_RESETS})


def _frozen(names: Set[str]) -> FrozenSet[str]:
    """`names` frozen; the empty set and the plain construction one shared object each."""
    if not names:
        return _EMPTY
    return _PLAIN_CONSTRUCTION if names == _PLAIN_CONSTRUCTION else frozenset(names)


class CompiledClass:
    """The facts about one module class that compile-time conditions depend on. Read-only once built
    (one object serves every view of a run: tslint.compiled_scope.ProjectScopes)."""

    __slots__ = (
        "info",
        "mro",
        "unknown_bases",
        "methods",
        "attributes",
        "annotations",
        "size_unions",
        "class_attributes",
        "constant_names",
        "constants",
        "maybe_constants",
        "unused_properties",
        "replaced_methods",
        "replaced",
        "conditional_attributes",
        "construction",
    )

    def __init__(self, index: ProjectIndex, info: ClassInfo) -> None:
        self.info = info
        self.mro = index.mro(info)
        self.unknown_bases = index.has_unknown_bases(info)
        self.methods: Dict[str, FunctionInfo] = {}
        self.attributes: Dict[str, list] = {}
        annotations: Set[str] = set()
        size_unions: Set[str] = set()
        class_attributes: Set[str] = set()
        for current in self.mro:
            if current.qualname in NATIVE_BASE_CLASSES:
                continue
            for name, method in current.methods.items():
                self.methods.setdefault(name, method)
            for name, assignments in current.attributes.items():
                self.attributes.setdefault(name, []).extend(assignments)
            annotations |= current.class_annotations
            size_unions |= current.size_unions
            class_attributes |= current.class_attributes
        # Frozen, the empty ones one object: a run holds one of these for every module class.
        self.annotations: FrozenSet[str] = _frozen(annotations)
        self.size_unions: FrozenSet[str] = _frozen(size_unions)
        self.class_attributes: FrozenSet[str] = _frozen(class_attributes)
        # The names torch makes constants of the scripted instance, as it reads them (not the union
        # of every class's declarations: class_constants); `maybe_constants` adds those that are
        # constants only in a case tslint cannot tell apart. A rule that acts on a constant reads
        # `constants`; one that stays silent for a constant reads `maybe_constants`.
        self.constant_names = class_constants(index, info)
        self.constants: FrozenSet[str] = _frozen(self.constant_names.certain)
        self.maybe_constants: FrozenSet[str] = _frozen(self.constant_names.possible)
        self.unused_properties: FrozenSet[str] = _frozen(set().union(*(c.unused_properties for c in self.mro)))
        # Methods the class or a base replaces on the class at run time (`self.__class__.name = f`):
        # torch compiles the replacement, code tslint cannot see; the source's method is not compiled.
        # So are the methods it inherits from a class whose binding depends on a branch (ClassInfo.undecided).
        undecided = {c.qualname for c in self.mro if c.undecided}
        replaced = set().union(*(c.replaced_methods for c in self.mro))
        replaced.update(name for name, method in self.methods.items() if method.owner in undecided)
        self.replaced_methods: FrozenSet[str] = _frozen(replaced)
        # torch.jit.script replaces the instance (and any submodule) by what its
        # `__prepare_scriptable__` returns: unless that is always `self`, this class is not compiled.
        prepare = self.methods.get("__prepare_scriptable__")
        self.replaced = prepare is not None and not prepare.returns_self
        # Created only on some paths of an `__init__`, and nowhere else in the hierarchy.
        self.conditional_attributes: Dict[str, str] = {}
        self.construction = self._construction_methods()
        for current in self.mro:
            for name, condition in current.conditional_attributes.items():
                others = (c for c in self.mro if c is not current and name in c.attributes)
                if not any(name not in c.conditional_attributes for c in others) and name not in self.maybe_constants:
                    self.conditional_attributes.setdefault(name, condition)

    def _construction_methods(self) -> FrozenSet[str]:
        """The methods that run while the instance is built: `__init__` (every class's, chained by
        `super().__init__()`), the methods they call on `self`, transitively, and the resets torch's
        own base classes call from theirs (`reset_parameters`)."""
        found: Set[str] = {"__init__", *TORCH_BASE_RESETS}
        work = [init for c in self.mro if (init := c.methods.get("__init__")) is not None]
        while work:
            for call in work.pop().calls:
                if call.kind is CallKind.SELF_METHOD and call.target not in found:
                    found.add(call.target)
                    method = self.methods.get(call.target)
                    if method is not None:
                        work.append(method)
        return _frozen(found)

    def built_assignments(self, name: str) -> list:
        """The assignments of attribute `name` that decide the built instance's value, which torch
        types the attribute by: those made while building it, when `__init__` always makes one
        (assignments in `forward` run later); else all of them."""
        assignments = self.attributes.get(name, [])
        if name in self.conditional_attributes or DYNAMIC_ATTRIBUTES in self.attributes:
            return assignments
        built = [a for a in assignments if a.method in self.construction]
        return built if any(a.method == "__init__" for a in built) else assignments

    def method(self, name: str) -> Optional[FunctionInfo]:
        """The source method torch compiles under `name`; None when there is none or the class
        replaces it at run time."""
        return None if name in self.replaced_methods else self.methods.get(name)

    def fingerprint(self) -> str:
        """The facts that decide which code of this class torch compiles, and what the rules read of
        its classes (for the result cache)."""
        return repr(
            (
                [c.qualname for c in self.mro],
                # The rule families' class facts (a constant's value, read by TS372 where a base's
                # method reads it): the subclass's file is not among those the base's file imports.
                [c.facts for c in self.mro],
                [sorted(names) for names in (self.constants, self.maybe_constants, self.constant_names.declared)],
                sorted(self.constant_names.listed),
                self.constant_names.open,
                self.unknown_bases,
                sorted((name, method.qualname) for name, method in self.methods.items()),
                sorted(
                    (name, [(a.kind.value, a.callee, a.unscriptable, a.maybe_none, a.otherwise) for a in found])
                    for name, found in self.attributes.items()
                ),
                sorted(self.annotations),
                sorted(name for name in self.annotations if self.annotated_optional(name)),
                sorted(self.class_attributes),
                sorted(self.unused_properties),
                sorted(self.conditional_attributes.items()),
                sorted(self.size_unions),
                self.replaced,
                sorted(self.replaced_methods),
                sorted(self.construction),
                sorted((name, [a.method for a in found]) for name, found in self.attributes.items()),
            )
        )

    def annotated_optional(self, name: str) -> bool:
        """Whether torch types attribute `name` by a class-level `Optional[...]` annotation (and so
        compiles both sides of `self.name is None`): see attribute_annotations."""
        return annotated_optional(self.mro, self.attributes.get(name), name in self.maybe_constants, name)

    def guard_holds(self, guard: Guard, tracing: bool = False) -> bool:
        """True only if torch certainly compiles (or, `tracing`, runs while tracing) code under `guard`."""
        if guard.kind is GuardKind.UNREACHABLE:
            return False
        if guard.kind is GuardKind.EITHER:
            return any(guards_hold(option, self, tracing) for option in guard.options)
        if guard.kind in (GuardKind.NOT_SCRIPTING, GuardKind.NOT_BY_TYPE, GuardKind.BY_INSTANCE):
            return tracing  # is_scripting() is False while tracing; isinstance is Python's
        if guard.kind is GuardKind.NOT_TRACING:
            return not tracing  # torch.jit.script does not resolve is_tracing(): both sides compile
        if guard.kind in (GuardKind.ATTRIBUTE_NOT_NONE, GuardKind.ATTRIBUTE_IS_NONE):
            # Tracing runs the branch as the instance is when traced: every assignment counts.
            assignments = self.attributes.get(guard.name, []) if tracing else self.built_assignments(guard.name)
            optional = self.annotated_optional(guard.name)
            return none_test_side_holds(assignments, guard.kind is GuardKind.ATTRIBUTE_IS_NONE, optional, tracing)
        if guard.kind is GuardKind.HAS_ATTRIBUTE:
            if guard.name in self.conditional_attributes:
                return False  # whether the instance has it depends on how it was built
            return guard.name in self.attributes or guard.name in self.methods or guard.name in self.class_attributes
        if guard.kind is GuardKind.CONSTANT_FLAG:
            return guard.name not in self.maybe_constants
        return True


def guards_hold(guards: Guards, context: Optional[CompiledClass], tracing: bool = False) -> bool:
    for guard in guards:
        if context is None:
            if guard.kind is GuardKind.EITHER:
                if not any(guards_hold(option, None, tracing) for option in guard.options):
                    return False
                continue
            if (
                guard.kind is GuardKind.UNREACHABLE
                or (
                    guard.kind in (GuardKind.NOT_SCRIPTING, GuardKind.NOT_BY_TYPE, GuardKind.BY_INSTANCE)
                    and not tracing
                )
                or (guard.kind is GuardKind.NOT_TRACING and tracing)
            ):
                return False
            continue
        if not context.guard_holds(guard, tracing):
            return False
    return True
