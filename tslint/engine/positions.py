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

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Collection, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.traversal import LEAF_TYPES, child_fields, child_fields_table, children
from tslint.engine.code_ranges import code_ranges

if TYPE_CHECKING:
    from libcst.metadata import CodeRange


@dataclass(frozen=True)
class StatementRows:
    """First lines (decorators included) by Python's `ast`: of the module's statements; of the
    members of each top-level class, by the class's first line; of the body statements of each
    top-level function and each method of a top-level class, by the function's first line."""

    top: Tuple[int, ...]
    members: Mapping[int, Tuple[int, ...]]
    bodies: Mapping[int, Tuple[int, ...]] = field(default_factory=dict)
    # By the first line of each compound statement: the first lines of the statements of each of its
    # blocks, in libcst's order (`_suites`); an `elif` is its `if`'s `else` block, of one statement.
    blocks: Mapping[int, Tuple[Tuple[int, ...], ...]] = field(default_factory=dict)


def nested_blocks(statements: Sequence[ast.stmt]) -> Dict[int, Tuple[Tuple[int, ...], ...]]:
    """`StatementRows.blocks` of the compound statements in `statements`, at any depth."""
    found: Dict[int, Tuple[Tuple[int, ...], ...]] = {}
    stack = list(statements)
    blocks_of = _AST_BLOCKS
    while stack:
        node = stack.pop()
        of = blocks_of.get(type(node))
        if of is None:  # a simple statement (most are): a table read, not a chain of isinstance
            continue
        blocks = of(node)
        found[first_row(node)] = tuple(first_rows(block) for block in blocks)
        for block in blocks:
            stack.extend(block)
    return found


def _try_blocks(node) -> Tuple[Sequence[ast.stmt], ...]:
    return (node.body, *(handler.body for handler in node.handlers), node.orelse, node.finalbody)


# By type of compound statement in Python's tree: its blocks, in the order of `_suites`.
_AST_BLOCKS: Dict[type, Callable[[Any], Tuple[Sequence[ast.stmt], ...]]] = {
    **dict.fromkeys((ast.If, ast.For, ast.AsyncFor, ast.While), lambda node: (node.body, node.orelse)),
    **dict.fromkeys(
        (ast.With, ast.AsyncWith, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef), lambda node: (node.body,)
    ),
    **dict.fromkeys((ast.Try, getattr(ast, "TryStar", ast.Try)), _try_blocks),
    **({ast.Match: lambda node: tuple(case.body for case in node.cases)} if hasattr(ast, "Match") else {}),
}


def first_row(node: ast.stmt) -> int:
    """The first line of a statement of Python's tree, its decorators included."""
    decorators = getattr(node, "decorator_list", None)
    return min(node.lineno, *(decorator.lineno for decorator in decorators)) if decorators else node.lineno


def first_rows(statements: Sequence[ast.stmt]) -> Tuple[int, ...]:
    """The first line of each statement, decorators included."""
    return tuple(first_row(node) for node in statements)


def _suites(statement: cst.CSTNode) -> Optional[List[Optional[cst.CSTNode]]]:
    """The blocks of a compound statement in the order of `_ast_blocks` (None: a block it does not
    have); an `elif` stands for its `else` block."""
    kind = type(statement)
    if kind is cst.If:
        orelse = statement.orelse  # type: ignore[attr-defined]
        return [statement.body, orelse if type(orelse) is cst.If or orelse is None else orelse.body]  # type: ignore[attr-defined]
    if kind is cst.For or kind is cst.While:
        orelse = statement.orelse  # type: ignore[attr-defined]
        return [statement.body, None if orelse is None else orelse.body]  # type: ignore[attr-defined]
    if kind is cst.With or kind is cst.FunctionDef or kind is cst.ClassDef:
        return [statement.body]  # type: ignore[attr-defined]
    if kind is cst.Try or kind is cst.TryStar:
        orelse, final = statement.orelse, statement.finalbody  # type: ignore[attr-defined]
        handlers = [handler.body for handler in statement.handlers]  # type: ignore[attr-defined]
        return [statement.body, *handlers, orelse and orelse.body, final and final.body]  # type: ignore[attr-defined]
    if kind is cst.Match:
        return [case.body for case in statement.cases]  # type: ignore[attr-defined]
    return None


def spans_lines(node: cst.CSTNode) -> bool:
    """Whether libcst's range of `node` surely ends on a later line than it starts: a compound
    statement whose body is an indented block (whose statements follow the header's line break)."""
    return isinstance(node, cst.BaseCompoundStatement) and type(getattr(node, "body", None)) is cst.IndentedBlock


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


def _members(root: cst.CSTNode, targets: set, owners: Mapping[int, cst.CSTNode]) -> List[Tuple[cst.CSTNode, Any]]:
    """The nodes of `targets` found in the tree under `root`, each with the innermost of `owners`
    (by id) holding it (None: none)."""
    found = []
    stack: List[Tuple[cst.CSTNode, Any]] = [(root, owners.get(id(root)))]
    while stack and len(found) < len(targets):
        node, owner = stack.pop()
        if node in targets:
            found.append((node, owner))
        for child in children(node):
            stack.append((child, owners.get(id(child), owner)))
    return found


