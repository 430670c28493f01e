"""Attributes torch types by their class-level annotation rather than by the instance's value."""

from __future__ import annotations

import re
from typing import Optional, Sequence

from tslint.index.model import AttributeKind

_ANNOTATION_WORD = re.compile(r"[A-Za-z_][\w.]*")
# The value types an `Optional[...]` attribute annotation may name for torch to resolve it (an
# `Optional[nn.Linear]` it cannot resolve at all: "Unsupported annotation").
_VALUE_WORDS = frozenset(
    {"Optional", "Union", "None", "Tensor", "int", "float", "bool", "str", "List", "Dict", "Tuple"}
    | {"list", "dict", "tuple"}
    | {"Parameter"}  # `Optional[nn.Parameter]`: a Tensor to torch (torchani's `b: Optional[Parameter]`)
)


def annotated_optional(mro: Sequence, assignments: Optional[list], constant: bool, name: str) -> bool:
    """Whether the class (`mro`: its ClassInfos) annotates attribute `name` as a value type that
    may be None (`bias: Optional[Tensor]` in its body) and assigns it: torch then types the
    attribute by the annotation, whatever the instance holds, and compiles both sides of `self.bias
    is None` (probed, torch 2.13)."""
    if constant or not assignments:
        return False  # a constant, or never assigned (torch: "has no attribute")
    for info in mro:
        text = info.annotation_types.get(name)
        if text is not None:
            words = {word.rsplit(".", 1)[-1] for word in _ANNOTATION_WORD.findall(text)}
            return words <= _VALUE_WORDS and ("Optional" in words or "None" in words)
    return False


def none_test_side_holds(assignments: list, is_none_side: bool, annotated: bool, tracing: bool) -> bool:
    """Whether torch certainly compiles (or, `tracing`, runs) the side of `self.x is None` where it
    is None (`is_none_side`) or not, given the attribute's assignments and whether the class
    annotates it `Optional` (`annotated`, see annotated_optional: then both sides compile).

    Without the annotation, the side that needs the attribute not None is pruned when it is None;
    when it is None on some path, or never assigned here, torch may prune it too: only an attribute
    that is never None is certainly compiled. Tracing runs the branch for every instance built with
    the attribute set, so an attribute set on some path is enough (a hazard there is as real as
    under a flag)."""
    if tracing:
        return any((a.kind is AttributeKind.NONE) is is_none_side for a in assignments)
    if annotated:
        return True
    if is_none_side:
        return bool(assignments) and all(a.kind is AttributeKind.NONE for a in assignments)
    return bool(assignments) and all(a.kind is not AttributeKind.NONE and not a.maybe_none for a in assignments)
