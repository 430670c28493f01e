"""What a project decorator hands back on each of its return paths, for TS371: a `functools.wraps`
wrapper nested in it on some paths and the decorated function itself on the others.

torch compiles the decorated function's own source whichever object it gets (`inspect.getsourcelines`
unwraps the wrapper), but resolves its names in that object's `__globals__` and closure
(`createResolutionCallbackFromClosure`): on the wrapping path those of the decorator's module. Which
path runs is decided when the module is imported (a version comparison, an optional dependency), so
only a warning can say it. Observed in torch 2.13: on the identity path the method compiles, on the
wrapping path the same method fails with "undefined value torch" at the wrapper's file."""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, names_bound_in
from tslint.analysis.traversal import walk

_WRAP, _IDENTITY, _OTHER = "wrap", "identity", "other"


def maybe_wraps_wrapper(node: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Tuple[object, ...]:
    """For a module-level function used as a decorator: (level, closure names) when, of its return
    paths, some hand back a nested function wrapped with `functools.wraps` and every other one the
    decorated function itself — level 1 for `@hooked` (`if not ENABLED: return fn`), 2 for a factory
    `@deprecated_arg("x")` whose other paths return `lambda obj: obj`. The closure names are those of
    the enclosing functions (a superset of the wrapper's free variables). Empty when every path wraps
    (`wraps_wrapper`'s case), when none does, or when a path returns anything else (unknown)."""
    if owner is not None or not isinstance(node.body, cst.IndentedBlock):
        return ()
    kinds = _decorator_kinds(node, imports)
    if _WRAP in kinds:
        return (1, _closure(node)) if kinds == {_WRAP, _IDENTITY} else ()
    nested = _nested_functions(node)
    kinds = set()
    closure = set(_closure(node))
    for value in _returned_values(node):
        if _is_identity_lambda(value):
            kinds.add(_IDENTITY)
        elif isinstance(value, cst.Name) and value.value in nested:
            inner = nested[value.value]
            kinds |= _decorator_kinds(inner, imports)
            closure.update(_closure(inner))
        else:
            kinds.add(_OTHER)
    return (2, tuple(sorted(closure))) if kinds == {_WRAP, _IDENTITY} else ()


def _decorator_kinds(function: cst.FunctionDef, imports: ImportTable) -> Set[str]:
    """What each return of `function`, called on the decorated function (its first parameter),
    hands back: a `functools.wraps` wrapper nested in it, the parameter itself, or something else.
    A function without a `return` gives "other" (it returns None)."""
    if not isinstance(function.body, cst.IndentedBlock):
        return {_OTHER}
    params = function.params
    positional = [*params.posonly_params, *params.params]
    first = positional[0].name.value if positional else None
    nested = _nested_functions(function)
    kinds: Set[str] = set()
    for value in _returned_values(function):
        if isinstance(value, cst.Name) and value.value == first:
            kinds.add(_IDENTITY)
        elif isinstance(value, cst.Name) and value.value in nested and _wrapped(nested[value.value], imports):
            kinds.add(_WRAP)
        else:
            kinds.add(_OTHER)
    return kinds or {_OTHER}


def _wrapped(function: cst.FunctionDef, imports: ImportTable) -> bool:
    return any(
        imports.qualify(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) == "functools.wraps"
        for d in function.decorators
    )


def _is_identity_lambda(value: Optional[cst.BaseExpression]) -> bool:
    """`lambda obj: obj`: a decorator that hands the function back unchanged."""
    if not isinstance(value, cst.Lambda) or not isinstance(value.body, cst.Name):
        return False
    params = value.params
    plain = [*params.posonly_params, *params.params]
    return len(plain) == 1 and not params.kwonly_params and plain[0].name.value == value.body.value


# Concrete node classes without subclasses, tested by exact type: isinstance's miss on libcst's
# ABC-based node classes is slow, and these walks test every node of a body.
_SCOPES = frozenset((cst.FunctionDef, cst.ClassDef, cst.Lambda))


def _returned_values(function: cst.FunctionDef) -> List[Optional[cst.BaseExpression]]:
    """The value of every `return` of `function` itself (not of functions nested in it)."""
    values: List[Optional[cst.BaseExpression]] = []

    def enter(node: cst.CSTNode) -> bool:
        kind = type(node)  # exact types: see _SCOPES
        if kind is cst.Return:
            values.append(node.value)  # type: ignore[attr-defined]
        return node is function or kind not in _SCOPES

    walk(function, enter)
    return values


def _nested_functions(function: cst.FunctionDef) -> Dict[str, cst.FunctionDef]:
    """The functions `function` defines (in its body, under `if` too), by name; a name defined twice
    is left out (which one is returned is not known)."""
    found: Dict[str, cst.FunctionDef] = {}
    twice: Set[str] = set()

    def enter(node: cst.CSTNode) -> bool:
        if node is function:
            return True
        kind = type(node)  # exact types: see _SCOPES
        if kind is cst.FunctionDef:
            name = node.name.value  # type: ignore[attr-defined]
            if name in found:
                twice.add(name)
            found[name] = node  # type: ignore[assignment]
            return False
        return kind not in _SCOPES

    walk(function, enter)
    return {name: node for name, node in found.items() if name not in twice}


def _closure(function: cst.FunctionDef) -> Tuple[str, ...]:
    params = function.params
    stars = [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    every = [*params.posonly_params, *params.params, *params.kwonly_params, *stars]
    bound: FrozenSet[str] = names_bound_in(function.body)
    return tuple(sorted({p.name.value for p in every} | bound))
