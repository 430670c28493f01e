"""Flow-sensitive TorchScript types of one compiled function, as torch's frontend assigns them
(torch/csrc/jit/frontend/ir_emitter.cpp), without torch.

- parameters: their annotation; unannotated ones are Tensors (whatever their default);
- locals at each point: an assignment gives a name its value's type in the current block; at an
  `if`/`else` join the two branches' types unify as torch unifies them (`None` with `T` is
  `Optional[T]`), a branch that cannot complete (`return`, `raise`, `continue`, `break`) does not
  take part, and a name torch could not unify or that one branch lacks is Unknown afterwards;
- assigning, inside a nested block, to a name of an enclosing block: the value's type must be a
  subtype of the enclosing one (else torch fails: `Variable 'x' previously had type ...`), and the
  name keeps the enclosing type after the loop;
- refinement as torch refines: `x is None` / `x is not None` (also in `and`/`or` chains and after
  `assert`), `isinstance(x, T)` on the branch where it holds; only locals are refined;
- branches torch does not compile (on `torch.jit.is_scripting()`, `is None` of a value that cannot
  be None, `isinstance` of a value of known type) are not typed;
- returns: the annotation, else the unified type of the `return`s.

Each binding is recorded (`bindings`), each expression's type too (`type_of`); what torch would
reject while typing is recorded as an `Event` for the type checks.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from tslint.analysis.expressions import Env, ExpressionTypes
from tslint.analysis.inference_flow import BY_INSTANCE_NONE, Event, Flow
from tslint.analysis.operator_tables import known
from tslint.analysis.schema_types import BOOL, INT, NONE, TENSOR, UNKNOWN, JitType
from tslint.analysis.torch_modules import returns_tensor
from tslint.analysis.types import annotation_type, class_type

BARE_TUPLE = JitType("AnyTuple", name="tuple")


class FunctionTypes:
    """The typed view of one compiled function, computed at construction (only for compiled code)."""

    def __init__(
        self,
        node: cst.FunctionDef,
        qualify,
        self_name: Optional[str],
        project,
        classes: Sequence[str],
        parameters: Optional[Dict[str, JitType]] = None,
        declared_return: Optional[JitType] = None,
    ) -> None:
        self.node = node
        self.qualify = qualify
        self.self_name = self_name
        self.project = project  # ProjectTypes, or None outside a project
        self.classes = tuple(classes)
        self.expressions = ExpressionTypes(self)
        self.bindings: List[Tuple[cst.CSTNode, str, JitType]] = []
        self.events: List[Event] = []
        # Names whose branches' types do not unify, until reassigned: reading one is torch's error.
        self.poisoned: Dict[str, Event] = {}
        # Each `if` typed, by id: True/False when torch decides its test while compiling, None when
        # not (or when two visits of a loop body disagree).
        self._decisions: Dict[int, Optional[bool]] = {}
        self._by_instance: Set[int] = set()
        self.returns: List[Tuple[cst.Return, JitType]] = []
        self.parameters: Dict[str, JitType] = parameters if parameters is not None else self._parameters()
        self.declared_return = declared_return if declared_return is not None else self._declared_return()
        # Whether control can reach the end of the body without a `return` or `raise`, in the code
        # torch compiles (branches it prunes left out).
        # Unknown when an `if` torch may decide while compiling hides it (`isinstance` of a value of
        # unknown type with no `else`: torch may prune the side that falls through).
        flow = Flow(self)
        self.falls_off_end = flow.run(node, dict(self.parameters)) and not flow.uncertain
        self.return_type = self._return_type()

    # --- what rules ask --------------------------------------------------------------------------

    def type_of(self, node: cst.BaseExpression) -> JitType:
        """The type of an expression of the function's compiled code (Unknown if never typed)."""
        return self.expressions.types.get(id(node), UNKNOWN)

    @property
    def calls(self):
        """The calls of torch functions and Tensor methods whose argument types are all known, each
        with whether a schema accepts them (operator_tables.Call)."""
        return self.expressions.calls

    def events_at(self, node: cst.CSTNode, kind: str) -> List[Event]:
        """What torch rejects at `node` (inference_flow.Event), of one kind."""
        return [event for event in self.events if event.node is node and event.kind == kind]

    def member(self, node: cst.Attribute) -> Optional[Tuple[JitType, str]]:
        """(type of the value, name) when `node` reads an attribute or method of a value (not of a
        module or class name, not `self`); None otherwise."""
        return self.expressions.members.get(id(node))

    def call(self, node: cst.CSTNode):
        """The operator_tables.Call of a torch call (or of an arithmetic operation on None), or None
        (not torch's, or an argument Unknown)."""
        return self.expressions.calls_by_node.get(id(node))

    def decision(self, node: cst.If) -> Optional[bool]:
        """True/False when torch decides the test of `node` while compiling, so that it compiles
        only the body (True) or only the `else` side (False); None when it does not, or when the
        `if` was never typed (code torch does not compile)."""
        return self._decisions.get(id(node))

    def record_decision(self, node: cst.If, decided: Optional[bool]) -> None:
        key = id(node)
        if key in self._decisions and self._decisions[key] is not decided:
            decided = None
        self._decisions[key] = decided

    # --- signature -------------------------------------------------------------------------------

    def annotation(self, expression: cst.BaseExpression) -> JitType:
        if self.project is None:
            return annotation_type(expression, self.qualify)
        # the function's own module reads its bare alias names (the qualifier is its import table's)
        module = getattr(getattr(self.qualify, "__self__", None), "module_name", "")
        return annotation_type(expression, self.qualify, self.project.is_class, self.project.aliases_in(module))

    def _parameters(self) -> Dict[str, JitType]:
        found: Dict[str, JitType] = {}
        params = self.node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            if name == self.self_name:
                continue
            if param.annotation is not None:
                found[name] = self.annotation(param.annotation.annotation)
                if self.qualify(param.annotation.annotation) in ("tuple", "builtins.tuple"):
                    # A bare `tuple`: torch's AnyTupleType, which it passes on and prints but
                    # cannot unpack, index or iterate (its element types are unknown).
                    found[name] = BARE_TUPLE
            else:
                # torch types `__setstate__`'s argument by what `__getstate__` returns, not as a Tensor.
                found[name] = UNKNOWN if self.node.name.value == "__setstate__" else TENSOR
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                found[star.name.value] = UNKNOWN
        return found

    def _declared_return(self) -> JitType:
        if self.node.returns is None:
            return UNKNOWN
        return self.annotation(self.node.returns.annotation)

    def _return_type(self) -> JitType:
        if self.node.returns is not None:
            return self.declared_return
        if not self.returns:
            return JitType("NoneType")
        from tslint.analysis.schema_matching import unify

        result: Optional[JitType] = self.returns[0][1]
        for _, found in self.returns[1:]:
            result = unify(result, found) if result is not None else None
        if result is not None and self.falls_off_end:
            # torch returns None at the end of the body: `Tensor?` when the other paths return a Tensor
            result = unify(result, JitType("NoneType"))
        return result or UNKNOWN

    # --- what expressions ask --------------------------------------------------------------------

    @staticmethod
    def event(kind: str, node: cst.CSTNode, name: str, first: JitType, second: JitType) -> Event:
        return Event(kind, node, name, first, second)

    def _each_class(self, compute) -> JitType:
        """The type every class this function is compiled for agrees on, else Unknown."""
        if self.project is None or not self.classes:
            return UNKNOWN
        found = {compute(klass) for klass in self.classes}
        return found.pop() if len(found) == 1 else UNKNOWN

    def self_attribute(self, name: str) -> JitType:
        if self.project is None:
            return UNKNOWN
        methods = self._each_class(lambda klass: self._method_marker(klass, name))
        if methods.kind == "Method":
            return UNKNOWN  # a bound method, not a value
        return self._each_class(lambda klass: self.project.attribute_type(klass, name))

    def attribute_typed_by_value(self, name: str) -> bool:
        """Every class this function is compiled for types `self.<name>` from its built value."""
        if self.project is None or not self.classes:
            return False
        return all(self.project.typed_by_value(klass, name) for klass in self.classes)

    def _method_marker(self, klass: str, name: str) -> JitType:
        facts = self.project._compiled_class(klass)
        return JitType("Method") if name in facts.methods else UNKNOWN

    def self_method_call(self, name: str) -> JitType:
        if self.project is None:
            return UNKNOWN

        def returns(klass: str) -> JitType:
            facts = self.project._compiled_class(klass)
            if name in facts.replaced_methods:
                return UNKNOWN  # replaced on the class at run time: its source is not what torch compiles
            method = facts.methods.get(name)
            if method is not None:
                return self.project.returns(method)
            attribute = self.project.attribute_type(klass, name)
            if attribute == JitType("Class", name="torch.nn.Sequential"):
                # Calling a Sequential returns what its last module returns.
                lasts = {a.last_element for a in facts.attributes.get(name, ())}
                last = lasts.pop() if len(lasts) == 1 else None
                if last is None:
                    return UNKNOWN
                attribute = class_type(self.project.index.resolve(last) or last)
            if attribute.kind == "Unknown":
                # Built as one of several modules: their forwards may all return one type.
                candidates = self.project.module_candidates(klass, name)
                results = {self.class_method_call(candidate, "forward") for candidate in candidates}
                return results.pop() if len(results) == 1 else UNKNOWN
            return self.class_method_call(attribute, "forward") if attribute.kind == "Class" else UNKNOWN

        return self._each_class(returns)

    def class_method_call(self, owner: JitType, method: str) -> JitType:
        if self.project is None or owner.kind != "Class":
            return UNKNOWN
        if owner.name not in self.project.index.classes:
            return TENSOR if method == "forward" and returns_tensor(owner.name) else UNKNOWN
        facts = self.project._compiled_class(owner.name)
        if facts.unknown_bases or method not in facts.methods or method in facts.replaced_methods:
            return UNKNOWN
        return self.project.returns(facts.methods[method])

    def project_call(self, name: str) -> Optional[JitType]:
        """The return type of a call of a project function or class by its qualified name; None when
        it is not the project's."""
        if self.project is None:
            return None
        resolved = self.project.index.resolve(name) or name
        function = self.project.index.functions.get(resolved)
        if function is not None:
            return self.project.returns(function)
        if resolved in self.project.index.classes:
            return UNKNOWN
        return None

    def element_type(self, iterable: cst.BaseExpression, iterated: JitType) -> JitType:
        """The type of the loop variable of `for x in iterable` (Unknown when torch unrolls it)."""
        if isinstance(iterable, cst.Call) and self.qualify(iterable.func) == "range":
            return INT
        if iterated.kind == "List":
            return iterated.element
        if iterated.kind in ("Tensor", "str"):
            return iterated if iterated.kind == "str" else TENSOR
        if iterated.kind == "Dict":
            return iterated.items[0]
        return UNKNOWN

    # --- conditions --------------------------------------------------------------------------------

    def decide(self, test: cst.BaseExpression, env: Env) -> Optional[bool]:
        """True/False when torch evaluates the condition while compiling (and compiles one branch)."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.decide(test.expression, env)
            return None if inner is None else not inner
        if isinstance(test, cst.Call) and self.qualify(test.func) == "torch.jit.is_scripting":
            return True
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            target = test.comparisons[0]
            if isinstance(target.operator, (cst.Is, cst.IsNot)) and _is_none(target.comparator):
                value = self.expressions.of(test.left, env)
                is_none = {"NoneType": True, "Optional": None, "Unknown": None, "Union": None, "Any": None}.get(
                    value.kind, False
                )
                if is_none is None:
                    return None
                return is_none if isinstance(target.operator, cst.Is) else not is_none
        if isinstance(test, cst.Call) and self.qualify(test.func) == "isinstance" and len(test.args) == 2:
            return self._isinstance(test, env)
        return None

    def may_decide(self, test: cst.BaseExpression, env: Env) -> bool:
        """Whether torch may evaluate `test` while compiling where tslint cannot tell: `isinstance` or
        `is None` of a value of unknown type (torch knows it, and prunes the side it rules out)."""
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        if isinstance(test, cst.BooleanOperation):
            return self.may_decide(test.left, env) or self.may_decide(test.right, env)
        subject = None
        if isinstance(test, cst.Call) and self.qualify(test.func) == "isinstance" and len(test.args) == 2:
            subject = test.args[0].value
        elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            target = test.comparisons[0]
            if isinstance(target.operator, (cst.Is, cst.IsNot)) and _is_none(target.comparator):
                subject = test.left
        return subject is not None and self.expressions.of(subject, env).kind in ("Unknown", "Any")

    def is_constant_condition(self, test: cst.BaseExpression, env: Env) -> bool:
        """Whether torch evaluates `test` while compiling although tslint cannot tell its value, so
        that it compiles one side of the `if`, which one the built instance decides:
        - a `Final` or `__constants__` bool attribute (torch inlines it as a constant), or `not` of one;
        - `self.x is None` (or `is not None`) where the class does not annotate `x`: torch types the
          attribute by the instance's value, NoneType or a type that is never None, and decides;
        - `v is None` of a local that is None or not as the instance decided (BY_INSTANCE_NONE)."""
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            target = test.comparisons[0]
            if not (isinstance(target.operator, (cst.Is, cst.IsNot)) and _is_none(target.comparator)):
                return False
            if isinstance(test.left, cst.Name):
                return env.get(test.left.value) == BY_INSTANCE_NONE
            return self._unannotated_attribute(test.left)
        if self.project is None or not self.classes or not isinstance(test, cst.Attribute):
            return False
        base = test.value
        if not (isinstance(base, cst.Name) and base.value == self.self_name):
            return False
        name = test.attr.value
        if not all(name in self.project._compiled_class(klass).maybe_constants for klass in self.classes):
            return False
        # torch decides on a constant bool only: an int constant is tested through `aten::Bool`, a
        # node, and both sides compile (probed).
        return self.self_attribute(name) == BOOL

    def _unannotated_attribute(self, node: cst.BaseExpression) -> bool:
        """`self.x` where every class this function is compiled for assigns `x` in its own code and
        annotates it nowhere (so torch types it by the value the instance holds)."""
        if self.project is None or not self.classes or not isinstance(node, cst.Attribute):
            return False
        if not (isinstance(node.value, cst.Name) and node.value.value == self.self_name):
            return False
        name = node.attr.value
        for klass in self.classes:
            facts = self.project._compiled_class(klass)
            if name in facts.annotations or name not in facts.attributes:
                return False
            if facts.unknown_bases and self.project.index.has_bases_outside_torch(facts.info):
                return False
            if name in facts.methods or "*" in facts.attributes:
                return False
        return True

    def record_by_instance(self, node: cst.If) -> None:
        self._by_instance.add(id(node))

    def decided_by_instance(self, node: cst.If) -> bool:
        """Whether torch decides the test of `node` while compiling, by the built instance, so that
        neither side is certainly compiled (is_constant_condition)."""
        return id(node) in self._by_instance and self._decisions.get(id(node)) is None

    def _isinstance(self, test: cst.Call, env: Env) -> Optional[bool]:
        """torch's answer while compiling: True or False for a value of a known type; for an
        `Optional` or a `Union`, False when no member can be of the types asked for (torch prunes the
        side; probed: `isinstance(flag, bool)` with `flag: Optional[Tensor]`), else undecided (a
        member may be: torch refines it and compiles both sides)."""
        value = self.expressions.of(test.args[0].value, env)
        if not known(value) or value.kind == "Any":
            return None
        spec = test.args[1].value
        options = [e.value for e in spec.elements] if isinstance(spec, cst.Tuple) else [spec]
        kinds = set()
        for option in options:
            name = self.qualify(option)
            kind = _ISINSTANCE_KINDS.get(name or "")
            if kind is None:
                return None
            kinds.add(kind)
        if value.kind in ("Optional", "Union"):
            members = _flat_members(value)
            if all(known(member) and member.kind not in ("Any", "Var") for member in members):
                if not any(member.kind in kinds for member in members):
                    return False
            return None
        return value.kind in kinds

    def refinements(self, test: cst.BaseExpression, env: Env) -> Tuple[Env, Env]:
        """The local types that hold where `test` is true and where it is false."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            true, false = self.refinements(test.expression, env)
            return false, true
        if isinstance(test, cst.BooleanOperation):
            left_true, left_false = self.refinements(test.left, env)
            right_true, right_false = self.refinements(
                test.right, {**env, **left_true} if isinstance(test.operator, cst.And) else {**env, **left_false}
            )
            if isinstance(test.operator, cst.And):
                return {**left_true, **right_true}, {}
            return {}, {**left_false, **right_false}
        if (
            isinstance(test, cst.Call)
            and self.qualify(test.func) == "isinstance"
            and len(test.args) == 2
            and isinstance(test.args[0].value, cst.Name)
        ):
            return self._isinstance_refinements(test, env)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name):
            target = test.comparisons[0]
            name = test.left.value
            value = env.get(name)
            if value is not None and _is_none(target.comparator):
                present = _without_none(value)
                if present is None:
                    return {}, {}
                # torch refines only the side where the value is not None: on the other, `x` keeps
                # its Optional type (assigning it a Tensor there is no type change: probed).
                if isinstance(target.operator, cst.IsNot):
                    return {name: present}, {}
                if isinstance(target.operator, cst.Is):
                    return {}, {name: present}
        return {}, {}

    def _isinstance_refinements(self, test: cst.Call, env: Env) -> Tuple[Env, Env]:
        """`isinstance(y, T)` of a local `Union`/`Optional`: the members of type T where it holds,
        the others where it does not (torch's union refinement)."""
        name = test.args[0].value.value
        value = env.get(name)
        if value is None or value.kind not in ("Union", "Optional"):
            return {}, {}
        members = _flat_members(value)
        spec = test.args[1].value
        options = [e.value for e in spec.elements] if isinstance(spec, cst.Tuple) else [spec]
        kinds, exact = set(), set()
        for option in options:
            if isinstance(option, cst.Subscript):
                # `isinstance(y, Dict[str, Tensor])`: the members of exactly that type
                wanted = self.annotation(option)
                if not known(wanted):
                    return {}, {}
                exact.add(wanted)
                continue
            qualified = self.qualify(option) or ""
            kind = _ISINSTANCE_KINDS.get(qualified)
            if kind is None:
                # `isinstance(edge_index, SparseTensor)`: a project class, the members of exactly it
                # (an instance of another class may be of a subclass: not refined then)
                found = self.project.class_of(qualified) if self.project is not None else None
                if found is None:
                    return {}, {}
                exact.add(class_type(found))
                continue
            kinds.add(kind)
        if any(e.kind == "Class" for e in exact):
            resolve = self.project.index.resolve
            same = {m: class_type(resolve(m.name) or m.name) if m.kind == "Class" else m for m in members}
            if any(m.kind == "Class" and same[m] not in exact for m in members):
                return {}, {}
            exact |= {m for m in members if same[m] in exact}
        inside = [member for member in members if member.kind in kinds or member in exact]
        outside = [member for member in members if member not in inside]
        return {name: _members(inside)} if inside else {}, {name: _members(outside)} if outside else {}


