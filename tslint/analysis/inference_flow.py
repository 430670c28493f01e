"""The statement walk of inference.FunctionTypes: blocks, joins, loops, as torch's frontend emits them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Set, Tuple

import libcst as cst

from tslint.analysis.expressions import Env
from tslint.analysis.operator_tables import known
from tslint.analysis.schema_matching import _convert, is_subtype, unify
from tslint.analysis.schema_types import NONE, TENSOR, UNKNOWN, JitType
from tslint.analysis.traversal import suite_statements, target_names

# The type of a local that is None or a value that is never None as the built instance decided
# (`m = None; if self.norm is not None: m = ...`): Unknown to every check, and a condition torch
# decides while compiling for `m is None`.
BY_INSTANCE_NONE = JitType("Unknown", name="None by instance")


@dataclass(frozen=True)
class Event:
    """Something torch rejects while typing: `kind` names it, `node` is where torch points."""

    kind: str
    node: cst.CSTNode
    name: str
    first: JitType
    second: JitType


def unpacked(value: JitType, count: int) -> List[JitType]:
    """The types of `a, b = value` for `count` targets (Unknown where torch's is not known)."""
    if value.kind == "Tuple" and len(value.items) == count:
        return list(value.items)
    if value.kind == "List":
        return [value.element] * count
    if value.kind == "Tensor":
        return [TENSOR] * count
    return [UNKNOWN] * count


_AUGMENTED = {
    cst.AddAssign: cst.Add,
    cst.SubtractAssign: cst.Subtract,
    cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide,
    cst.FloorDivideAssign: cst.FloorDivide,
    cst.ModuloAssign: cst.Modulo,
    cst.PowerAssign: cst.Power,
    cst.MatrixMultiplyAssign: cst.MatrixMultiply,
    cst.BitAndAssign: cst.BitAnd,
    cst.BitOrAssign: cst.BitOr,
    cst.BitXorAssign: cst.BitXor,
    cst.LeftShiftAssign: cst.LeftShift,
    cst.RightShiftAssign: cst.RightShift,
}
# Loops torch runs as loops (the others, over tuples and module containers, it unrolls).
_LOOPED = ("List", "Tensor", "Dict", "str")
_EXITS = (cst.Return, cst.Raise, cst.Continue, cst.Break)


class Flow:
    def __init__(self, owner) -> None:
        self.owner = owner
        self.of = owner.expressions.of
        self.uncertain = False  # falling off the end hinges on an `if` torch may decide and tslint cannot

    def run(self, node: cst.FunctionDef, env: Env) -> bool:
        """Type the function's body; whether control can fall off its end (torch's compiled code)."""
        completes, _ = self.block(suite_statements(node.body), env, None)
        return completes

    # --- blocks ----------------------------------------------------------------------------------

    def block(self, statements: Sequence[cst.CSTNode], env: Env, parent: Optional[Env]) -> Tuple[bool, Set[str]]:
        """Type `statements` in `env` (updated in place); `parent`: the enclosing blocks' names when
        this is a nested block. Returns (whether control can fall off its end, names it assigns)."""
        assigned: Set[str] = set()
        for statement in statements:
            if not self.statement(statement, env, parent, assigned):
                return False, assigned
        return True, assigned

    def statement(self, statement: cst.CSTNode, env: Env, parent: Optional[Env], assigned: Set[str]) -> bool:
        kind = type(statement)
        if kind in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
            for small in statement.body:
                if not self.small(small, statement, env, parent, assigned):
                    return False
            return True
        if kind is cst.If:
            return self.if_statement(statement, env, parent, assigned)
        if kind is cst.For:
            return self.for_statement(statement, env, parent, assigned)
        if kind is cst.While:
            self.of(statement.test, env)
            self.loop(statement, statement.body, env, parent, assigned, looped=True, target=None)
            return True
        if kind is cst.With:
            for item in statement.items:
                self.of(item.item, env)
            completes, names = self.block(suite_statements(statement.body), env, parent)
            assigned |= names
            return completes
        if kind is cst.Try or kind is cst.TryStar or kind is cst.Match:
            # torch rejects `try` and `match` outright (their own findings); whether they return is not
            # typed here.
            self.uncertain = True
            names = _assigned_names(statement)
            for name in names:
                env[name] = UNKNOWN
            assigned |= names
        return True

    def small(self, small: cst.CSTNode, line: cst.CSTNode, env: Env, parent: Optional[Env], assigned: Set[str]) -> bool:
        kind = type(small)
        if kind is cst.Assign:
            value = self.of(small.value, env)
            for target in small.targets:
                hint = self.hint_for(target.target, env, parent)
                typed = hinted(small.value, value, hint) if hint is not None else value
                self.assign(target.target, typed, line, env, parent, assigned)
        elif kind is cst.AnnAssign:
            declared = self.owner.annotation(small.annotation.annotation)
            if small.value is not None:
                self.of(small.value, env)
            if isinstance(small.target, cst.Name):
                self.bind(small.target.value, declared, line, env, None, assigned)
            else:
                self.of(small.target, env)
        elif kind is cst.AugAssign:
            operator = _AUGMENTED.get(type(small.operator))
            if operator is None:
                return True
            combined = cst.BinaryOperation(left=small.target, operator=operator(), right=small.value)
            value = self.of(combined, env)
            if isinstance(small.target, cst.Name):
                self.assign(small.target, value, line, env, parent, assigned)
        elif kind is cst.Return:
            value = self.of(small.value, env) if small.value is not None else NONE
            if small.value is not None and self.owner.node.returns is not None:
                value = hinted(small.value, value, self.owner.declared_return)
            self.owner.returns.append((small, value))
            return False
        elif kind is cst.Raise:
            if isinstance(small.exc, cst.Call):  # torch compiles the exception's arguments (probed)
                for argument in small.exc.args:
                    self.of(argument.value, env)
            return False
        elif kind in (cst.Continue, cst.Break):
            return False
        elif kind is cst.Expr:
            self.of(small.value, env)
        elif kind is cst.Assert:
            self.of(small.test, env)
            if small.msg is not None:
                self.of(small.msg, env)  # compiled too: the message of the exception it raises
            if isinstance(small.test, cst.Name) and small.test.value == "False":
                return False
            true, _ = self.owner.refinements(small.test, env)
            env.update(true)
        elif kind is cst.Del:
            for name in target_names(small.target):
                env.pop(name, None)
        return True

    # --- bindings --------------------------------------------------------------------------------

    def assign(self, target, value: JitType, line, env: Env, parent: Optional[Env], assigned: Set[str]) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, value, line, env, parent, assigned, target)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            if any(isinstance(element, cst.StarredElement) for element in elements):
                for name in target_names(target):
                    self.bind(name, UNKNOWN, line, env, None, assigned)
                return
            for element, item in zip(elements, unpacked(value, len(elements))):
                self.assign(element.value, item, line, env, parent, assigned)
        elif isinstance(target, cst.Attribute):
            self.of(target.value, env)  # `x.attr = ...` stores: not a read of `attr`
            self.attribute_store(target, value, env)
        else:
            self.of(target, env)

    def hint_for(self, target, env: Env, parent: Optional[Env]) -> Optional[JitType]:
        """The type torch types an empty `[]`/`{}` assigned to `target` with: the enclosing block's
        type of the name. Not an attribute's (`self.sizes = []` is a List[Tensor]: probed)."""
        if isinstance(target, cst.Name):
            return parent.get(target.value) if parent is not None else None
        return None

    def attribute_store(self, target: cst.Attribute, value: JitType, env: Env) -> None:
        """`self.name = value` in compiled code: the value must have the attribute's type, as
        `__init__` made it ("Wrong type for attribute assignment. Expected NoneType but got Tensor");
        torch converts nothing here, not even an int to a float (probed)."""
        base = target.value
        if not (isinstance(base, cst.Name) and base.value == self.owner.self_name and base.value not in env):
            return
        expected = self.owner.self_attribute(target.attr.value)
        if (
            expected.kind == "Unknown"
            and value.kind == "Optional"
            and known(value)
            and self.owner.attribute_typed_by_value(target.attr.value)
        ):
            # torch types an unannotated attribute by the built value (None, a bool, ...), never an
            # Optional: an Optional fits none of them (kornia's `keepdim` setter, probed).
            self.owner.events.append(Event("attribute-type", target, target.attr.value, expected, value))
            return
        if expected.kind in ("Unknown", "Class", "Union") or value.kind in ("Unknown", "Union"):
            return
        if value.kind == "Tuple" and expected.kind == "List":
            return
        if not is_subtype(value, expected):
            self.owner.events.append(Event("attribute-type", target, target.attr.value, expected, value))

    def bind(
        self,
        name: str,
        value: JitType,
        line,
        env: Env,
        parent: Optional[Env],
        assigned: Set[str],
        target: Optional[cst.CSTNode] = None,
    ) -> None:
        recorded = value
        if parent is not None and name in parent:
            previous = parent[name]
            if not _fits(value, previous):
                self.owner.events.append(Event("type-change", target or line, name, previous, value))
                value = recorded = UNKNOWN
            elif value.kind != "Unknown" and previous.kind != "Unknown":
                # torch stores the value converted to the enclosing type (tryConvertToType): a
                # `Scalar` from `.item()` assigned to an `Optional[float]` local is a float (probed).
                # The graph's value of the name at this line is the unconverted one.
                recorded, value = value, _convert(previous, value, True)
        env[name] = value
        assigned.add(name)
        self.owner.poisoned.pop(name, None)
        self.owner.bindings.append((line, name, recorded))

    # --- control flow ----------------------------------------------------------------------------

    def if_statement(self, node: cst.If, env: Env, parent: Optional[Env], assigned: Set[str]) -> bool:
        self.of(node.test, env)
        decided = self.owner.decide(node.test, env)
        self.owner.record_decision(node, decided)
        # A condition torch evaluates while compiling (is_scripting(), `is None` of a value that is
        # or cannot be None, a constant flag) is no `if` in the graph: the side it takes is emitted
        # inline, in this block, where a name may be rebound to another type (probed).
        static = decided is not None or self.owner.is_constant_condition(node.test, env)
        if static and decided is None:
            self.owner.record_by_instance(node)
        inner = parent if static else dict(env)
        true_refined, false_refined = self.owner.refinements(node.test, env)
        snapshot = dict(env)
        true_env, false_env = {**env, **true_refined}, {**env, **false_refined}
        true_completes, true_names = True, set()
        false_completes, false_names = True, set()
        if decided is not False:
            true_completes, true_names = self.block(suite_statements(node.body), true_env, inner)
        if decided is not True and node.orelse is not None:
            orelse = node.orelse
            statements = [orelse] if isinstance(orelse, cst.If) else suite_statements(orelse.body)
            false_completes, false_names = self.block(statements, false_env, inner)
        if decided is True:
            env.clear()
            env.update(true_env)
            assigned |= true_names
            return true_completes
        if decided is False:
            env.clear()
            env.update(false_env)
            assigned |= false_names
            return false_completes
        if not true_completes and not false_completes:
            return False
        if not true_completes or not false_completes:
            if decided is None and not static and self.owner.may_decide(node.test, env):
                # One side leaves, the other falls through, on a test torch may decide by a type
                # tslint does not know: torch may compile only the side that leaves.
                self.uncertain = True
            survivor = false_env if not true_completes else true_env
            names = false_names if not true_completes else true_names
            env.clear()
            env.update(survivor)
            assigned |= names
            return True
        if static:
            # A constant flag: one side is compiled, which one depends on the instance. A name keeps
            # a type only where both sides agree on it.
            for name in sorted(true_names | false_names):
                first, second = true_env.get(name), false_env.get(name)
                env[name] = first if first is not None and first == second else _by_instance(first, second)
                assigned.add(name)
            return True
        self.join(node, env, snapshot, true_env, false_env, true_names | false_names, assigned)
        return True

    def join(
        self, node, env: Env, before: Env, true_env: Env, false_env: Env, names: Set[str], assigned: Set[str]
    ) -> None:
        for name in sorted(names):
            if name not in true_env or name not in false_env:
                env[name] = UNKNOWN  # "x is not defined in the false branch" if used afterwards
                continue
            first, second = true_env[name], false_env[name]
            joined = unify(first, second)
            full = before.get(name)
            if joined is None and full is not None and full.kind in ("Optional", "Union", "number"):
                joined = full
            if joined is None:
                # torch fails at the `if` when the name is read afterwards ("Type mismatch: y is set
                # to type int in the true branch and type float in the false branch").
                self.owner.poisoned[name] = Event("join-mismatch", node, name, first, second)
                joined = UNKNOWN
            env[name] = joined
            assigned.add(name)
            self.owner.bindings.append((node, name, joined))

    def for_statement(self, node: cst.For, env: Env, parent: Optional[Env], assigned: Set[str]) -> bool:
        iterated = self.of(node.iter, env)
        is_range = isinstance(node.iter, cst.Call) and self.owner.qualify(node.iter.func) == "range"
        looped = is_range or iterated.kind in _LOOPED
        element = self.owner.element_type(node.iter, iterated)
        self.loop(node, node.body, env, parent, assigned, looped, (node.target, element))
        if node.orelse is not None:
            self.block(suite_statements(node.orelse.body), env, parent)
        return True

    def loop(self, node, body, env: Env, parent: Optional[Env], assigned: Set[str], looped: bool, target) -> None:
        snapshot = dict(env)
        inner = dict(env)
        if target is not None:
            target_node, element = target
            if isinstance(target_node, cst.Name):
                inner[target_node.value] = element
            else:
                for name in target_names(target_node):
                    inner[name] = UNKNOWN
        if looped:
            _, names = self.block(suite_statements(body), inner, snapshot)
            for name in sorted(names):
                if name in snapshot:
                    assigned.add(name)
                    self.owner.bindings.append((node, name, snapshot[name]))
            return
        # Unrolled: the body is straight-line code once per element; what it assigns is Unknown here.
        _, names = self.block(suite_statements(body), inner, None)
        for name in names | set(target_names(target[0]) if target else ()):
            env[name] = UNKNOWN
            assigned.add(name)


