"""What the partial evaluation of an `__init__` with its defaults (analysis/default_construction.py)
knows of a value that is not a constant, but whose kind decides how torch types it."""

from __future__ import annotations


class Held:
    """A value torch types by what it is (TS367): an empty list or dict display (`"list"`, `"dict"`),
    or the instance a call of a name builds (`"instance:<qualified callee>"`)."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Held) and other.what == self.what

    def __hash__(self) -> int:
        return hash(self.what)

    def __bool__(self) -> bool:
        return not self.what.startswith(("list", "dict"))  # an instance: read through `truth`

    @property
    def container(self) -> bool:
        return self.what in ("list", "dict")
