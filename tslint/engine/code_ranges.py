"""The code ranges of chosen nodes, by libcst's code generation with a state of our own.

libcst's PositionProvider generates the code of a module with a PositionProvidingCodegenState: each
node's range is written to the provider at the end of the node's generation (or of its
`record_syntactic_position` block), from a stack of starts. That state also keeps every token, builds
two position objects and a range object per node, keys its table on the nodes (whose `__hash__` is a
Python function) and runs a generator-based context manager per syntactic position. `PositionState`
computes the same ranges — the same rule of which write wins, the same starts and ends hoisted from
child nodes — keyed by `id`, from plain tuples, without keeping tokens, and stops the generation once
each wanted node has its range (a node's range is final once written, nodes are generated in source
order). Anything it does not line up with (a state method libcst added) raises AttributeError or
TypeError: the ranges are then computed by libcst's own PositionProvider.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Collection, Dict, Iterable, Optional, Tuple

import libcst as cst

if TYPE_CHECKING:
    from libcst.metadata import CodeRange

_NEWLINE = re.compile(r"\r\n?|\n")  # libcst's NEWLINE_RE

Point = Tuple[int, int]


class _Done(Exception):
    """Every wanted node has its range (or its start): the code generation stops."""


class _Span:
    """What `record_syntactic_position` returns: on leaving, the node's range is written over what
    its children wrote; `start_node` / `end_node` hoist the start / end of a child's range."""

    __slots__ = ("state", "key", "start", "start_node", "end_node")

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, value, traceback) -> bool:
        if kind is not None:  # the generation is stopping (_Done) or failed: nothing to record
            return False
        state = self.state
        ranges = state.ranges
        start = self.start if self.start_node is None else ranges[id(self.start_node)][0]
        end = (state.line, state.column) if self.end_node is None else ranges[id(self.end_node)][1]
        key = self.key
        ranges[key] = (start, end)
        if key in state.left:
            state.reached(key)
        return False


class PositionState:
    """A code generation state for libcst's `_codegen` that records where nodes start and end (lines
    from 1, columns from 0), as PositionProvidingCodegenState does, tokens not kept. Generation stops
    (raising _Done) once every node of `wanted` has its range and every node of `starts` its start."""

    def __init__(
        self,
        default_indent: str,
        default_newline: str,
        wanted: Iterable[cst.CSTNode],
        starts: Collection[cst.CSTNode] = (),
        anchor: Optional[cst.CSTNode] = None,
    ) -> None:
        self.default_indent = default_indent
        self.default_newline = default_newline
        self.indent_tokens: list = []
        self.tokens: list = []  # never filled: read by Module's generation, only for its last newline
        self.line = 1
        self.column = 0
        self.ranges: Dict[int, Tuple[Point, Point]] = {}  # by id(node)
        self.starts: Dict[int, Point] = {}  # by id(node), of the nodes of `starts` reached
        self.left = {id(node) for node in wanted} | {id(node) for node in starts}
        self.start_only = {id(node) for node in starts}
        self.done = not self.left
        self.anchor = anchor
        self.anchor_line = 0  # the line where the generation of `anchor` starts
        self._stack: list = []

    def reached(self, key: int) -> None:
        left = self.left
        left.discard(key)
        if not left:
            self.done = True
            raise _Done

    def increase_indent(self, value: str) -> None:
        self.indent_tokens.append(value)

    def decrease_indent(self) -> None:
        self.indent_tokens.pop()

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = _NEWLINE.split(value)
            if len(segments) > 1:
                self.line += len(segments) - 1
                self.column = len(segments[-1])
                return
        self.column += len(value)

    def pop_trailing_newline(self) -> None:
        return None  # at the very end of a module, after every position

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column))
        if node is self.anchor:
            self.anchor_line = self.line

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        key = id(node)
        ranges = self.ranges
        if key not in ranges:  # a syntactic position recorded inside the node's generation stands
            ranges[key] = (start, (self.line, self.column))
            if key in self.left:
                self.reached(key)

    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> _Span:
        key = id(node)
        span = _Span()
        span.state, span.key, span.start_node, span.end_node = self, key, start_node, end_node
        span.start = (self.line, self.column)
        if start_node is None and key in self.start_only and key in self.left:
            self.starts[key] = span.start
            self.reached(key)
        return span


def code_ranges(
    module: cst.Module,
    wanted: Collection[cst.CSTNode],
    starts: Collection[cst.CSTNode] = (),
    anchor: Optional[cst.CSTNode] = None,
    statement: Optional[cst.CSTNode] = None,
    inner: Optional[Tuple[Tuple[str, ...], bool]] = None,
) -> Tuple[Dict[cst.CSTNode, CodeRange], Optional[int]]:
    """The ranges of the nodes `wanted` and `starts` (of these, only the start is sure: the range may
    end where it starts), generating `module` only as far as needed; with the first line of `anchor`
    (None without one), from the line where its generation starts and its leading lines (one line
    each). With `inner` (the indents of the blocks around `statement` in `module`, whether it is an
    `elif`), `statement` alone is generated, not `module`."""
    from libcst.metadata import CodeRange

    state = PositionState(module.default_indent, module.default_newline, wanted, starts, anchor)
    try:
        try:
            if inner is None:
                module._codegen(state)  # type: ignore[arg-type]
            else:
                state.indent_tokens = list(inner[0])
                if inner[1]:
                    statement._codegen(state, is_elif=True)  # type: ignore[union-attr, arg-type]
                else:
                    statement._codegen(state)  # type: ignore[union-attr, arg-type]
        except Exception:
            if not state.done:  # _Done, or an error raised after it as the generation unwinds
                raise
    except (AttributeError, TypeError):  # libcst's generation asks what this state does not offer
        return _by_libcst(module, [*wanted, *starts], anchor)
    found: Dict[cst.CSTNode, CodeRange] = {}
    for node in wanted:
        span = state.ranges.get(id(node))
        if span is not None:
            found[node] = CodeRange(span[0], span[1])
    for node in starts:
        start = state.starts.get(id(node))
        span = state.ranges.get(id(node)) if start is None else (start, start)
        if span is not None:
            found[node] = CodeRange(span[0], span[1])
    anchor_line = state.anchor_line + len(anchor.leading_lines) if anchor is not None else None  # type: ignore[attr-defined]
    return found, anchor_line


def _by_libcst(module: cst.Module, wanted, anchor) -> Tuple[Dict[cst.CSTNode, CodeRange], Optional[int]]:
    """The ranges from libcst's PositionProvider over the whole module."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {node: positions[node] for node in wanted if node in positions}, (
        positions[anchor].start.line if anchor is not None else None
    )
