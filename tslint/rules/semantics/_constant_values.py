"""Module constants whose value torch cannot make a constant (TS372): the class fact the indexer
records (`constant_facts`), what the instance of a scripted class holds (`invalid_constant`), and
where to report a constant compiled code never reads (`classes_to_check`, `unread_invalid_constants`:
at the place the class gives it its value).

Which names are the scripted instance's constants is the class's `constant_names`
(analysis/class_constants.py). Each constant's value, read on the built instance, must be a bool, int,
float, str, None, torch.device/layout/dtype/qscheme, or a tuple or list of those; anything else
fails before any code is compiled ("'dict' object in attribute 'Net.table' is not a valid
constant"; each kind below probed in torch 2.13).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterator, List, NamedTuple, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable, class_nodes
from tslint.analysis.traversal import walk
from tslint.compiled_scope import Role
from tslint.index.attributes import is_final_annotation
from tslint.index.model import DYNAMIC_ATTRIBUTES, ClassInfo

if TYPE_CHECKING:
    from tslint.compiled_class import CompiledClass
    from tslint.compiled_scope import CompiledScope
    from tslint.index.model import FileIndex, FunctionInfo
    from tslint.index.project import ProjectIndex
    from tslint.rule import ClassesContext

FACT = "constant_values"

# Calls that always return a tensor.
_TENSOR_FACTORIES = frozenset(
    f"torch.{name}"
    for name in ("tensor", "as_tensor", "zeros", "ones", "empty", "full", "rand", "randn", "arange", "eye", "linspace")
)
_CALLS = {"dict": "a dict", "set": "a set", "frozenset": "a frozenset"}
_DISPLAYS = {cst.Dict: "a dict", cst.DictComp: "a dict", cst.Set: "a set", cst.SetComp: "a set"}


class ConstantFacts(NamedTuple):
    """What a class body that declares constants says about them."""

    # Names the class body binds, with what the last binding holds when torch cannot make it a
    # constant ("a dict"), "" otherwise (a valid value, or one tslint cannot tell).
    class_level: Tuple[Tuple[str, str], ...]
    # Names the class's methods assign on `self`, with what each assignment holds ("" as above).
    assigned: Tuple[Tuple[str, Tuple[str, ...]], ...]


def invalid_value(value: cst.BaseExpression, imports: ImportTable) -> str:
    """What `value` certainly is when torch cannot make it a constant; "" when it can or when
    tslint cannot tell."""
    kind = type(value)
    if kind in _DISPLAYS:
        return _DISPLAYS[kind]
    if kind is cst.Lambda:
        return "a function"
    if kind is cst.Imaginary:
        return "a complex number"
    if kind is cst.SimpleString:
        return "a bytes value" if "b" in value.prefix.lower() else ""
    if kind is cst.UnaryOperation:
        return "a complex number" if type(value.expression) is cst.Imaginary else ""
    if kind is cst.Call:
        callee = imports.qualify(value.func) or ""
        return _CALLS.get(callee) or ("a tensor" if callee in _TENSOR_FACTORIES else "")
    if kind in (cst.List, cst.Tuple):
        container = "a list" if kind is cst.List else "a tuple"
        for element in value.elements:
            if type(element) is cst.Element:
                inner = invalid_value(element.value, imports)
                if inner:
                    return f"{container} with {inner} in it"
    return ""


def class_body_bindings(
    node: cst.ClassDef,
) -> Iterator[Tuple[cst.Name, Optional[cst.BaseExpression], Optional[cst.BaseExpression]]]:
    """(the name's node, annotation or None, value or None) of each name the class body's simple
    statements bind or annotate (`x: T`, `x: T = v`, `x = y = v`), in order."""
    for statement in node.body.body:
        if type(statement) is not cst.SimpleStatementLine:
            continue
        for small in statement.body:
            if type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                yield small.target, small.annotation.annotation, small.value
            elif type(small) is cst.Assign:
                for target in small.targets:
                    if type(target.target) is cst.Name:
                        yield target.target, None, small.value


def constant_facts(node: cst.ClassDef, imports: ImportTable) -> Optional[tuple]:
    """The class fact: None for a class body that declares no constant (most classes); else the
    fields of a ConstantFacts as a plain tuple (an index fact is plain data: the result cache's
    unpickler builds no rule family's classes, and refused every summary holding a ConstantFacts)."""
    declares = False
    bound: Dict[str, str] = {}
    for target, annotation, value in class_body_bindings(node):
        name = target.value
        if annotation is not None and is_final_annotation(annotation, imports):
            declares = True
        if value is None:
            continue
        if name == "__constants__":
            declares = True
        bound[name] = invalid_value(value, imports)
    if not declares:
        return None
    bound.pop("__constants__", None)
    return tuple(ConstantFacts(tuple(sorted(bound.items())), _assigned(node, imports)))


def _assigned(node: cst.ClassDef, imports: ImportTable) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    found: Dict[str, List[str]] = {}
    for method in node.body.body:
        if type(method) is not cst.FunctionDef or not method.params.params:
            continue
        receiver = method.params.params[0].name.value

        def enter(current: cst.CSTNode, receiver: str = receiver) -> bool:
            kind = type(current)
            if kind is cst.Assign:
                targets = [target.target for target in current.targets]
            elif kind is cst.AnnAssign and current.value is not None:
                targets = [current.target]
            else:
                return True
            for target in targets:
                if type(target) is cst.Attribute and type(target.value) is cst.Name and target.value.value == receiver:
                    found.setdefault(target.attr.value, []).append(invalid_value(current.value, imports))
            return True

        walk(method.body, enter)
    return tuple(sorted((name, tuple(whats)) for name, whats in found.items()))


def _facts(info: ClassInfo) -> Optional[ConstantFacts]:
    found = info.fact(FACT)
    return ConstantFacts(*found) if found is not None else None  # type: ignore[misc]


def invalid_constant(index: ProjectIndex, klass: CompiledClass, name: str) -> Optional[Tuple[str, str]]:
    """(how it is a constant, what it holds) when `name` is a constant of the scripted class that
    every construction leaves holding a value torch cannot make a constant; None otherwise."""
    if DYNAMIC_ATTRIBUTES in klass.attributes:
        return None
    if klass.unknown_bases and index.has_bases_outside_torch(klass.info):
        return None
    how = klass.constant_names.kind(name)
    if not how:
        return None
    whats: List[str] = []
    for info in klass.mro:
        if name not in info.attributes:
            continue
        facts = _facts(info)
        assigned = dict(facts.assigned).get(name) if facts is not None else None
        if not assigned or not all(assigned):
            return None  # an assignment tslint cannot classify, or one holding a valid constant
        whats.extend(assigned)
    class_level = ""
    for info in klass.mro:
        if name in info.class_attributes:
            facts = _facts(info)
            class_level = dict(facts.class_level).get(name, "") if facts is not None else ""
            break
    if whats:
        in_every_init = any(a.method == "__init__" for a in klass.attributes.get(name, ())) and (
            name not in klass.conditional_attributes
        )
        if in_every_init or class_level:
            return how, whats[0]
        return None
    return (how, class_level) if class_level else None


class UnreadReport(NamedTuple):
    """One report at the place that gives an unread constant its value."""

    node: cst.CSTNode
    name: str  # the constant's
    how: str  # how it is a constant ("listed in `__constants__`", "annotated `Final`")
    what: str  # what it holds ("a dict")
    cls: str  # the class's name
    holder: Optional[FunctionInfo]  # the function holding the node; None for the class body
    receiver: str  # what to show before the name: `self` or the class's name


def classes_to_check(file: FileIndex, scope: CompiledScope) -> List[str]:
    """The module classes of `file` whose unread invalid constants are reported (see
    `unread_invalid_constants`): those whose own body declares a constant (the class fact), that torch
    scripts as they are (no `__prepare_scriptable__` handing it something else) and whose hierarchy
    tslint follows. A class for which torch compiles no code at all (no `forward`, or an abstract
    one: a container such as an `nn.ParameterDict` subclass with helpers) still has its type built,
    and its constants checked, when it is scripted or is a submodule of a scripted module (probed,
    torch 2.13); but such a class that other project classes derive from, or whose `forward` only
    raises, may be only a base, never built itself: not reported."""
    index = scope.index
    found = []
    for info in file.classes:
        qualname = info.qualname
        if qualname not in index.module_classes or _facts(info) is None or index.hierarchy_too_deep(info):
            continue
        if scope.compiled_class(qualname).replaced:
            continue  # torch scripts what its `__prepare_scriptable__` returns instead
        if not scope.has_compiled_code(qualname) and (qualname in index.subclassed or _abstract(scope, qualname)):
            continue  # a base, built only as its subclasses, which may give the constant another value
        found.append(qualname)
    return found


def _abstract(scope: CompiledScope, qualname: str) -> bool:
    forward = scope.compiled_class(qualname).methods.get("forward")
    return forward is not None and forward.is_abstract


def unread_invalid_constants(context: ClassesContext, classes: List[str]) -> List[UnreadReport]:
    """The reports of the constants of `classes` (classes_to_check) holding an invalid value that
    compiled code never reads: torch fails building the module's type, read or not, and names no
    line. Only a constant the class itself assigns in its own `__init__` (or, when no `__init__`
    assigns it, binds in its own body) is reported, at that place; one a base gives its value is not
    (a subclass may or may not make it a constant, and two subclasses would report the same line)."""
    scope = context.scope
    found: List[UnreadReport] = []
    for qualname in classes:
        klass = scope.compiled_class(qualname)
        for name in sorted(klass.constants):
            invalid = invalid_constant(scope.index, klass, name)
            if invalid is None:
                continue
            place = _value_place(klass, name, context)
            if place is None or _read_in_compiled_code(klass, name, context):
                continue
            node, holder, receiver = place
            how, what = invalid
            found.append(UnreadReport(node, name, how, what, klass.info.name, holder, receiver))
    return found


def _value_place(
    klass: CompiledClass, name: str, context: ClassesContext
) -> Optional[Tuple[cst.CSTNode, Optional[FunctionInfo], str]]:
    """Where the class itself gives constant `name` the value its instance holds: the target of
    the last `self.<name> = ...` of its own `__init__` when an `__init__` assigns it, else the name
    its own body binds last; None when that place is a base's."""
    info = klass.info
    if any(a.method == "__init__" for a in klass.attributes.get(name, ())):
        init = info.methods.get("__init__")
        node = context.nodes.get(init.ordinal) if init is not None else None
        if init is None or node is None or init.self_name is None:
            return None
        targets = _ordered_targets(node.body, lambda t: _is_self_attribute(t, init.self_name, name))
        return (targets[-1], init, init.self_name) if targets else None
    module, _ = context.source
    statement = class_nodes(module).get(info.name) if module is not None else None
    if statement is None:
        return None
    targets = [
        target for target, _, value in class_body_bindings(statement) if value is not None and target.value == name
    ]
    return (targets[-1], None, info.name) if targets else None


def _is_self_attribute(target: cst.BaseExpression, receiver: str, name: str) -> bool:
    return (
        type(target) is cst.Attribute
        and type(target.value) is cst.Name
        and target.value.value == receiver
        and target.attr.value == name
    )


class _Targets(cst.CSTVisitor):
    """The assignment targets a predicate accepts, in source order; not inside nested definitions."""

    def __init__(self, accepts) -> None:
        self.accepts = accepts
        self.found: List[cst.CSTNode] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        self.found.extend(t.target for t in node.targets if self.accepts(t.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.accepts(node.target):
            self.found.append(node.target)


def _ordered_targets(block: cst.CSTNode, accepts) -> List[cst.CSTNode]:
    visitor = _Targets(accepts)
    block.visit(visitor)
    return visitor.found


def _read_in_compiled_code(klass: CompiledClass, name: str, context: ClassesContext) -> bool:
    """Whether a function torch compiles for the class may read `self.<name>` where TS372 reports
    the read: in a function compiled only for classes where the constant is invalid. True also when
    tslint cannot see a compiled function's source."""
    scope = context.scope
    qualname = klass.info.qualname
    for path in sorted({c.path for c in klass.mro}):
        for compiled in scope.functions_in(path):
            if qualname not in compiled.classes or compiled.role is not Role.COMPILED:
                continue
            others = (c for c in compiled.classes if c is not None and c != qualname)
            if any(invalid_constant(scope.index, scope.compiled_class(c), name) is None for c in others):
                continue  # a read there is not reported: the constant holds for another class
            info = compiled.info
            if path == context.file.path:
                node = context.nodes.get(info.ordinal)
            else:
                node = context.syntax.function(info) if context.syntax is not None else None
            if node is None or info.self_name is None:
                return True
            if _reads(node, info.self_name, name):
                return True
    return False


def _reads(node: cst.FunctionDef, receiver: str, name: str) -> bool:
    found = False

    def enter(current: cst.CSTNode) -> bool:
        nonlocal found
        if type(current) is cst.Attribute and _is_self_attribute(current, receiver, name):
            found = True
        return not found

    walk(node, enter)
    return found