def _search(module, remaining, by_statement, functions):
    """Find the nodes `remaining` in the module's statements, adding each to the group of its
    top-level statement in `by_statement`; returns `functions` with each node found in a top-level
    function or a method of a top-level class mapped to it, so that only that function is generated
    (a fix may edit a node outside the reporting function: a class-level constant)."""
    functions = dict(functions)
    for index, statement in enumerate(module.body):
        if not remaining:
            break
        owners = {id(statement): statement} if isinstance(statement, cst.FunctionDef) else {}
        if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            owners = {id(member): member for member in statement.body.body if isinstance(member, cst.FunctionDef)}
        found = _members(statement, remaining, owners)
        for node, owner in found:
            by_statement.setdefault(index, []).append(node)
            remaining.discard(node)
            if owner is not None:
                functions[node] = owner
    return functions


def resolve_positions(
    module: cst.Module,
    python_rows: Optional[StatementRows],
    nodes: Iterable[cst.CSTNode],
    anchors: Mapping[cst.CSTNode, int],
    functions: Mapping[cst.CSTNode, cst.CSTNode],
    starts: Collection[cst.CSTNode] = (),
) -> Dict[cst.CSTNode, CodeRange]:
    """Code ranges of `nodes`. `python_rows` are the first lines of the module's statements (and
    class members) as Python's `ast` numbers them; `anchors` maps a node to the index in
    `module.body` of the top-level statement that holds it (nodes without an anchor are searched
    for); `functions` maps a node to the function that holds it: when that is a method of a
    top-level class, only the method is generated, not the whole class. Of the nodes also in
    `starts`, only the start is sure (the range may end where it starts): a compound statement's
    start is known before its body is generated."""
    # Imported here: libcst.metadata is a noticeable part of start-up, and clean files never need it.
    from libcst.metadata import CodeRange

    wanted = list(nodes)
    starts = set(starts)
    rows = _libcst_statement_rows(module.body, python_rows.top if python_rows else None)
    if rows is None:
        return code_ranges(module, [node for node in wanted if node not in starts], starts)[0]
    by_statement: Dict[int, List[cst.CSTNode]] = {}
    unanchored = [node for node in wanted if node not in anchors]
    for node in wanted:
        if node in anchors:
            by_statement.setdefault(anchors[node], []).append(node)
    if unanchored:
        functions = _search(module, set(unanchored), by_statement, functions)
    result: Dict[cst.CSTNode, CodeRange] = {}
    for index, group in by_statement.items():
        statement = module.body[index]
        parts = _parts(statement, group, rows[index], python_rows, functions, module.default_indent)
        for part, first_row, anchor, nodes_of_part, inner in parts:
            if inner is None:  # a top-level statement, or a copy of one
                alone = cst.Module(
                    body=[part], default_indent=module.default_indent, default_newline=module.default_newline
                )
            else:  # a statement of a function's body, generated alone under the indents around it
                alone = module
            full = [node for node in nodes_of_part if node not in starts]
            headers = [node for node in nodes_of_part if node in starts]
            decorators = getattr(anchor, "decorators", ())
            if decorators:  # Python's first line of a decorated definition is its first decorator's
                positions, _ = code_ranges(alone, [*full, decorators[0]], headers, None, part, inner)
                anchor_line = positions[decorators[0]].start.line
            else:  # the anchor's own first line (a top-level statement: the part itself)
                positions, anchor_line = code_ranges(alone, full, headers, anchor or part, part, inner)
            shift = first_row - anchor_line  # type: ignore[operator]
            for node in nodes_of_part:
                span = positions.get(node)
                if span is None:  # not in this tree (a fix's replacement node): no position
                    continue
                result[node] = CodeRange(
                    (span.start.line + shift, span.start.column), (span.end.line + shift, span.end.column)
                )
    return result


def _parts(statement, group, row, python_rows, functions, default):
    """What to generate for the nodes `group` of one top-level statement: (the statement or a copy of
    it, the first line of what anchors it, that node (None: the statement), its nodes). A node
    inside a method of a top-level class gets a copy of the class holding that method alone, so a
    large class is not generated whole for one finding in it; see _body_parts for the next level."""
    if isinstance(statement, cst.FunctionDef):
        return _body_parts(statement, group, row, python_rows, lambda function: function, True, (), default)
    member_rows = None
    if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock) and python_rows:
        member_rows = _libcst_statement_rows(statement.body.body, python_rows.members.get(row))
    if member_rows is None:
        return [(statement, row, None, group, None)]
    position = {id(member): i for i, member in enumerate(statement.body.body)}
    by_member: Dict[int, List[cst.CSTNode]] = {}
    whole: List[cst.CSTNode] = []
    for node in group:
        member = position.get(id(functions.get(node)))
        (whole if member is None else by_member.setdefault(member, [])).append(node)
    parts = [(statement, row, None, whole, None)] if whole else []
    indents = (indents_of(statement.body, default),)
    for member, nodes in by_member.items():

        def in_class(method, statement=statement):
            return statement.with_changes(body=statement.body.with_changes(body=[method]))

        method = statement.body.body[member]
        parts.extend(_body_parts(method, nodes, member_rows[member], python_rows, in_class, False, indents, default))
    return parts


