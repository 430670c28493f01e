"""Where the values of traced code come from, across the functions of one file.

The provenance half of the value layer (/work/shared/VALUE-LAYER.md): for every expression of a
function torch.jit.trace runs, whether it is a tensor, a size read from one, a Python value computed
from one, or none of these (`Kind`, with the transfer functions in `trace_taint.py`). This module
makes it interprocedural within a file:

- **Returns**: a call to a project function or method of the same file (`h, w = _grid(x)`,
  `self._pad(x, k)`, `self.attn(x, (H, W))`) gives what the callee returns for the kinds of the
  arguments at that call, computed on first use and memoized per argument kinds; recursion is cut.
- **Parameters**: a function of the file that only the file's traced code calls gets, for each
  parameter, the join of what its call sites pass (a size passed as `k_size: int` is a size); a
  function called from elsewhere (another file, the user: the `forward` of a traced root) joins the
  default too (a parameter is a tensor unless annotated or defaulted otherwise), and so does one no
  call site of the file reaches. Rounds over the file's traced functions run until nothing changes.

Calls into other files keep the old approximation (a tensor in, a tensor out), so a finding never
depends on another file's content beyond which of this file's functions other files call, which the
trace scope's cache key records (`external_callees`).

The interface the type model can share: `FileProvenance.analysis(compiled)` gives a per-function
`TaintAnalysis` whose `kind(node)`, `is_container(node)`, `tensor_property(node)`, `returns` and
`return_elements` are the provenance half of an abstract value; a joint layer would keep one
environment per block holding (type, provenance) pairs, with the same call resolution (`resolve_call`)
and per-argument summaries.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

import libcst as cst

from tslint.analysis.container_elements import container_classes
from tslint.analysis.project_callers import built_by_modules, external_callees, holders, referenced_modules
from tslint.analysis.project_types import project_types
from tslint.analysis.python_value_parameters import Use, python_value_parameters
from tslint.analysis.schema_types import TENSOR
from tslint.analysis.trace_calls import CallAnswer
from tslint.analysis.trace_taint import (
    Kind,
    TaintAnalysis,
    default_parameter_kinds,
    tensor_attribute_names,
    torch_module_attribute_names,
)
from tslint.analysis.traced_roots import traced_classes
from tslint.index.model import AttributeKind

MAX_ROUNDS = 6
MAX_SUMMARIES = 2000  # per file: beyond this, calls fall back to the intraprocedural approximation
JIT_SCRIPT = "torch.jit.script"

FunctionKey = Tuple[str, int]


def entry_functions(scope, path: str) -> FrozenSet[FunctionKey]:
    """The traced functions of the file at `path` that code outside the file's traced functions may
    call, read from the project index only: the `forward` of a class held outside the file or in a
    container, or of a root model; a method of a subclassed class; a function another file calls.
    Their parameters join the defaults (a tensor unless annotated otherwise) with what the file's
    own call sites pass."""
    index = scope.index
    external = _external_set(scope)
    held_by = holders(index)
    found: Set[FunctionKey] = set()
    for compiled in scope.functions_in(path):
        info = compiled.info
        if info.owner is None:
            entry = info.qualname in external
        elif info.owner in index.subclassed:
            entry = True
        else:
            entry = False
            for name in compiled.classes:
                if name is None or name not in index.submodule_classes:
                    entry = True  # a root model: its `forward` receives the user's inputs
                elif info.name == "forward" and any(
                    element or holder != path for holder, element in held_by.get(name, ())
                ):
                    entry = True
        if entry:
            found.add(info.key)
    return frozenset(found)


def trace_key(scope, path: str) -> str:
    """What the trace findings of the file at `path` read about other files beyond the compiled
    scope's own key and the imported files: which of its traced functions are entries (other files
    call them, hold or subclass their classes), and which of its classes are traced roots. Part of
    the file's cache key: a new caller elsewhere changes this file's findings."""
    index = scope.index
    held = (index.submodule_classes | built_by_modules(index) | referenced_modules(index)) - traced_classes(index)
    contexts = sorted({name for c in scope.functions_in(path) for name in c.classes if name is not None})
    return repr((sorted(entry_functions(scope, path)), [(name, name in held) for name in contexts]))


class FileProvenance:
    """Provenance of the traced functions of one file, computed together on first use."""

    def __init__(self, file, scope, nodes: Mapping[int, cst.FunctionDef]) -> None:
        self.file = file
        self.scope = scope
        self.index = scope.index
        self.nodes = nodes
        self.functions = {c.info.key: c for c in scope.functions_in(file.path)}
        self.parameters: Dict[FunctionKey, Dict[str, Kind]] = {}
        # Parameters some call site passes a list, a tuple or a guessed tensor: not certainly tensors.
        self.shaky: Dict[FunctionKey, Set[str]] = {}
        self.summaries: Dict[
            Tuple[FunctionKey, Tuple[Kind, ...], Tuple[Tuple[str, Kind], ...]], Optional[CallAnswer]
        ] = {}
        self.in_progress: Set[FunctionKey] = set()
        self.analyses: Dict[FunctionKey, TaintAnalysis] = {}
        self._changed = False
        self._python_values: Dict[FunctionKey, Dict[str, Use]] = {}
        self.entries = entry_functions(scope, file.path)
        self._solve()

    # --- the rounds ---------------------------------------------------------------------------

    def _solve(self) -> None:
        """Rounds until no parameter's kind grows. A summary depends only on the argument kinds it
        is memoized by, and the call sites it records stay recorded, so summaries outlive rounds;
        the last round's analyses, whose parameters did not change, are the answers. A function
        whose parameters and shaky parameters did not change since its last analysis keeps it: the
        summaries it read are memoized, the call sites it recorded stay recorded."""
        last: Dict[FunctionKey, tuple] = {}
        for _ in range(MAX_ROUNDS):
            self._changed = False
            analyses = {}
            for key in sorted(self.functions):
                parameters = self._parameter_kinds(key)
                inputs = (parameters, frozenset(self.shaky.get(key, ())))
                kept = last.get(key)
                if kept is None or kept[0] != inputs:
                    kept = last[key] = (inputs, self._analyse(key, parameters, record=True))
                analyses[key] = kept[1]
            if not self._changed:
                self.analyses = analyses
                break
        self.summaries.clear()

    def analysis(self, compiled) -> TaintAnalysis:
        """The analysis of one traced function of this file, with its parameters' final kinds."""
        key = compiled.info.key
        found = self.analyses.get(key)
        if found is None:
            found = self._analyse(key, self._parameter_kinds(key), record=False)
            self.analyses[key] = found
        return found

    def _analyse(self, key: FunctionKey, parameters: Optional[Mapping[str, Kind]], record: bool) -> TaintAnalysis:
        compiled = self.functions[key]
        node = self.nodes[compiled.info.ordinal]
        tensors: Set[str] = set()
        layers: Set[str] = set()
        submodules: Dict[str, FrozenSet[str]] = {}
        for name in compiled.classes:
            if name is not None:
                tensors.update(tensor_attribute_names(self.scope.compiled_class(name).attributes))
                layers.update(torch_module_attribute_names(self.scope.compiled_class(name).attributes))
                submodules.update(self._submodule_tensors(self.scope.compiled_class(name).attributes))

        def hook(
            call: cst.Call,
            positional: List[Kind],
            keywords: Dict[str, Kind],
            shaky: FrozenSet[str],
            element_of: Optional[Tuple[str, int]],
        ) -> Optional[CallAnswer]:
            return self._call(compiled, call, positional, keywords, shaky, element_of, record)

        guessed: Optional[Set[str]] = set(self.shaky.get(key, ()))
        if parameters is None or key in self.entries:
            guessed = None  # the defaults: every unannotated parameter is a guess
        if self._root_forward(key):
            guessed = set()  # the traced model's inputs: tensors (or containers the user passes)
        return TaintAnalysis(
            node,
            self.file.imports,
            compiled.info.self_name,
            tensors,
            parameters,
            hook,
            None if guessed is None else guessed | self.shaky.get(key, set()),
            layers,
            self._object_tensors(compiled.info),
            self._constructed,
            submodules,
        )

    def _submodule_tensors(self, attributes) -> Dict[str, FrozenSet[str]]:
        """The attributes every assignment of which builds one project module class
        (`self.block = Block()`), with that class's parameters and buffers."""
        found: Dict[str, FrozenSet[str]] = {}
        for name, assignments in attributes.items():
            classes = {
                self.index.resolve(a.callee) if a.kind is AttributeKind.CALL and a.callee else None for a in assignments
            }
            if len(classes) != 1:
                continue
            klass = classes.pop()
            if klass is None or klass not in self.index.module_classes or klass not in self.index.classes:
                continue
            found[name] = frozenset(tensor_attribute_names(self.index.classes[klass].attributes))
        return found

    def _constructed(self, func: cst.BaseExpression) -> Optional[FrozenSet[str]]:
        """For a call of a plain project class with its own `__init__` (not a module, a NamedTuple
        or a dataclass): the attributes of the instance that hold tensors."""
        klass = self.index.resolve(self.file.imports.qualify(func))
        if klass is None or klass not in self.index.classes or klass in self.index.module_classes:
            return None
        if "__init__" not in self.index.classes[klass].methods:
            return None
        return self._tensor_attributes(klass)

    def _tensor_attributes(self, klass: str) -> FrozenSet[str]:
        types = project_types(self.scope)
        info = self.index.classes[klass]
        return frozenset(
            attribute
            for attribute in (*info.attributes, *info.annotation_types)
            if types.attribute_type(klass, attribute) == TENSOR
        )

    def _object_tensors(self, function) -> Dict[str, FrozenSet[str]]:
        """The parameters annotated with a project class that is not a module (`image_list:
        ImageList`), with the attributes the type model types `Tensor` (`image_list.tensors`)."""
        types = project_types(self.scope)
        found: Dict[str, FrozenSet[str]] = {}
        annotated = {name for name, text in function.parameter_annotations if text}
        for name, jit_type in types.signature(function)[0]:
            klass = jit_type.name if jit_type.kind == "Class" and name in annotated else None
            if klass is None or klass not in self.index.classes or klass in self.index.module_classes:
                continue
            attributes = self._tensor_attributes(klass)
            if attributes:
                found[name] = attributes
        return found

    def _parameter_kinds(self, key: FunctionKey) -> Optional[Dict[str, Kind]]:
        """None (the defaults) unless only this file's traced code calls the function. Where callers
        are unknown, an unannotated parameter the body uses as a Python value (`if flag:`, `range(n)`,
        `mode == "x"`) is one; in the traced model's `forward`, whose inputs are tensors, only one
        compared with a string is."""
        joined = self.parameters.get(key)
        if joined is None or key in self.entries:
            info = self.functions[key].info
            node = self.nodes[info.ordinal]
            python = self._python_values.get(key)
            if python is None:
                python = python_value_parameters(node, self.file.imports, info.self_name)
                if self._root_forward(key):  # the user's inputs: tensors, though never compared with a string
                    python = {name: use for name, use in python.items() if use.type == "str"}
                self._python_values[key] = python
            if joined is None and not python:
                return None
            defaults = default_parameter_kinds(node, self.file.imports, info.self_name)
            for name in python:
                defaults[name] = Kind.NONE
            return {name: max(kind, (joined or {}).get(name, Kind.NONE)) for name, kind in defaults.items()}
        return dict(joined)

    def _root_forward(self, key: FunctionKey) -> bool:
        """Whether the function is the `forward` of a class no other class holds: a traced model's."""
        compiled = self.functions[key]
        return compiled.info.name == "forward" and any(
            n is not None and n not in self.index.submodule_classes for n in compiled.classes
        )

    # --- calls --------------------------------------------------------------------------------

    def _call(
        self,
        caller,
        call: cst.Call,
        positional: List[Kind],
        keywords: Dict[str, Kind],
        shaky: FrozenSet[str],
        element_of: Optional[Tuple[str, int]],
        record: bool,
    ) -> Optional[CallAnswer]:
        """What the call returns: the callee's summary for these argument kinds. A call that may run
        one of several functions (`self.attn(x, size)` where `attn` is one class or another
        depending on the constructor's arguments) passes its arguments to each; its answer is
        theirs joined."""
        callees = self.resolve_calls(caller, call, element_of)
        answers = [self._summary(c.key, positional, keywords, shaky, record) for c in callees if c is not None]
        if not answers or None in callees or None in answers:
            return None  # one of the callees is not this file's: what it returns is unknown
        return _joined_answers(answers)

    def _summary(
        self,
        key: FunctionKey,
        positional: List[Kind],
        keywords: Dict[str, Kind],
        shaky: FrozenSet[str],
        record: bool,
    ) -> Optional[CallAnswer]:
        bound = self._bind(key, positional, keywords)
        if bound is None:
            return None
        if record:
            self._record(key, bound, shaky)
        memo = (key, tuple(positional), tuple(sorted(keywords.items())))
        if memo in self.summaries:
            return self.summaries[memo]
        if key in self.in_progress or len(self.summaries) >= MAX_SUMMARIES:
            return None  # recursion (torch rejects it when scripting; tracing runs it): unknown
        self.in_progress.add(key)
        try:
            analysis = self._analyse(key, bound, record)
        finally:
            self.in_progress.discard(key)
        answer = (
            analysis.returns,
            analysis.return_elements,
            bool(analysis.returns_container),
            analysis.return_element_containers,
            analysis.returns_guess,
        )
        self.summaries[memo] = answer
        return answer

    def _record(self, key: FunctionKey, bound: Mapping[str, Kind], shaky: FrozenSet[str]) -> None:
        """Join what one call site passes into the callee's parameters."""
        if key not in self.parameters:
            self.parameters[key] = {}
            self._changed = True
        names = self._bind_names(key, shaky)
        if not names <= self.shaky.get(key, set()):
            self.shaky.setdefault(key, set()).update(names)
            self._changed = True
        joined = self.parameters[key]
        for name, kind in bound.items():
            if name not in joined or kind > joined[name]:
                self._changed = True
                joined[name] = max(kind, joined.get(name, Kind.NONE))

    def _bind(
        self, key: FunctionKey, positional: Sequence[Kind], keywords: Mapping[str, Kind]
    ) -> Optional[Dict[str, Kind]]:
        info = self.functions[key].info
        node = self.nodes[info.ordinal]
        params = node.params
        ordered = [p.name.value for p in (*params.posonly_params, *params.params) if p.name.value != info.self_name]
        if len(positional) > len(ordered) and not isinstance(params.star_arg, cst.Param):
            return None  # not a call torch could make either
        named = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
        bound = {name: Kind.NONE for name in named if name != info.self_name}  # defaults: constants
        for name, kind in zip(ordered, positional):
            bound[name] = kind
        for name, kind in keywords.items():
            if name not in named:
                return None
            bound[name] = kind
        return bound

    def _bind_names(self, key: FunctionKey, arguments: FrozenSet[str]) -> Set[str]:
        """The parameter names that the arguments `arguments` ("0", "1": positions; else keywords) bind."""
        if not arguments:
            return set()
        info = self.functions[key].info
        params = self.nodes[info.ordinal].params
        ordered = [p.name.value for p in (*params.posonly_params, *params.params) if p.name.value != info.self_name]
        found = set()
        for argument in arguments:
            if argument.isdigit():
                if int(argument) < len(ordered):
                    found.add(ordered[int(argument)])
            else:
                found.add(argument)
        return found

    def resolve_calls(self, caller, call: cst.Call, element_of: Optional[Tuple[str, int]] = None) -> List:
        """The functions `call` (in `caller`) may run: this file's traced functions, and None for
        each of another file's; none at all when one may be a function tslint does not see.
        `element_of`: the call is `blk(...)` with `blk` an element of the module container
        `self.<attribute>` (`for blk in self.blocks:`: ("blocks", 1)), or of one of its elements (2)."""
        func = call.func
        found = set()
        self_name = caller.info.self_name
        if element_of is not None and isinstance(func, cst.Name):
            for name in caller.classes:
                if name is None:
                    return []
                forwards = self._container_forwards(self.scope.compiled_class(name), name, element_of)
                if forwards is None:
                    return []
                found.update(forwards)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == self_name:
            for name in caller.classes:
                if name is None:
                    return []
                klass = self.scope.compiled_class(name)
                method = klass.methods.get(func.attr.value)
                if method is not None:
                    found.add(method)
                    continue
                found.update(self._submodule_methods(klass, func.attr.value, "forward"))
        elif (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Attribute)
            and isinstance(func.value.value, cst.Name)
            and func.value.value.value == self_name
        ):
            for name in caller.classes:
                if name is None:
                    return []
                found.update(
                    self._submodule_methods(self.scope.compiled_class(name), func.value.attr.value, func.attr.value)
                )
        else:
            qualified = self.index.resolve(self.file.imports.qualify(func))
            function = self.index.functions.get(qualified) if qualified is not None else None
            if function is not None:
                found.add(function)
        if not found or any(f.has_decorator(JIT_SCRIPT) for f in found):
            return []
        # A callee in another file stands as None: the call still passes its arguments to the others.
        return [f if f.key in self.functions else None for f in sorted(found, key=lambda f: f.key)]

    def _container_forwards(self, klass, name: str, element_of: Tuple[str, int]) -> Optional[List]:
        """The `forward` of every module `element_of` names in the class `name` (compiled as `klass`):
        ("blocks", 1) the elements of the module container `self.blocks`, ("stages", 2) the elements
        of its elements. The index names the elements built in the container's own constructor call
        (`nn.ModuleList([Block(...) for _ in range(n)])`); the class's `__init__` the others."""
        attribute, depth = element_of
        owners: Optional[FrozenSet[str]] = None
        if depth == 1:
            owners = self._indexed_elements(klass, attribute)
        if owners is None:
            owners = container_classes(self, name, attribute, depth)
        if owners is None:
            return None
        found = []
        for owner in sorted(owners):
            forward = self.scope.compiled_class(owner).methods.get("forward")
            if forward is None:
                return None
            found.append(forward)
        return found or None

    def _indexed_elements(self, klass, attribute: str) -> Optional[FrozenSet[str]]:
        found = set()
        for assignment in klass.attributes.get(attribute, ()):
            if assignment.kind.value != "module-container" or not assignment.elements:
                return None
            for element in assignment.elements:
                owner = self.index.resolve(element)
                if owner not in self.index.module_classes:
                    return None
                found.add(owner)
        return frozenset(found) or None

    def _submodule_methods(self, klass, attribute: str, method: str) -> List:
        found = []
        for assignment in klass.attributes.get(attribute, ()):
            if assignment.kind.value == "none":
                continue  # `self.pool = None` on some path: never called as such
            owner = self.index.resolve(assignment.callee)
            if assignment.kind.value != "call" or owner not in self.index.classes:
                return []  # not (only) a project class built here (a submodule, or a plain helper object)
            if method == "forward" and owner not in self.index.module_classes:
                return []  # `self.helper(x)` of a plain object calls its `__call__`
            target = self.scope.compiled_class(owner).methods.get(method)
            if target is None:
                return []
            found.append(target)
        return found


def _external_set(scope) -> FrozenSet[str]:
    found = getattr(scope, "_external_callees", None)
    if found is None:
        found = external_callees(scope.index)
        scope._external_callees = found
    return found


def _joined_answers(answers: List[CallAnswer]) -> CallAnswer:
    """What a call gives that runs one of several functions: as tensor-dependent as any of them."""
    if len(answers) == 1:
        return answers[0]
    kinds, elements, containers, element_containers, guesses = zip(*answers)
    same_length = elements[0] is not None and all(e is not None and len(e) == len(elements[0]) for e in elements)
    joined = tuple(max(column) for column in zip(*elements)) if same_length else None
    flags = None
    if all(f is not None and len(f) == len(element_containers[0]) for f in element_containers):
        flags = tuple(all(column) for column in zip(*element_containers))
    return max(kinds), joined, all(containers), flags, any(guesses)
