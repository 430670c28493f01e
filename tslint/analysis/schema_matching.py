"""Does a call match a schema? torch's rules (torch/csrc/jit/frontend/schema_matching.cpp), on types.

A call is described by the TorchScript types of its arguments: positional, keyword, and for a method
call the value before the dot (bound to the schema's argument named `self`). `Unknown` matches every
type, so an argument the type checker could not type never makes a call fail. Each conversion below
is one torch performs, and tests/test_signatures.py scripts a call that needs it:

- a tuple whose elements all fit a list's element type is that list (`x.view((a, b))`);
- an int (or float) is repeated to a fixed-size list `int[2]` (`F.avg_pool2d(x, 2)`);
- the last positional list argument also takes the remaining positional values one by one
  (`x.view(a, b)`, `torch.zeros(2, 3)`), each converted as below;
- a value fits `Optional[T]` as it fits `T`; None fits any Optional;
- an unannotated `[]` written in the call fits any list type;
- with conversions allowed (always for a lone schema; for several, only once none matched without):
  a Tensor becomes an int, float, complex or Scalar; a Scalar an int, float or complex; a bool an
  int, float or Scalar; a str a Device.

Nothing else converts: an int is not a float, an Optional[int] is not an int, a List[int] is not a
List[float], a bool is not an int[2].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from tslint.analysis.schema_types import (
    NONE,
    UNKNOWN,
    JitType,
    fake,
    list_of,
    optional,
    unwrap_optional,
)
from tslint.analysis.signatures import Argument, Schema

TypeEnv = Dict[str, JitType]
NUMBERS = ("int", "float", "complex")
# isBlockListedSchema: overloads torch never picks. It cannot tell x.view(torch.int8) from x.view(1)
# (a dtype is an int), and max/min.unary_out collide with max/min.other.
BLOCKED = {("aten::view", "dtype"), ("aten::max", "unary_out"), ("aten::min", "unary_out")}


@dataclass(frozen=True)
class Match:
    """A schema a call matched, and its result types with the schema's type variables bound."""

    schema: Schema
    returns: Tuple[JitType, ...]


def matches(
    schema: Schema,
    positional: Sequence[JitType],
    keywords: Optional[Mapping[str, JitType]] = None,
    self_type: Optional[JitType] = None,
) -> bool:
    """Would torch accept this call for this schema alone (matchSchema)?"""
    return match(schema, positional, keywords or {}, self_type) is not None


def resolve(
    schemas: Sequence[Schema],
    positional: Sequence[JitType],
    keywords: Optional[Mapping[str, JitType]] = None,
    self_type: Optional[JitType] = None,
) -> Optional[Match]:
    """The overload torch picks (matchSchemas): a lone schema is tried with conversions; several are
    tried in order without conversions, then in order with them. None: torch rejects the call."""
    keywords = keywords or {}
    if len(schemas) == 1:
        return match(schemas[0], positional, keywords, self_type)
    for allow_conversions in (False, True):
        for schema in schemas:
            found = match(schema, positional, keywords, self_type, allow_conversions)
            if found is not None:
                return found
    return None


# match's answers, by the schema's id and the argument types: (the schema, the answer). A call of the
# same operator with the same argument types recurs across a file's functions (`x.view(b, -1)`,
# `torch.cat(xs, dim=1)`), and a call of several overloads tries each of them. The schema is kept with
# its answer so that its id cannot be taken by another schema while the entry lives (an equal schema
# that is another object has its own entry: an answer names its schema).
_MATCHES: Dict[tuple, Tuple[Schema, Optional[Match]]] = {}
_MATCHES_KEPT = 1 << 14  # entries kept at most: the table is emptied when it holds more


def match(
    schema: Schema,
    positional: Sequence[JitType],
    keywords: Mapping[str, JitType],
    self_type: Optional[JitType] = None,
    allow_conversions: bool = True,
) -> Optional[Match]:
    """tryMatchSchema: bind every argument of `schema` to a value or its default, in order. A pure
    function of its arguments (types are compared as values; the order of `keywords` is kept)."""
    key = (id(schema), tuple(positional), tuple(keywords.items()), self_type, allow_conversions)
    found = _MATCHES.get(key)
    if found is not None:
        return found[1]
    answer = _match(schema, positional, keywords, self_type, allow_conversions)
    if len(_MATCHES) >= _MATCHES_KEPT:
        _MATCHES.clear()
    _MATCHES[key] = (schema, answer)
    return answer


