"""One object for equal values across many files' indexes, in the process that holds them all.

A worker of a large run (tslint/engine/workers.py) holds the summaries of every file phase 2 needs
(all of site-packages: ~4,000 files, each unpickled on its own): every file has its own copy of
`"torch.nn.Module"`, of `CallSite(FUNCTION, "torch.cat")`, of each empty frozenset. A `Compactor`
walks each summary as it arrives and makes equal strings one object, and equal tuples, frozensets
and frozen dataclasses one object when they hold only strings, None, enum members and such values
(never numbers or bools: `(1,) == (True,)`, and one may not stand for the other). Dataclass
instances are updated in place (their values stay equal), so nothing a summary means changes. On
274 files of torch/nn, jit, distributions and ao/nn, the objects a summary reaches took 7.2 MB, 4.6
after (`sys.getsizeof` over the objects reached).
"""

from __future__ import annotations

import dataclasses
import enum
import sys
from typing import Any, Dict, Tuple

_PLAIN = (int, float, complex, bool, bytes, type(None))
# `@dataclass(frozen=True, **SLOTS)` for the index's classes, of which a project holds hundreds of
# thousands: no `__dict__` per instance where Python has `slots` (3.10).
SLOTS = {"slots": True} if sys.version_info >= (3, 10) else {}


class Compactor:
    """Shares equal values across what `compact` is given (see the module)."""

    def __init__(self) -> None:
        self._strings: Dict[str, str] = {}
        self._tables: Dict[type, dict] = {}  # per type: `(1,) == CallSite(1)` must not share
        self._fields: Dict[type, Tuple[Tuple[str, ...], bool]] = {}  # a dataclass's fields, frozen

    def compact(self, value: Any) -> Any:
        """`value`, or an equal value made of shared parts."""
        return self._value(value)[0]

    def _value(self, value: Any) -> Tuple[Any, bool]:
        """(the compacted value, whether it may be shared: immutable, and equal only to its kind)."""
        kind = type(value)
        if kind is str:
            return self._strings.setdefault(value, value), True
        if value is None or isinstance(value, enum.Enum):
            return value, True
        if kind in _PLAIN:
            return value, False
        if kind is tuple or (issubclass(kind, tuple) and hasattr(kind, "_fields")):
            items, shareable = self._items(value)
            made = items if kind is tuple else kind._make(items)
            return (self._shared(kind, made), True) if shareable else (made, False)
        if kind is frozenset:
            items, shareable = self._items(value)
            made = frozenset(items)
            return (self._shared(kind, made), True) if shareable else (made, False)
        if kind is dict:
            strings = self._strings
            return {strings.setdefault(k, k) if type(k) is str else k: self.compact(v) for k, v in value.items()}, False
        fields = self._fields.get(kind)
        if fields is None:
            fields = self._fields[kind] = _dataclass_fields(kind)
        if not fields[0]:
            return value, False
        shareable = fields[1]
        for name in fields[0]:
            new, own = self._value(getattr(value, name))
            object.__setattr__(value, name, new)  # an equal value: frozen instances stay as they were
            shareable = shareable and own
        return (self._shared(kind, value), True) if shareable else (value, False)

    def _items(self, values) -> Tuple[tuple, bool]:
        shareable = True
        items = []
        for item in values:
            new, own = self._value(item)
            items.append(new)
            shareable = shareable and own
        return tuple(items), shareable

    def _shared(self, kind: type, value: Any) -> Any:
        table = self._tables.get(kind)
        if table is None:
            table = self._tables[kind] = {}
        return table.setdefault(value, value)


def _dataclass_fields(kind: type) -> Tuple[Tuple[str, ...], bool]:
    """(the names of a dataclass's fields, whether its instances are frozen); ((), False) for other
    types, which are left as they are."""
    if not dataclasses.is_dataclass(kind):
        return (), False
    frozen = kind.__dataclass_params__.frozen  # type: ignore[attr-defined]
    return tuple(f.name for f in dataclasses.fields(kind)), frozen
