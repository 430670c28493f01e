"""The rule catalogue: one rule per module, found by walking this package (never a hand-kept list)."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Dict, Tuple, Type

from tslint.rule import Rule


@functools.lru_cache(maxsize=None)
def find_rules() -> Tuple[Type[Rule], ...]:
    found: Dict[str, Type[Rule]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and "code" in vars(value):
                if found.setdefault(value.code, value) is not value:
                    raise RuntimeError(f"two rules share the code {value.code}: {found[value.code].__name__}, {value.__name__}")
    return tuple(found[code] for code in sorted(found))
