"""A fast, read-only, iterative walk over libcst trees.

libcst's own `visit` rebuilds every node as it goes (it is built for transformers), which made it the
dominant cost of linting. Reading the dataclass fields directly is several times faster, and an
explicit stack means no RecursionError on deeply nested code.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

# Fields that only ever hold whitespace, comments or punctuation: nothing a rule looks at.
_SKIPPED_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "semicolon",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "colon",
        "equal",
        "dot",
        "lbrace",
        "rbrace",
        "lbracket",
        "rbracket",
        "first_colon",
        "second_colon",
        "trailing_comma",
        "trailing_whitespace",
        "leading_whitespace",
        "empty_lines",
        "newline",
        "separator",
        "default_indent",
        "default_newline",
        "encoding",
        "has_trailing_newline",
        "posonly_ind",
        "star",
        "asynchronous",
        "comment",
        "indent",
        "relative",
    }
)
_FIELDS: Dict[type, Tuple[str, ...]] = {}
# `isinstance(x, cst.CSTNode)` goes through ABC machinery; a per-type answer is much cheaper.
_IS_NODE: Dict[type, bool] = {}


def _is_node(value: object) -> bool:
    kind = type(value)
    answer = _IS_NODE.get(kind)
    if answer is None:
        answer = _IS_NODE[kind] = cst.CSTNode in kind.__mro__  # issubclass: ABC's walk of every node type
    return answer


def _child_fields(node_type: type) -> Tuple[str, ...]:
    found = _FIELDS.get(node_type)
    if found is None:
        found = tuple(
            field.name
            for field in dataclasses.fields(node_type)
            if field.name not in _SKIPPED_FIELDS and not field.name.startswith("whitespace")
        )
        _FIELDS[node_type] = found
    return found


is_node = _is_node
child_fields = _child_fields


def kind_test(kinds: Union[type, Tuple[type, ...]]) -> Callable[[object], bool]:
    """`isinstance(value, kinds)`, its answer kept per type of value. libcst's node classes are ABCs:
    an isinstance that fails, or that holds through an abstract base (`cst.BaseExpression`), runs
    `ABCMeta.__instancecheck__` (~0.5 us; a tuple of three misses, three times that). For a concrete
    node class without subclasses, `type(value) is cls` is cheaper still."""
    table: Dict[type, bool] = {}

    def test(value: object) -> bool:
        kind = type(value)
        found = table.get(kind)
        if found is None:
            found = table[kind] = isinstance(value, kinds)
        return found

    return test


_kind_tests: Dict[object, Callable[[object], bool]] = {}


def _kind_test_of(kinds: Union[type, Tuple[type, ...]]) -> Callable[[object], bool]:
    found = _kind_tests.get(kinds)
    if found is None:
        found = _kind_tests[kinds] = kind_test(kinds)
    return found


def child_fields_table() -> Dict[type, Tuple[str, ...]]:
    """The child fields of each node type met so far (`child_fields` adds the others): for loops that
    inline `walk`'s child extraction."""
    return _FIELDS


def push_table(skipped: FrozenSet[type]) -> Dict[type, bool]:
    """Per value type, whether `walk` with `skipped` enters a child of that type (filled as met)."""
    push = _PUSHABLE.get(skipped)
    if push is None:
        push = _PUSHABLE[skipped] = {}
    return push


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The node's children that can contain code, in field order (a new list: a generator cost more)."""
    found: List[cst.CSTNode] = []
    kind = type(node)
    is_node = _IS_NODE
    for name in _FIELDS.get(kind) or _child_fields(kind):
        value = getattr(node, name)
        value_type = type(value)
        if value_type is tuple or value_type is list:
            for item in value:
                answer = is_node.get(type(item))
                if answer or answer is None and _is_node(item):
                    found.append(item)
        else:
            answer = is_node.get(value_type)
            if answer or answer is None and _is_node(value):
                found.append(value)
    return found


def nodes_among(root: cst.CSTNode, targets: Set[cst.CSTNode]) -> List[cst.CSTNode]:
    """The nodes of `targets` in the tree of `root` (`root` included); the walk stops once all are found."""
    found: List[cst.CSTNode] = []
    stack = [root]
    while stack and len(found) < len(targets):
        node = stack.pop()
        if node in targets:
            found.append(node)
        stack.extend(children(node))
    return found


