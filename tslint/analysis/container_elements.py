"""Which project module classes a module container holds, read from its class's `__init__`.

The index records the element classes of `self.blocks = nn.ModuleList([Block() for ...])`. What it
does not name, this module reads from the syntax of the same file's `__init__` (the trace
provenance asks, for `blk(x, size)` in `for blk in self.blocks:`, which `forward` runs):
- containers filled after they are built: `self.blocks = nn.ModuleList()` then
  `self.blocks.append(Block())` or `.extend([...])`, directly or through a local;
- containers of containers: `self.stages.append(nn.ModuleList([...]))`, looped over twice
  (`for blocks in self.stages: for blk in blocks:`), at `depth` 2;
- elements built by a class `__init__` takes as an argument with a class default
  (`block_cls: Any = Block`): the blocks of the model built with its defaults.
Anything else (an element built by a function call, a class from a call's result) makes the answer
unknown: None.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Set, Tuple, Union

import libcst as cst

from tslint.index.model import MODULE_CONTAINERS

SEQUENCES = frozenset({"torch.nn.ModuleList", "torch.nn.Sequential"})
FILLERS = frozenset({"append", "extend", "insert"})
MAX_NESTING = 4
MAX_LOCAL_DEPTH = 6

# A value `__init__` builds: a project module class (its qualified name), or a container holding
# such values (a list of them).
Built = Union[str, "Container"]


class Container(list):
    """The elements of one module container, as `Built` values."""

    def __hash__(self) -> int:  # containers are compared by identity while filling
        return id(self)


def container_classes(provenance, klass: str, attribute: str, depth: int) -> Optional[FrozenSet[str]]:
    """The module classes at `depth` levels inside `self.<attribute>` of the class named `klass`
    (1: its elements), when the file's `__init__` of the class shows every one; else None.
    `provenance` is the file's FileProvenance (its index, file and function nodes)."""
    readers = provenance.__dict__.setdefault("_init_readers", {})
    if klass not in readers:
        info = provenance.index.classes.get(klass)
        init = info.methods.get("__init__") if info is not None else None
        if init is None or init.path != provenance.file.path or init.ordinal not in provenance.nodes:
            readers[klass] = None
        else:
            readers[klass] = _InitReader(provenance, provenance.nodes[init.ordinal], init.self_name)
    reader = readers[klass]
    if reader is None:
        return None
    values = reader.attribute(attribute)
    if not values:
        return None
    for _ in range(depth):
        inner: List[Built] = []
        for value in values:
            if not isinstance(value, Container):
                return None
            inner.extend(value)
        values = inner
    if not values or any(not isinstance(value, str) for value in values):
        return None
    return frozenset(values)  # type: ignore[arg-type]


