"""What an `__init__` leaves on `self` when every parameter keeps its default value: the attributes it
then never creates, and those it leaves `None`.

torch types a module's attributes from the instance it is given. Built with its defaults
(`Attention(dim)` with `use_rel_pos=False`), an instance lacks what `__init__` creates only under
`if use_rel_pos:`, and holds `None` where `self.norm = nn.LayerNorm(...) if layer_norm else None`; compiled
code that reads the first ("Module 'Attention' has no attribute 'rel_pos_h'") or calls the second
("cannot call a value of type 'NoneType'") fails for that instance, even under a plain bool flag, since
torch compiles both sides of `if self.use_rel_pos:`.

The evaluation is partial and statement level: a parameter's default literal (`False`, `None`, `0`,
`"group"`), locals and `self.` values assigned from known values, tests of `if`/`elif` that those decide
(`not`, `and`, `or`, comparisons, `isinstance` with a builtin type). A test it cannot decide sends it down
both sides; a parameter without a default, a call's result, a global or a loop's work is unknown. Only
what holds on every path the defaults allow is stated. A path that raises builds nothing; a method `self`
calls, or a call handed `self`, may set anything on it, so the `self.` values read afterwards are unknown.
"""

from __future__ import annotations

from sys import intern
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import libcst as cst

from tslint.analysis.held_values import Held
from tslint.analysis.imports import ImportTable
from tslint.analysis.traversal import code_of, suite_statements, walk
from tslint.index.model import REGISTRATIONS

UNKNOWN = object()
_CREATED = object()  # created, with a value not known (or not a constant)
_CONSTANTS = (type(None), bool, int, float, str)
_BUILTIN_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "tuple": tuple, "list": list, "dict": dict}
Value = Tuple[object, FrozenSet[str]]  # a known constant or UNKNOWN, and the parameters it was computed from


def _nodes(root: cst.CSTNode) -> List[cst.CSTNode]:
    """`root` and every node under it."""
    found: List[cst.CSTNode] = []
    walk(root, lambda node: found.append(node) is None)
    return found


class _State:
    """One path's knowledge: locals and `self.` attributes (name -> value, `_CREATED` or UNKNOWN)."""

    def __init__(
        self, names: Dict[str, Value], attributes: Dict[str, Value], path: FrozenSet[str] = frozenset()
    ) -> None:
        self.names = names
        self.attributes = attributes
        self.path = path  # the parameters of the decided tests this path went through
        # Attributes whose value a call since their assignment may have changed: not read as known.
        # (What the defaults leave on `self` keeps them: the rules check that only `__init__`
        # assigns the attribute they report.)
        self.stale: FrozenSet[str] = frozenset()

    def copy(self) -> _State:
        state = _State(dict(self.names), dict(self.attributes), self.path)
        state.stale = self.stale
        return state


def _merge(a: Optional[_State], b: Optional[_State]) -> Optional[_State]:
    """The knowledge that holds after either path (None: the path raised)."""
    if a is None or b is None:
        return b if a is None else a
    names = {k: (v if _same(b.names.get(k), v) else (UNKNOWN, v[1])) for k, v in a.names.items()}
    for k, v in b.names.items():
        names.setdefault(k, (UNKNOWN, v[1]))
    attributes: Dict[str, Value] = {}
    for k in a.attributes.keys() | b.attributes.keys():
        left, right = a.attributes.get(k), b.attributes.get(k)
        if left is not None and right is not None and _same(left, right):
            attributes[k] = (left[0], left[1] | right[1])
        else:
            attributes[k] = (UNKNOWN, frozenset())
    merged = _State(names, attributes, a.path)
    merged.stale = a.stale | b.stale
    return merged


def _same(a: Optional[Value], b: Optional[Value]) -> bool:
    """Two known values, equal and of one type (`1` is not `True`)."""
    if a is None or b is None or a[0] is UNKNOWN or b[0] is UNKNOWN:
        return False
    return type(a[0]) is type(b[0]) and (a[0] is b[0] or a[0] == b[0])


