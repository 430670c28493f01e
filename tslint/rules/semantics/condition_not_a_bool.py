from __future__ import annotations

from typing import List, Optional, Set

import libcst as cst

from tslint.analysis.schema_types import JitType
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.index.model import DYNAMIC_ATTRIBUTES, AttributeKind, is_torch_module_class
from tslint.rule import Rule, RuleContext

# Types torch cannot cast to bool (probed in torch 2.13; bool, int, float, Tensor, str, lists and
# dicts can be). `NoneType` is TS326's (an attribute that is always None).
_NOT_BOOL = frozenset({"Optional", "Union", "Tuple", "Device", "Class"})


class ConditionNotABool(Rule):
    """Compiled code uses as a condition — the test of an `if`, `while`, `assert` or if-expression,
    the operand of `not`, `and` or `or` — a value torch cannot turn into a bool: an `Optional` not
    refined yet (`if k:` with `k: Optional[int]`, `dim = dim or self.dim`), a `Union`
    (`device or x.device` with `device: Union[str, torch.device, None]`), a tuple, a device or a module
    (`if self.norm:`, also when a factory annotated `-> Optional[nn.Module]` built it).

    Python asks any object for its truth; TorchScript converts only bools, numbers, tensors, strs,
    lists and dicts: "Could not cast value of type Optional[int] to bool". An `Optional` refined
    first (`if k is not None and k:`) is fine, as is a test of `is None` / `is not None`. The types
    come from the type model; unknown types are not reported.
    """

    code = "TS349"
    name = "condition-not-a-bool"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{value}` is of type `{type}`{declared}, which TorchScript cannot use as a condition: test {instead} instead."
    )
    fix_hint = (
        "Test what you mean: `x is not None` for an Optional or a value that may be None, "
        "`isinstance(x, ...)` for a Union, `len(t) > 0` for a tuple; a module is never false."
    )
    torch_messages = ("Could not cast value of type",)

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        self._check(node.test, context)

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        self._check(node.test, context)

    def visit_Assert(self, node: cst.Assert, context: RuleContext) -> None:
        self._check(node.test, context)

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        self._check(node.test, context)

    def visit_UnaryOperation(self, node: cst.UnaryOperation, context: RuleContext) -> None:
        if isinstance(node.operator, cst.Not):
            self._check(node.expression, context)

    def begin_function(self, context: RuleContext) -> Set[int]:
        return set()  # the `and`/`or` operations already checked as part of an enclosing chain

    def visit_BooleanOperation(self, node: cst.BooleanOperation, context: RuleContext) -> None:
        if id(node) in context.state:
            return
        # torch casts each operand of a chain in turn and stops at the first it cannot: one report.
        operands: List[cst.BaseExpression] = []
        stack: List[cst.BaseExpression] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.BooleanOperation):
                context.state.add(id(current))
                stack.extend((current.right, current.left))
            else:
                operands.append(current)
        for operand in operands:
            if self._check(operand, context):
                return

    def _check(self, value: cst.BaseExpression, context: RuleContext) -> bool:
        if isinstance(value, (cst.BooleanOperation, cst.UnaryOperation)):
            return False  # its operands are checked on their own
        if isinstance(value, cst.Tuple):
            return False  # `assert (test, message)`: TS354
        found = context.types().type_of(value)
        declared = ""
        if found.kind not in _NOT_BOOL:
            # torch compiles a body once per `_overload_method` declaration, typed by each
            for number, view in enumerate(context.overload_types(), start=1):
                typed = view.type_of(value)
                if typed.kind in _NOT_BOOL and typed.kind != "Class":
                    found, declared = typed, f" (as overload declaration {number} types it)"
                    break
        module = _module_or_none(value, context) if found.kind != "Class" else None
        if module is not None:
            found = JitType("Class", name=module)
        elif found.kind not in _NOT_BOOL:
            return False
        if found.kind == "Class" and not (
            is_torch_module_class(found.name) or found.name in context.scope.index.module_classes
        ):
            return False  # a TorchScript class may define `__bool__`: only modules are certain
        spelling = _spelling(found) + (" or None" if module is not None else "")
        text = self.message.format(
            value=code_of(value), type=spelling, declared=declared, instead=_instead(found, value)
        )
        context.report(value, text)
        return True


def _module_or_none(value: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """The module class of `self.x` when every class this code is compiled for assigns `x` only a
    module of that class or `None` (`nn.LayerNorm(d) if flag else None`, or `None` on another path
    of `__init__`), and a module on some path: torch cannot cast either to bool (probed), whichever
    the instance holds. None otherwise."""
    name = context.self_attribute(value)
    classes = context.classes()
    if name is None or not classes:
        return None
    found: Set[str] = set()
    for _, klass in classes:
        if klass.unknown_bases or DYNAMIC_ATTRIBUTES in klass.attributes or name in klass.class_attributes:
            return None
        if name in klass.annotations or name in klass.methods:
            return None
        for assignment in klass.attributes.get(name, ()):
            if assignment.kind is AttributeKind.NONE:
                continue
            callee = assignment.otherwise if assignment.kind is AttributeKind.OTHER else assignment.callee
            if assignment.kind not in (AttributeKind.OTHER, AttributeKind.CALL) or callee is None:
                return None
            if assignment.kind is AttributeKind.CALL and assignment.maybe_none:
                return None
            resolved = context.scope.index.resolve(callee) or callee
            if assignment.kind is AttributeKind.CALL and resolved in context.scope.index.functions:
                resolved = _returned_module(context.scope.index.functions[resolved], context)
                if resolved is None:
                    return None
            elif not (is_torch_module_class(resolved) or resolved in context.scope.index.module_classes):
                return None
            found.add(resolved)
    return found.pop() if len(found) == 1 else None


def _returned_module(function, context: RuleContext) -> Optional[str]:
    """The module class a project factory's return annotation names, alone or with None
    (`-> Optional[nn.Module]`, `-> Union[nn.Module, None]`, `-> nn.Module | None`): torch types the
    attribute it builds as that module, or NoneType, and casts neither to bool (probed)."""
    file = context.scope.index.by_path.get(function.path)
    if not function.returns or file is None:
        return None
    try:
        annotation = cst.parse_expression(function.returns)
    except cst.ParserSyntaxError:
        return None
    members: List[cst.BaseExpression] = [annotation]
    if isinstance(annotation, cst.Subscript) and file.imports.qualify(annotation.value) in _OPTIONAL_FORMS:
        members = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
    elif isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        members = [annotation.left, annotation.right]
    modules = set()
    for member in members:
        if isinstance(member, cst.Name) and member.value == "None":
            continue
        qualified = file.imports.qualify(member)
        resolved = context.scope.index.resolve(qualified) or qualified
        if resolved is None or not (is_torch_module_class(resolved) or resolved in context.scope.index.module_classes):
            return None
        modules.add(resolved)
    return modules.pop() if len(modules) == 1 else None


_OPTIONAL_FORMS = frozenset({"typing.Optional", "typing.Union", "Optional", "Union"})


def _spelling(found: JitType) -> str:
    return found.name.rsplit(".", 1)[-1] if found.kind == "Class" else str(found)


def _instead(found: JitType, value: cst.BaseExpression) -> str:
    code = code_of(value)
    if found.kind == "Optional":
        inner: Optional[str] = {"int": f"`{code} is not None and {code} != 0`"}.get(found.element.kind)
        return inner or f"`{code} is not None`"
    if found.kind == "Union":
        return f"`{code} is not None` or `isinstance({code}, ...)`"
    if found.kind == "Tuple":
        return f"`len({code}) > 0`"
    if found.kind == "Device":
        return f'`{code}.type == "cuda"` (a device is always true in Python)'
    return "the flag or setting that decides it (a module or object is always true)"
