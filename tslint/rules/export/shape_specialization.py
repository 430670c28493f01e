from __future__ import annotations

import libcst as cst

from tslint.analysis.trace_taint import PYTHON_CONVERSIONS, Kind
from tslint.compiled_scope import CompiledScope
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.export._shape_summaries import export_values
from tslint.rules.export._syntax import read_names
from tslint.rules.trace.data_dependent_control_flow import _only_raises


class ShapeSpecializationInExport(Rule):
    """Exported code decides on a tensor's size in Python, which fixes that dimension at its example
    size: a branch, a `range(...)` loop count, or `int(...)` / `float(...)` / `math.*` / `round(...)`
    of a size. Off by default: enable it with `--extend-select TS503`.

    torch.export.export keeps a dimension dynamic only while nothing in Python depends on its exact
    value. A dimension declared dynamic (`dynamic_shapes={"x": {0: Dim("batch")}}`) then fails with
    "Constraints violated (batch)! ... specialized it to be a constant"; with `Dim.AUTO` export
    succeeds but the program only accepts the example's size ("Guard failed: x.size()[0] <= 4").
    Off by default: only you know which dimensions are meant to be dynamic; a class named in
    `[tool.tslint.confirm] dynamic-shapes` turns it on for what export runs for that class (see
    tslint.api.enabled_rules). Input checks whose body
    only raises, and asserts, are not reported.
    """

    code = "TS503"
    name = "shape-specialization-in-export"
    severity = Severity.WARNING
    mode = Mode.EXPORT
    default_enabled = False
    enabled_by_dynamic_shapes = True
    message = (
        "{what} a tensor's size in Python: torch.export.export specializes that dimension to the example input's size."
    )
    fix_hint = (
        "Keep sizes symbolic: compute with `x.shape[0]` in tensor ops (`view`, `torch.zeros`), use `torch.cond` for "
        "a branch and `torch.sym_float` for a conversion."
    )

    def begin_function(self, context: RuleContext) -> bool:
        """Whether to report in this function: everywhere when selected, else (`dynamic-shapes`
        declares classes) only in what export runs for those classes."""
        if self.for_classes is None:
            return True
        key = ("export-dynamic-classes", self.for_classes)
        run = context.shared.get(key)
        if run is None:
            roots = sorted(self.for_classes & set(context.scope.index.module_classes))
            scope = CompiledScope(context.scope.index, roots=roots, exporting=True) if roots else None
            run = {(f.info.path, f.info.symbol) for f in scope.functions()} if scope is not None else set()
            context.shared[key] = run
        return (context.compiled.info.path, context.compiled.info.symbol) in run

    def _decided(self, node: cst.BaseExpression, context: RuleContext) -> bool:
        """A size of an input (not only of the module's own parameters, whose shapes are fixed), and
        not data-dependent (TS501, TS502)."""
        if not context.state or context.taint().kind(node) is not Kind.SIZE or export_values(context).kind(node):
            return False
        return bool(read_names(node) - {context.compiled.info.self_name})

    def _specializes(self, test: cst.BaseExpression, context: RuleContext) -> bool:
        """Whether deciding the condition fixes a dimension. torch.export assumes every dynamic
        dimension is at least 2 (its 0/1 specialization) and decides a comparison of a size with 0
        or 1 from that range, without a guard: probed in torch 2.13, `if x.numel() == 0:`,
        `if x.shape[0] == 1:`, `if not x.numel():` and `if x.size(0):` export, strict and not, with
        the dimension dynamic. Only a size read as is: `(7 - h % 7) % 7 > 0` may be 0, and a
        comparison with any other number specializes."""
        if isinstance(test, cst.BooleanOperation):
            return self._specializes(test.left, context) or self._specializes(test.right, context)
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._specializes(test.expression, context)
        if isinstance(test, cst.Comparison) and all(
            (_zero_or_one(left) and _size_read(right)) or (_size_read(left) and _zero_or_one(right))
            for left, right in _pairs(test)
        ):
            return False
        if _size_read(test):
            return False  # the truth of a size: whether it is 0
        return self._decided(test, context)

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        if node.orelse is None and _only_raises(node.body):
            return  # input validation
        if self._specializes(node.test, context):
            context.report(node.test, self.message.format(what="This `if` decides on"))

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        if self._specializes(node.test, context):
            context.report(node.test, self.message.format(what="This `while` condition decides on"))

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        if self._specializes(node.test, context):
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


def _pairs(test: cst.Comparison):
    """`a < b < c` as the operand pairs (a, b), (b, c)."""
    left = test.left
    for comparison in test.comparisons:
        yield left, comparison.comparator
        left = comparison.comparator


def _zero_or_one(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Integer) and node.evaluated_value in (0, 1)


def _size_read(node: cst.BaseExpression) -> bool:
    """`x.numel()`, `x.size(0)`, `x.shape[0]`, `len(x)`: a size as torch holds it, not arithmetic on one."""
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute):
            return func.attr.value in ("numel", "nelement", "size")
        return isinstance(func, cst.Name) and func.value == "len"
    if isinstance(node, cst.Subscript):
        value = node.value
        return (isinstance(value, cst.Attribute) and value.attr.value == "shape") or _size_read(value)
    return False