class DefaultInit:
    """The partial evaluation of one `__init__` with every parameter at its default."""

    def __init__(self, node: cst.FunctionDef, imports: ImportTable) -> None:
        self.imports = imports
        params = [*node.params.posonly_params, *node.params.params]
        self.self_name = params[0].name.value if params else ""
        self.positional = tuple(p.name.value for p in params[1:])
        names: Dict[str, Value] = {}
        self.defaults: Dict[str, str] = {}
        for p in [*params[1:], *node.params.kwonly_params]:
            name = p.name.value
            value = UNKNOWN if p.default is None else self.value(p.default, _State({}, {}))[0]
            names[name] = (value, frozenset({name}))
            if p.default is not None and value is not UNKNOWN:
                self.defaults[name] = code_of(p.default)
        self.parameters = frozenset(names)
        # attribute -> the parameters of the decided tests that skipped a branch creating it
        self.skipped: Dict[str, Set[str]] = {}
        self.super_call: Optional[Tuple[int, Tuple[str, ...], bool]] = None
        self.state = self.block(suite_statements(node.body), _State(names, {}))

    # --- statements ---------------------------------------------------------------------------

    def block(self, statements, state: Optional[_State]) -> Optional[_State]:
        for statement in statements:
            if state is None:
                return None
            if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                for small in statement.body:
                    state = self.small(small, state)
                    if state is None or state is _RETURNED:
                        break
                if state is _RETURNED:
                    return state
            elif isinstance(statement, cst.If):
                state = self.branch(statement, state)
            elif isinstance(statement, cst.With):
                state = self.block(suite_statements(statement.body), state)
            else:  # loops, try, match, nested definitions: whatever they bind is unknown after them
                state = self.forget(statement, state)
            if state is _RETURNED:
                return state
        return state

    def branch(self, node: cst.If, state: _State) -> Optional[_State]:
        test, deps = self.truth(node.test, state)
        orelse = node.orelse
        if test is not UNKNOWN:
            outer = state.path
            deps = deps | outer
            # the untaken side: the body, or the `else` / `elif` chain
            other = orelse if test else node.body
            if other is not None:
                for name in self.created_in(other):
                    self.skipped.setdefault(name, set()).update(deps)
            if not test and orelse is None:
                return state
            state.path = deps
            if test:
                after = self.block(suite_statements(node.body), state)
            elif isinstance(orelse, cst.If):
                after = self.branch(orelse, state)
            else:
                after = self.block(suite_statements(orelse.body), state)  # type: ignore[union-attr]
            if isinstance(after, _State):
                after.path = outer
            return after
        body = self.block(suite_statements(node.body), state.copy())
        if orelse is None:
            other: Optional[_State] = state
        elif isinstance(orelse, cst.If):
            other = self.branch(orelse, state.copy())
        else:
            other = self.block(suite_statements(orelse.body), state.copy())
        if body is _RETURNED or other is _RETURNED:
            return self.forget(node, state)  # one path returns early: what follows is not on every path
        return _merge(body, other)

    def created_in(self, node: cst.CSTNode) -> Set[str]:
        """The attributes a branch may create: `self.x` targets and registrations' names."""
        found: Set[str] = set()
        for inner in _nodes(node):
            if isinstance(inner, (cst.AssignTarget, cst.AnnAssign)):
                attribute = self.self_attribute(inner.target)
                if attribute is not None:
                    found.add(attribute)
            elif isinstance(inner, cst.Call):
                scratch = _State({}, {})
                self.registration(inner, scratch)
                found |= scratch.attributes.keys()
        return found

    def forget(self, node: cst.CSTNode, state: _State) -> _State:
        state = state.copy()
        for found in _nodes(node):
            if isinstance(found, cst.Name):
                if found.value in state.names:
                    state.names[found.value] = (UNKNOWN, frozenset())
            elif isinstance(found, cst.Attribute):
                attribute = self.self_attribute(found)
                if attribute is not None:
                    state.attributes[attribute] = (UNKNOWN, frozenset())
            elif isinstance(found, cst.SimpleString):
                text = found.evaluated_value
                if isinstance(text, str):
                    state.attributes.pop(text, None)
                    state.attributes[text] = (UNKNOWN, frozenset())
            if isinstance(found, cst.Call) and self.touches_self(found):
                state = self.clear_self(state)
        return state

    def small(self, small: cst.BaseSmallStatement, state: _State):
        if isinstance(small, cst.Raise):
            return None
        if isinstance(small, cst.Assert) and self.truth(small.test, state)[0] is False:
            return None  # `assert isinstance(channel_list, (tuple, list))` with `channel_list=None`
        if isinstance(small, cst.Return):
            return _RETURNED
        for found in _nodes(small):
            if isinstance(found, cst.Call):
                if self.touches_self(found):
                    self.note_super(found)
                    state = self.clear_self(state)
                self.registration(found, state)
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            self.method_call(small.value, state)
        self.drop_read_containers(small, state)
        if isinstance(small, cst.Assign):
            value = self.value(small.value, state)
            for target in small.targets:
                self.bind(target.target, value, state)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self.bind(small.target, self.value(small.value, state), state)
        elif isinstance(small, (cst.AugAssign, cst.AnnAssign, cst.Del)):
            return self.forget(small, state)
        return state

    def bind(self, target: cst.BaseExpression, value: Value, state: _State) -> None:
        value = (value[0], value[1] | state.path)
        if isinstance(target, cst.Name):
            held = isinstance(value[0], Held) and value[0].container
            state.names[target.value] = (UNKNOWN, value[1]) if held else value
            return
        attribute = self.self_attribute(target)
        if attribute is not None:
            state.attributes[attribute] = value if value[0] is not UNKNOWN else (_CREATED, value[1])
            state.stale = state.stale - {attribute}
            return
        for found in _nodes(target):  # unpacking, subscripts: every name and attribute in it is unknown
            if isinstance(found, cst.Name) and found.value in state.names:
                state.names[found.value] = (UNKNOWN, frozenset())
            elif isinstance(found, cst.Attribute) and self.self_attribute(found) is not None:
                state.attributes[self.self_attribute(found)] = (UNKNOWN, frozenset())  # type: ignore[index]

    def drop_read_containers(self, small: cst.BaseSmallStatement, state: _State) -> None:
        """An empty list or dict on `self` that a statement reads (`self.layers.append(...)`, `x =
        self.cache`) may be filled through the read: its value is no longer known."""
        read = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else small
        if read is None or not any(isinstance(v[0], Held) and v[0].container for v in state.attributes.values()):
            return
        for found in _nodes(read):
            attribute = self.self_attribute(found) if isinstance(found, cst.Attribute) else None
            value = state.attributes.get(attribute) if attribute is not None else None
            if value is not None and isinstance(value[0], Held) and value[0].container:
                state.attributes[attribute] = (UNKNOWN, frozenset())  # type: ignore[index]

    def registration(self, call: cst.Call, state: _State) -> None:
        """`self.register_buffer("mask", ...)` and the like create the attribute."""
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in REGISTRATIONS
            and self.self_attribute(func) is not None
            and call.args
            and isinstance(call.args[0].value, cst.SimpleString)
        ):
            name = call.args[0].value.evaluated_value
            if isinstance(name, str):
                state.attributes[name] = (UNKNOWN, frozenset())

    def note_super(self, call: cst.Call) -> None:
        """`super().__init__(...)`: how it binds the base's parameters (positional count, keywords,
        whether it expands `*args`/`**kwargs`)."""
        func = call.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value == "__init__"
            and isinstance(func.value, cst.Call)
            and isinstance(func.value.func, cst.Name)
            and func.value.func.value == "super"
        ):
            return
        positional = sum(1 for a in call.args if a.keyword is None and not a.star)
        keywords = tuple(intern(a.keyword.value) for a in call.args if a.keyword is not None)
        star = any(a.star for a in call.args)
        self.super_call = (positional, keywords, star) if self.super_call is None else (0, (), True)

    def touches_self(self, call: cst.Call) -> bool:
        """A call that may set attributes on `self`: a method of `self`, `super().x(...)`, or a call
        handed `self` (not torch's registrations, which create one named attribute)."""
        func = call.func
        if isinstance(func, cst.Attribute):
            if self.self_attribute(func) is not None:
                return func.attr.value not in REGISTRATIONS
            if isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name):
                if func.value.func.value == "super":
                    return True
        return any(isinstance(a.value, cst.Name) and a.value.value == self.self_name for a in call.args)

    def method_call(self, call: cst.Call, state: _State) -> None:
        """`self.set_processor(processor)` as a statement: its arguments' values, under the keys
        `set_processor(0)` (by position) and `set_processor(processor)` (by keyword), for the rules to
        match with what the method stores on `self` (its index fact `parameter_setters`)."""
        method = self.self_attribute(call.func)
        if method is None or method in REGISTRATIONS:
            return
        for key in [k for k in state.attributes if k.startswith(f"{method}(")]:
            del state.attributes[key]
        for position, argument in enumerate(call.args):
            if argument.star:
                return
            key = f"{method}({argument.keyword.value if argument.keyword is not None else position})"
            state.attributes[key] = self.value(argument.value, state)
            state.attributes[key] = (state.attributes[key][0], state.attributes[key][1] | state.path)

    @staticmethod
    def clear_self(state: _State) -> _State:
        """After a call that may set anything on `self`: no `self.` value is read as known, and any
        method it calls may have been called again (the recorded calls' arguments are unknown)."""
        state = state.copy()
        state.stale = frozenset(state.attributes)
        state.attributes = {k: ((UNKNOWN, v[1]) if k.endswith(")") else v) for k, v in state.attributes.items()}
        return state

    def self_attribute(self, node: cst.BaseExpression) -> Optional[str]:
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            if node.value.value == self.self_name:
                return node.attr.value
        return None

    # --- expressions --------------------------------------------------------------------------

    def value(self, node: cst.BaseExpression, state: _State) -> Value:
        none = frozenset()
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.value], none
            return state.names.get(node.value, (UNKNOWN, none))
        if isinstance(node, (cst.Integer, cst.Float)):
            return node.evaluated_value, none
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = node.evaluated_value
            return (text if isinstance(text, str) else UNKNOWN), none
        attribute = self.self_attribute(node)
        if attribute is not None:
            found = state.attributes.get(attribute, (UNKNOWN, none))
            if attribute in state.stale:
                return UNKNOWN, found[1]
            return (UNKNOWN, found[1]) if found[0] is _CREATED else found
        if isinstance(node, cst.UnaryOperation):
            inner, deps = self.value(node.expression, state)
            if inner is UNKNOWN or (isinstance(inner, Held) and not inner.container):
                return UNKNOWN, deps
            if isinstance(node.operator, cst.Not):
                return (not inner), deps
            if isinstance(node.operator, cst.Minus) and type(inner) in (int, float):
                return -inner, deps  # type: ignore[operator]
            return UNKNOWN, deps
        if isinstance(node, cst.BooleanOperation):
            # Python's value: `dim or 64` is 64 when `dim` is falsy, not True
            left, deps = self.truth(node.left, state)
            if left is UNKNOWN:
                return UNKNOWN, deps
            stop = left if isinstance(node.operator, cst.Or) else not left
            chosen, more = self.value(node.left if stop else node.right, state)
            return chosen, deps | more
        if isinstance(node, cst.Comparison):
            return self.truth(node, state)
        if isinstance(node, cst.IfExp):
            test, deps = self.truth(node.test, state)
            if test is UNKNOWN:
                return UNKNOWN, deps
            chosen, more = self.value(node.body if test else node.orelse, state)
            return chosen, deps | more
        if isinstance(node, (cst.List, cst.Dict)) and not node.elements:
            return Held("list" if isinstance(node, cst.List) else "dict"), none
        if isinstance(node, cst.Call) and isinstance(node.func, (cst.Name, cst.Attribute)):
            callee = self.imports.qualify(node.func)
            if callee is not None and self.self_attribute(node.func) is None:
                return Held(f"instance:{callee}"), none
        if isinstance(node, cst.Tuple) and not any(isinstance(e, cst.StarredElement) for e in node.elements):
            items = [self.value(e.value, state) for e in node.elements]
            if all(v is not UNKNOWN for v, _ in items):
                return tuple(v for v, _ in items), frozenset().union(*(d for _, d in items))
        return UNKNOWN, none

    def truth(self, node: cst.BaseExpression, state: _State) -> Value:
        """Whether `node` is true (True/False) or UNKNOWN, and the parameters that decide it."""
        if isinstance(node, cst.BooleanOperation):
            left, ldeps = self.truth(node.left, state)
            right, rdeps = self.truth(node.right, state)
            deciding = False if isinstance(node.operator, cst.And) else True
            if left == deciding and left is not UNKNOWN:
                return deciding, ldeps
            if right == deciding and right is not UNKNOWN:
                return deciding, rdeps
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN, ldeps | rdeps
            return (not deciding), ldeps | rdeps
        if isinstance(node, cst.Comparison):
            return self.comparison(node, state)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "isinstance":
            return self.isinstance_test(node, state)
        value, deps = self.value(node, state)
        if value is UNKNOWN or (isinstance(value, Held) and not value.container):
            return UNKNOWN, deps  # an instance's truth is its class's
        return bool(value), deps

    def comparison(self, node: cst.Comparison, state: _State) -> Value:
        left, deps = self.value(node.left, state)
        result = True
        for target in node.comparisons:
            right, more = self.value(target.comparator, state)
            deps = deps | more
            if left is UNKNOWN or right is UNKNOWN or not _constant(left) or not _constant(right):
                return UNKNOWN, deps
            outcome = _compare(target.operator, left, right)
            if outcome is UNKNOWN:
                return UNKNOWN, deps
            result = result and bool(outcome)
            left = right
        return result, deps

    def isinstance_test(self, node: cst.Call, state: _State) -> Value:
        if len(node.args) != 2 or any(a.keyword or a.star for a in node.args):
            return UNKNOWN, frozenset()
        value, deps = self.value(node.args[0].value, state)
        kinds = node.args[1].value
        members = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
        types = []
        for member in members:
            name = self.imports.qualify(member) or ""
            found = _BUILTIN_TYPES.get(name.replace("builtins.", ""))
            if found is None:
                return UNKNOWN, deps
            types.append(found)
        if value is UNKNOWN or not _constant(value):
            return UNKNOWN, deps
        return isinstance(value, tuple(types)), deps


