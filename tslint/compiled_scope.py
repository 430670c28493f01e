"""Which functions `torch.jit.script(instance)` compiles, for every module class in the project.

Mirrors torch 2.13 (each point is checked against torch in tests/test_compiled_scope_torch.py):
- roots of a module class: `forward`, `@torch.jit.export` methods, and `@property` methods not listed
  in `__jit_unused_properties__`; the forward of every submodule class is a root of its own class;
- then, transitively, `self.method(...)`, `self.submodule.method(...)` and module-level functions of
  the linted files called from compiled code, resolved in the context of the class being scripted
  (a subclass's override wins);
- `@torch.jit.ignore` / `@torch.jit.unused` methods reached this way have only their signature used;
  so have module-level functions decorated with `functools.cache` / `functools.lru_cache`: torch
  calls the C cache wrapper as a Python function typed by the wrapped signature (a method so
  decorated is compiled, and fails: the wrapper has no source);
  `__init__` is never compiled, and methods nothing compiled reaches are not compiled at all;
- calls in branches torch prunes (see branch_guards) do not make their target compiled;
- a `forward` whose body only raises NotImplementedError is an abstract base's placeholder: not a root;
- a module class with a `__prepare_scriptable__` that does not always return `self` is not compiled:
  torch.jit.script compiles what that method returns instead, for the instance and every submodule;
- a method the class or a base sets on the class at run time (`self.__class__.name = f`,
  `type(self).name = f`, `setattr(self.__class__, "name", f)`, as torch_geometric's MessagePassing
  does with a generated `propagate`) is the replacement when torch scripts the instance: the
  source's method is unknown code, neither compiled nor typed (the replacement may also fail at run
  time and leave the source's: unknown either way);
- functions decorated with `@torch.jit.script` are compiled on their own;
- a plain class (no bases) that compiled code constructs or uses in an annotation, or one decorated
  with `@torch.jit.script`, is a TorchScript class: every method of it but static ones is compiled,
  `__init__` and methods nothing calls included.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from tslint.analysis.branch_guards import Guards, training_only
from tslint.analysis.constructor_arguments import passed_classes
from tslint.analysis.script_class_failures import plain_hierarchy
from tslint.analysis.scripted_instances import scripted_classes
from tslint.compiled_class import CompiledClass, guards_hold
from tslint.digests import digest
from tslint.index.model import (
    CACHING_DECORATORS,
    JIT_EXPORT,
    JIT_IGNORE,
    JIT_SCRIPT,
    JIT_SCRIPT_IF_TRACING,
    JIT_UNUSED,
    OBJECT,
    PROPERTY_DECORATORS,
    TORCH_BUILTIN_FUNCTIONS,
    AttributeKind,
    CallKind,
    CallSite,
    ClassInfo,
    FileIndex,
    FunctionInfo,
)
from tslint.index.project import ProjectIndex


class Region(enum.Enum):
    COMPILED = "compiled"  # torch compiles this code
    PARSED = "parsed"  # the Python frontend parses it, but torch does not (or may not) compile it


class Role(enum.Enum):
    COMPILED = "compiled"  # body and signature are compiled
    SIGNATURE = "signature"  # an ignored/unused function called from compiled code: only its signature


@dataclass(frozen=True)
class CompiledFunction:
    info: FunctionInfo
    role: Role
    classes: Tuple[Optional[str], ...]  # module classes it is compiled for; None for free functions


def _role(function: FunctionInfo) -> Optional[Role]:
    if function.has_decorator(JIT_IGNORE) or function.has_decorator(JIT_UNUSED):
        return Role.SIGNATURE
    if function.owner is None and any(name in CACHING_DECORATORS for name in function.decorators):
        # torch.jit.script sees the cache wrapper, not a Python function: it calls it in Python, as
        # it calls an ignored function, with the types of the wrapped signature (probed in 2.13).
        return Role.SIGNATURE
    return Role.COMPILED


def _script_class_methods(info: ClassInfo) -> Iterable[Tuple[FunctionInfo, None]]:
    """What torch compiles of a TorchScript class: every method but static ones (none tslint knows
    of a class whose binding depends on a branch: ClassInfo.undecided)."""
    if info.undecided:
        return ()
    return ((method, None) for method in info.methods.values() if not method.has_decorator("staticmethod"))


@dataclass(frozen=True)
class RecursiveCall:
    """A call in `caller` (compiled for `class_name`) that torch rejects as recursive."""

    caller: Tuple[str, int]
    class_name: Optional[str]
    kind: CallKind
    target: str


class CompiledScope:
    def __init__(
        self,
        index: ProjectIndex,
        roots: Optional[Iterable[str]] = None,
        tracing: bool = False,
        exporting: bool = False,
        classes: Optional[Dict[str, CompiledClass]] = None,
    ) -> None:
        """`roots`: the module classes being scripted (default: every module class, since any of them may
        be; bench/agreement.py scripts one class at a time). `tracing`: what torch.jit.trace runs instead:
        `forward` and what it calls, ignored methods included (run in Python); not `@torch.jit.script`
        functions (they keep their control flow), nor calls made only while `self.training` (an eval-mode
        trace skips them). `exporting`: what torch.export.export traces: as `tracing`, with those two included
        (probed in torch 2.13: export runs a scripted function's Python source; a data-dependent `if` fails).
        `classes`: the CompiledClass of each module class built so far, shared with other scopes of the
        same index (each depends only on the index and the class)."""
        self.index = index
        self.exporting = exporting
        self.tracing = tracing or exporting
        self._eval_trace = tracing and not exporting
        self._compiled_classes: Dict[str, CompiledClass] = {} if classes is None else classes
        self._all_classes = roots is None
        self._root_classes = sorted(index.module_classes if roots is None else self._with_submodules(roots))
        self._roles: Dict[Tuple[str, int], Role] = {}
        self._function_classes: Dict[Tuple[str, int], List[Optional[str]]] = {}
        self._functions: Dict[Tuple[str, int], FunctionInfo] = {}
        self._by_path: Optional[Dict[str, List[CompiledFunction]]] = None
        self._recursive: Optional[FrozenSet[RecursiveCall]] = None
        self._with_code: Optional[FrozenSet[str]] = None
        self._compute()

    def compiled_class(self, qualname: str) -> CompiledClass:
        found = self._compiled_classes.get(qualname)
        if found is None:
            found = CompiledClass(self.index, self.index.classes[qualname])
            self._compiled_classes[qualname] = found
        return found

    def _with_submodules(self, roots: Iterable[str]) -> Set[str]:
        """The classes, and transitively the module classes of their submodules: torch compiles the
        forward of every registered submodule."""
        found = {name for name in roots if name in self.index.classes}
        return found | (self.held_classes(found) & self.index.module_classes)

    def held_classes(self, roots: Iterable[str]) -> Set[str]:
        """The classes (torch's too) of what the classes `roots` build their attributes with, directly
        or in containers, and through the project's module classes among them, at any depth: the
        classes of every submodule torch scripts along with `roots`. Not those of an attribute that
        may be None (`self.norm = None` on one path of `__init__`) or is built of another class on
        another path: the built instance holds one of them."""
        held: Set[str] = set()
        visited: Set[str] = set()
        work = [name for name in roots if name in self.index.classes]
        while work:
            name = work.pop()
            if name in visited:
                continue
            visited.add(name)
            for assignments in self.compiled_class(name).attributes.values():
                if any(a.kind is AttributeKind.NONE or a.maybe_none for a in assignments):
                    # None in an instance built one way: torch then compiles nothing of it (a
                    # submodule only the other instances hold is not certainly scripted).
                    continue
                if len({(a.callee, a.elements) for a in assignments}) > 1:
                    continue  # `self.norm = LayerNorm(...)` on one path, `RMSNorm(...)` on another
                for assignment in assignments:
                    for callee in (assignment.callee, *assignment.elements):
                        resolved = self.index.resolve(callee)
                        if resolved is not None:
                            held.add(resolved)
                            if resolved in self.index.module_classes:
                                work.append(resolved)
        return held

    def _roots(self) -> Iterable[Tuple[FunctionInfo, Optional[str]]]:
        scripted = scripted_classes(self.index) if self.tracing and not self.exporting else frozenset()
        for qualname in self._root_classes:
            if self.index.hierarchy_too_deep(self.index.classes[qualname]):
                continue  # not checked at all: its file's TS001 says so (engine.phases._too_deep)
            if qualname in scripted:
                continue  # `torch.jit.script(EarlyExit())`: the trace calls the scripted module
            context = self.compiled_class(qualname)
            if context.replaced and not self.tracing:
                continue
            forward = context.methods.get("forward")
            if forward is not None and not forward.is_abstract and "forward" not in context.replaced_methods:
                yield forward, qualname
            call = context.methods.get("__call__") if self.exporting else None
            if call is not None and not call.is_abstract and "__call__" not in context.replaced_methods:
                # export calls the module: a `__call__` the class overrides runs, exported or held
                # (probed in torch 2.13, non-strict: an `int(index.max())` in it fails the export)
                yield call, qualname
            if self.tracing:
                continue  # exports and properties are scripted by trace, not traced
            for name, method in context.methods.items():
                if name == "forward" or name in context.replaced_methods:
                    continue
                if method.has_decorator(JIT_EXPORT):
                    yield method, qualname
                elif method.name not in context.unused_properties and any(
                    d in PROPERTY_DECORATORS or d == f"{method.name}.setter" for d in method.decorators
                ):
                    # a property's getter and setter are compiled (probed); a setter (the table's
                    # `<name>.setter`) belongs to the getter the class's hierarchy resolves to
                    getter = context.methods.get(method.name)
                    if name == method.name or (getter is not None and getter.owner == method.owner):
                        yield method, qualname
        if not self._all_classes or self.tracing:
            return
        for file in self.index.files:
            for function in file.functions.values():
                if function.has_decorator(JIT_SCRIPT):
                    yield function, None
            for info in file.classes:  # `@torch.jit.script` on a class: compiled when defined
                if JIT_SCRIPT in info.decorators and info.qualname not in self.index.module_classes:
                    yield from _script_class_methods(info)

    def _compute(self) -> None:
        seen: Set[Tuple[Tuple[str, int], Optional[str]]] = set()
        work: List[Tuple[FunctionInfo, Optional[str]]] = list(self._roots())
        while work:
            function, class_name = work.pop()
            role = _role(function)
            if self.tracing:
                hybrid = function.has_decorator(JIT_SCRIPT) or function.has_decorator(JIT_SCRIPT_IF_TRACING)
                if hybrid and not self.exporting:
                    continue  # hybrid export: a scripted helper keeps its control flow under tracing
                role = Role.COMPILED  # ignored/unused methods run in Python while tracing
            if role is None or (function.key, class_name) in seen:
                continue
            seen.add((function.key, class_name))
            self._functions[function.key] = function
            if self._roles.get(function.key) is not Role.COMPILED:
                self._roles[function.key] = role
            self._function_classes.setdefault(function.key, []).append(class_name)
            if role is Role.COMPILED:
                work.extend(self._callees(function, class_name))

    def _callees(
        self, function: FunctionInfo, class_name: Optional[str]
    ) -> Iterable[Tuple[FunctionInfo, Optional[str]]]:
        for _, callee in self._calls(function, class_name):
            yield callee
        if not self.tracing:
            for name in function.annotations:  # a plain class used as a type is compiled too
                resolved = self.index.resolve(name) or ""
                if self._is_script_class(resolved):
                    yield from _script_class_methods(self.index.classes[resolved])

    def _calls(
        self, function: FunctionInfo, class_name: Optional[str]
    ) -> Iterable[Tuple[CallSite, Tuple[FunctionInfo, Optional[str]]]]:
        """(call site, (callee, its class)) of each project function or method the function calls."""
        context = self.compiled_class(class_name) if class_name is not None else None
        for call in function.calls:
            for callee in self._call_targets(call, class_name, context):
                yield call, callee

    def _call_targets(
        self, call: CallSite, class_name: Optional[str], context: Optional[CompiledClass]
    ) -> Iterable[Tuple[FunctionInfo, Optional[str]]]:
        if guards_hold(call.guards, context, self.tracing) and not (self._eval_trace and training_only(call.guards)):
            if call.kind is CallKind.SELF_METHOD and context is not None:
                method = context.methods.get(call.target)
                if method is not None and call.target not in context.replaced_methods:
                    yield method, class_name
                elif method is None and not self.tracing:
                    yield from self._held_function(context, call.target)
            elif call.kind is CallKind.SUBMODULE_METHOD and context is not None:
                if self.tracing and not self.exporting and class_name is not None:
                    yield from self._passed_methods(call, class_name, context)
                for assignment in context.attributes.get(call.attribute, ()):
                    owner = self.index.resolve(assignment.callee)
                    if assignment.kind is AttributeKind.CALL and owner in self.index.module_classes:
                        if self.compiled_class(owner).replaced and not self.tracing:
                            continue  # torch compiles what its __prepare_scriptable__ returns instead
                        method = self.compiled_class(owner).methods.get(call.target)
                        if method is not None and call.target not in self.compiled_class(owner).replaced_methods:
                            yield method, owner
                    elif self.tracing and assignment.kind is AttributeKind.CALL and owner in self.index.classes:
                        # `self.box_coder = BoxCoder(...)` of a plain class: tracing runs its methods in Python
                        method = self.compiled_class(owner).methods.get(call.target)
                        if method is not None:
                            yield method, owner
            elif call.kind is CallKind.FUNCTION:
                resolved = self.index.resolve(call.target) or ""
                target = self.index.functions.get(resolved)
                if resolved in TORCH_BUILTIN_FUNCTIONS:
                    pass
                elif target is not None:
                    yield target, None
                elif not self.tracing and self._is_script_class(resolved):
                    yield from _script_class_methods(self.index.classes[resolved])

    def _held_function(self, context: CompiledClass, name: str) -> Iterable[Tuple[FunctionInfo, Optional[str]]]:
        """`self.get_patches(...)` with `self.get_patches = get_patches` in `__init__`, a project
        function: torch compiles the function the attribute holds (and, if that fails, reports "This
        function exists as an attribute on the Python module, but we failed to compile it" with the
        function's own error first)."""
        targets = {
            self.index.resolve(a.unscriptable.partition(":")[2])
            if (a.unscriptable or "").startswith("reference:")
            else None
            for a in context.attributes.get(name, ())
        }
        if len(targets) == 1:
            function = self.index.functions.get(targets.pop() or "")
            if function is not None:
                yield function, None

    def _passed_methods(
        self, call: CallSite, class_name: str, context: CompiledClass
    ) -> Iterable[Tuple[FunctionInfo, Optional[str]]]:
        """`self.corr_block.index_pyramid(...)` with `self.corr_block = corr_block` stored from an
        `__init__` parameter: the method of each project class its builders pass for it (a trace
        runs the instance's methods in Python)."""
        assignments = context.attributes.get(call.attribute, ())
        if not assignments or any(a.kind is not AttributeKind.OTHER for a in assignments):
            return
        for owner in sorted(passed_classes(self.index, class_name, call.attribute)):
            method = self.compiled_class(owner).methods.get(call.target)
            if method is not None:
                yield method, owner

    def recursive_calls(self) -> FrozenSet[RecursiveCall]:
        """The calls torch rejects as recursive: compiling from each root as torch does (a callee
        when its first call is met), a call to a function still being compiled — the call that
        closes the cycle, where torch reports it. Bodies torch does not compile (ignored methods)
        break a cycle. (The index keeps no call positions: where a function calls two members of
        one cycle, the call reported may be another than torch's.)"""
        if self._recursive is None:
            found: Set[RecursiveCall] = set()
            finished: Set[Tuple[Tuple[str, int], Optional[str]]] = set()
            for root in self._roots():
                self._walk_calls(root, finished, found)
            self._recursive = frozenset(found)
        return self._recursive

    def _walk_calls(self, root: Tuple[FunctionInfo, Optional[str]], finished: set, found: Set[RecursiveCall]) -> None:
        def key(item: Tuple[FunctionInfo, Optional[str]]) -> Tuple[Tuple[str, int], Optional[str]]:
            return item[0].key, item[1]

        if key(root) in finished or _role(root[0]) is not Role.COMPILED:
            return
        active = {key(root)}
        stack = [(root, iter(list(self._calls(*root))))]
        while stack:
            (function, class_name), calls = stack[-1]
            step = next(calls, None)
            if step is None:
                stack.pop()
                active.discard((function.key, class_name))
                finished.add((function.key, class_name))
                continue
            call, callee = step
            if _role(callee[0]) is not Role.COMPILED or key(callee) in finished:
                continue
            if call.kind is CallKind.FUNCTION and (self.index.resolve(call.target) or "") not in self.index.functions:
                continue  # a TorchScript class built in its own method is no recursion (observed)
            if key(callee) in active:
                found.add(RecursiveCall(function.key, class_name, call.kind, call.target))
                continue
            active.add(key(callee))
            stack.append((callee, iter(list(self._calls(*callee)))))

    def _is_script_class(self, qualname: str) -> bool:
        """A plain class (no bases: not an exception, NamedTuple or Enum; or only plain project
        bases and `abc.ABC` up its hierarchy) that compiled code constructs: torch compiles it as a
        TorchScript class, every method of it (probed in torch 2.13: `class Data(Base)` with a plain
        `Base` compiles; a `__call__(self, *args)` of its own fails there)."""
        info = self.index.classes.get(qualname)
        if info is None or qualname in self.index.module_classes:
            return False
        return all(base in OBJECT for base in info.bases) or plain_hierarchy(self.index, info)

    def functions(self) -> List[CompiledFunction]:
        """Every compiled function, in a deterministic order (file, then position in file)."""
        return [
            CompiledFunction(self._functions[key], self._roles[key], tuple(self._function_classes[key]))
            for key in sorted(self._functions)
        ]

    def region(self, compiled: CompiledFunction, guards: Guards) -> Region:
        """COMPILED if, for some class it is compiled for, torch certainly compiles code under `guards`."""
        if not guards:
            return Region.COMPILED
        for class_name in compiled.classes:
            context = self.compiled_class(class_name) if class_name is not None else None
            if guards_hold(guards, context, self.tracing):
                return Region.COMPILED
        return Region.PARSED

    def has_compiled_code(self, qualname: str) -> bool:
        """Whether some function's body is compiled for module class `qualname` (its `forward`, an
        export, or a base's)."""
        if self._with_code is None:
            self._with_code = frozenset(
                name for c in self.functions() if c.role is Role.COMPILED for name in c.classes if name is not None
            )
        return qualname in self._with_code

    def is_compiled(self, function: FunctionInfo) -> bool:
        return self._roles.get(function.key) is Role.COMPILED

    def functions_in(self, path: str) -> List[CompiledFunction]:
        if self._by_path is None:
            self._by_path = {}
            for compiled in self.functions():
                self._by_path.setdefault(compiled.info.path, []).append(compiled)
        return self._by_path.get(path, [])

    def file_key(self, path: str) -> str:
        """A digest of everything about the rest of the project that the rules see for `path`'s code:
        its compiled functions, their roles and class contexts, and those classes' facts."""
        functions = self.functions_in(path)
        contexts = sorted({name for compiled in functions for name in compiled.classes if name is not None})
        facts = (
            [(c.info.ordinal, c.role.value, sorted(str(name) for name in c.classes)) for c in functions],
            [(name, self.compiled_class(name).fingerprint()) for name in contexts],
        )
        if self.tracing and functions:
            from tslint.analysis.provenance import trace_key  # what the trace provenance reads elsewhere

            facts += (trace_key(self, path),)
        return digest(repr(facts).encode("utf-8"))

    def shared_code_key(self, qualnames: Iterable[str]) -> str:
        """A digest of what a check of module classes `qualnames` outside compiled code reads of the
        code torch compiles for them in their hierarchies' files (TS372: whether compiled code reads
        a constant, decided where a base's function is also compiled for a sibling subclass whose
        file the class's own file never imports): those functions, the classes each is compiled for
        and their facts, and the contents of those files."""
        facts = []
        for qualname in sorted(qualnames):
            paths = sorted({c.path for c in self.compiled_class(qualname).mro})
            shared = [
                (path, c.info.ordinal, c.role.value, sorted(str(name) for name in c.classes))
                for path in paths
                for c in self.functions_in(path)
                if qualname in c.classes
            ]
            others = sorted({name for *_, names in shared for name in names if name not in ("None", qualname)})
            facts.append(
                (
                    qualname,
                    [(path, self.index.digests.get(path, "")) for path in paths],
                    shared,
                    [(name, self.compiled_class(name).fingerprint()) for name in others],
                )
            )
        return digest(repr(facts).encode("utf-8"))


def scripted_symbols(index: ProjectIndex, qualname: str) -> Set[Tuple[str, str]]:
    """(path, symbol) of every place whose findings belong to scripting module class `qualname` alone:
    the functions torch compiles for it and its submodules, and what torch reads of the class itself
    while building its type, before compiling anything (its `__init__`'s and its body's values of
    module constants: TS372 reports an unread one there). What `--confirm` and bench/realworld.py
    count for a class."""
    functions = list(CompiledScope(index, roots=[qualname]).functions())
    found = {(f.info.path, f.info.symbol) for f in functions}
    # Each module torch scripts builds its type: the class's own and its submodules' classes'.
    for built in {qualname, *(name for f in functions for name in f.classes)} & index.classes.keys():
        info = index.classes[built]
        found |= {(info.path, f"{info.name}.__init__"), (info.path, info.name)}
    return found


class ProjectScopes:
    """The views of one project: what torch.jit.script compiles and what torch.jit.trace runs, and,
    when `export` (a run with export rules), what torch.export.export traces."""

    def __init__(
        self,
        index: ProjectIndex,
        export: bool = False,
        checked_classes: Optional[Callable[[FileIndex, CompiledScope], Iterable[str]]] = None,
    ) -> None:
        """`checked_classes`: the module classes of a file that the run's rules check outside
        compiled code (Rule.module_classes_to_check), for `file_key`; None when no rule does."""
        self.index = index
        self.checked_classes = checked_classes
        # One CompiledClass of each class for all the views: on all of site-packages the script and
        # trace views each held one of every module class (bench/RESULTS.md).
        classes: Dict[str, CompiledClass] = {}
        self.script = CompiledScope(index, classes=classes)
        self.trace = CompiledScope(index, tracing=True, classes=classes)
        self.export: Optional[CompiledScope] = CompiledScope(index, exporting=True, classes=classes) if export else None

    def file_key(self, path: str) -> str:
        file = self.index.by_path.get(path)
        dependencies = self.index.dependency_key(file) if file is not None else ""
        exported = self.export.file_key(path) if self.export is not None else ""
        checked = self.checked_classes(file, self.script) if file is not None and self.checked_classes else ()
        shared = self.script.shared_code_key(checked) if checked else ""
        return self.script.file_key(path) + self.trace.file_key(path) + exported + dependencies + shared
