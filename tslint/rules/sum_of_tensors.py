from __future__ import annotations

from typing import Set

import libcst as cst

from tslint.ftypes import Mode, Severity
from tslint.project_index import AttributeKind
from tslint.rule import Rule, RuleContext


class SumOfTensors(Rule):
    """Compiled code calls the builtin `sum(...)` on a list of tensors: `sum([a, b])` of tensor
    arguments, or `sum([layer(x) for layer in self.layers])` over a module container.

    TorchScript's builtin `sum` only adds up numbers; for a list of tensors it tries `aten::sum`:
    "Arguments for call are not valid ... Expected a value of type 'Tensor' for argument 'self' but
    instead found type 'List[Tensor]'". Only lists whose elements are certainly tensors are
    reported: unannotated parameters (tensors in TorchScript) and calls of submodules.
    """

    code = "TS333"
    name = "sum-of-tensors"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "The builtin `sum(...)` of a list of tensors is not supported in compiled code."
    fix_hint = "Use `torch.stack(tensors).sum(0)`, or add them in a loop: `total = tensors[0]; for t in tensors[1:]: total = total + t`."

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "sum") or len(node.args) != 1:
            return
        if "sum" in context.local_names() or context.qualify(node.func) != "sum":
            return
        value = node.args[0].value
        if isinstance(value, cst.List) and value.elements and all(
            _is_tensor(e.value, context) for e in value.elements if isinstance(e, cst.Element)
        ) and all(isinstance(e, cst.Element) for e in value.elements):
            context.report(node)
        elif isinstance(value, (cst.ListComp, cst.GeneratorExp)) and _calls_each_module(value, context):
            context.report(node)


def _is_tensor(value: cst.BaseExpression, context: RuleContext) -> bool:
    if isinstance(value, cst.Name):
        return value.value in _tensor_parameters(context)
    if isinstance(value, cst.Call):
        name = context.self_attribute(value.func)
        return name is not None and _holds(context, name, AttributeKind.CALL, module=True)
    return False


def _calls_each_module(comprehension, context: RuleContext) -> bool:
    """`[layer(x) for layer in self.layers]`, with `self.layers` a ModuleList / Sequential."""
    element, loop = comprehension.elt, comprehension.for_in
    if loop.inner_for_in is not None or not isinstance(loop.target, cst.Name):
        return False
    if not (isinstance(element, cst.Call) and isinstance(element.func, cst.Name) and element.func.value == loop.target.value):
        return False
    name = context.self_attribute(loop.iter)
    return name is not None and _holds(context, name, AttributeKind.MODULE_CONTAINER, module=False)


def _holds(context: RuleContext, name: str, kind: AttributeKind, module: bool) -> bool:
    assignments = context.attribute(name)
    index = context.scope.index
    return bool(assignments) and all(
        a.kind is kind and (not module or index.is_module_class(index.resolve(a.callee))) for a in assignments
    )


def _tensor_parameters(context: RuleContext) -> Set[str]:
    """Unannotated parameters without a default (tensors in TorchScript), or annotated `Tensor`,
    that the function never rebinds."""
    found = set()
    for name, param in context.typed_parameters().items():
        annotation = param.annotation.annotation if param.annotation is not None else None
        if annotation is None and param.default is None:
            found.add(name)
        elif annotation is not None and (context.qualify(annotation) or "").endswith("Tensor"):
            found.add(name)
    return found
