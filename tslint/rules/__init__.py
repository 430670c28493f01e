"""The rule catalogue: one rule per module, in one sub-package per family (signatures, syntax,
semantics, trace), found by walking the families (never a hand-kept list)."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from typing import Dict, FrozenSet, Optional, Tuple, Type

from tslint.findings import Mode
from tslint.index.facts import NO_FACTS, FactExtractors
from tslint.rule import Rule


@functools.cache
def find_rules(modes: Optional[FrozenSet[Mode]] = None) -> Tuple[Type[Rule], ...]:
    """The rules (of the families of `modes`, all when None): a family declares the mode of all
    its rules (`MODE` in its `__init__`), so that a run imports only the rules it can run."""
    found: Dict[str, Type[Rule]] = {}
    for family in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        if not family.ispkg:
            if not family.name.rsplit(".", 1)[-1].startswith("_"):
                raise RuntimeError(f"{family.name}: a rule module belongs in a family (a sub-package)")
            continue
        mode = importlib.import_module(family.name).MODE
        if modes is not None and mode not in modes:
            continue
        for module_info in pkgutil.walk_packages(importlib.import_module(family.name).__path__, f"{family.name}."):
            if module_info.ispkg or module_info.name.rsplit(".", 1)[-1].startswith("_"):
                continue
            module = importlib.import_module(module_info.name)
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and "code" in vars(value):
                    if value.mode is not mode:
                        raise RuntimeError(f"{value.__name__} ({value.mode}) is in a family of {mode} rules")
                    if found.setdefault(value.code, value) is not value:
                        raise RuntimeError(
                            f"two rules share the code {value.code}: {found[value.code].__name__}, {value.__name__}"
                        )
    return tuple(found[code] for code in sorted(found))


@functools.cache
def fact_extractors() -> FactExtractors:
    """The index facts every family computes for its own rules: each family's `_index_facts.FACTS`
    (tslint/index/facts.py), merged."""
    merged = NO_FACTS
    for family in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        if family.ispkg and importlib.util.find_spec(f"{family.name}._index_facts") is not None:
            merged = merged.merged(importlib.import_module(f"{family.name}._index_facts").FACTS)
    return merged
