from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.call_schemas import _class_forward, schema_of
from tslint.analysis.default_attributes import default_built
from tslint.analysis.schema_matching import resolve
from tslint.analysis.schema_types import TENSOR
from tslint.analysis.signatures import Argument, Schema
from tslint.analysis.torch_modules import one_tensor_forward
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class SubmoduleCallInDefaultConstruction(Rule):
    """Compiled code calls `self.<name>(...)`, a submodule `__init__` builds as one class or another
    (`nn.GroupNorm(...)` when `zq_ch is None`, a project norm taking two inputs otherwise), with
    arguments the `forward` of the class the defaults pick does not take (`self.norm1(h, zq)` where
    `nn.GroupNorm.forward` takes one Tensor).

    torch types the attribute by the module the instance holds and matches the call against that
    class's `forward`: "forward(__torch__.torch.nn.modules.normalization.GroupNorm self, Tensor input)
    -> Tensor: Expected at most 2 arguments but found 3". An error for the instance built with its
    defaults; one built with other arguments may hold the other class. Reported only when the defaults
    decide which class (literal defaults, the tests they decide), every argument's type is known, and
    the ordinary view (either class) has no answer.
    """

    code = "TS366"
    name = "submodule-call-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{attribute}` is a `{module}` when `{owner}` is built with its defaults ({defaults}), "
        "and its `forward` does not accept ({arguments}): scripting such an instance fails."
    )
    fix_hint = (
        "Call each class with the arguments its `forward` takes (test which one the instance holds in "
        "`__init__` and store a flag), or give the classes one signature."
    )
    torch_messages = ("Expected at most", "Expected a value of type", "Arguments for call are not valid")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.self_attribute(node.func)
        if name is None or any(arg.star for arg in node.args):
            return
        found = default_built(context.classes(), name)
        if found is None:
            return
        types = context.types()
        if types.call(node) is not None or types.project is None:
            return
        if not all(len(set(types.project.module_candidates(klass, name))) > 1 for klass in types.classes):
            return  # one class (or none known) on every path: the ordinary view's
        callee, owner, defaults = found
        module = types.project.class_of(callee)
        schema = _forward_schema(types.project, module) if module is not None else None
        if schema is None:
            return
        positional = [types.type_of(arg.value) for arg in node.args if arg.keyword is None]
        keywords = {arg.keyword.value: types.type_of(arg.value) for arg in node.args if arg.keyword is not None}
        if any(value.kind == "Unknown" for value in [*positional, *keywords.values()]):
            return
        if resolve((schema,), positional, keywords, None) is not None:
            return
        shown = [str(value) for value in positional] + [f"{key}={value}" for key, value in keywords.items()]
        context.report(
            node,
            self.message.format(
                receiver=context.receiver,
                attribute=name,
                module=module.rsplit(".", 1)[-1],
                owner=owner,
                defaults=defaults,
                arguments=", ".join(shown),
            ),
        )


def _forward_schema(project, module: str) -> Optional[Schema]:
    """The signature of `forward` of the module class `module`: a torch module taking one Tensor, or a
    project module class's own."""
    parameter = one_tensor_forward(module)
    if parameter is not None:
        return Schema(module + ".forward", "", (Argument(parameter, TENSOR),), ())
    forward = _class_forward(project, module)
    return schema_of(project, forward) if forward is not None else None
