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

A `Guard` records the condition a block sits under; `compiled_scope` evaluates it for a class.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, is_none
from tslint.analysis.traversal import is_nested_scope, walk

IS_SCRIPTING = frozenset({"torch.jit.is_scripting", "torch.jit._script.is_scripting", "torch._jit_internal.is_scripting"})
IS_TRACING = frozenset({"torch.jit.is_tracing", "torch.jit._trace.is_tracing", "torch._C._get_tracing_state"})


class GuardKind(enum.Enum):
    NOT_SCRIPTING = "not-scripting"  # runs only when not scripting
    NOT_TRACING = "not-tracing"  # runs only when not tracing
    ATTRIBUTE_NOT_NONE = "attribute-not-none"  # runs only if self.<name> is not None
    ATTRIBUTE_IS_NONE = "attribute-is-none"  # runs only if self.<name> is None
    HAS_ATTRIBUTE = "has-attribute"  # runs only if hasattr(self, "<name>")
    CONSTANT_FLAG = "constant-flag"  # one side of `if self.<name>:` on a constant attribute


@dataclass(frozen=True)
class Guard:
    kind: GuardKind
    name: str = ""


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


def _condition_guards(
    test: cst.BaseExpression, imports: ImportTable, self_name: Optional[str]
) -> Tuple[Guards, Guards]:
    """(guards on the `if` side, guards on the `else` side) of one condition."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        body, orelse = _condition_guards(test.expression, imports, self_name)
        return orelse, body
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        # Both conjuncts must hold for the `if` side; nothing is known about the `else` side.
        left, _ = _condition_guards(test.left, imports, self_name)
        right, _ = _condition_guards(test.right, imports, self_name)
        return left + right, ()
    if isinstance(test, cst.Call):
        name = imports.qualify(test.func)
        if name in IS_SCRIPTING:
            return (), (Guard(GuardKind.NOT_SCRIPTING),)
        if name in IS_TRACING:
            return (), (Guard(GuardKind.NOT_TRACING),)
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
        return (guard,), (guard,)
    return (), ()


def if_guards(node: cst.If, imports: ImportTable, self_name: Optional[str]) -> Tuple[Guards, Guards]:
    return _condition_guards(node.test, imports, self_name)


class GuardedWalk:
    """Walks one function, tracking the guards of the block it is in (`self.guards`).

    Subclasses implement `enter(node)` / `leave(node)`. The walk does not descend into nested
    functions or classes: their bodies are not part of the enclosing compiled function (the nested
    definition node itself is still entered). Nor into decorators: Python applies them, torch never
    compiles them (`@deco(lambda x: x, time.time())` on `forward` scripts fine).
    """

    def __init__(self, imports: ImportTable, self_name: Optional[str]) -> None:
        self.imports = imports
        self.self_name = self_name
        self.guards: Guards = ()
        self._pending: Dict[cst.CSTNode, Guards] = {}
        self._saved: Dict[cst.CSTNode, Guards] = {}
        self._root: Optional[cst.CSTNode] = None

    def walk(self, function: cst.FunctionDef) -> None:
        self._root = function
        walk(function, self._enter, self._leave)

    def enter(self, node: cst.CSTNode) -> None:
        pass

    def leave(self, node: cst.CSTNode) -> None:
        pass

    def _enter(self, node: cst.CSTNode) -> bool:
        extra = self._pending.pop(node, None)
        if extra is not None:
            self._saved[node] = self.guards
            self.guards = self.guards + extra
        if type(node) is cst.If:  # exact type: isinstance on libcst's ABC-based nodes is slow here
            body, orelse = if_guards(node, self.imports, self.self_name)
            if body:
                self._pending[node.body] = body
            if orelse and node.orelse is not None:
                self._pending[node.orelse] = orelse
        self.enter(node)
        return type(node) is not cst.Decorator and not is_nested_scope(node, self._root)

    def _leave(self, node: cst.CSTNode) -> None:
        self.leave(node)
        saved = self._saved.pop(node, None)
        if saved is not None:
            self.guards = saved