def _match(
    schema: Schema,
    positional: Sequence[JitType],
    keywords: Mapping[str, JitType],
    self_type: Optional[JitType],
    allow_conversions: bool,
) -> Optional[Match]:
    if (schema.name, schema.overload) in BLOCKED:
        return None
    env: TypeEnv = {}
    used_positional = 0
    used_keywords = set()
    is_aten = schema.namespace == "aten"
    arguments = schema.arguments
    for index, argument in enumerate(arguments):
        actual: Optional[JitType] = None
        if argument.name == "self" and self_type is not None:
            actual, self_type = self_type, None
        elif not argument.kwarg_only and used_positional < len(positional):
            if allow_conversions and _varargs_fit(arguments, index):
                first = positional[used_positional]
                formal = unwrap_optional(fake(argument.type))
                # An unannotated `[]` is a list here too. An Unknown alone may be the list itself;
                # followed by more values it cannot be.
                several = len(positional) - used_positional > 1
                is_list = first.kind in ("List", "EmptyList") or (first.kind == "Unknown" and not several)
                if not is_list and (first.kind == "Unknown" or not _convertible_to_list(first, formal)):
                    if not _all_match(formal.element, positional[used_positional:], env):
                        return None
                    used_positional = len(positional)
                    continue
            actual = positional[used_positional]
            used_positional += 1
        else:
            keyword = _keyword_for(argument.name, keywords, is_aten)
            if keyword is not None:
                actual = keywords[keyword]
                used_keywords.add(keyword)
            elif argument.has_default:
                if argument.default is not None:
                    continue  # the default has the argument's own type
                actual = NONE
            else:
                return None  # "Argument ... not provided."
        if not _match_argument(argument, actual, allow_conversions, env):
            return None
    if self_type is not None:
        return None  # "Provided self argument not used in schema."
    if schema.is_vararg:
        used_positional = len(positional)
    if used_positional < len(positional) or set(keywords) - used_keywords:
        return None  # too many positional arguments; a keyword unknown or given twice
    if schema.is_varret:
        return Match(schema, (UNKNOWN,))
    return Match(schema, tuple(_evaluate(fake(ret.type), env) or UNKNOWN for ret in schema.returns))


def _keyword_for(name: str, keywords: Mapping[str, JitType], is_aten: bool) -> Optional[str]:
    # aten's functional forms call `self` what Python calls `input` (findInputWithName).
    for keyword in keywords:
        if keyword == name or (is_aten and name == "self" and keyword == "input"):
            return keyword
    return None


def _varargs_fit(arguments: Sequence[Argument], index: int) -> bool:
    """varargsCanBeUsedAsList: the last positional argument, a list, not `int[N]`, not `t[]`."""
    argument = arguments[index]
    is_last = index + 1 == len(arguments) or arguments[index + 1].kwarg_only
    formal = argument.type
    return is_last and formal.kind == "List" and formal.size is None and formal.element.kind != "Var"


def _all_match(element: JitType, values: Sequence[JitType], env: TypeEnv) -> bool:
    """tryCreateList: each remaining positional value converted to the list's element type."""
    probe = Argument("<varargs>", element)
    return all(_match_argument(probe, value, True, env) for value in values)


def _match_argument(argument: Argument, actual: JitType, allow_conversions: bool, env: TypeEnv) -> bool:
    """tryMatchArgument."""
    formal = fake(argument.type)
    listed = unwrap_optional(formal)
    if actual.kind in ("int", "float") and listed.kind == "List" and listed.size and listed.element == actual:
        actual = list_of(actual)  # isIntOrFloatUsedAsList: 2 for int[2] is [2, 2]
    if not _match_type_variables(formal, actual, env):
        return False
    concrete = _evaluate(formal, env)
    if concrete is None:
        return False
    return is_subtype(_convert(concrete, actual, allow_conversions), concrete)


def _convert(concrete: JitType, actual: JitType, allow_conversions: bool) -> JitType:
    """tryConvertToType: the type of the value after torch's implicit conversions."""
    if concrete.kind == "Optional" and actual.kind not in ("Optional", "NoneType"):
        return _convert(concrete.element, actual, allow_conversions)
    if actual.kind == "EmptyList" and concrete.kind == "List":
        return concrete
    if actual.kind == "Tuple":
        listed = unwrap_optional(concrete)
        if _convertible_to_list(actual, listed):
            actual = list_of(listed.element)
        elif concrete.kind == "Tuple" and len(concrete.items) == len(actual.items) and not is_subtype(actual, concrete):
            actual = JitType(
                "Tuple",
                tuple(_convert(want, have, allow_conversions) for want, have in zip(concrete.items, actual.items)),
            )
    if allow_conversions:
        if actual.kind == "Tensor" and concrete.kind in NUMBERS + ("number",):
            return concrete  # aten::IntImplicit, FloatImplicit, ComplexImplicit, ScalarImplicit
        if actual.kind == "number" and concrete.kind in NUMBERS:
            return concrete  # aten::Int, Float, Complex
        if actual.kind == "bool" and concrete.kind in ("int", "float", "number"):
            return concrete  # aten::Int, aten::Float
        if actual.kind == "str" and concrete.kind == "Device":
            return concrete  # aten::device
    return actual


def _convertible_to_list(actual: JitType, formal: JitType) -> bool:
    """convertibleToList: a list type, or a tuple whose every element fits the element type."""
    if formal.kind != "List":
        return False
    if is_subtype(actual, formal):
        return True
    return actual.kind == "Tuple" and all(is_subtype(item, formal.element) for item in actual.items)


