from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.flag_parameters import compiles_as_bool
from tslint.analysis.parameters import CollectsParameterUses
from tslint.findings import Applicability, Mode, Severity
from tslint.rule import NodeFix, Rule, RuleContext, replace_span


class UnannotatedParameterUsedAsFlag(CollectsParameterUses, Rule):
    """An unannotated parameter with no default is used as a bool flag.

    TorchScript types it as Tensor. The function compiles, and calling it with `True`/`False` fails at
    run time ("Expected a value of type 'Tensor (inferred)' for argument ...").
    """

    code = "TS104"
    name = "unannotated-parameter-used-as-flag"
    severity = Severity.WARNING
    mode = Mode.SCRIPT
    message = "Parameter `{param}` has no annotation, so TorchScript types it as Tensor, but it is used as a bool flag."
    fix_hint = "Annotate the parameter: `flag: bool`."

    def _condition(self, test: cst.BaseExpression, context: RuleContext) -> None:
        uses = self.uses(context)
        name = uses.parameter(test)
        if name is not None:
            uses.uses.append((name, uses.parameters[name]))

    def visit_If(self, node: cst.If, context: RuleContext) -> None:
        self._condition(node.test, context)

    def visit_While(self, node: cst.While, context: RuleContext) -> None:
        self._condition(node.test, context)

    def visit_IfExp(self, node: cst.IfExp, context: RuleContext) -> None:
        self._condition(node.test, context)

    def visit_UnaryOperation(self, node: cst.UnaryOperation, context: RuleContext) -> None:
        if isinstance(node.operator, cst.Not):
            self._condition(node.expression, context)

    def visit_BooleanOperation(self, node: cst.BooleanOperation, context: RuleContext) -> None:
        self._condition(node.left, context)
        self._condition(node.right, context)

    def end_function(self, context: RuleContext) -> None:
        reported = set()
        for name, param in self.uses(context).live_uses():
            if name not in reported:
                reported.add(name)
                context.report(param, self.message.format(param=name), fix=_as_bool(param, context))


def _as_bool(param: cst.Param, context: RuleContext) -> Optional[NodeFix]:
    """`flag` -> `flag: bool`, where every read of it is a truth test and the function still compiles
    with it a bool (analysis/flag_parameters.py). Unsafe: a scripted caller that passed a Tensor (a
    one-element condition) now fails; eager PyTorch ignores the annotation."""
    if "bool" in context.imports.aliases or "bool" in context.local_names():
        return None
    name = param.name.value
    if not compiles_as_bool(context.types(), name):
        return None
    return replace_span(param.name, param.name, f"{name}: bool", f"Annotate `{name}: bool`", Applicability.UNSAFE)
