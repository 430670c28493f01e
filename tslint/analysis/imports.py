"""A light per-file import-alias table: resolves names to what they are, not to their text.

`nn.Module`, `torch.nn.Module` and `Module` (after `from torch.nn import Module`) all resolve to
`torch.nn.Module`; `from .base import Block` in `pkg/models/net.py` resolves `Block` to
`pkg.models.base.Block`. This costs one pass over the module's top-level statements, far less than
libcst's QualifiedNameProvider.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from sys import intern
from typing import Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from tslint.analysis.memo import memoised
from tslint.index.compact import SLOTS


@dataclass(frozen=True, **SLOTS)
class ImportTable:
    module_name: str
    aliases: Mapping[str, str]
    # The modules of the file's `from x import *` statements, in order (`typing`'s are in `aliases`):
    # the project index looks a name up in them when no import or definition binds it.
    star_sources: Tuple[str, ...] = ()

    def qualify(self, expression: cst.BaseExpression) -> Optional[str]:
        """The qualified dotted name `expression` refers to, or None if it is not a dotted name.

        A bare name with no import or definition resolves to itself (builtins: `property`, `range`).
        """
        kind = type(expression)  # exact types: isinstance's miss on libcst's ABC-based nodes is slow
        if kind is cst.Name:
            return self.aliases.get(expression.value, expression.value)  # type: ignore[union-attr]
        if kind is cst.Attribute:
            base = self.qualify(expression.value)  # type: ignore[union-attr]
            return None if base is None else f"{base}.{expression.attr.value}"  # type: ignore[union-attr]
        if kind is cst.Call:
            # `@torch.jit.ignore(drop=True)` is the decorator `torch.jit.ignore`.
            return self.qualify(expression.func)
        return None


def dotted_name(expression: Union[cst.BaseExpression, cst.ImportStar]) -> Optional[str]:
    if isinstance(expression, cst.Name):
        return expression.value
    if isinstance(expression, cst.Attribute):
        base = dotted_name(expression.value)
        return None if base is None else f"{base}.{expression.attr.value}"
    return None


def plain_parameters(function: cst.FunctionDef, self_name: Optional[str]) -> Iterator[cst.Param]:
    """Positional and keyword parameters, without `self`/`cls` and without `*args`/`**kwargs`."""
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if self_name is not None and param.name.value == self_name:
            continue
        yield param


@memoised
def bound_names(function: cst.FunctionDef) -> FrozenSet[str]:
    """Every name a function binds in its own scope: parameters, assignment, loop, `with`, `except`
    and comprehension targets, imports, nested definitions."""
    params = function.params
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    names.update(p.name.value for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param))
    return frozenset(names) | names_bound_in(function.body)


@memoised
def names_bound_in(body: cst.BaseSuite) -> FrozenSet[str]:
    """The names a function body binds (not its parameters)."""
    return frozenset(_bindings(body)[0])


def plain_assignments(body: cst.BaseSuite) -> Dict[str, Tuple[cst.BaseExpression, ...]]:
    """The names a function body binds only by plain assignments (`name = value`), with every value
    assigned to each: a name bound in any other way (an annotated assignment, a loop, `+=`, an
    unpacking, `with ... as`) is left out."""
    _, values, other = _bindings(body)
    return {name: tuple(found) for name, found in values.items() if name not in other}


def bindings_of(body: cst.BaseSuite) -> Tuple[FrozenSet[str], Dict[str, Tuple[cst.BaseExpression, ...]]]:
    """`names_bound_in(body)` and `plain_assignments(body)` from one walk of the body."""
    names, values, other = _bindings(body)
    return frozenset(names), {name: tuple(found) for name, found in values.items() if name not in other}


def module_assignments(module: cst.Module) -> Dict[str, Tuple[cst.BaseExpression, ...]]:
    """The names a module binds at its top level (in any `if`/`try`/`for` there) only by assignments,
    annotated or not, with every value assigned to each; names also bound by an import, a `def`, a
    `class`, a loop... are left out."""
    _, values, other = _bindings(module, annotated=True)
    return {name: tuple(found) for name, found in values.items() if name not in other}


# What `_bindings` reads: the nodes that bind a name, and the definitions it does not enter.
_DEFINITIONS = (cst.FunctionDef, cst.ClassDef)
_BINDERS = frozenset(
    {cst.Assign, cst.AnnAssign, cst.CompFor, cst.For, cst.AugAssign, cst.NamedExpr, cst.AsName, cst.ImportAlias}
    | set(_DEFINITIONS)
)


def _bindings(
    body: cst.CSTNode, annotated: bool = False
) -> Tuple[Set[str], Dict[str, List[cst.BaseExpression]], Set[str]]:
    """(every name `body` binds, the values of plain assignments by name, names bound otherwise).
    `annotated`: count `name: T = value` as a plain assignment."""
    from tslint.analysis.traversal import nodes_in_scope

    names: Set[str] = set()
    values: Dict[str, List[cst.BaseExpression]] = {}
    other: Set[str] = set()

    def targets(node: cst.CSTNode, value: Optional[cst.BaseExpression] = None) -> None:
        if isinstance(node, cst.Name):
            names.add(node.value)
            if value is not None:
                values.setdefault(node.value, []).append(value)
            else:
                other.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                targets(element.value)
        elif isinstance(node, cst.StarredElement):
            targets(node.value)

    # The binders of `body` in `walk`'s order; a nested definition binds its name, its body is its own.
    for node in nodes_in_scope(body, _BINDERS, _DEFINITIONS, enter_root=False):
        kind = type(node)
        if kind is cst.Assign:
            for target in node.targets:  # type: ignore[attr-defined]
                targets(target.target, node.value)  # type: ignore[attr-defined]
        elif kind is cst.AnnAssign and annotated and node.value is not None:  # type: ignore[attr-defined]
            targets(node.target, node.value)  # type: ignore[attr-defined]
        elif kind is cst.AsName:
            targets(node.name)  # type: ignore[attr-defined]
        elif kind is cst.ImportAlias:
            if node.asname is None:  # type: ignore[attr-defined]
                name = (dotted_name(node.name) or "").split(".")[0]  # type: ignore[attr-defined]
                names.add(name)
                other.add(name)
        elif kind is cst.FunctionDef or kind is cst.ClassDef:
            names.add(node.name.value)  # type: ignore[attr-defined]
            other.add(node.name.value)  # type: ignore[attr-defined]
        else:  # an annotation without a value, a loop, a comprehension, `+=`, `:=`
            targets(node.target)  # type: ignore[attr-defined]
    return names, values, other


def is_none(expression: Optional[cst.BaseExpression]) -> bool:
    """The literal `None`."""
    return isinstance(expression, cst.Name) and expression.value == "None"


def resolve_relative(module_name: str, is_package: bool, level: int, target: Optional[str]) -> str:
    """`from ..x import y` inside `module_name` -> the absolute module the import names."""
    parts = module_name.split(".") if module_name else []
    package = parts if is_package else parts[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, target] if target else base)


def top_level_statements(module: cst.Module) -> Iterator[cst.CSTNode]:
    """Module statements, descending into top-level `if`/`try`/`with` (conditional imports)."""
    for _, statement in top_level_statements_with_index(module):
        yield statement


@memoised
def class_nodes(module: cst.Module) -> Dict[str, cst.ClassDef]:
    """The module's classes by name as the project index keeps them (`module_bindings`): the class
    statement that binds each name once the module has run, top-level or under a top-level
    `if`/`try`/`with`; not a class a later definition replaces, nor one of a name whose binding
    depends on which branch runs."""
    return {name: node for name, node in module_bindings(module).items() if type(node) is cst.ClassDef}


Definition = Union[cst.ClassDef, cst.FunctionDef]


def module_bindings(module: cst.Module) -> Dict[str, Definition]:
    """The class or function statement (of those `top_level_statements` yields) that binds each
    name once the module has run, as Python binds it: the last of a name's definitions in sequence
    (`class X` ... `class X`: the second; torch scripts what the module holds, probed in torch 2.13).
    A name defined more than once whose binding depends on which branch of an `if`/`else` or a
    `try`/`except` runs (`if sys.version_info >= ...: class X ... else: class X ...`) is left out:
    tslint cannot know which one torch sees (a class's is in `undecided_classes`); a definition
    under `if TYPE_CHECKING:` binds nothing when another may. A name only one definition may bind
    (defined once, or twice in sequence under one `if`) is that definition, conditional or not, as
    before. Only definitions count: an assignment or import of the name is not followed."""
    return _definition_bindings(module)[0]


def undecided_classes(module: cst.Module) -> Dict[str, cst.ClassDef]:
    """The classes of a name whose binding depends on a branch (`module_bindings` leaves them out),
    each by its first definition that may bind it: `try: import pyro / class Likelihood(Base) ...
    except ImportError: class Likelihood(Base) ...`. The project index keeps that definition so the
    name is a class of known bases (its subclasses are checked as before), with every method of it
    unknown code (`ClassInfo.undecided`): which body torch compiles is the branch's to say."""
    return _definition_bindings(module)[1]


@memoised
def _definition_bindings(module: cst.Module) -> Tuple[Dict[str, Definition], Dict[str, cst.ClassDef]]:
    """(`module_bindings`, `undecided_classes`), from one walk of the module's definitions."""
    found: Dict[str, Definition] = {}
    repeated: Set[str] = set()
    by_id: Dict[int, Definition] = {}
    for statement in top_level_statements(module):
        kind = type(statement)
        if kind is cst.ClassDef or kind is cst.FunctionDef:
            name = statement.name.value  # type: ignore[attr-defined]
            if name in found:
                repeated.add(name)
            found[name] = by_id[id(statement)] = statement  # type: ignore[assignment]
    undecided: Dict[str, cst.ClassDef] = {}
    if repeated:
        # Which definitions may bind each repeated name after the module ran (None: none of them).
        possible = _run(module.body, {}, repeated)
        order = {key: position for position, key in enumerate(by_id)}  # source order
        for name in repeated:
            keys = sorted(possible.get(name, _UNBOUND) - _UNBOUND, key=order.__getitem__)  # type: ignore[arg-type]
            candidates = [by_id[key] for key in keys]  # type: ignore[index]
            if len(candidates) == 1:
                found[name] = candidates[0]
                continue
            del found[name]
            if len(candidates) > 1 and all(type(c) is cst.ClassDef for c in candidates):
                undecided[name] = candidates[0]  # type: ignore[assignment]
    return found, undecided


_State = Dict[str, FrozenSet[Optional[int]]]
_UNBOUND: FrozenSet[Optional[int]] = frozenset((None,))


def _run(statements: Sequence[cst.CSTNode], state: _State, names: Set[str]) -> _State:
    """The definitions (by id) that may bind each of `names` after `statements` ran from `state`,
    through the statements `top_level_statements` opens: either branch of an `if`, any prefix of a
    `try` body before a handler, a `with` body in full."""
    for statement in statements:
        kind = type(statement)
        if kind is cst.ClassDef or kind is cst.FunctionDef:
            if statement.name.value in names:  # type: ignore[attr-defined]
                state = {**state, statement.name.value: frozenset((id(statement),))}  # type: ignore[attr-defined]
        elif kind is cst.If:
            orelse = statement.orelse  # type: ignore[attr-defined]
            # `if TYPE_CHECKING:` never runs (as `_type_checking_only` in analysis/names.py reads it)
            never = dotted_name(statement.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")  # type: ignore[attr-defined]
            taken = state if never else _run(_suite(statement), state, names)
            if orelse is None:
                state = _merge(taken, state)
            else:
                state = _merge(taken, _run([orelse] if type(orelse) is cst.If else _suite(orelse), state, names))
        elif kind is cst.Try:
            prefixes = [state]
            for inner in _suite(statement):
                prefixes.append(_run([inner], prefixes[-1], names))
            raised = _merge(*prefixes)  # an exception may leave the body after any of its statements
            orelse = statement.orelse  # type: ignore[attr-defined]
            outcomes = [_run(_suite(orelse), prefixes[-1], names) if orelse is not None else prefixes[-1]]
            outcomes.extend(_run(_suite(handler), raised, names) for handler in statement.handlers)  # type: ignore[attr-defined]
            state = _merge(*outcomes)
            if statement.finalbody is not None:  # type: ignore[attr-defined]
                state = _run(_suite(statement.finalbody), state, names)  # type: ignore[attr-defined]
        elif kind is cst.With:
            state = _run(_suite(statement), state, names)
    return state


def _suite(statement: cst.CSTNode) -> Sequence[cst.CSTNode]:
    return statement.body.body  # type: ignore[attr-defined]


def _merge(*states: _State) -> _State:
    merged: _State = {}
    for name in {name for state in states for name in state}:
        merged[name] = frozenset().union(*(state.get(name, _UNBOUND) for state in states))
    return merged


# Concrete node classes without subclasses, so tested by exact type: isinstance's miss on libcst's
# ABC-based node classes is slow, and most top-level statements are none of these.
_OPENED = frozenset((cst.If, cst.Try, cst.With, cst.Else, cst.ExceptHandler, cst.Finally))


def top_level_statements_with_index(module: cst.Module) -> Iterator[Tuple[int, cst.CSTNode]]:
    """(index in `module.body` of the statement that holds it, statement), as `top_level_statements`."""
    stack = [(index, statement) for index, statement in reversed(list(enumerate(module.body)))]
    while stack:
        index, statement = stack.pop()
        if type(statement) in _OPENED:
            children: list = list(statement.body.body)
            for attribute in ("orelse", "finalbody"):
                extra = getattr(statement, attribute, None)
                if extra is not None:
                    children.append(extra)
            children.extend(getattr(statement, "handlers", ()))
            stack.extend((index, child) for child in reversed(children))
        else:
            yield index, statement


def build_import_table(
    module: cst.Module, module_name: str, is_package: bool, local_definitions: Sequence[str]
) -> ImportTable:
    aliases: Dict[str, str] = {}
    stars: List[str] = []
    for statement in top_level_statements(module):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    full = dotted_name(alias.name)
                    if full is None:
                        continue
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        aliases[alias.asname.name.value] = full
                    else:
                        # `import torch.nn` binds `torch`.
                        head = full.split(".")[0]
                        aliases[head] = head
            elif isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
                # `typing`'s names are known here; other modules' are the project index's to find.
                target = dotted_name(small.module) if small.module is not None else None
                level = len(small.relative)
                if target == "typing" and not level:
                    aliases.update((name, f"typing.{name}") for name in typing.__all__)
                else:
                    source = resolve_relative(module_name, is_package, level, target) if level else target
                    if source:
                        stars.append(intern(source))
            elif isinstance(small, cst.ImportFrom):
                target = dotted_name(small.module) if small.module is not None else None
                level = len(small.relative)
                source = resolve_relative(module_name, is_package, level, target) if level else target
                if not source:
                    continue
                for alias in small.names:
                    imported = dotted_name(alias.name)
                    if imported is None:
                        continue
                    local = imported
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        local = alias.asname.name.value
                    aliases[local] = f"{source}.{imported}"
    # A class or function defined in the file wins over an import of the same name.
    prefix = f"{module_name}." if module_name else ""
    for name in local_definitions:
        aliases[name] = prefix + name
    # Interned: the same few thousand qualified names recur in every file of a project, and every
    # worker receives every file's table.
    return ImportTable(
        module_name=module_name, aliases={intern(k): intern(v) for k, v in aliases.items()}, star_sources=tuple(stars)
    )


@memoised
def has_future_annotations(module: cst.Module) -> bool:
    """Whether `module` has `from __future__ import annotations`: every annotation in it is then a
    string, which torch reads without evaluating (a `Final` is no `Final` to it)."""
    for statement in module.body:
        if type(statement) is not cst.SimpleStatementLine:
            continue
        for small in statement.body:
            if type(small) is cst.ImportFrom and dotted_name(small.module) == "__future__":  # type: ignore[arg-type]
                names = small.names
                if type(names) is not cst.ImportStar and any(
                    dotted_name(alias.name) == "annotations"
                    for alias in names  # type: ignore[union-attr]
                ):
                    return True
    return False
