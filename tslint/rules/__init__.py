"""The rule catalogue: one rule per module, in one sub-package per family (signatures, syntax,
semantics, trace), found by walking the families (never a hand-kept list)."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Dict, Tuple, Type

from tslint.rule import Rule


@functools.lru_cache(maxsize=None)
def find_rules() -> Tuple[Type[Rule], ...]:
    found: Dict[str, Type[Rule]] = {}
    for module_info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        if module_info.ispkg or module_info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and "code" in vars(value):
                if found.setdefault(value.code, value) is not value:
                    raise RuntimeError(f"two rules share the code {value.code}: {found[value.code].__name__}, {value.__name__}")
    return tuple(found[code] for code in sorted(found))