def _body_parts(function, group, row, python_rows, wrap, top_level, indents, default):
    """The parts for the nodes `group` of `function` (first line `row`), as `wrap` places a function
    where it is (in a one-method copy of its class, or at the top; `indents`: of the blocks around
    it): for the nodes in its body, the innermost statement holding them whose first line Python's
    rows give, generated alone; for the others (its decorators, parameters, annotations), the
    function whole."""
    whole_anchor = None if top_level else function
    body = function.body
    body_rows = None
    if isinstance(body, cst.IndentedBlock) and python_rows is not None:
        body_rows = _libcst_statement_rows(body.body, python_rows.bodies.get(row))
    if body_rows is None:
        return [(wrap(function), row, whole_anchor, group, None)]
    inner = (*indents, indents_of(body, default))
    owners = {id(s): (s, r, inner, False) for s, r in zip(body.body, body_rows)}
    found = _owners(body.body, owners, group, python_rows, default)
    by_owner: Dict[int, List[cst.CSTNode]] = {}
    whole: List[cst.CSTNode] = []
    for node in group:
        owner = found.get(node)
        (whole if owner is None else by_owner.setdefault(id(owner[0]), [])).append(node)
    parts = [(wrap(function), row, whole_anchor, whole, None)] if whole else []
    for nodes in by_owner.values():
        statement, first_row, statement_indents, elif_ = found[nodes[0]]
        parts.append((statement, first_row, statement, nodes, (statement_indents, elif_)))
    return parts


def indents_of(block: cst.IndentedBlock, default: str) -> str:
    return default if block.indent is None else block.indent


def _owners(statements, owners, nodes, python_rows, default) -> Dict[cst.CSTNode, tuple]:
    """For each of `nodes` under `statements` (whose `owners` are given by id: (statement, first
    line, indents of the blocks around it, whether an `elif`)): the owner of the innermost statement
    holding it whose first line Python's rows give (`default`: the module's indent)."""
    remaining = {id(node): node for node in nodes}  # by id: a node's __hash__ is a Python call
    # Leaves (names, operators, literals) hold nothing: only those of the types sought are entered.
    skipped = LEAF_TYPES.difference(type(node) for node in nodes)
    found: Dict[cst.CSTNode, tuple] = {}
    fields = child_fields_table()
    stack = [(statement, owners[id(statement)]) for statement in reversed(statements)]
    while stack and remaining:
        node, owner = stack.pop()
        target = remaining.pop(id(node), None)
        if target is not None:
            found[target] = owner
        if node is owner[0]:
            _own_blocks(owner, owners, python_rows, default)
        kind = type(node)
        for name in fields.get(kind) or child_fields(kind):
            value = getattr(node, name)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    entered = _ENTERED.get(type(child))
                    if entered is None:
                        entered = _entered(type(child))
                    if entered is _INNER or entered is _LEAF and type(child) not in skipped:
                        stack.append((child, owners.get(id(child), owner)))
            else:
                entered = _ENTERED.get(type(value))
                if entered is None:
                    entered = _entered(type(value))
                if entered is _INNER or entered is _LEAF and type(value) not in skipped:
                    stack.append((value, owners.get(id(value), owner)))
    return found


# By type of value met in a walk: whether it is a node holding nodes (_INNER), a leaf node, or no node.
_INNER, _LEAF, _NONE = "inner", "leaf", "none"
_ENTERED: Dict[type, str] = {}


def _entered(kind: type) -> str:
    found = _ENTERED[kind] = (_LEAF if kind in LEAF_TYPES else _INNER) if cst.CSTNode in kind.__mro__ else _NONE
    return found


def _own_blocks(owner, owners, python_rows, default) -> None:
    """Make the statements of the blocks of the compound statement of `owner` owners themselves,
    where Python's rows of the block line up with libcst's statements."""
    statement, row, indents, _ = owner
    suites = _suites(statement)
    rows = python_rows.blocks.get(row) if suites is not None else None
    if rows is None or len(rows) != len(suites):
        return
    if type(statement) is cst.Match:  # its cases are indented by its own indent
        indents = (*indents, default if statement.indent is None else statement.indent)
    for suite, suite_rows in zip(suites, rows):
        if type(suite) is cst.If:  # an `elif`
            if len(suite_rows) == 1 and suite_rows[0] > row:
                owners[id(suite)] = (suite, suite_rows[0], indents, True)
        elif type(suite) is cst.IndentedBlock:
            statement_rows = _libcst_statement_rows(suite.body, suite_rows)
            if statement_rows is None or not statement_rows or statement_rows[0] <= row:
                continue
            inner = (*indents, indents_of(suite, default))
            for member, member_row in zip(suite.body, statement_rows):
                owners[id(member)] = (member, member_row, inner, False)
