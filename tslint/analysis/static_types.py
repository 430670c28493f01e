"""The types torch knows while compiling a function, as far as `isinstance` pruning needs them.

torch.jit.script evaluates `isinstance(x, T)` at compile time when the type of `x` decides the answer,
and compiles only the branch it takes (torch 2.13, probed; fixtures/pruning.py):
- a parameter's type is its annotation; an unannotated parameter (with no default, or `=None`) is a
  Tensor; `Optional[T]` / `Union[...]` give an answer only when every member agrees (`isinstance(x,
  Tensor)` on an `Optional[Tensor]` is a refinement: both branches compile; `isinstance(x, int)` on it
  is statically false);
- `bool` is not an `int` (`isinstance(flag, int)` is false for `flag: bool`), nor `int` a `float`;
- `List[int]` is a `list`, not a `List[float]`; a tuple of types matches if any of them does.

`KnownTypes` is the one place that says which names have a known type. It reads annotations and
literal assignments only, and is meant to be replaced by the full type model when there is one.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterator, Mapping, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none, names_bound_in, plain_assignments, plain_parameters
from tslint.analysis.traversal import LEAF_TYPES, kind_test, walk

# A TorchScript type: ("Tensor",), ("int",), ("List", inner), ("Tuple", *elements), ("Dict", key, value),
# ("Union", *members) (Optional[T] is ("Union", T, ("None",))). None where the type is not known.
Type = Tuple[object, ...]
TENSOR: Type = ("Tensor",)
NONE: Type = ("None",)

_SCALARS = {
    "int": ("int",),
    "builtins.int": ("int",),
    "float": ("float",),
    "builtins.float": ("float",),
    "bool": ("bool",),
    "builtins.bool": ("bool",),
    "str": ("str",),
    "builtins.str": ("str",),
    "torch.Tensor": TENSOR,
    "None": NONE,
}
_CONTAINERS = {
    "typing.List": "List",
    "list": "List",
    "builtins.list": "List",
    "typing.Tuple": "Tuple",
    "tuple": "Tuple",
    "builtins.tuple": "Tuple",
    "typing.Dict": "Dict",
    "dict": "Dict",
    "builtins.dict": "Dict",
}
_UNIONS = frozenset({"typing.Optional", "typing.Union"})
# The Python classes an isinstance test may name, and the type head each one matches.
_BARE_CHECKS = {"list": "List", "builtins.list": "List", "tuple": "Tuple", "builtins.tuple": "Tuple"}
# Heads whose values are never any of the others'.
_KNOWN_HEADS = frozenset({"Tensor", "int", "float", "bool", "str", "None", "List", "Tuple", "Dict"})


def annotation_type(annotation: cst.BaseExpression, imports: ImportTable) -> Optional[Type]:
    """The TorchScript type an annotation names, for the types above; None for anything else."""
    if isinstance(annotation, cst.Subscript):
        head = imports.qualify(annotation.value)
        arguments = []
        for element in annotation.slice:
            if not isinstance(element.slice, cst.Index):
                return None
            found = annotation_type(element.slice.value, imports)
            if found is None:
                return None
            arguments.append(found)
        if head in _UNIONS:
            members = arguments + [NONE] if head == "typing.Optional" else arguments
            return ("Union", *members) if len(arguments) == 1 or head == "typing.Union" else None
        container = _CONTAINERS.get(head or "")
        if (
            container is None
            or (container == "List" and len(arguments) != 1)
            or (container == "Dict" and len(arguments) != 2)
        ):
            return None
        return (container, *arguments)
    if is_none(annotation):
        return NONE
    return _SCALARS.get(imports.qualify(annotation) or "")


def _literal_type(value: cst.BaseExpression) -> Optional[Type]:
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        value = value.expression
        return _literal_type(value) if isinstance(value, (cst.Integer, cst.Float)) else None
    if isinstance(value, cst.Integer):
        return ("int",)
    if isinstance(value, cst.Float):
        return ("float",)
    if isinstance(value, cst.SimpleString) and "b" not in value.prefix.lower():
        return ("str",)
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return ("bool",)
    return None


def _type_comment(function: cst.FunctionDef) -> bool:
    """A `# type: (...) -> ...` comment on the `def` line or the line after it (see
    parameters.has_type_comment, which this module cannot import)."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock):
        return False
    comments = [body.header.comment] + [line.comment for line in (body.body[0].leading_lines if body.body else ())]
    return any(c is not None and c.value.lstrip("#").strip().startswith("type:") for c in comments)


