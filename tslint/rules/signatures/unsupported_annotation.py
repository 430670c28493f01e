from __future__ import annotations

from typing import Dict, Optional, Tuple

import libcst as cst

from tslint.analysis.traversal import code_of
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

    A project type alias is read through its name: `NdarrayOrTensor = np.ndarray | torch.Tensor` at
    the top of a module, then `boxes: NdarrayOrTensor` ("Unsupported annotation numpy.ndarray |
    torch.Tensor could not be resolved because <class 'numpy.ndarray'> could not be resolved").
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
        aliased: Dict[str, Tuple[str, str]] = {}

        def qualify(expression: cst.BaseExpression) -> Optional[str]:
            name = context.qualify(expression)
            alias = _alias(name, context) if isinstance(expression, (cst.Name, cst.Attribute)) else None
            if alias is None:
                return name
            aliased[alias[0]] = (code_of(expression), alias[1])
            return alias[0]

        found = unsupported_type(node.annotation, qualify, lambda name: False)
        if found is None:
            return
        if found in EQUIVALENT:
            instead = f"; use {EQUIVALENT[found]}"
        elif found in NEED_PARAMETERS:
            instead = "without its parameters"
        else:
            instead = ""
        if found in aliased:
            shown, value = aliased[found]
            instead = f" (the type alias `{shown}` is `{value}`){instead}"
        context.report(node.annotation, self.message.format(name=found.replace("typing.", ""), instead=instead))


def _alias(name: Optional[str], context: RuleContext) -> Optional[Tuple[str, str]]:
    """(the unresolvable part, the alias's value as code) when `name` is a project type alias holding
    a type torch cannot resolve (the `type_aliases` fact of the module defining it), else None."""
    if not name:
        return None
    if "." not in name:
        file, alias = context.file, name
    else:
        index = context.scope.index
        module, _, alias = (index.resolve(name) or name).rpartition(".")
        file = index.modules.get(module)
        if file is None:
            return None
    for bound, part, value in file.fact("type_aliases", ()):
        if bound == alias:
            return part, value
    return None