def parents(root: cst.CSTNode) -> Dict[int, cst.CSTNode]:
    """The parent of each node below `root`, by the node's id (for fixes that look at a use's context).
    `children`'s extraction inlined: a generator per node cost more than the rest of the loop."""
    found: Dict[int, cst.CSTNode] = {}
    stack = [root]
    fields = _FIELDS
    is_node = _IS_NODE
    while stack:
        node = stack.pop()
        kind = type(node)
        for name in fields.get(kind) or _child_fields(kind):
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for item in value:
                    answer = is_node.get(type(item))
                    if answer or answer is None and _is_node(item):
                        found[id(item)] = node
                        stack.append(item)
            else:
                answer = is_node.get(value_type)
                if answer or answer is None and _is_node(value):
                    found[id(value)] = node
                    stack.append(value)
    return found


Enter = Callable[[cst.CSTNode], bool]
Leave = Callable[[cst.CSTNode], None]


def walk(
    root: cst.CSTNode, enter: Enter, leave: Optional[Leave] = None, skipped: FrozenSet[type] = frozenset()
) -> None:
    """Depth-first walk: `enter(node)` returns False to skip the node's children; `leave` after them.
    Nodes of the types in `skipped` are neither entered nor left: leaf types (`LEAF_TYPES`) no hook
    reads, so that the rule dispatch enters only what a rule can match.

    Children are entered after their parent and before its `leave`, in no promised sibling order.
    This loop is the hottest code in tslint, hence the inlined child extraction.
    """
    push = push_table(skipped)
    stack: List[object] = [root]
    fields = _FIELDS
    while stack:
        node = stack.pop()
        if type(node) is _Leave:
            leave(node.node)  # type: ignore[misc, attr-defined]
            continue
        descend = enter(node)  # type: ignore[arg-type]
        if leave is not None:
            stack.append(_Leave(node))
        if not descend:
            continue
        kind = type(node)
        names = fields.get(kind) or _child_fields(kind)
        for name in names:
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for item in value:
                    item_type = type(item)
                    answer = push.get(item_type)
                    if answer is None:
                        answer = push[item_type] = _is_node(item) and item_type not in skipped
                    if answer:
                        stack.append(item)
            else:
                answer = push.get(value_type)
                if answer is None:
                    answer = push[value_type] = _is_node(value) and value_type not in skipped
                if answer:
                    stack.append(value)


_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


def nodes_in_scope(
    root: cst.CSTNode, kinds: FrozenSet[type], closed: Tuple[type, ...] = _SCOPES, enter_root: bool = True
) -> List[cst.CSTNode]:
    """The nodes of the exact types `kinds` under `root` (a function: its decorators, parameters and
    body), without entering a node of the types `closed` (by default a nested function, lambda or
    class), `root` itself excepted unless `enter_root` is false: what a `walk` whose `enter` returns
    False for those would meet, with no call per node. In the walk's order (the order `walk` enters
    nodes), which no caller should read as source order."""
    found: List[cst.CSTNode] = []
    push = push_table(LEAF_TYPES)
    fields = _FIELDS
    stack: List[object] = [root]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in kinds:
            found.append(node)  # type: ignore[arg-type]
        if kind in closed and (node is not root or not enter_root):
            continue
        for name in fields.get(kind) or _child_fields(kind):
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for item in value:
                    item_type = type(item)
                    answer = push.get(item_type)
                    if answer is None:
                        answer = push[item_type] = _is_node(item) and item_type not in LEAF_TYPES
                    if answer:
                        stack.append(item)
            else:
                answer = push.get(value_type)
                if answer is None:
                    answer = push[value_type] = _is_node(value) and value_type not in LEAF_TYPES
                if answer:
                    stack.append(value)
    return found


# Per set of skipped types: whether a value of each type is a node `walk` enters.
_PUSHABLE: Dict[FrozenSet[type], Dict[type, bool]] = {}