def _star_names(function: cst.FunctionDef) -> FrozenSet[str]:
    stars = (function.params.star_arg, function.params.star_kwarg)
    return frozenset(p.name.value for p in stars if isinstance(p, cst.Param))


class KnownTypes:
    """The names of one function whose type torch knows at an `if` test: parameters (by annotation;
    unannotated ones are Tensors) the body has not rebound on any path to the test, and locals only
    ever assigned literals of one type (`k = 3`). A type comment hides the parameters' types; the caller
    leaves out functions with `@overload` declarations (torch compiles one per declared signature).

    This is the swap point for a full type model: `at(node)` is all the pruning asks."""

    def __init__(self, function: cst.FunctionDef, imports: ImportTable, self_name: Optional[str]) -> None:
        self.function = function
        self.parameters: Dict[str, Type] = {}
        self._literals: Optional[Dict[str, Type]] = None
        self._names: FrozenSet[str] = frozenset()
        self._rebound: FrozenSet[str] = frozenset()
        self._points: Optional[Dict[cst.CSTNode, FrozenSet[str]]] = None
        params = list(plain_parameters(function, self_name))
        self._names = frozenset(param.name.value for param in params) | _star_names(function)
        if _type_comment(function):
            return
        for param in params:
            if param.annotation is not None:
                known = annotation_type(param.annotation.annotation, imports)
            else:
                # torch makes every unannotated parameter a Tensor; a non-Tensor default fails (TS103).
                known = TENSOR if param.default is None or is_none(param.default) else None
            if known is not None:
                self.parameters[param.name.value] = known
        if self.parameters:
            self._rebound = names_bound_in(function.body) & frozenset(self.parameters)

    @property
    def literals(self) -> Dict[str, Type]:
        """Locals only ever assigned literals of one type (computed when first asked: most tests
        are on parameters)."""
        if self._literals is None:
            self._literals = {}
            for name, values in plain_assignments(self.function.body).items():
                kinds = {_literal_type(value) for value in values}
                if name not in self._names and len(kinds) == 1 and None not in kinds:
                    self._literals[name] = kinds.pop()
        return self._literals

    def at(self, node: cst.CSTNode) -> Mapping[str, Type]:
        """The known types at the test of `node` (an `If` or `IfExp` of the function)."""
        if not self._rebound:
            return _Lookup(self.parameters, self)
        if self._points is None:
            self._points = _rebinding_points(self.function.body, self._rebound)
        rebound = self._points.get(node, self._rebound)
        return _Lookup({name: kind for name, kind in self.parameters.items() if name not in rebound}, self)


class _Lookup(Mapping):
    """Parameters first; the literal locals only if a name is not one."""

    def __init__(self, parameters: Dict[str, Type], known: KnownTypes) -> None:
        self.parameters = parameters
        self.known = known

    def __getitem__(self, name: str) -> Type:
        found = self.parameters.get(name)
        return found if found is not None else self.known.literals[name]

    def __contains__(self, name: object) -> bool:
        return name in self.parameters or (name not in self.known._names and name in self.known.literals)

    def __iter__(self) -> Iterator[str]:
        return iter({**self.known.literals, **self.parameters})

    def __len__(self) -> int:
        return len({**self.known.literals, **self.parameters})


def _bound(node: cst.CSTNode, names: FrozenSet[str]) -> FrozenSet[str]:
    return names_bound_in(node) & names  # type: ignore[arg-type]


_BLOCKS = kind_test((cst.BaseCompoundStatement, cst.BaseSuite))


