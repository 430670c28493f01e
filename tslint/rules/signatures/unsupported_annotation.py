from __future__ import annotations

import libcst as cst

from tslint.analysis.value_kinds import EQUIVALENT, NEED_PARAMETERS, unsupported_type
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class UnsupportedAnnotation(Rule):
    """A compiled function's parameter, return or local variable is annotated with a type TorchScript
    does not have: `Callable`, `Sequence[int]`, `Iterable`, `Mapping`, `Literal`, `Set`, `object`,
    bare `dict`, bare `List` / `Dict` / `Tuple`, `torch.Size`, `torch.layout`, `np.ndarray`, `np.float32`.

    torch: "Unknown type name 'Callable'", "Unknown type constructor Sequence", "Attempted to use List
    without a contained type". Compiling: `Any`, `Optional`, `Union`, `list`, `tuple`, `list[int]`,
    `dict[str, int]`, `int | None`, `torch.device`, `torch.dtype`.
    """

    code = "TS111"
    name = "unsupported-annotation"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}` is not a TorchScript type{instead}."
    fix_hint = (
        "Annotate with TorchScript types: Tensor, int, float, bool, str, List[T], Dict[K, V], Tuple[...], "
        "Optional[T], Union[...]."
    )
    torch_messages = (
        "Attempted to use List without a contained type",
        "Unknown type constructor",
        "Unknown type name",
        "Unsupported annotation",
    )

    def visit_Annotation(self, node: cst.Annotation, context: RuleContext) -> None:
        # Module classes as types depend on what is passed (a submodule compiles, then fails when
        # called): not reported here.
        found = unsupported_type(node.annotation, context.qualify, lambda name: False)
        if found is None:
            return
        if found in EQUIVALENT:
            instead = f"; use {EQUIVALENT[found]}"
        elif found in NEED_PARAMETERS:
            instead = "without its parameters"
        else:
            instead = ""
        context.report(node.annotation, self.message.format(name=found.replace("typing.", ""), instead=instead))