def _leaf_types() -> FrozenSet[type]:
    """The node types that never hold another node (operators, literals, names)."""
    found = set()
    for name in dir(cst):
        kind = getattr(cst, name)
        concrete = isinstance(kind, type) and cst.CSTNode in kind.__mro__ and not inspect.isabstract(kind)
        if concrete and dataclasses.is_dataclass(kind):
            if not _child_fields(kind) or _child_fields(kind) == ("value",) and _str_value(kind):
                found.add(kind)
    return frozenset(found)


def _str_value(kind: type) -> bool:
    value = next(field for field in dataclasses.fields(kind) if field.name == "value")
    return value.type in ("str", str)


LEAF_TYPES = _leaf_types()


class _Leave:
    __slots__ = ("node",)

    def __init__(self, node: cst.CSTNode) -> None:
        self.node = node


def is_nested_scope(node: cst.CSTNode, root: cst.CSTNode) -> bool:
    """A function or class defined inside `root`: its body is not part of root's compiled code."""
    kind = type(node)
    return (kind is cst.FunctionDef or kind is cst.ClassDef) and node is not root


_EMPTY_MODULE = cst.Module(body=[])


def code_of(node: cst.CSTNode) -> str:
    """The source text of a node, as libcst generates it (for messages)."""
    kind = type(node)
    if kind is cst.Name and not node.lpar:  # type: ignore[attr-defined]
        return node.value  # type: ignore[attr-defined]
    if kind is cst.Attribute:
        dotted = _dotted(node)  # type: ignore[arg-type]
        if dotted is not None:
            return dotted
    return _EMPTY_MODULE.code_for_node(node)


def _dotted(node: cst.Attribute) -> Optional[str]:
    """`a.b.c` written without parentheses or spaces, as libcst would generate it; None otherwise
    (the code generator then writes it)."""
    parts: List[str] = []
    current: cst.BaseExpression = node
    while type(current) is cst.Attribute:
        dot = current.dot  # type: ignore[attr-defined]
        before, after = dot.whitespace_before, dot.whitespace_after
        if (
            current.lpar
            or current.attr.lpar  # type: ignore[attr-defined]
            or type(before) is not cst.SimpleWhitespace
            or type(after) is not cst.SimpleWhitespace
            or before.value
            or after.value
        ):
            return None
        parts.append(current.attr.value)  # type: ignore[attr-defined]
        current = current.value  # type: ignore[attr-defined]
    if type(current) is not cst.Name or current.lpar:
        return None
    parts.append(current.value)  # type: ignore[attr-defined]
    return ".".join(reversed(parts))


def suite_statements(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    """The statements of a block: those of an indented block, or the one-line suite itself
    (`if x: return y`), whose small statements are its `body`."""
    return suite.body if isinstance(suite, cst.IndentedBlock) else [suite]


def statements_in_order(suite: cst.BaseSuite, kind: type) -> List[cst.CSTNode]:
    """The statements of type `kind` (`cst.Return`, `cst.Assign`) in a function body, in source
    order; expressions and nested definitions are not entered."""
    found: List[cst.CSTNode] = []
    stack: List[cst.CSTNode] = [suite]
    wanted, passed = _kind_test_of(kind), _NOT_STATEMENTS
    while stack:
        node = stack.pop()
        if wanted(node):
            found.append(node)
            continue
        if passed(node):
            continue
        stack.extend(reversed(children(node)))
    return found


_NOT_STATEMENTS = kind_test((cst.FunctionDef, cst.ClassDef, cst.BaseExpression))


def rooted_at(node: cst.BaseExpression, name: Optional[str]) -> bool:
    """Whether an attribute/subscript chain starts at the variable `name` (`self.weight.data`)."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return isinstance(node, cst.Name) and node.value == name


def string_prefix(node: cst.BaseExpression) -> str:
    """The prefix of a string literal (`b`, `rb`, `f`...), of its first part if concatenated."""
    while isinstance(node, cst.ConcatenatedString):
        node = node.left
    return getattr(node, "prefix", "")


def constant_int(node: cst.BaseExpression) -> Optional[int]:
    """The value of an integer literal, negated or not (`3`, `-1`); None for anything else."""
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = constant_int(node.expression)
        return -inner if inner is not None else None
    return None


def target_names(target: cst.BaseExpression) -> List[str]:
    """The names an assignment target binds (`a`, `a, (b, c)`); attributes and subscripts bind none."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in target_names(element.value)]
    return []
