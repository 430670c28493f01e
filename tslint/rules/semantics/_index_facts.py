"""The semantics family's own index facts (see tslint/index/facts.py): computed while each file is
indexed, read by one rule each through `FunctionInfo.fact` / `ClassInfo.fact`."""

from __future__ import annotations

import re
from sys import intern
from typing import Dict, List, Optional, Tuple

import libcst as cst

from tslint.analysis.default_construction import default_construction
from tslint.analysis.imports import ImportTable, dotted_name, is_none, names_bound_in, top_level_statements
from tslint.analysis.names import module_names
from tslint.analysis.traversal import code_of, walk
from tslint.index.facts import FactExtractors, holds_word
from tslint.index.functions import takes_var_args
from tslint.index.values import plain_value_types
from tslint.rules.semantics._constant_values import FACT as CONSTANT_VALUES
from tslint.rules.semantics._constant_values import class_body_bindings, constant_facts
from tslint.rules.semantics._instance_facts import class_references, parameter_setters, setter_arguments
from tslint.rules.semantics._wrapper_paths import maybe_wraps_wrapper


def float_parameters(node: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Tuple[str, ...]:
    """Parameters annotated `float` or `Optional[float]` (any kind but `*args`/`**kwargs`): an int
    argument there fails in TorchScript (TS335)."""
    params = (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)
    return tuple(
        intern(p.name.value)
        for p in params
        if p.annotation is not None and is_float_type(p.annotation.annotation, imports)
    )


def is_float_type(annotation: cst.BaseExpression, imports: ImportTable) -> bool:
    """`float`, `"float"`, `Optional[float]`, `float | None`."""
    if isinstance(annotation, cst.SimpleString):
        return annotation.evaluated_value in ("float", "Optional[float]", "typing.Optional[float]")
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = (annotation.left, annotation.right)
        return any(is_none(side) for side in sides) and any(is_float_type(side, imports) for side in sides)
    if isinstance(annotation, cst.Subscript):
        return (
            imports.qualify(annotation.value) == "typing.Optional"
            and len(annotation.slice) == 1
            and isinstance(annotation.slice[0].slice, cst.Index)
            and is_float_type(annotation.slice[0].slice.value, imports)
        )
    return imports.qualify(annotation) in ("float", "builtins.float")


def returned_wrappers(
    node: cst.FunctionDef, imports: ImportTable, owner: Optional[str]
) -> Tuple[Tuple[str, bool], ...]:
    """For a module-level function used as a decorator: the nested functions it returns in place of
    the decorated one, outermost first (one for `@timed`, two for a factory `@retry(3)`), each as
    (header, takes *args/**kwargs). The chain stops at a function wrapped with `functools.wraps`:
    torch follows `__wrapped__` back to the original there (TS329). Only top-level statements are
    read: `def wrapper` and `return wrapper` directly in the body."""
    if owner is not None:
        return ()
    chain: List[Tuple[str, bool]] = []
    current = node
    while len(chain) < 2 and isinstance(current.body, cst.IndentedBlock):
        nested = {s.name.value: s for s in current.body.body if isinstance(s, cst.FunctionDef)}
        returned = {
            small.value.value
            for statement in current.body.body
            if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body
            if isinstance(small, cst.Return) and isinstance(small.value, cst.Name)
        }
        inner = [nested[name] for name in returned if name in nested]
        if len(inner) != 1 or any(imports.qualify(d.decorator) == "functools.wraps" for d in inner[0].decorators):
            break
        current = inner[0]
        header = f"{current.name.value}({code_of(current.params)})"
        chain.append((header, takes_var_args(current)))
    return tuple(chain)


def wraps_wrapper(node: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Tuple[object, ...]:
    """For a module-level function used as a decorator: (level, closure names) when what it returns
    is a nested function wrapped with `functools.wraps` — level 1 for `@deprecated`, 2 for a factory
    `@deprecated_arg("x")`. torch compiles the decorated function's source (it follows `__wrapped__`)
    but resolves its names in the wrapper's `__globals__` and closure: this module's globals, and the
    names of the enclosing functions (a superset of the wrapper's free variables). Empty when the
    chain does not end in such a wrapper (TS329 judges the others), or may return something else."""
    if owner is not None:
        return ()
    closure: set = set()
    current = node
    for level in (1, 2):
        if not isinstance(current.body, cst.IndentedBlock):
            return ()
        closure |= {p.name.value for p in _all_parameters(current)} | set(names_bound_in(current.body))
        inner = _returned_nested(current)
        if inner is None:
            return ()
        if any(imports.qualify(_called(d.decorator)) == "functools.wraps" for d in inner.decorators):
            return (level, tuple(sorted(closure)))
        current = inner
    return ()


# Concrete node classes without subclasses (tested by exact type).
_SCOPES = frozenset((cst.FunctionDef, cst.ClassDef, cst.Lambda))


def _returned_nested(function: cst.FunctionDef) -> Optional[cst.FunctionDef]:
    """The nested function (`def` at the top of `function`'s body) that every `return` of `function`
    returns. None when some path returns anything else: the decorated function itself when an
    optional dependency is missing (`if not is_accelerate_available(): return method`), an identity
    (`return lambda obj: obj` for a deprecation not yet due). Which path runs is decided at import
    time, out of sight: torch may then resolve the names in the function's own module."""
    nested = {s.name.value: s for s in function.body.body if isinstance(s, cst.FunctionDef)}
    returns: List[cst.Return] = []

    def enter(node: cst.CSTNode) -> bool:
        kind = type(node)  # exact types: isinstance's miss on libcst's ABC-based classes is slow
        if kind is cst.Return:
            returns.append(node)  # type: ignore[arg-type]
        return node is function or kind not in _SCOPES

    walk(function, enter)
    names = {r.value.value if isinstance(r.value, cst.Name) else None for r in returns}
    if len(names) != 1:
        return None
    name = names.pop()
    return nested.get(name) if name is not None else None


def _all_parameters(function: cst.FunctionDef) -> List[cst.Param]:
    params = function.params
    stars = [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return [*params.posonly_params, *params.params, *params.kwonly_params, *stars]


def _called(expression: cst.BaseExpression) -> cst.BaseExpression:
    return expression.func if isinstance(expression, cst.Call) else expression


def module_globals(module: cst.Module, imports: ImportTable, text: str) -> Tuple[object, ...]:
    """The file's globals as torch's lookup in a function defined here sees them, for a module that
    defines a `functools.wraps` wrapper: ("listed", names, names bound only under
    `if TYPE_CHECKING:`); ("starred", the same, the modules it star-imports at its top level); or
    ("unlisted",) when another star import or `globals()` hides some. Empty in a
    module without the word `wraps`, as FACTS' `words` promises."""
    if not holds_word(text, "wraps"):
        return ()
    found = module_names(module, text)
    if found.names is not None:
        return ("listed", tuple(sorted(found.names)), tuple(sorted(found.type_checking_only)))
    # Star imports from project modules (`from pkg.utils import *`) at the top: listed besides those
    # modules' `__all__` (the `star_exports` fact), which the reader adds (compiled_names).
    stars = [s for s in module.body if _star_import(s)]
    if not stars or len(stars) != len(imports.star_sources):
        return ("unlisted",)
    found = module_names(module.with_changes(body=[s for s in module.body if not _star_import(s)]), text)
    if found.names is None:
        return ("unlisted",)
    names, guarded = tuple(sorted(found.names)), tuple(sorted(found.type_checking_only))
    return ("starred", names, guarded, imports.star_sources)


def _star_import(statement: cst.CSTNode) -> bool:
    """`from m import *` (not `typing`) alone on a top-level line."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return (
        isinstance(small, cst.ImportFrom)
        and isinstance(small.names, cst.ImportStar)
        and (bool(small.relative) or small.module is None or dotted_name(small.module) != "typing")
    )


_ALL_ASSIGNED = re.compile(r"^[ \t]*__all__[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
_ALL_CHANGED = re.compile(r"__all__\s*(?:\+=|\|=|\.\s*(?:append|extend|insert|remove|pop|clear)\b|\[)")


def star_exports(module: cst.Module, imports: ImportTable, text: str) -> Tuple[str, ...]:
    """The names `from <this module> import *` binds, when a literal `__all__` (a list or tuple of
    strings, assigned once at the top level and never changed) says: ("listed", name, ...); else
    empty."""
    if len(_ALL_ASSIGNED.findall(text)) != 1 or _ALL_CHANGED.search(text):
        return ()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, (cst.Assign, cst.AnnAssign)) or small.value is None:
                continue
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            if not any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
                continue
            value = small.value
            if not isinstance(value, (cst.List, cst.Tuple)):
                return ()
            names = [e.value.evaluated_value for e in value.elements if isinstance(e.value, cst.SimpleString)]
            if len(names) != len(value.elements) or not all(isinstance(n, str) for n in names):
                return ()
            return ("listed", *sorted(intern(n) for n in names))
    return ()


def call_globals(module: cst.Module, imports: ImportTable, text: str) -> Tuple[Tuple[str, int, str], ...]:
    """Module-level names bound once, at the top level, to the result of calling a function of the same
    file, or to one element of it (`_flag, _version = _probe("x")`): (name, position in the unpacked
    tuple or -1, the function's name). TS341 types them by the function's return annotation."""
    found = []
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                continue
            value, target = small.value, small.targets[0].target
            if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Name):
                continue
            if isinstance(target, cst.Name):
                found.append((intern(target.value), -1, intern(value.func.value)))
            elif isinstance(target, (cst.Tuple, cst.List)):
                for position, element in enumerate(target.elements):
                    if isinstance(element.value, cst.Name):
                        found.append((intern(element.value.value), position, intern(value.func.value)))
    if not found:
        return ()
    # Bound only by that one assignment (no import, `def`, loop or second assignment of the name).
    counts: Dict[str, int] = {}
    for statement in top_level_statements(module):
        for name in _top_level_bindings(statement):
            counts[name] = counts.get(name, 0) + 1
    found = [entry for entry in found if counts.get(entry[0]) == 1]
    return tuple(found)


def _top_level_bindings(statement: cst.CSTNode) -> List[str]:
    """The names one module-level statement binds (each time it binds them)."""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return [statement.name.value]
    if not isinstance(statement, cst.SimpleStatementLine):
        return list(names_bound_in(statement)) if isinstance(statement, cst.BaseCompoundStatement) else []
    found: List[str] = []
    for small in statement.body:
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            found.extend(names_bound_in(small))
        elif isinstance(small, cst.Assign):
            for target in small.targets:
                found.extend(_target_names(target.target))
        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            found.extend(_target_names(small.target))
    return found


def _target_names(target: cst.BaseExpression) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _target_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


def class_values(node: cst.ClassDef, imports: ImportTable) -> Tuple[Tuple[str, str], ...]:
    """Names the class body binds only to plain values (`SCALE = 2.0`), with the value's type (TS341)."""
    assigned: Dict[str, List[cst.BaseExpression]] = {}
    methods = {s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)}
    for target, _, value in class_body_bindings(node):
        if value is not None:
            assigned.setdefault(target.value, []).append(value)
    plain = {name: values for name, values in assigned.items() if name not in methods and not name.startswith("__")}
    return tuple(sorted(plain_value_types(plain, imports).items()))


FACTS = FactExtractors(
    functions={
        "float_parameters": float_parameters,
        "returned_wrappers": returned_wrappers,
        "wraps_wrapper": wraps_wrapper,
        "maybe_wraps_wrapper": maybe_wraps_wrapper,
        "parameter_setters": parameter_setters,
        "setter_arguments": setter_arguments,
        "default_construction": default_construction,
    },
    classes={
        "class_values": class_values,
        "class_references": class_references,
        CONSTANT_VALUES: constant_facts,
    },
    files={"module_globals": module_globals, "call_globals": call_globals, "star_exports": star_exports},
    # A parameter annotated float names `float` (`is_float_type`); a `functools.wraps` wrapper, `wraps`.
    words={
        "float_parameters": ("float",),
        "wraps_wrapper": ("wraps",),
        "maybe_wraps_wrapper": ("wraps",),
        "module_globals": ("wraps",),
        "star_exports": ("__all__",),
    },
)