def _by_instance(first: Optional[JitType], second: Optional[JitType]) -> JitType:
    """A name the two sides of a condition torch decides by the instance give different types: when
    one side makes it None, `name is None` is decided by the instance too, or is a refinement (the
    other side Optional): either way neither side of it is certainly compiled (BY_INSTANCE_NONE)."""
    if first is None or second is None:
        return UNKNOWN
    return BY_INSTANCE_NONE if "NoneType" in (first.kind, second.kind) else UNKNOWN


def hinted(node: cst.BaseExpression, computed: JitType, hint: JitType) -> JitType:
    """The type of `node` where torch has a type hint for it: an empty `[]` or `{}` takes the hinted
    list or dict type (also inside a tuple display), as torch's emitExpr does."""
    wanted = hint.element if hint.kind == "Optional" else hint
    if isinstance(node, cst.List) and not node.elements and wanted.kind == "List":
        return wanted
    if isinstance(node, cst.Dict) and not node.elements and wanted.kind == "Dict":
        return wanted
    if isinstance(node, cst.Tuple) and wanted.kind == "Tuple" and computed.kind == "Tuple":
        if len(node.elements) == len(wanted.items) == len(computed.items):
            return JitType(
                "Tuple",
                tuple(
                    hinted(element.value, have, want)
                    for element, have, want in zip(node.elements, computed.items, wanted.items)
                ),
            )
    return computed


def _fits(value: JitType, previous: JitType) -> bool:
    """Whether torch accepts assigning `value` in a nested block to a name whose enclosing type is
    `previous` (tryConvertToType, then isSubtypeOf)."""
    if "Unknown" in (value.kind, previous.kind):
        return True
    return is_subtype(_convert(previous, value, True), previous)


def _assigned_names(node: cst.CSTNode) -> Set[str]:
    found: Set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_AssignTarget(self, target: cst.AssignTarget) -> None:
            found.update(target_names(target.target))

        def visit_AnnAssign(self, target: cst.AnnAssign) -> None:
            found.update(target_names(target.target))

        def visit_MatchAs(self, pattern: cst.MatchAs) -> None:
            if pattern.name is not None:
                found.add(pattern.name.value)

        def visit_MatchStar(self, pattern: cst.MatchStar) -> None:
            if pattern.name is not None:
                found.add(pattern.name.value)

    node.visit(Names())
    return found
