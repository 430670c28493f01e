"""Smaller libcst trees: whitespace nodes shared, names' strings interned, as libcst's parser builds them.

A run keeps the trees of the files with compiled code between its two phases, and they were most of
its memory (bench/RESULTS.md, "Memory at -j 1"). libcst's native parser builds every node by calling
the class it finds on the `libcst` package at that moment, so while `parse_module` runs this module
puts factories there for three node classes:

- `SimpleWhitespace` and `Newline`: a third of a tree's nodes, with a few dozen distinct values over
  a whole corpus. Equal ones are one shared node. Nodes are immutable; tslint never asks for a
  whitespace node's position or parent, edits no whitespace node in place, and reports none.
- `Name`: its value is interned (`self` and `x` are one string each, not one per occurrence).

And it builds them without libcst's validation: every node's `__post_init__` runs `_validate`, checks
meant for trees a program builds (balanced parentheses, identifiers, whitespace around keywords),
which the parser's nodes pass by construction; it was ~15 % of the parse (libcst's own comment on
`CSTNode.__post_init__` says validation could move out of the parse). Where libcst's parser builds
a node its validation rejects (`() if 0 else(lambda:())`, valid Python: a TypeError inside
`IfExp._validate`), the file is now parsed instead of reported as one the parser failed on.

On the model libraries of bench/speed.py this took the trees of all 658 files from 193 to 117 MB,
and the parse got faster (fewer nodes built). The trees are otherwise the parser's: `module.code`
is the source, byte for byte.

The factories stand on the `libcst` package only for the parse, and only when this is the process's
one thread (the language server reads stdin in a second thread): code that runs meanwhile would
see `libcst.Name` as a function, and `isinstance(node, cst.Name)` fail. Elsewhere, or with several
threads, the parse is libcst's own.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Dict, Iterator

import libcst
from libcst._nodes.base import CSTNode
from libcst._nodes.expression import Name
from libcst._nodes.whitespace import Newline, SimpleWhitespace

_SHARED_WHITESPACE: Dict[str, SimpleWhitespace] = {}
_SHARED_NEWLINES: Dict[object, Newline] = {}


def _simple_whitespace(value: str) -> SimpleWhitespace:
    node = _SHARED_WHITESPACE.get(value)
    if node is None:
        node = _SHARED_WHITESPACE[value] = SimpleWhitespace(value)
    return node


def _newline(value=None) -> Newline:
    node = _SHARED_NEWLINES.get(value)
    if node is None:
        node = _SHARED_NEWLINES[value] = Newline(value)
    return node


def _name(value: str, *args, **kwargs) -> Name:
    return Name(sys.intern(value), *args, **kwargs)


def _not_validated(self: CSTNode) -> None:
    """`CSTNode.__post_init__` during the parse: no `_validate` (see the module's docstring)."""


_VALIDATED = CSTNode.__dict__["__post_init__"]
_FACTORIES = {"SimpleWhitespace": _simple_whitespace, "Newline": _newline, "Name": _name}
_REAL = {"SimpleWhitespace": SimpleWhitespace, "Newline": Newline, "Name": Name}


@contextlib.contextmanager
def compact_parse() -> Iterator[None]:
    """Around a `libcst.parse_module` call: the tree it builds shares its whitespace nodes."""
    replaced = any(getattr(libcst, name) is not real for name, real in _REAL.items())
    if threading.active_count() != 1 or replaced or CSTNode.__dict__["__post_init__"] is not _VALIDATED:
        yield  # another thread could see the factories, or someone else replaced these names
        return
    try:
        for name, factory in _FACTORIES.items():
            setattr(libcst, name, factory)
        CSTNode.__post_init__ = _not_validated  # type: ignore[method-assign]
        yield
    finally:
        CSTNode.__post_init__ = _VALIDATED  # type: ignore[method-assign]
        for name, real in _REAL.items():
            setattr(libcst, name, real)
