"""Shared questions about parameters that several signature rules ask."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.imports import ImportTable, plain_parameters
from tslint.index.model import FunctionInfo

# Constants of the standard library that are plain floats.
FLOAT_CONSTANTS = frozenset({"math.pi", "math.e", "math.tau", "math.inf", "math.nan"})


def has_type_comment(function: cst.FunctionDef) -> bool:
    """A `# type: (Tensor, int) -> Tensor` comment on the line after the `def`, where torch reads it.

    (torch rejects the same comment at the end of the `def` line: "expected type comment but found
    'def' here".)
    """
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return False
    for line in body.body[0].leading_lines:
        if line.comment is not None:
            return line.comment.value.lstrip("#").strip().startswith("type:")
    return False


def is_non_tensor_default(default: cst.BaseExpression, imports: ImportTable, module_constants) -> bool:
    """A default whose value is certainly not a Tensor (and not None)."""
    if isinstance(
        default, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
    ):
        return True
    if isinstance(default, cst.Tuple):
        return True  # (mutable displays are TS109's: one finding for one problem)
    if isinstance(default, cst.UnaryOperation):
        return is_non_tensor_default(default.expression, imports, module_constants)
    if isinstance(default, cst.Name):
        return default.value in {"True", "False"} or default.value in module_constants
    if isinstance(default, cst.Attribute):
        return imports.qualify(default) in FLOAT_CONSTANTS
    if isinstance(default, cst.Call):
        return imports.qualify(default.func) in {"float", "int", "str", "bool", "tuple", "list", "dict"}
    return False


def types_declared_elsewhere(node: cst.FunctionDef, function: FunctionInfo) -> bool:
    """torch takes the parameter types from a type comment or from typed overload declarations.
    A type comment on the `def` line itself (which torch rejects, TS108) also says the author meant
    types: the fix of TS108 fixes the rest, so the annotation rules stay quiet."""
    return function.has_overloads or has_type_comment(node) or _def_line_type_comment(node)


def _def_line_type_comment(node: cst.FunctionDef) -> bool:
    body = node.body
    if isinstance(body, cst.IndentedBlock) and body.header.comment is not None:
        return body.header.comment.value.lstrip("#").strip().startswith("type:")
    return False


def unannotated_required_parameters(node: cst.FunctionDef, function: FunctionInfo) -> dict:
    """Name -> Param for parameters with neither annotation nor default: TorchScript makes them Tensor."""
    if types_declared_elsewhere(node, function):
        return {}
    return {
        param.name.value: param
        for param in plain_parameters(node, function.self_name)
        if param.annotation is None and param.default is None
    }


class ParameterUses:
    """Collects uses of a function's unannotated required parameters, and the names it rebinds.

    A parameter the body rebinds is no longer known to hold the argument, so rules skip it.
    """

    def __init__(self, node: cst.FunctionDef, function: FunctionInfo) -> None:
        self.parameters = unannotated_required_parameters(node, function)
        self.uses: list = []  # (parameter name, node to report)
        self.rebound: set = set()

    def parameter(self, expression: cst.BaseExpression) -> Optional[str]:
        if isinstance(expression, cst.Name) and expression.value in self.parameters:
            return expression.value
        return None

    def note_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.rebound.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.note_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self.note_target(target.value)

    def live_uses(self):
        return [(name, node) for name, node in self.uses if name not in self.rebound]


class CollectsParameterUses:
    """Mixin: tracks rebinding of parameters so that `ParameterUses.live_uses` is right at the end."""

    def begin_function(self, context) -> ParameterUses:
        return ParameterUses(context.node, context.compiled.info)

    def uses(self, context) -> ParameterUses:
        return context.state

    def visit_Assign(self, node: cst.Assign, context) -> None:
        for target in node.targets:
            self.uses(context).note_target(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign, context) -> None:
        self.uses(context).note_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign, context) -> None:
        self.uses(context).note_target(node.target)

    def visit_For(self, node: cst.For, context) -> None:
        self.uses(context).note_target(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr, context) -> None:
        self.uses(context).note_target(node.target)
