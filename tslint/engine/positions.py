"""Source positions of reported nodes, computed only where needed.

libcst's PositionProvider generates the code of the whole module to find any position. Instead, this
generates only the top-level statements that hold reported nodes, and anchors each one with the line
number Python's own (C-speed) `ast` gives for it. Top-level statements start at column 0, so columns
need no correction. Inside a top-level function or a method of a top-level class, it generates a copy
of the function (and its class) holding only the body statement with the node: the copy keeps every
enclosing indentation, so columns stay right, and generating a large method whole for one finding in
it was a fifth of a lint of model-library code. If anything does not line up, it falls back to
generating more (the whole statement, then the whole module).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.traversal import children

if TYPE_CHECKING:
    from libcst.metadata import CodeRange


# Beyond this many reported nodes in one file, generating each statement on its own costs more than
# generating the module once.
_PER_STATEMENT_LIMIT = 200


@dataclass(frozen=True)
class StatementRows:
    """First lines (decorators included) by Python's `ast`: of the module's statements; of the
    members of each top-level class, by the class's first line; of the body statements of each
    top-level function and each method of a top-level class, by the function's first line."""

    top: Tuple[int, ...]
    members: Mapping[int, Tuple[int, ...]]
    bodies: Mapping[int, Tuple[int, ...]] = field(default_factory=dict)


def _libcst_statement_rows(
    statements: Sequence[cst.CSTNode], python_rows: Optional[Sequence[int]]
) -> Optional[List[int]]:
    """The first line of each of libcst's `statements`, from the first lines of Python's own
    statements (a libcst line `a = 1; b = 2` holds two of Python's statements)."""
    if python_rows is None:
        return None
    rows: List[int] = []
    position = 0
    for statement in statements:
        if position >= len(python_rows):
            return None
        rows.append(python_rows[position])
        position += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return rows if position == len(python_rows) else None