class _Returned:
    """The marker of a path that returned early."""


_RETURNED = _Returned()


def _constant(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_constant(v) for v in value)
    return isinstance(value, _CONSTANTS)


def _compare(operator: cst.BaseCompOp, left: object, right: object) -> object:
    try:
        if isinstance(operator, cst.Is):
            return left is right if left is None or right is None or isinstance(left, bool) else UNKNOWN
        if isinstance(operator, cst.IsNot):
            return left is not right if left is None or right is None or isinstance(left, bool) else UNKNOWN
        table = {
            cst.Equal: lambda a, b: a == b,
            cst.NotEqual: lambda a, b: a != b,
            cst.LessThan: lambda a, b: a < b,
            cst.LessThanEqual: lambda a, b: a <= b,
            cst.GreaterThan: lambda a, b: a > b,
            cst.GreaterThanEqual: lambda a, b: a >= b,
            cst.In: lambda a, b: a in b,
            cst.NotIn: lambda a, b: a not in b,
        }
        compare = table.get(type(operator))
        return UNKNOWN if compare is None else compare(left, right)
    except TypeError:
        return UNKNOWN


def default_construction(node: cst.FunctionDef, imports: ImportTable, owner: Optional[str]) -> Tuple[object, ...]:
    """For a class's `__init__`: (its positional parameters after `self`; each attribute the defaults
    leave `None`, and each they leave absent, as (name, the deciding parameters with their defaults'
    code); the attributes they may create; how it calls `super().__init__`, or None; each attribute
    they leave a `Held` value or an int, as (name, its `what` or "int", the deciding parameters); each
    attribute they leave a bool, as (name, "True" or "False", the deciding parameters)). Empty when the
    defaults raise or return early, or for any other function."""
    if owner is None or node.name.value != "__init__" or not isinstance(node.body, cst.IndentedBlock):
        return ()
    init = DefaultInit(node, imports)
    state = init.state
    if state is None or state is _RETURNED:
        return ()

    def deciding(name: str, deps: Iterable[str] = ()) -> Tuple[Tuple[str, str], ...]:
        parameters = set(deps) | init.skipped.get(name, set())
        return tuple(sorted((intern(p), init.defaults[p]) for p in parameters if p in init.defaults))

    attributes = sorted(state.attributes.items())
    none = tuple((intern(name), deciding(name, deps)) for name, (value, deps) in attributes if value is None)
    absent = tuple((intern(name), deciding(name)) for name in sorted(init.skipped) if name not in state.attributes)
    held = tuple(
        (intern(name), intern(getattr(value, "what", "int")), deciding(name, deps))
        for name, (value, deps) in attributes
        if (isinstance(value, Held) and not (value.container and name in state.stale)) or type(value) is int
    )
    flags = tuple(
        (intern(name), str(value), deciding(name, deps))
        for name, (value, deps) in attributes
        if type(value) is bool and name not in state.stale
    )
    created = frozenset(intern(n) for n in state.attributes)
    return (init.positional, none, absent, created, init.super_call, held, flags)
