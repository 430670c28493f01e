"""Answers about one syntax node that several analyses ask of the same node while one file's rules
run (`names_bound_in` of a function's body: the names analysis, the local names, the typed
parameters and the guards' known types each walked the body again), kept for that file only.

The engine opens `per_file()` around the rules of a file; outside one, a memoised function just
runs. Only for pure functions of one node whose answer is immutable (a frozenset, a tuple): every
caller gets the same object.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Callable, Dict, Iterator, Optional, Tuple, TypeVar

Answer = TypeVar("Answer")

# Per thread (the language server indexes in a thread of its own): `memo`, (the function, id of the
# node) -> (the node, the answer), None outside `per_file()`. The node is kept so that its id cannot
# be reused by another node while the memo lives.
_local = threading.local()
Memo = Optional[Dict[Tuple[object, int], Tuple[object, object]]]


@contextlib.contextmanager
def per_file() -> Iterator[None]:
    """Memoise the answers of `memoised` functions until the block ends (one file's rules)."""
    saved: Memo = getattr(_local, "memo", None)
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = saved


def memoised(function: Callable[[object], Answer]) -> Callable[[object], Answer]:
    """`function(node)`, computed once per node within `per_file()`."""

    @functools.wraps(function)
    def answer(node: object) -> Answer:
        memo: Memo = getattr(_local, "memo", None)
        if memo is None:
            return function(node)
        key = (function, id(node))
        found = memo.get(key)
        if found is not None and found[0] is node:
            return found[1]  # type: ignore[return-value]
        value = function(node)
        memo[key] = (node, value)
        return value

    return answer