def _code_ranges(
    module: cst.Module, wanted: Optional[Iterable[cst.CSTNode]] = None, anchor: Optional[cst.CSTNode] = None
) -> Tuple[Dict[cst.CSTNode, CodeRange], Optional[int]]:
    """The ranges of the nodes `wanted` (None: of every node), by the code generation
    PositionProvider runs — without the visitor pass MetadataWrapper adds around it (which cost as
    much again) — stopped as soon as each wanted node has its range: a node's range is final once
    written, nodes are generated in source order, so on average half a statement is generated for a
    node in it. With the first line of `anchor` (None without one), from the line where its code
    generation starts and its leading lines (one line each). Falls back to the wrapper, all nodes,
    if libcst's internals ever differ."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        from libcst.metadata.position_provider import PositionProvidingCodegenState

        provider = PositionProvider()
        fast = _fast_state(PositionProvidingCodegenState)
        state_type = _anchored_state(fast) if anchor is not None else fast
        state = state_type(
            default_indent=module.default_indent, default_newline=module.default_newline, provider=provider
        )
        if anchor is not None:
            state.anchor = anchor
        if wanted is not None:
            provider._computed = _Recorded(wanted)
        try:
            module._codegen(state)
        except Exception:
            # Raised once every wanted node has its range (_Done), or, after that, by a `finally` of
            # the code generation as it unwinds (it reads ranges of nodes not generated yet).
            if not getattr(provider._computed, "done", False):
                raise
        anchor_line = state.anchor_line + len(anchor.leading_lines) if anchor is not None else None
        return provider._computed, anchor_line
    except (ImportError, AttributeError, TypeError):
        positions = dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
        return positions, positions[anchor].start.line if anchor is not None else None


class _Done(Exception):
    """Every wanted node has its range: the code generation stops."""


class _Recorded(dict):
    """The provider's ranges, which raises _Done when the last of the wanted nodes gets its own.
    libcst writes a node's range once (PositionProvidingCodegenState.after_codegen does not
    overwrite what record_syntactic_position wrote)."""

    def __init__(self, wanted: Iterable[cst.CSTNode]) -> None:
        super().__init__()
        self.left = set(wanted)
        self.done = not self.left

    def __setitem__(self, node, value) -> None:
        super().__setitem__(node, value)
        if not self.done and node in self.left:
            self.left.discard(node)
            if not self.left:
                self.done = True
                raise _Done


_FAST: Dict[type, type] = {}


def _fast_state(base: type) -> type:
    """The code generation state, counting columns without libcst's regular expression for a token
    that holds no line break (most tokens)."""
    found = _FAST.get(base)
    if found is None:

        class Fast(base):  # type: ignore[misc, valid-type]
            def _update_position(self, value: str) -> None:
                if "\n" in value or "\r" in value:
                    super()._update_position(value)
                else:
                    self.column += len(value)

        found = _FAST[base] = Fast
    return found


_ANCHORED: Dict[type, type] = {}


def _anchored_state(base: type) -> type:
    """The code generation state, noting the line where the generation of its `anchor` starts."""
    found = _ANCHORED.get(base)
    if found is None:

        class Anchored(base):  # type: ignore[misc, valid-type]
            anchor: Optional[cst.CSTNode] = None
            anchor_line = 0

            def before_codegen(self, node: cst.CSTNode) -> None:
                if node is self.anchor:
                    self.anchor_line = self.line
                super().before_codegen(node)

        found = _ANCHORED[base] = Anchored
    return found


def _members(root: cst.CSTNode, targets: set) -> List[cst.CSTNode]:
    """The nodes of `targets` found in the tree under `root`."""
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node in targets:
            found.append(node)
        stack.extend(children(node))
    return found


def resolve_positions(
    module: cst.Module,
    python_rows: Optional[StatementRows],
    nodes: Iterable[cst.CSTNode],
    anchors: Mapping[cst.CSTNode, int],
    functions: Mapping[cst.CSTNode, cst.CSTNode],
) -> Dict[cst.CSTNode, CodeRange]:
    """Code ranges of `nodes`. `python_rows` are the first lines of the module's statements (and
    class members) as Python's `ast` numbers them; `anchors` maps a node to the index in
    `module.body` of the top-level statement that holds it (nodes without an anchor are searched
    for); `functions` maps a node to the function that holds it: when that is a method of a
    top-level class, only the method is generated, not the whole class."""
    # Imported here: libcst.metadata is a noticeable part of start-up, and clean files never need it.
    from libcst.metadata import CodeRange

    wanted = list(nodes)
    rows = _libcst_statement_rows(module.body, python_rows.top if python_rows else None)
    if rows is None or len(wanted) > _PER_STATEMENT_LIMIT:
        positions, _ = _code_ranges(module, wanted)
        return {node: positions[node] for node in wanted if node in positions}
    by_statement: Dict[int, List[cst.CSTNode]] = {}
    unanchored = [node for node in wanted if node not in anchors]
    for node in wanted:
        if node in anchors:
            by_statement.setdefault(anchors[node], []).append(node)
    remaining = set(unanchored)
    for index, statement in enumerate(module.body):
        if not remaining:
            break
        found = _members(statement, remaining)
        if found:
            by_statement.setdefault(index, []).extend(found)
            remaining.difference_update(found)
    result: Dict[cst.CSTNode, CodeRange] = {}
    for index, group in by_statement.items():
        statement = module.body[index]
        for part, first_row, anchor, nodes_of_part in _parts(statement, group, rows[index], python_rows, functions):
            alone = cst.Module(
                body=[part], default_indent=module.default_indent, default_newline=module.default_newline
            )
            decorators = getattr(anchor, "decorators", ())
            if decorators:  # Python's first line of a decorated definition is its first decorator's
                positions, _ = _code_ranges(alone, [*nodes_of_part, decorators[0]])
                anchor_line = positions[decorators[0]].start.line
            else:  # the anchor's own first line (a top-level statement: the part itself)
                positions, anchor_line = _code_ranges(alone, nodes_of_part, anchor or part)
            shift = first_row - anchor_line
            for node in nodes_of_part:
                span = positions.get(node)
                if span is None:  # not in this tree (a fix's replacement node): no position
                    continue
                result[node] = CodeRange(
                    (span.start.line + shift, span.start.column), (span.end.line + shift, span.end.column)
                )
    return result


def _parts(statement, group, row, python_rows, functions):
    """What to generate for the nodes `group` of one top-level statement: (the statement or a copy of
    it, the first line of what anchors it, that node (None: the statement), its nodes). A node
    inside a method of a top-level class gets a copy of the class holding that method alone, so a
    large class is not generated whole for one finding in it; see _body_parts for the next level."""
    if isinstance(statement, cst.FunctionDef):
        return _body_parts(statement, group, row, python_rows, lambda function: function, True)
    member_rows = None
    if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock) and python_rows:
        member_rows = _libcst_statement_rows(statement.body.body, python_rows.members.get(row))
    if member_rows is None:
        return [(statement, row, None, group)]
    position = {id(member): i for i, member in enumerate(statement.body.body)}
    by_member: Dict[int, List[cst.CSTNode]] = {}
    whole: List[cst.CSTNode] = []
    for node in group:
        member = position.get(id(functions.get(node)))
        (whole if member is None else by_member.setdefault(member, [])).append(node)
    parts = [(statement, row, None, whole)] if whole else []
    for member, nodes in by_member.items():

        def in_class(method, statement=statement):
            return statement.with_changes(body=statement.body.with_changes(body=[method]))

        parts.extend(_body_parts(statement.body.body[member], nodes, member_rows[member], python_rows, in_class, False))
    return parts


def _body_parts(function, group, row, python_rows, wrap, top_level):
    """The parts for the nodes `group` of `function` (first line `row`), as `wrap` places a function
    where it is (in a one-method copy of its class, or at the top): for the nodes in a statement of
    its body, a copy of the function holding that statement alone; for the others (its decorators,
    parameters, annotations), the function whole."""
    whole_anchor = None if top_level else function
    body = function.body
    body_rows = None
    if isinstance(body, cst.IndentedBlock) and python_rows is not None:
        body_rows = _libcst_statement_rows(body.body, python_rows.bodies.get(row))
    if body_rows is None:
        return [(wrap(function), row, whole_anchor, group)]
    where = _statement_of(body.body, group)
    by_statement: Dict[int, List[cst.CSTNode]] = {}
    whole: List[cst.CSTNode] = []
    for node in group:
        index = where.get(node)
        (whole if index is None else by_statement.setdefault(index, [])).append(node)
    parts = [(wrap(function), row, whole_anchor, whole)] if whole else []
    for index, nodes in by_statement.items():
        inner = body.body[index]
        copy = wrap(function.with_changes(body=body.with_changes(body=[inner])))
        parts.append((copy, body_rows[index], inner, nodes))
    return parts


def _statement_of(statements: Sequence[cst.CSTNode], nodes: Iterable[cst.CSTNode]) -> Dict[cst.CSTNode, int]:
    """The index of the statement of `statements` under which each of `nodes` lies (if any does)."""
    remaining = set(nodes)
    found: Dict[cst.CSTNode, int] = {}
    for index, statement in enumerate(statements):
        if not remaining:
            break
        for node in _members(statement, remaining):
            found[node] = index
        remaining.difference_update(found)
    return found
