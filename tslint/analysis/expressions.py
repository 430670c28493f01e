"""The TorchScript type of an expression in compiled code, given the types of the names in scope.

Calls of torch operators, Tensor methods and `torch.nn.functional` are typed by matching torch's own
schemas (schema_matching.resolve), so a result is what torch's graph would show; a call that matches
no schema is recorded (`Call`) for the call checks and types Unknown. Everything tslint cannot tell
is Unknown, and Unknown flows on: `Unknown + 1` is Unknown.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis import call_schemas
from tslint.analysis.members import TENSOR_CASTS
from tslint.analysis.operator_tables import (
    BINARY_OPERATORS,
    CASTS,
    COMPARISONS,
    CONSTANTS,
    DTYPES,
    NUMBER_KINDS,
    Call,
    element_kinds_clash,
    known,
    number_union_beside_unknown,
    returns_of,
)
from tslint.analysis.schema_matching import match, resolve, unify
from tslint.analysis.schema_types import (
    BOOL,
    FLOAT,
    INT,
    NONE,
    STR,
    TENSOR,
    UNKNOWN,
    JitType,
    leaf,
    list_of,
    tuple_of,
)
from tslint.analysis.signatures import signatures
from tslint.analysis.traversal import code_of, constant_int, target_names

Env = Dict[str, JitType]
EMPTY_LIST = leaf("EmptyList")


def _checked(positional, keywords, plain: bool) -> bool:
    # Not with `*args`, nor a module argument: torch first fails inside the callee (TS351 there).
    return plain and all(value.kind != "Class" for value in (*positional, *(value for _, value in keywords)))


class ExpressionTypes:
    """Types expressions of one function; remembers each expression's type and each torch call."""

    def __init__(self, owner) -> None:
        self.owner = owner  # the FunctionTypes: qualify, self name, attribute and method types
        self.types: Dict[int, JitType] = {}
        self.nodes: Dict[int, cst.CSTNode] = {}
        self.calls: List[Call] = []
        self.calls_by_node: Dict[int, Call] = {}
        # `value.name` reads and method calls on a value, by the Attribute node: (value's type, name).
        self.members: Dict[int, Tuple[JitType, str]] = {}

    def of(self, node: cst.BaseExpression, env: Env) -> JitType:
        found = self._of(node, env)
        self.types[id(node)] = found
        self.nodes[id(node)] = node
        return found

    def _of(self, node: cst.BaseExpression, env: Env) -> JitType:
        kind = type(node)
        if kind is cst.Integer:
            return INT
        if kind is cst.Float:
            return FLOAT
        if kind is cst.SimpleString:
            return STR
        if kind in (cst.ConcatenatedString, cst.FormattedString):
            self._string_parts(node, env)  # torch compiles an f-string's fields (aten::format)
            return STR
        if kind is cst.Name:
            return self._name(node, env)
        if kind is cst.Attribute:
            return self._attribute(node, env)
        if kind is cst.Call:
            return self._call(node, env)
        if kind is cst.BinaryOperation:
            return self._binary(node, env)
        if kind is cst.UnaryOperation:
            operand = self.of(node.expression, env)
            if isinstance(node.operator, cst.Not):
                return BOOL
            return operand if operand.kind in ("int", "float", "Tensor") else UNKNOWN
        if kind is cst.BooleanOperation:
            # The right operand runs only where the left one is true (`and`) or false (`or`): torch
            # types it with the left one's refinements (`m is not None and m.sum() > 0`).
            self.of(node.left, env)
            true, false = self.owner.refinements(node.left, env)
            self.of(node.right, {**env, **(true if isinstance(node.operator, cst.And) else false)})
            return BOOL
        if kind is cst.Comparison:
            return self._comparison(node, env)
        if kind is cst.Subscript:
            return self._subscript(node, env)
        if kind is cst.Tuple:
            items = [self.of(element.value, env) for element in node.elements]
            if any(isinstance(element, cst.StarredElement) for element in node.elements):
                return UNKNOWN
            return tuple_of(*items)
        if kind is cst.List:
            return self._list(node, env)
        if kind is cst.Dict:
            return self._dict(node, env)
        if kind is cst.IfExp:
            return self._if_expression(node, env)
        if kind in (cst.ListComp, cst.DictComp):
            return self._comprehension(node, env)
        return UNKNOWN

    def _string_parts(self, node: cst.BaseExpression, env: Env) -> None:
        if isinstance(node, cst.ConcatenatedString):
            for side in (node.left, node.right):
                self._string_parts(side, env)
        elif isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    self.of(part.expression, env)

    # --- names and attributes --------------------------------------------------------------------

    def _name(self, node: cst.Name, env: Env) -> JitType:
        name = node.value
        if name in self.owner.poisoned:
            self.owner.events.append(self.owner.poisoned.pop(name))
        if name in env:
            return env[name]
        if name in ("True", "False"):
            return BOOL
        if name == "None":
            return NONE
        return UNKNOWN

    def _attribute(self, node: cst.Attribute, env: Env) -> JitType:
        base = node.value
        if isinstance(base, cst.Name) and base.value == self.owner.self_name and base.value not in env:
            return self.owner.self_attribute(node.attr.value)
        if self._is_value(base, env):
            value = self.of(base, env)
            self.members[id(node)] = (value, node.attr.value)
            if value.kind == "Tensor":
                return signatures().tensor_attributes.get(node.attr.value, UNKNOWN)
            if value.kind == "Tuple" and value.name:
                fields = value.name.split(",")
                return value.items[fields.index(node.attr.value)] if node.attr.value in fields else UNKNOWN
            return UNKNOWN
        name = self.owner.qualify(node)
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in DTYPES:
            return INT
        return UNKNOWN

    def _is_value(self, node: cst.BaseExpression, env: Env) -> bool:
        """Whether `node` is a value rather than a dotted name of a module or class (`torch.nn`)."""
        while isinstance(node, cst.Attribute):
            node = node.value
        if isinstance(node, cst.Name):
            return node.value in env or node.value == self.owner.self_name
        return True

    # --- calls -----------------------------------------------------------------------------------

    def _arguments(self, node: cst.Call, env: Env):
        positional: List[JitType] = []
        keywords: List[Tuple[str, JitType]] = []
        plain = True
        for argument in node.args:
            value = argument.value
            found = EMPTY_LIST if isinstance(value, cst.List) and not value.elements else self.of(value, env)
            if argument.star:
                plain = False
            elif argument.keyword is not None:
                keywords.append((argument.keyword.value, found))
            else:
                positional.append(found)
        return tuple(positional), tuple(keywords), plain

    def _call(self, node: cst.Call, env: Env) -> JitType:
        func = node.func
        positional, keywords, plain = self._arguments(node, env)
        if isinstance(func, cst.Attribute) and self._is_value(func.value, env):
            base = func.value
            if isinstance(base, cst.Name) and base.value == self.owner.self_name and base.value not in env:
                schema = None
                if _checked(positional, keywords, plain):
                    method = func.attr.value
                    schema = call_schemas.self_method_schema(self.owner, method) or call_schemas.submodule_schema(
                        self.owner, method
                    )
                if schema is not None:  # torch matches the call against the method's signature
                    self._match(node, code_of(func), (schema,), positional, keywords, None)
                return self.owner.self_method_call(func.attr.value)
            owner = self.of(base, env)
            self.members[id(func)] = (owner, func.attr.value)
            if owner.kind == "Tensor" and plain:
                if func.attr.value in TENSOR_CASTS and not positional and not keywords:
                    return TENSOR  # `x.float()`, `mask.bool()`
                schemas = signatures().tensor_method(func.attr.value)
                return self._match(node, "Tensor." + func.attr.value, schemas, positional, keywords, owner)
            if owner.kind == "Class":
                return self.owner.class_method_call(owner, func.attr.value)
            return UNKNOWN
        if isinstance(func, cst.Name) and func.value in env:
            callee = env[func.value]
            return self.owner.class_method_call(callee, "forward") if callee.kind == "Class" else UNKNOWN
        if isinstance(func, cst.Subscript) and _self_element(func, self.owner.self_name, env):
            # `self.blocks[0](x, t)`: the forward of the container's one element class.
            self.of(func, env)
            forward = call_schemas.element_forward(self.owner, func.value.attr.value)
            if forward is None:
                return UNKNOWN
            schema = call_schemas.schema_of(self.owner.project, forward)
            if schema is not None and _checked(positional, keywords, plain):
                self._match(node, code_of(func), (schema,), positional, keywords, None)
            return self.owner.project.returns(forward)
        if not isinstance(func, (cst.Name, cst.Attribute)):
            self.of(func, env)
            return UNKNOWN
        name = self.owner.qualify(func)
        if name is None:
            return UNKNOWN
        builtin = self._builtin(name, node, positional, env)
        if builtin is not None:
            return builtin
        project = self.owner.project_call(name)
        if project is not None:
            schemas = call_schemas.project_schemas(self.owner, name) if _checked(positional, keywords, plain) else ()
            if schemas:  # torch matches the call against the function's signature (or its overloads')
                self._match(node, code_of(func), schemas, positional, keywords, None)
            return project
        if not plain or not name.startswith("torch."):
            return UNKNOWN
        return self._match(node, name, signatures().function(name), positional, keywords, None)

    def _match(self, node, name, schemas, positional, keywords, self_type) -> JitType:
        if not schemas:
            return UNKNOWN
        found = resolve(schemas, positional, dict(keywords), self_type)
        arguments = (*positional, *(value for _, value in keywords), *((self_type,) if self_type else ()))
        # Unknown matches every type: a call that no schema takes even so fails whatever the
        # Unknown values are (`x.new_zeros((self.lstm.num_layers, dim_size, 3))` with `dim_size:
        # Optional[int]`), and is recorded for the call checks like a fully typed one.
        if found is None or all(known(argument) for argument in arguments):
            call = Call(node, name, tuple(schemas), positional, keywords, self_type, found is not None)
            self.calls.append(call)
            self.calls_by_node[id(node)] = call
        if found is None:
            return UNKNOWN
        if not all(known(argument) for argument in arguments) and len(schemas) > 1:
            return self._agreed_return(schemas, positional, keywords, self_type)
        result = returns_of(found.returns)
        fields = [ret.name for ret in found.schema.returns]
        if result.kind == "Tuple" and len(fields) > 1 and all(fields):
            # A named tuple (`x.max(dim=1).values`): its fields are kept in the type's name.
            return JitType("Tuple", result.items, name=",".join(fields))
        return result

    @staticmethod
    def _agreed_return(schemas, positional, keywords, self_type) -> JitType:
        """With an argument Unknown, several overloads may match: the return type they agree on."""
        returns = set()
        for schema in schemas:
            found = match(schema, positional, dict(keywords), self_type)
            if found is not None:
                returns.add(returns_of(found.returns))
        return returns.pop() if len(returns) == 1 else UNKNOWN

    def _builtin(self, name: str, node: cst.Call, positional: Sequence[JitType], env: Env) -> Optional[JitType]:
        if name in CASTS:
            return CASTS[name]
        if name in ("len", "hash"):
            return INT
        if name in ("isinstance", "hasattr", "callable", "all", "any"):
            return BOOL
        if name in ("min", "max", "abs") and positional:
            first = positional[0]
            if all(item == first for item in positional) and first.kind in ("int", "float", "Tensor"):
                return first
            if len(positional) == 1 and first.kind == "List" and first.element.kind in ("int", "float"):
                return first.element
            return UNKNOWN
        if name == "list" and len(positional) == 1:
            # `list(x.shape)`, `list(sizes)`: a list of the same elements (TS302 then sees it).
            first = positional[0]
            if first.kind == "List":
                return first
            if first.kind == "Tuple" and first.items and all(item == first.items[0] for item in first.items):
                return list_of(first.items[0]) if known(first.items[0]) else UNKNOWN
            return UNKNOWN
        if name == "torch.jit.annotate" and node.args:
            return self.owner.annotation(node.args[0].value)
        if name in ("range", "enumerate", "zip", "list", "tuple", "dict", "getattr", "print", "sum", "round", "divmod"):
            return UNKNOWN
        return None

    # --- operators -------------------------------------------------------------------------------

    def _binary(self, node: cst.BinaryOperation, env: Env) -> JitType:
        left, right = self.of(node.left, env), self.of(node.right, env)
        if isinstance(node.operator, cst.Add) and "List" in (left.kind, right.kind):
            # Only `aten::add.t(t[] a, t[] b) -> t[]` takes a list: a list plus anything is a list
            # (or torch's error); its element is known when both operands are the same list type.
            if left == right:
                return left
            if element_kinds_clash(left, right):
                return self._operator_rejected(node, "aten::add", left, right)
            if {left.kind, right.kind} <= {"List", "Unknown"}:
                return list_of(UNKNOWN)
            return UNKNOWN
        if isinstance(node.operator, cst.Multiply) and {left.kind, right.kind} == {"List", "int"}:
            # `aten::mul.left_t(t[] l, int n) -> t[]` and `aten::mul.right_(int n, t[] l) -> t[]`:
            # `[1] * n` is the same list type, of a length torch does not know (probed).
            return left if left.kind == "List" else right
        operator = BINARY_OPERATORS.get(type(node.operator))
        if operator and number_union_beside_unknown(left, right):
            # A Union of Tensors and numbers matches no schema of an arithmetic operator in either
            # position, whatever the other operand is (probed: with a Tensor, float, int or list):
            # `self.weight * gain` with `gain: Union[Tensor, float]` fails even if `self.weight`'s
            # type is not known here.
            if resolve(signatures().operator(operator), (left, right)) is None:
                return self._operator_rejected(node, operator, left, right)
            return UNKNOWN
        if "Unknown" in (left.kind, right.kind):
            return UNKNOWN
        kinds = {left.kind, right.kind}
        if operator and "NoneType" in kinds and kinds <= set(NUMBER_KINDS + ("Tensor", "NoneType")):
            # No schema of an arithmetic operator takes None: torch's "Arguments for call are not
            # valid" (a helper that returns nothing, a local that is None).
            return self._operator_rejected(node, operator, left, right)
        if operator and "Union" in kinds and known(left) and known(right):
            # A Union operand matches a schema only if every member does (`Union[int, float]` is a
            # number); `Union[Tensor, float]` or a Union holding None matches none (probed).
            found = resolve(signatures().operator(operator), (left, right))
            if found is None:
                return self._operator_rejected(node, operator, left, right)
            return returns_of(found.returns)
        if "Tensor" in (left.kind, right.kind):
            other = right if left.kind == "Tensor" else left
            return TENSOR if other.kind in NUMBER_KINDS + ("Tensor", "number") else UNKNOWN
        if left.kind == right.kind == "str" and isinstance(node.operator, cst.Add):
            return STR
        if operator is None or left.kind not in NUMBER_KINDS or right.kind not in NUMBER_KINDS:
            return UNKNOWN
        found = resolve(signatures().operator(operator), (left, right))
        return returns_of(found.returns) if found is not None else UNKNOWN

    def _operator_rejected(self, node: cst.BinaryOperation, operator: str, left: JitType, right: JitType) -> JitType:
        symbol = code_of(node.operator).strip()
        call = Call(node, f"the `{symbol}` operator", signatures().operator(operator), (left, right), (), None, False)
        self.calls.append(call)
        self.calls_by_node[id(node)] = call
        return UNKNOWN

    def _comparison(self, node: cst.Comparison, env: Env) -> JitType:
        types = [self.of(node.left, env)] + [self.of(target.comparator, env) for target in node.comparisons]
        for (left, right), target in zip(zip(types, types[1:]), node.comparisons):
            if self._comparison_rejected(node, target.operator, left, right):
                return UNKNOWN
        identity = all(
            isinstance(target.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)) for target in node.comparisons
        )
        if identity:
            return BOOL
        if any(t.kind == "Unknown" for t in types):
            return UNKNOWN
        if len(types) == 2 and "Tensor" in (types[0].kind, types[1].kind):
            return TENSOR
        if all(t.kind in NUMBER_KINDS + ("str",) for t in types):
            return BOOL
        return UNKNOWN

    def _comparison_rejected(self, node: cst.Comparison, operator, left: JitType, right: JitType) -> bool:
        """A comparison with an `Optional` or `Union` operand: torch matches it against the schemas
        of `aten::eq`, `aten::lt`, ... (`aten::__contains__` for `in`), which take none of them but a
        Union of numbers ("Arguments for call are not valid", probed: `p == 0.0`, `p == None` and
        `p in [1, 2]` with `p: Optional[...]` all fail). Recorded as a failed call when no schema
        matches."""
        if not ({left.kind, right.kind} & {"Optional", "Union", "NoneType"}) or not (known(left) and known(right)):
            return False
        name = COMPARISONS.get(type(operator))
        if name is None:
            return False
        arguments = (right, left) if name == "aten::__contains__" else (left, right)
        schemas = signatures().operator(name)
        if not schemas or resolve(schemas, arguments) is not None:
            return False
        symbol = code_of(operator).strip()
        call = Call(node, f"the `{symbol}` operator", schemas, (left, right), (), None, False)
        self.calls.append(call)
        self.calls_by_node[id(node)] = call
        return True

    def _subscript(self, node: cst.Subscript, env: Env) -> JitType:
        value = self.of(node.value, env)
        indices = []
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                indices.append(self.of(element.slice.value, env))
            else:
                for part in (element.slice.lower, element.slice.upper, element.slice.step):
                    if part is not None:
                        self.of(part, env)
                indices.append(None)  # a slice
        if value.kind == "Tensor":
            return TENSOR
        if len(indices) != 1:
            return UNKNOWN
        is_slice = indices[0] is None
        if value.kind == "List":
            return value if is_slice else value.element
        if value.kind == "str":
            return STR
        if value.kind == "Dict" and not is_slice:
            return value.items[1]
        if value.kind == "Tuple":
            return self._tuple_item(node, value)
        return UNKNOWN

    def _tuple_item(self, node: cst.Subscript, value: JitType) -> JitType:
        part = node.slice[0].slice
        if isinstance(part, cst.Index):
            index = constant_int(part.value)
            if index is not None and not -len(value.items) <= index < len(value.items):
                self.owner.events.append(self.owner.event("tuple-index", node, str(index), value, value))
            if index is None or not -len(value.items) <= index < len(value.items):
                return UNKNOWN
            return value.items[index]
        bounds = [constant_int(b) if b is not None else None for b in (part.lower, part.upper, part.step)]
        given = [b for b in (part.lower, part.upper, part.step) if b is not None]
        if len([b for b in bounds if b is not None]) != len(given):
            return UNKNOWN
        return tuple_of(*value.items[slice(*bounds)])

    # --- displays --------------------------------------------------------------------------------

    def _list(self, node: cst.List, env: Env) -> JitType:
        items = [self.of(element.value, env) for element in node.elements]
        if any(isinstance(element, cst.StarredElement) for element in node.elements):
            return UNKNOWN
        if not items:
            return list_of(TENSOR)  # an unannotated `[]` is a List[Tensor]
        first = items[0]
        return list_of(first) if all(item == first for item in items) and known(first) else UNKNOWN

    def _dict(self, node: cst.Dict, env: Env) -> JitType:
        keys, values = [], []
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return UNKNOWN
            keys.append(self.of(element.key, env))
            values.append(self.of(element.value, env))
        if not keys:
            return JitType("Dict", (STR, TENSOR))  # an unannotated `{}` is a Dict[str, Tensor]
        if (
            all(k == keys[0] for k in keys)
            and all(v == values[0] for v in values)
            and known(keys[0])
            and known(values[0])
        ):
            return JitType("Dict", (keys[0], values[0]))
        return UNKNOWN

    def _if_expression(self, node: cst.IfExp, env: Env) -> JitType:
        self.of(node.test, env)
        decided = self.owner.decide(node.test, env)
        refined_true, refined_false = self.owner.refinements(node.test, env)
        body = self.of(node.body, {**env, **refined_true}) if decided is not False else None
        orelse = self.of(node.orelse, {**env, **refined_false}) if decided is not True else None
        if body is None or orelse is None:
            return body or orelse or UNKNOWN
        joined = unify(body, orelse)
        if joined is None and known(body) and known(orelse):
            self.owner.events.append(self.owner.event("ifexp-mismatch", node, "", body, orelse))
        return joined or UNKNOWN

    def _comprehension(self, node, env: Env) -> JitType:
        inner = dict(env)
        clause = node.for_in
        while clause is not None:
            iterated = self.of(clause.iter, inner)
            for name in target_names(clause.target):
                inner[name] = UNKNOWN
            if isinstance(clause.target, cst.Name):
                inner[clause.target.value] = self.owner.element_type(clause.iter, iterated)
            for condition in clause.ifs:
                self.of(condition.test, inner)
            clause = clause.inner_for_in
        if isinstance(node, cst.ListComp):
            return list_of(self.of(node.elt, inner))  # a list whatever its element (List[Unknown])
        key, value = self.of(node.key, inner), self.of(node.value, inner)
        return JitType("Dict", (key, value)) if known(key) and known(value) else UNKNOWN


def _self_element(func: cst.Subscript, self_name, env) -> bool:
    """`self.name[<int>]`, `self` not rebound."""
    base = func.value
    if not (isinstance(base, cst.Attribute) and isinstance(base.value, cst.Name)):
        return False
    if base.value.value != self_name or self_name in env or len(func.slice) != 1:
        return False
    index = func.slice[0].slice
    return isinstance(index, cst.Index) and isinstance(index.value, cst.Integer)
