"""Source positions of reported nodes, computed only where needed.

libcst's PositionProvider generates the code of the whole module to find any position. Instead, this
generates only the top-level statements that hold reported nodes, and anchors each one with the line
number Python's own (C-speed) `ast` gives for it. Top-level statements start at column 0, so columns
need no correction. If anything does not line up, it falls back to the whole-module provider.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    """First lines (decorators included) by Python's `ast`: of the module's statements, and of the
    members of each top-level class, by the class's index in the module."""

    top: Tuple[int, ...]
    members: Mapping[int, Tuple[int, ...]]


def _libcst_statement_rows(statements: Sequence[cst.CSTNode], python_rows: Optional[Sequence[int]]) -> Optional[List[int]]:
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


def _code_ranges(module: cst.Module) -> Dict[cst.CSTNode, "CodeRange"]:
    """Every node's range, by the code generation PositionProvider runs — without the visitor pass
    MetadataWrapper adds around it (which cost as much again). Falls back to the wrapper if libcst's
    internals ever differ."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        from libcst.metadata.position_provider import PositionProvidingCodegenState

        provider = PositionProvider()
        state = PositionProvidingCodegenState(
            default_indent=module.default_indent, default_newline=module.default_newline, provider=provider
        )
        module._codegen(state)
        return provider._computed
    except (ImportError, AttributeError, TypeError):
        return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


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
) -> Dict[cst.CSTNode, "CodeRange"]:
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
        positions = _code_ranges(module)
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
        for part, first_row, nodes_of_part in _parts(statement, group, rows[index], python_rows, index, functions):
            alone = cst.Module(body=[part], default_indent=module.default_indent, default_newline=module.default_newline)
            positions = _code_ranges(alone)
            shift = first_row - _first_generated_line(part, statement, positions)
            for node in nodes_of_part:
                span = positions[node]
                result[node] = CodeRange((span.start.line + shift, span.start.column), (span.end.line + shift, span.end.column))
    return result


def _parts(statement, group, row, python_rows, index, functions):
    """What to generate for the nodes `group` of one top-level statement: (the statement or a
    one-method copy of its class, the first line of what anchors it, its nodes). A node inside a
    method of a top-level class gets a copy of the class holding that method alone, so a large class
    is not generated whole for one finding in it."""
    member_rows = None
    if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock) and python_rows:
        member_rows = _libcst_statement_rows(statement.body.body, python_rows.members.get(index))
    if member_rows is None:
        return [(statement, row, group)]
    position = {id(member): i for i, member in enumerate(statement.body.body)}
    by_member: Dict[int, List[cst.CSTNode]] = {}
    whole: List[cst.CSTNode] = []
    for node in group:
        member = position.get(id(functions.get(node)))
        (whole if member is None else by_member.setdefault(member, [])).append(node)
    parts = [(statement, row, whole)] if whole else []
    for member, nodes in by_member.items():
        method = statement.body.body[member]
        copy = statement.with_changes(body=statement.body.with_changes(body=[method]))
        parts.append((copy, member_rows[member], nodes))
    return parts


def _first_generated_line(part: cst.CSTNode, statement: cst.CSTNode, positions) -> int:
    """The line, in `part` generated alone, that Python's first line of the anchor refers to: the
    statement's first line, or for a one-method class copy, the method's first decorator or `def`."""
    if part is statement:
        return 1 + len(statement.leading_lines)
    method = part.body.body[0]
    decorators = getattr(method, "decorators", ())
    return positions[decorators[0] if decorators else method].start.line