def _rebinding_points(body: cst.BaseSuite, names: FrozenSet[str]) -> Dict[cst.CSTNode, FrozenSet[str]]:
    """For each `if` statement and if-expression of a function body (outside statements this does
    not follow: `try`, nested definitions), which of `names` may have been rebound when its test
    runs: bound earlier in source order, or anywhere in an enclosing loop."""
    found: Dict[cst.CSTNode, FrozenSet[str]] = {}

    def expressions(node: cst.CSTNode, before: FrozenSet[str]) -> None:
        def enter(child: cst.CSTNode) -> bool:
            if type(child) is cst.IfExp:
                found[child] = before
            return not _BLOCKS(child) or child is node

        walk(node, enter, skipped=LEAF_TYPES)

    def suite(block: cst.BaseSuite, before: FrozenSet[str]) -> FrozenSet[str]:
        if type(block) is not cst.IndentedBlock:
            expressions(block, before)
            return before | _bound(block, names)
        for statement in block.body:  # type: ignore[attr-defined]
            before = statement_(statement, before)
        return before

    def statement_(node: cst.CSTNode, before: FrozenSet[str]) -> FrozenSet[str]:
        kind = type(node)
        if kind is cst.If:
            after = before
            while type(node) is cst.If:  # an `elif` chain, without recursion
                found[node] = before
                expressions(node.test, before)  # type: ignore[attr-defined]
                after = after | suite(node.body, before)  # type: ignore[attr-defined]
                node = node.orelse  # type: ignore[attr-defined]
            return after if node is None else after | suite(node.body, before)  # type: ignore[attr-defined]
        if kind is cst.For or kind is cst.While:
            looped = before | _bound(node, names)
            expressions(node.iter if kind is cst.For else node.test, looped)  # type: ignore[attr-defined]
            suite(node.body, looped)  # type: ignore[attr-defined]
            if node.orelse is not None:  # type: ignore[attr-defined]
                suite(node.orelse.body, looped)  # type: ignore[attr-defined]
            return looped
        if kind is cst.With:
            for item in node.items:  # type: ignore[attr-defined]
                expressions(item.item, before)
            return suite(node.body, before | _with_targets(node, names))  # type: ignore[attr-defined]
        if kind is cst.SimpleStatementLine:
            expressions(node, before)
        return before | _bound(node, names)

    suite(body, frozenset())
    return found


def _with_targets(node: cst.With, names: FrozenSet[str]) -> FrozenSet[str]:
    return frozenset().union(*(_bound(item, names) for item in node.items))


def _checked_types(expression: cst.BaseExpression, imports: ImportTable) -> Optional[Tuple[Type, ...]]:
    """The types the second argument of an isinstance names (several for a tuple); None if any is
    not one of the known ones. A bare `list` / `tuple` is ("List",) / ("Tuple",): any of them."""
    if isinstance(expression, cst.Tuple):
        found = []
        for element in expression.elements:
            if isinstance(element, cst.StarredElement):
                return None
            inner = _checked_types(element.value, imports)
            if inner is None:
                return None
            found.extend(inner)
        return tuple(found)
    if isinstance(expression, cst.Subscript):
        known = annotation_type(expression, imports)
        return (known,) if known is not None and known[0] in ("List", "Tuple", "Dict") else None
    name = imports.qualify(expression) or ""
    if name in _BARE_CHECKS:
        return ((_BARE_CHECKS[name],),)
    known = _SCALARS.get(name)
    return (known,) if known is not None and known is not NONE else None


def _is_instance(value: Type, checked: Type) -> Optional[bool]:
    """Whether a value of type `value` (not a union) is an instance of `checked`; None if unknown."""
    if value[0] not in _KNOWN_HEADS:
        return None
    if value[0] != checked[0]:
        return False
    if len(checked) == 1:
        return True  # a bare `list` / `tuple`, or a scalar type
    if value == checked:
        return True
    # Containers of different, fully known element types (`List[int]` against `List[float]`).
    return False if all(_fully_known(t) for t in (value, checked)) else None


def _fully_known(value: object) -> bool:
    if not isinstance(value, tuple) or not value:
        return False
    head = value[0]
    if head == "Union":
        return all(_fully_known(member) for member in value[1:])
    return head in _KNOWN_HEADS and all(_fully_known(inner) for inner in value[1:])


def static_isinstance(call: cst.Call, types: Mapping[str, Type], imports: ImportTable) -> Optional[bool]:
    """What torch decides at compile time for `isinstance(name, T)`: True, False, or None when it
    decides at run time (a refinement) or tslint does not know."""
    if len(call.args) != 2 or any(arg.keyword is not None or arg.star for arg in call.args):
        return None
    target = call.args[0].value
    if not isinstance(target, cst.Name) or target.value not in types:
        return None
    checked = _checked_types(call.args[1].value, imports)
    if not checked:
        return None
    value = types[target.value]
    members = value[1:] if value[0] == "Union" else (value,)
    answers = set()
    for member in members:
        matches = [_is_instance(member, kind) for kind in checked]  # type: ignore[arg-type]
        answers.add(True if True in matches else (None if None in matches else False))
    return answers.pop() if len(answers) == 1 else None