def is_subtype(actual: JitType, formal: JitType) -> bool:
    """c10's isSubtypeOf for the types schemas use; Unknown on either side is a yes."""
    if "Unknown" in (actual.kind, formal.kind) or formal.kind == "Any":
        return True
    if actual.kind == "Union" and formal.kind != "Union":
        return all(is_subtype(member, formal) for member in actual.items)  # Union[int, float] is a number
    if formal.kind == "Optional":
        if actual.kind == "NoneType":
            return True
        inner = actual.element if actual.kind == "Optional" else actual
        return is_subtype(inner, formal.element)
    if formal.kind == "Union":
        members = actual.items if actual.kind == "Union" else (actual,)
        if actual.kind == "Optional":
            members = (actual.element, NONE)
        return all(any(is_subtype(member, option) for option in formal.items) for member in members)
    if formal.kind == "number":
        return actual.kind in NUMBERS + ("number",)
    if formal.kind == "AnyClassType":
        return actual.kind == "Class"
    if actual.kind != formal.kind or len(actual.items) != len(formal.items):
        return False
    if formal.kind in ("Tuple", "Future", "RRef", "Await"):  # covariant
        return all(is_subtype(have, want) for have, want in zip(actual.items, formal.items))
    if formal.kind in ("List", "Dict"):  # invariant: a List[int] is not a List[float]
        return all(_same(have, want) for have, want in zip(actual.items, formal.items))
    return actual.name == formal.name


def _same(first: JitType, second: JitType) -> bool:
    if "Unknown" in (first.kind, second.kind):
        return True
    return (
        first.kind == second.kind
        and first.name == second.name
        and len(first.items) == len(second.items)
        and all(_same(a, b) for a, b in zip(first.items, second.items))
    )


def _has_variables(jit_type: JitType) -> bool:
    return jit_type.kind == "Var" or any(_has_variables(item) for item in jit_type.items)


def _match_type_variables(formal: JitType, actual: JitType, env: TypeEnv) -> bool:
    """matchTypeVariables: bind the schema's type variables (`t`) to the actual types."""
    if not _has_variables(formal) or actual.kind == "Unknown":
        if actual.kind == "Unknown":
            _bind_unknown(formal, env)
        return True
    if formal.kind == "Var":
        bound = env.get(formal.name)
        if bound is None:
            env[formal.name] = actual
            return True
        unified = unify(bound, actual)
        if unified is None:
            return False  # "Type variable 't' previously matched to type int is matched to type float"
        env[formal.name] = unified
        return True
    if formal.kind == "List":
        if actual.kind == "List":
            return _match_type_variables(formal.element, actual.element, env)
        if actual.kind == "Tuple":
            element = _unify_all(actual.items)
            return element is not None and _match_type_variables(formal.element, element, env)
        return False
    if formal.kind == "Optional":
        if actual.kind == "Optional":
            return _match_type_variables(formal.element, actual.element, env)
        if actual.kind == "NoneType":
            return True  # binds nothing; an unbound variable fails when the type is evaluated
        return _match_type_variables(formal.element, actual, env)
    if formal.kind in ("Tuple", "Dict", "Future", "RRef", "Await"):
        if actual.kind != formal.kind or len(actual.items) != len(formal.items):
            return False
        return all(_match_type_variables(want, have, env) for want, have in zip(formal.items, actual.items))
    return False


def _bind_unknown(formal: JitType, env: TypeEnv) -> None:
    if formal.kind == "Var":
        env.setdefault(formal.name, UNKNOWN)
    for item in formal.items:
        _bind_unknown(item, env)


def _evaluate(formal: JitType, env: TypeEnv) -> Optional[JitType]:
    """tryEvalTypeVariables: the formal type with its variables replaced; None if one is unbound."""
    if formal.kind == "Var":
        return env.get(formal.name)
    if not formal.items:
        return formal
    items: List[JitType] = []
    for item in formal.items:
        evaluated = _evaluate(item, env)
        if evaluated is None:
            return None
        items.append(evaluated)
    if formal.kind == "Optional":
        return optional(items[0])
    return JitType(formal.kind, tuple(items), size=formal.size, name=formal.name)


def unify(first: JitType, second: JitType) -> Optional[JitType]:
    """c10::unifyTypes without unions: the type both values can have, or None."""
    if "Unknown" in (first.kind, second.kind):
        return UNKNOWN
    if is_subtype(first, second):
        return second
    if is_subtype(second, first):
        return first
    if first.kind == "NoneType":
        return optional(second)
    if second.kind == "NoneType":
        return optional(first)
    if first.kind == "Optional" or second.kind == "Optional":
        inner = unify(unwrap_optional(first), unwrap_optional(second))
        return optional(inner) if inner is not None else None
    if first.kind == second.kind == "Tuple" and len(first.items) == len(second.items):
        items = [unify(a, b) for a, b in zip(first.items, second.items)]
        return None if any(item is None for item in items) else JitType("Tuple", tuple(items))  # type: ignore[arg-type]
    return None


def _unify_all(types: Sequence[JitType]) -> Optional[JitType]:
    if not types:
        return None
    result: Optional[JitType] = types[0]
    for item in types[1:]:
        result = unify(result, item) if result is not None else None
    return result
