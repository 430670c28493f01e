from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import PYTHON_CONVERSIONS, Kind
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.export._values import export_values, read_names
from tslint.rules.trace.data_dependent_control_flow import _only_raises


class ShapeSpecializationInExport(Rule):
    """Exported code decides on a tensor's size in Python, which fixes that dimension at its example
    size: a branch, a `range(...)` loop count, or `int(...)` / `float(...)` / `math.*` / `round(...)`
    of a size.

    torch.export.export keeps a dimension dynamic only while nothing in Python depends on its exact
    value. A dimension declared dynamic (`dynamic_shapes={"x": {0: Dim("batch")}}`) then fails with
    "Constraints violated (batch)! ... specialized it to be a constant"; with `Dim.AUTO` export
    succeeds but the program only accepts the example's size ("Guard failed: x.size()[0] <= 4").
    Off by default: only you know which dimensions are meant to be dynamic. Input checks whose body
    only raises, and asserts, are not reported.
    """

    code = "TS503"
    name = "shape-specialization-in-export"
    severity = Severity.WARNING
    mode = Mode.EXPORT
    default_enabled = False
    message = (
        "{what} a tensor's size in Python: torch.export.export specializes that dimension to the example input's size."
    )
    fix_hint = (
        "Keep sizes symbolic: compute with `x.shape[0]` in tensor ops (`view`, `torch.zeros`), use `torch.cond` for "
        "a branch and `torch.sym_float` for a conversion."
    )

    def _decided(self, node: cst.BaseExpression, context: RuleContext) -> bool:
        """A size of an input (not only of the module's own parameters, whose shapes are fixed), and
        not data-dependent (TS501, TS502)."""
        if context.taint().kind(node) is not Kind.SIZE or export_values(context).kind(node):
            return False
        return bool(read_names(node) - {context.compiled.info.self_name})

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        if node.orelse is None and _only_raises(node.body):
            return  # input validation
        if self._decided(node.test, context):
            context.report(node.test, self.message.format(what="This `if` decides on"))

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        if self._decided(node.test, context):
            context.report(node.test, self.message.format(what="This `while` condition decides on"))

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        if self._decided(node.test, context):
            context.report(node.test, self.message.format(what="This conditional expression decides on"))

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.qualify(node.func) or ""
        if not node.args or any(argument.star for argument in node.args):
            return
        if name == "range":
            if any(self._decided(argument.value, context) for argument in node.args):
                context.report(node, self.message.format(what="This loop count is"))
        elif name in PYTHON_CONVERSIONS or name == "round" or name.startswith("math."):
            if any(self._decided(argument.value, context) for argument in node.args):
                context.report(node, self.message.format(what=f"`{name}(...)` converts"))