class _InitReader:
    """What the attributes and locals of one `__init__` hold, as far as they are module classes."""

    def __init__(self, provenance, node: cst.FunctionDef, self_name: Optional[str]) -> None:
        self.index = provenance.index
        self.imports = provenance.file.imports
        self.self_name = self_name
        self.defaults: Dict[str, cst.BaseExpression] = {
            p.name.value: p.default
            for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)
            if p.default is not None
        }
        self.locals: Dict[str, List[cst.BaseExpression]] = {}
        self.assigned: Dict[str, List[cst.BaseExpression]] = {}  # self.<name> = value
        # (owner kind, name, element, whether `extend`): what `append`/`extend` add to a container
        self.filled: List[Tuple[str, str, cst.BaseExpression, bool]] = []
        self.unknown: Set[str] = set()  # names bound otherwise (loop targets, unpacking, +=)
        self._walk(node.body)
        self._cache: Dict[Tuple[str, str], Optional[List[Built]]] = {}

    def _walk(self, node: cst.CSTNode) -> None:
        for statement in _statements(node):
            if isinstance(statement, cst.Assign):
                for target in statement.targets:
                    self._assign(target.target, statement.value)
            elif isinstance(statement, (cst.AugAssign, cst.AnnAssign)):
                self._assign(statement.target, None)
            elif isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
                self._fill(statement.value)
            elif isinstance(statement, cst.For):
                self._assign(statement.target, None)

    def _assign(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> None:
        if isinstance(target, cst.Name):
            if value is None:
                self.unknown.add("local:" + target.value)
            else:
                self.locals.setdefault(target.value, []).append(value)
        elif self._is_self(target):
            name = target.attr.value  # type: ignore[attr-defined]
            if value is None:
                self.unknown.add("self:" + name)
            else:
                self.assigned.setdefault(name, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._assign(element.value, None)

    def _fill(self, call: cst.Call) -> None:
        """`self.blocks.append(v)`, `stage.append(v)`, `self.blocks.extend([...])`."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in FILLERS and call.args):
            return
        owner = func.value
        if self._is_self(owner):
            key = ("self", owner.attr.value)  # type: ignore[attr-defined]
        elif isinstance(owner, cst.Name):
            key = ("local", owner.value)
        else:
            return
        self.filled.append((key[0], key[1], call.args[-1].value, func.attr.value == "extend"))

    def _is_self(self, node: cst.BaseExpression) -> bool:
        return (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value == self.self_name
            and self.self_name is not None
        )

    # --- values -------------------------------------------------------------------------------

    def attribute(self, name: str) -> Optional[List[Built]]:
        return self._named("self", name, 0)

    def _named(self, kind: str, name: str, depth: int) -> Optional[List[Built]]:
        key = (kind, name)
        if key in self._cache:
            return self._cache[key]
        if f"{kind}:{name}" in self.unknown or depth > MAX_LOCAL_DEPTH:
            return None
        self._cache[key] = None  # a cycle is unknown
        sources = (self.assigned if kind == "self" else self.locals).get(name, [])
        values: List[Built] = []
        for source in sources:
            found = self._value(source, depth + 1)
            if found is None:
                return None
            values.extend(found)
        if not values:
            return None
        fills = [(element, extend) for owner, filled, element, extend in self.filled if (owner, filled) == key]
        if fills:
            if not all(isinstance(value, Container) for value in values):
                return None
            elements = self._elements_of(fills, depth + 1)
            if elements is None:
                return None
            for value in values:
                value.extend(elements)  # type: ignore[union-attr]
        self._cache[key] = values
        return values

    def _elements_of(self, nodes: List[Tuple[cst.BaseExpression, bool]], depth: int) -> Optional[List[Built]]:
        """The elements that these values add (`extend`: each a display whose elements are added)."""
        found: List[Built] = []
        for node, extend in nodes:
            elements = self._display(node, depth) if extend else self._value(node, depth)
            if elements is None:
                return None
            found.extend(elements)
        return found

    def _value(self, node: cst.BaseExpression, depth: int) -> Optional[List[Built]]:
        """The values `node` may evaluate to (one per path), or None when one is not known."""
        if isinstance(node, cst.Name):
            if node.value in self.locals or f"local:{node.value}" in self.unknown:
                return self._named("local", node.value, depth)
            return None
        if isinstance(node, cst.IfExp):
            body, orelse = self._value(node.body, depth), self._value(node.orelse, depth)
            return None if body is None or orelse is None else body + orelse
        if not isinstance(node, cst.Call) or depth > MAX_LOCAL_DEPTH:
            return None
        called = self.imports.qualify(node.func)
        if called in MODULE_CONTAINERS:
            if called not in SEQUENCES:
                return None
            if not node.args:
                return [Container()]
            if len(node.args) == 1 and not node.args[0].star:
                elements = self._display(node.args[0].value, depth)
            else:
                if any(a.star for a in node.args):
                    return None
                elements = self._elements_of([(a.value, False) for a in node.args], depth)
            return None if elements is None else [Container(elements)]
        klass = self._class(node.func)
        return None if klass is None else [klass]

    def _display(self, node: cst.BaseExpression, depth: int) -> Optional[List[Built]]:
        """The elements of a list display, a comprehension or a local bound to one."""
        if isinstance(node, (cst.List, cst.Tuple)):
            if any(isinstance(e, cst.StarredElement) for e in node.elements):
                return None
            return self._elements_of([(e.value, False) for e in node.elements], depth)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            return self._value(node.elt, depth)
        if isinstance(node, cst.Name) and f"local:{node.value}" not in self.unknown and depth <= MAX_LOCAL_DEPTH:
            # `blocks = [Block()]`, `blocks.append(Block())`, then `nn.ModuleList(blocks)`.
            sources = self.locals.get(node.value, [])
            if len(sources) != 1 or not isinstance(sources[0], (cst.List, cst.Tuple, cst.ListComp)):
                return None
            elements = self._display(sources[0], depth + 1)
            fills = [(e, extend) for kind, name, e, extend in self.filled if (kind, name) == ("local", node.value)]
            more = self._elements_of(fills, depth + 1) if fills else []
            return None if elements is None or more is None else elements + more
        return None

    def _class(self, func: cst.BaseExpression) -> Optional[str]:
        """The project module class a call builds: named, or the default of an `__init__` parameter."""
        if isinstance(func, cst.Name) and func.value in self.defaults:
            if func.value in self.locals or f"local:{func.value}" in self.unknown:
                return None  # rebound in `__init__`
            func = self.defaults[func.value]
        qualified = self.index.resolve(self.imports.qualify(func))
        if qualified is None or qualified not in self.index.module_classes:
            return None
        return qualified


def _statements(node: cst.CSTNode):
    """The small statements of a body, nested blocks included (not nested functions or classes)."""
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return
    if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        yield from node.body
        return
    if isinstance(node, cst.For):
        yield node
    for child in node.children:
        if isinstance(child, cst.BaseExpression):
            continue
        yield from _statements(child)
