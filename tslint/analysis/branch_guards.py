"""The `if` conditions torch resolves while compiling, and which branch each one hides.

torch.jit.script evaluates some conditions at compile time and does not compile the branch they rule
out (verified in tests/test_compiled_scope_torch.py):
- `torch.jit.is_scripting()`: the `not is_scripting()` side is never compiled — but the Python
  frontend still parses it, so syntax-level errors there still fail.
- `self.x is not None` where `self.x` is None: the guarded side is not compiled; likewise the
  `self.x is None` side where `self.x` holds a submodule (a value that is never None).
- `hasattr(self, "x")` where the module has no `x`: the guarded side is not compiled.
- `self.flag` where `flag` is `Final` / in `__constants__`: one side is pruned, but which one depends on
  the instance, so statically neither side is known to be compiled.
- `torch.jit.is_tracing()` and plain bool attributes are NOT resolved: both sides compile.
- `isinstance(x, T)` where the type of `x` decides it (see static_types): the side it rules out is
  not compiled; `not`, `and` and `or` combine such answers as torch does. (Tracing runs Python,
  which decides on the value it is given: there, both sides may run.)
- code after a statement that always leaves the block (`raise`, `return`, `assert False`, an `if`
  whose compiled sides all leave, a `with` whose body leaves) is not compiled: after `if
  torch.jit.is_scripting(): raise ...`, the rest of the block only runs when not scripting. The Python
  frontend still parses it all (a `lambda` there still fails).

A `Guard` records the condition a block sits under; `compiled_scope` evaluates it for a class.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none
from tslint.analysis.static_types import KnownTypes, Type, static_isinstance
from tslint.analysis.traversal import (
    _Leave,
    child_fields,
    child_fields_table,
    is_nested_scope,
    is_node,
    push_table,
)
from tslint.index.compact import SLOTS

IS_SCRIPTING = frozenset(
    {"torch.jit.is_scripting", "torch.jit._script.is_scripting", "torch._jit_internal.is_scripting"}
)
IS_TRACING = frozenset({"torch.jit.is_tracing", "torch.jit._trace.is_tracing", "torch._C._get_tracing_state"})


class GuardKind(enum.Enum):
    NOT_SCRIPTING = "not-scripting"  # runs only when not scripting
    NOT_TRACING = "not-tracing"  # runs only when not tracing
    ATTRIBUTE_NOT_NONE = "attribute-not-none"  # runs only if self.<name> is not None
    ATTRIBUTE_IS_NONE = "attribute-is-none"  # runs only if self.<name> is None
    HAS_ATTRIBUTE = "has-attribute"  # runs only if hasattr(self, "<name>")
    CONSTANT_FLAG = "constant-flag"  # one side of `if self.<name>:` on a constant attribute
    UNREACHABLE = "unreachable"  # never compiled nor run: after a raise, return or assert False
    NOT_BY_TYPE = "not-by-type"  # script prunes it by an isinstance on a known type; Python decides when tracing
    BY_INSTANCE = "by-instance"  # script decides it while compiling, by the built instance; Python when tracing
    EITHER = "either"  # compiled if the guards of one of its options hold (code two paths reach)
    TRAINING = "training"  # runs only while `self.training`: compiled, but not run by an eval-mode trace


@dataclass(frozen=True, **SLOTS)
class Guard:
    kind: GuardKind
    name: str = ""
    options: Tuple[Tuple[Guard, ...], ...] = ()  # for EITHER: compiled if all guards of one option hold


Guards = Tuple[Guard, ...]


def _self_attribute(expression: cst.BaseExpression, self_name: Optional[str]) -> Optional[str]:
    if (
        self_name is not None
        and isinstance(expression, cst.Attribute)
        and isinstance(expression.value, cst.Name)
        and expression.value.value == self_name
    ):
        return expression.attr.value
    return None


UNREACHABLE: Guards = (Guard(GuardKind.UNREACHABLE),)
NOT_BY_TYPE: Guards = (Guard(GuardKind.NOT_BY_TYPE),)
BY_INSTANCE: Guards = (Guard(GuardKind.BY_INSTANCE),)
TypeTable = Callable[[], Mapping[str, Type]]


def _no_types() -> Mapping[str, Type]:
    return {}


def both(first: Guards, second: Guards) -> Guards:
    """Code compiled only if both hold."""
    return first + tuple(guard for guard in second if guard not in first)


def either(first: Guards, second: Guards) -> Guards:
    """Code compiled if either holds."""
    if not first or not second:
        return ()
    if UNREACHABLE[0] in first or first == second:
        return second
    if UNREACHABLE[0] in second:
        return first
    return (Guard(GuardKind.EITHER, options=(first, second)),)


def training_only(guards: Guards) -> bool:
    """Whether code under `guards` runs only while `self.training` is True (on every path): not in
    an eval-mode trace."""
    for guard in guards:
        if guard.kind is GuardKind.TRAINING:
            return True
        if guard.kind is GuardKind.EITHER and all(training_only(option) for option in guard.options):
            return True
    return False


def _condition_guards(
    test: cst.BaseExpression, imports: ImportTable, self_name: Optional[str], types: TypeTable = _no_types
) -> Tuple[Guards, Guards]:
    """(guards on the `if` side, guards on the `else` side) of one condition. `types`: the names
    whose type torch knows statically (asked for only when an isinstance needs them)."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        body, orelse = _condition_guards(test.expression, imports, self_name, types)
        return orelse, body
    if isinstance(test, cst.BooleanOperation):
        left_body, left_else = _condition_guards(test.left, imports, self_name, types)
        right_body, right_else = _condition_guards(test.right, imports, self_name, types)
        if isinstance(test.operator, cst.And):  # the `if` side needs both; the `else` side either
            return both(left_body, right_body), either(left_else, right_else)
        return either(left_body, right_body), both(left_else, right_else)
    if isinstance(test, cst.Attribute) and imports.qualify(test) == "typing.TYPE_CHECKING":
        # False at run time, and a constant torch prunes by (probed; a bare `TYPE_CHECKING` global
        # is not: "python value of type 'bool' cannot be used as a value").
        return UNREACHABLE, ()
    if isinstance(test, cst.Call):
        name = imports.qualify(test.func)
        if name in IS_SCRIPTING:
            return (), (Guard(GuardKind.NOT_SCRIPTING),)
        if name in IS_TRACING:
            return (), (Guard(GuardKind.NOT_TRACING),)
        if name == "isinstance":
            answer = static_isinstance(test, types(), imports) if test.args else None
            if answer is not None:
                return ((), NOT_BY_TYPE) if answer else (NOT_BY_TYPE, ())
        if name == "hasattr" and len(test.args) == 2 and isinstance(test.args[0].value, cst.Name):
            target, attribute = test.args[0].value, test.args[1].value
            if target.value == self_name and isinstance(attribute, cst.SimpleString):
                literal = attribute.evaluated_value
                if isinstance(literal, str):
                    guard = Guard(GuardKind.HAS_ATTRIBUTE, literal)
                    return (guard,), ()
        return (), ()
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        attribute = _self_attribute(test.left, self_name)
        if attribute is not None and is_none(target.comparator):
            not_none = Guard(GuardKind.ATTRIBUTE_NOT_NONE, attribute)
            none = Guard(GuardKind.ATTRIBUTE_IS_NONE, attribute)
            if isinstance(target.operator, cst.IsNot):
                return (not_none,), (none,)
            if isinstance(target.operator, cst.Is):
                return (none,), (not_none,)
        return (), ()
    attribute = _self_attribute(test, self_name)
    if attribute is not None:
        guard = Guard(GuardKind.CONSTANT_FLAG, attribute)
        if attribute == "training":
            return (guard, Guard(GuardKind.TRAINING)), (guard,)
        return (guard,), (guard,)
    return (), ()