def _flat_members(value: JitType) -> Tuple[JitType, ...]:
    """The members of an `Optional` or a `Union`, nested ones spread out: `Optional[Union[Tensor,
    float]]` is Tensor, float or None, as torch's union refinement sees it."""
    found: List[JitType] = []
    for member in value.items if value.kind == "Union" else (value.element, NONE):
        for inner in _flat_members(member) if member.kind in ("Optional", "Union") else (member,):
            if inner not in found:
                found.append(inner)
    return tuple(found)


def _without_none(value: JitType) -> Optional[JitType]:
    """The type of a value of type `value` known not to be None: `Optional[T]` gives `T`, a `Union`
    with `NoneType` its other members (torch refines both); None when `value` is neither."""
    if value.kind == "Optional":
        return value.element
    if value.kind == "Union" and NONE in value.items:
        return _members([member for member in value.items if member != NONE])
    return None


def _members(members) -> JitType:
    if len(members) == 1:
        return members[0]
    others = [member for member in members if member.kind != "NoneType"]
    if len(others) == 1 and len(members) == 2:
        return JitType("Optional", (others[0],))
    return JitType("Union", tuple(members))


_ISINSTANCE_KINDS = {
    "torch.Tensor": "Tensor",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "list": "List",
    "tuple": "Tuple",
    "dict": "Dict",
    "typing.List": "List",
    "typing.Tuple": "Tuple",
    "typing.Dict": "Dict",
}


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


__all__ = ["Event", "FunctionTypes"]
