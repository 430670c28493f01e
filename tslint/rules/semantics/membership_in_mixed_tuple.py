from __future__ import annotations

import libcst as cst

from tslint.analysis.operator_tables import known
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class MembershipInMixedTuple(Rule):
    """Compiled code tests `x in t` (or `not in`) where `t` is a tuple whose elements are not all of
    one type: `k in (1, 2.0)`, `s in ("a", 1)`, `k in (1, True)`.

    TorchScript's `in` is `aten::__contains__`, which takes a list (or a dict): a tuple is accepted
    only when it converts to a list, that is when its elements share one type. "Arguments for call
    are not valid ... Expected a value of type 'List[int]' for argument 'l' but instead found type
    'Tuple[int, float]'". The element types come from the type model; a tuple with an element of
    unknown type is not reported.
    """

    code = "TS358"
    name = "membership-in-mixed-tuple"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{container}` is a tuple of `{types}`: TorchScript's `in` needs elements of one type to turn it into a list."
    )
    fix_hint = "Make the elements one type (`(1.0, 2.0)`), or test each value with `==` joined by `or`."
    torch_messages = ("Arguments for call are not valid",)

    def visit_Comparison(self, node: cst.Comparison, context: RuleContext) -> None:
        for target in node.comparisons:
            if not isinstance(target.operator, (cst.In, cst.NotIn)):
                continue
            found = context.types().type_of(target.comparator)
            if found.kind != "Tuple" or not found.items or not known(found):
                continue
            if len(set(found.items)) > 1:
                types = ", ".join(str(item) for item in found.items)
                context.report(
                    target.comparator, self.message.format(container=code_of(target.comparator), types=types)
                )
                return
