"""The facts about one module class that decide which of its code torch compiles (CompiledClass), and
whether the guards of a piece of code hold for it (guards_hold): read by the compiled scope
(compiled_scope.py) and by rules about a class's attributes."""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Set

from tslint.analysis.attribute_annotations import annotated_optional, none_test_side_holds
from tslint.analysis.branch_guards import Guard, GuardKind, Guards
from tslint.index.model import NATIVE_BASE_CLASSES, ClassInfo, FunctionInfo
from tslint.index.project import ProjectIndex


class CompiledClass:
    """The facts about one module class that compile-time conditions depend on."""

    def __init__(self, index: ProjectIndex, info: ClassInfo) -> None:
        self.info = info
        self.mro = index.mro(info)
        self.unknown_bases = index.has_unknown_bases(info)
        self.methods: Dict[str, FunctionInfo] = {}
        self.attributes: Dict[str, list] = {}
        self.annotations: Set[str] = set()
        self.size_unions: Set[str] = set()
        self.class_attributes: Set[str] = set()
        self.constants: Set[str] = set()
        for current in self.mro:
            if current.qualname in NATIVE_BASE_CLASSES:
                continue
            for name, method in current.methods.items():
                self.methods.setdefault(name, method)
            for name, assignments in current.attributes.items():
                self.attributes.setdefault(name, []).extend(assignments)
            self.annotations |= current.class_annotations
            self.size_unions |= current.size_unions
            self.class_attributes |= current.class_attributes
            self.constants |= current.constants
        self.unused_properties: FrozenSet[str] = frozenset().union(*(c.unused_properties for c in self.mro))
        # Methods the class or a base replaces on the class at run time (`self.__class__.name = f`):
        # torch compiles the replacement, code tslint cannot see; the source's method is not compiled.
        self.replaced_methods: FrozenSet[str] = frozenset().union(*(c.replaced_methods for c in self.mro))
        # torch.jit.script replaces the instance (and any submodule) by what its
        # `__prepare_scriptable__` returns: unless that is always `self`, this class is not compiled.
        prepare = self.methods.get("__prepare_scriptable__")
        self.replaced = prepare is not None and not prepare.returns_self
        # Created only on some paths of an `__init__`, and nowhere else in the hierarchy.
        self.conditional_attributes: Dict[str, str] = {}
        for current in self.mro:
            for name, condition in current.conditional_attributes.items():
                others = (c for c in self.mro if c is not current and name in c.attributes)
                if not any(name not in c.conditional_attributes for c in others) and name not in self.constants:
                    self.conditional_attributes.setdefault(name, condition)

    def method(self, name: str) -> Optional[FunctionInfo]:
        """The source method torch compiles under `name`; None when there is none or the class
        replaces it at run time."""
        return None if name in self.replaced_methods else self.methods.get(name)

    def fingerprint(self) -> str:
        """The facts that decide which code of this class torch compiles (for the result cache)."""
        return repr(
            (
                [c.qualname for c in self.mro],
                self.unknown_bases,
                sorted((name, method.qualname) for name, method in self.methods.items()),
                sorted(
                    (name, [(a.kind.value, a.callee, a.unscriptable, a.maybe_none, a.otherwise) for a in found])
                    for name, found in self.attributes.items()
                ),
                sorted(self.annotations),
                sorted(name for name in self.annotations if self.annotated_optional(name)),
                sorted(self.class_attributes),
                sorted(self.constants),
                sorted(self.unused_properties),
                sorted(self.conditional_attributes.items()),
                sorted(self.size_unions),
                self.replaced,
                sorted(self.replaced_methods),
            )
        )

    def annotated_optional(self, name: str) -> bool:
        """Whether torch types attribute `name` by a class-level `Optional[...]` annotation (and so
        compiles both sides of `self.name is None`): see attribute_annotations."""
        return annotated_optional(self.mro, self.attributes.get(name), name in self.constants, name)

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
            assignments = self.attributes.get(guard.name, [])
            optional = self.annotated_optional(guard.name)
            return none_test_side_holds(assignments, guard.kind is GuardKind.ATTRIBUTE_IS_NONE, optional, tracing)
        if guard.kind is GuardKind.HAS_ATTRIBUTE:
            if guard.name in self.conditional_attributes:
                return False  # whether the instance has it depends on how it was built
            return guard.name in self.attributes or guard.name in self.methods or guard.name in self.class_attributes
        if guard.kind is GuardKind.CONSTANT_FLAG:
            return guard.name not in self.constants
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