def if_guards(
    node: cst.If, imports: ImportTable, self_name: Optional[str], types: TypeTable = _no_types
) -> Tuple[Guards, Guards]:
    return _condition_guards(node.test, imports, self_name, types)


def _leaves(statements: Sequence[cst.BaseSmallStatement]) -> bool:
    """A line of small statements that always leaves the block: `raise`, `return`, `assert False` or
    `assert False, "..."` (not `assert 0`: torch compiles what follows that)."""
    for small in statements:
        kind = type(small)
        if kind is cst.Raise or kind is cst.Return:
            return True
        if kind is cst.Assert and type(small.test) is cst.Name and small.test.value == "False":  # type: ignore[attr-defined]
            return True
    return False


class GuardedWalk:
    """Walks one function, tracking the guards of the block it is in (`self.guards`).

    Subclasses implement `enter(node)` / `leave(node)`. The walk does not descend into nested
    functions or classes: their bodies are not part of the enclosing compiled function (the nested
    definition node itself is still entered). Nor into decorators: Python applies them, torch never
    compiles them (`@deco(lambda x: x, time.time())` on `forward` scripts fine).
    """

    def __init__(self, imports: ImportTable, self_name: Optional[str], typed: bool = True) -> None:
        """`typed`: the function's parameter types are its annotations (False for a function with
        `@overload` declarations: torch compiles it once per declared signature)."""
        self.imports = imports
        self.self_name = self_name
        self.typed = typed
        self.guards: Guards = ()
        self._pending: Dict[cst.CSTNode, Guards] = {}
        self._saved: Dict[cst.CSTNode, Guards] = {}
        self._root: Optional[cst.CSTNode] = None
        self._types: Optional[KnownTypes] = None
        self._conditions: Dict[cst.CSTNode, Tuple[Guards, Guards]] = {}
        self._exits: Dict[cst.CSTNode, Optional[Guards]] = {}

    # The node types whose `enter` / `leave` do something (None: every type). The walk calls them for
    # these alone, and a node gets a leave step only if its type is here or entering it set guards.
    enter_types: Optional[FrozenSet[type]] = None
    leave_types: Optional[FrozenSet[type]] = None

    def walk(self, function: cst.FunctionDef, skipped: FrozenSet[type] = frozenset()) -> None:
        """`skipped`: leaf node types `enter` and `leave` ignore (traversal.walk): not entered.
        traversal.walk with `_enter` and `_leave` inlined (the hottest loop of a lint)."""
        self._root = function
        self._types = None
        self._conditions.clear()
        self._exits.clear()
        leave_types = self.leave_types
        if leave_types is None and type(self).leave is GuardedWalk.leave:
            leave_types = frozenset()
        enter_types, enter, leave = self.enter_types, self.enter, self.leave
        pending, saved, fields, push = self._pending, self._saved, child_fields_table(), push_table(skipped)
        stack: List[object] = [function]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is _Leave:
                node = node.node  # type: ignore[attr-defined]
                if leave_types is None or type(node) in leave_types:
                    leave(node)
                restored = saved.pop(node, None)
                if restored is not None:
                    self.guards = restored
                continue
            extra = pending.pop(node, None) if pending else None
            if extra is not None:
                saved[node] = self.guards
                self.guards = self.guards + extra
            if kind is cst.IndentedBlock:
                self._mark_unreachable(node.body)  # type: ignore[attr-defined]
            elif kind is cst.If or kind is cst.IfExp:
                body, orelse = self._condition(node)  # type: ignore[arg-type]
                if body:
                    pending[node.body] = body  # type: ignore[attr-defined]
                if orelse and node.orelse is not None:  # type: ignore[attr-defined]
                    pending[node.orelse] = orelse  # type: ignore[attr-defined]
            if enter_types is None or kind in enter_types:
                enter(node)  # type: ignore[arg-type]
            if extra is not None or leave_types is None or kind in leave_types:
                stack.append(_Leave(node))
            if kind is cst.Decorator or ((kind is cst.FunctionDef or kind is cst.ClassDef) and node is not function):
                continue
            for name in fields.get(kind) or child_fields(kind):
                value = getattr(node, name)
                value_type = type(value)
                if value_type is tuple or value_type is list:
                    for item in value:
                        item_type = type(item)
                        answer = push.get(item_type)
                        if answer is None:
                            answer = push[item_type] = is_node(item) and item_type not in skipped
                        if answer:
                            stack.append(item)
                else:
                    answer = push.get(value_type)
                    if answer is None:
                        answer = push[value_type] = is_node(value) and value_type not in skipped
                    if answer:
                        stack.append(value)

    def enter(self, node: cst.CSTNode) -> None:
        pass

    def leave(self, node: cst.CSTNode) -> None:
        pass

    def known_types(self, node: cst.CSTNode) -> Mapping[str, Type]:
        """The names whose type torch knows at the test of `node` (an `if` or if-expression)."""
        if not self.typed or type(self._root) is not cst.FunctionDef:
            return {}
        if self._types is None:
            self._types = KnownTypes(self._root, self.imports, self.self_name)  # type: ignore[arg-type]
        return self._types.at(node)

    def _condition(self, node: cst.CSTNode) -> Tuple[Guards, Guards]:
        found = self._conditions.get(node)
        if found is None:
            types = functools.partial(self.known_types, node)
            found = self._conditions[node] = _condition_guards(node.test, self.imports, self.self_name, types)  # type: ignore[attr-defined]
        return found

    def _enter(self, node: cst.CSTNode) -> bool:
        extra = self._pending.pop(node, None)
        if extra is not None:
            self._saved[node] = self.guards
            self.guards = self.guards + extra
        kind = type(node)  # exact types: isinstance on libcst's ABC-based nodes is slow here
        if kind is cst.IndentedBlock:
            self._mark_unreachable(node.body)
        elif kind is cst.If or kind is cst.IfExp:
            body, orelse = self._condition(node)
            if body:
                self._pending[node.body] = body
            if orelse and node.orelse is not None:
                self._pending[node.orelse] = orelse
        self.enter(node)
        return kind is not cst.Decorator and not is_nested_scope(node, self._root)

    def _leave(self, node: cst.CSTNode) -> None:
        self.leave(node)
        saved = self._saved.pop(node, None)
        if saved is not None:
            self.guards = saved

    def _mark_unreachable(self, statements: Sequence[cst.CSTNode]) -> None:
        """Put the statements after one that leaves the block under the guards that say when torch
        still compiles them (UNREACHABLE after a `raise`; NOT_SCRIPTING after `if
        torch.jit.is_scripting(): raise ...`)."""
        after: Guards = ()
        for statement in statements:
            if after:
                self._pending[statement] = after
                if after is UNREACHABLE:
                    continue
            passed = self._falls_through(statement)
            after = UNREACHABLE if passed is None else both(after, passed)

    def _block_falls_through(self, statements: Sequence[cst.CSTNode]) -> Optional[Guards]:
        found: Guards = ()
        for statement in statements:
            passed = self._falls_through(statement)
            if passed is None:
                return None
            found = both(found, passed)
        return found

    def _falls_through(self, statement: cst.CSTNode) -> Optional[Guards]:
        """The guards under which torch compiles code after `statement` in its block; None if it
        never does (the statement always leaves: raise, return, assert False)."""
        kind = type(statement)
        if kind is cst.SimpleStatementLine:
            return None if _leaves(statement.body) else ()  # type: ignore[attr-defined]
        if kind is not cst.If and kind is not cst.With:
            return ()  # a loop may run no iteration; torch rejects `try`
        if statement in self._exits:
            return self._exits[statement]
        if kind is cst.With:
            found = self._suite_falls_through(statement.body)  # type: ignore[attr-defined]
        else:
            found = self._if_falls_through(statement)  # type: ignore[arg-type]
        self._exits[statement] = found
        return found

    def _suite_falls_through(self, suite: cst.BaseSuite) -> Optional[Guards]:
        if type(suite) is cst.IndentedBlock:
            return self._block_falls_through(suite.body)  # type: ignore[attr-defined]
        return None if _leaves(suite.body) else ()  # type: ignore[attr-defined]

    def _if_falls_through(self, node: cst.If) -> Optional[Guards]:
        """torch compiles one side of an `if` or both: what follows it is compiled through the body
        (when torch compiles the body and the body falls through) or through the `else`. An `elif`
        chain is followed without recursion (libcst parses thousands of `elif`s)."""
        chain = [node]
        while type(chain[-1].orelse) is cst.If and chain[-1].orelse not in self._exits:
            chain.append(chain[-1].orelse)  # type: ignore[arg-type]
        last = chain[-1].orelse
        if last is None:
            through_else: Optional[Guards] = ()
        elif type(last) is cst.If:
            through_else = self._exits[last]
        else:
            through_else = self._suite_falls_through(last.body)  # type: ignore[union-attr]
        for current in reversed(chain):
            through_else = self._one_if(current, through_else)
            self._exits[current] = through_else
        return through_else

    def _one_if(self, node: cst.If, through_else: Optional[Guards]) -> Optional[Guards]:
        body_guards, else_guards = self._condition(node)
        through_body = self._suite_falls_through(node.body)
        if through_body is None or UNREACHABLE[0] in body_guards:
            return None if through_else is None else both(else_guards, through_else)
        if through_else is None or UNREACHABLE[0] in else_guards:
            return both(body_guards, through_body)
        if through_body == through_else:
            return through_body  # whichever side torch compiles, the same guards follow
        if body_guards and body_guards == else_guards:
            # `if self.flag:`: when the flag is a constant, torch compiles one side, which one
            # depends on the instance (both must fall through); when it is not, both sides.
            return either(both(through_body, through_else), both(body_guards, either(through_body, through_else)))
        return either(both(body_guards, through_body), both(else_guards, through_else))
