from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.index.model import AttributeKind, is_torch_module_class
from tslint.rule import Rule, RuleContext

# nn.Module methods torch 2.13 cannot compile when compiled code calls them (each scripted by
# tests/test_torch_agreement.py): torch compiles their Python source and fails inside it ("Yield
# aren't supported", "Lambda aren't supported", "Unknown type name 'Self'"...). `children()`,
# `modules()`, `named_children()`, `named_modules()`, `named_buffers()` and `extra_repr()` compile.
UNSCRIPTABLE_METHODS = {
    "parameters": "keep the tensors you need as attributes, or loop over them outside the model",
    "named_parameters": "keep the tensors you need as attributes, or loop over them outside the model",
    "buffers": "keep the tensors you need as attributes, or loop over them outside the model",
    "state_dict": "read the state outside the model",
    "load_state_dict": "load the state outside the model",
    "train": "switch modes outside the model; read `self.training` inside it",
    "eval": "switch modes outside the model; read `self.training` inside it",
    "requires_grad_": "set it outside the model",
    "zero_grad": "zero the gradients outside the model",
    "apply": "apply the function outside the model",
    "to": "move the inputs instead (`x.to(self.weight.device)`), or the model before scripting it",
    "cpu": "move the inputs instead, or the model before scripting it",
    "cuda": "move the inputs instead, or the model before scripting it",
    "half": "convert the inputs instead (`x.half()`), or the model before scripting it",
    "float": "convert the inputs instead (`x.float()`), or the model before scripting it",
    "double": "convert the inputs instead (`x.double()`), or the model before scripting it",
    "type": "convert the inputs instead, or the model before scripting it",
    "get_submodule": "use the attribute itself (`self.encoder.layer`)",
    "get_parameter": "use the attribute itself (`self.encoder.weight`)",
}
# Attributes of nn.Module that do not exist on a scripted module.
UNSCRIPTABLE_ATTRIBUTES = {
    "_parameters": "use the parameters by name (`self.weight`)",
    "_buffers": "use the buffers by name (`self.running_mean`)",
    "_modules": "use the submodules by name, or keep them in an `nn.ModuleDict`",
    "__dict__": "use the attributes by name",
    "__class__": "decide in `__init__` and store the result (a name, a flag) as an attribute",
}


class ModuleMethodInCompiledCode(Rule):
    """Compiled code calls an `nn.Module` method TorchScript cannot compile — `self.parameters()`,
    `self.named_parameters()`, `self.buffers()`, `self.state_dict()`, `self.train()`/`eval()`,
    `self.to(...)`, `self.half()`, `self.zero_grad()`, `self.apply(fn)`, `self.get_submodule(...)` —
    on the module or on a submodule, or reads `self._modules`, `self._parameters`, `self._buffers`,
    `self.__dict__` or `self.__class__`.

    torch compiles the method's Python source from `torch/nn/modules/module.py` and fails inside it:
    "Yield aren't supported" (`parameters()` is a generator), "Lambda aren't supported", "Unknown
    type name 'Self'"; the internal dictionaries do not exist on a scripted module ("Module 'Net'
    has no attribute '_modules'"). A class that defines a method of the same name is not reported.
    """

    code = "TS337"
    name = "module-method-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{call}` uses nn.Module's `{name}`, which TorchScript cannot compile; {instead}."
    attribute_message = "`{call}` does not exist on a scripted module; {instead}."
    fix_hint = (
        "Do it outside the model (or in `__init__`, storing the result), or move the code into an "
        "`@torch.jit.unused` method."
    )
    torch_messages = (
        "Yield aren't supported",
        "Lambda aren't supported",
        "Unknown type name",
        "has no attribute",
        "Compiled functions can't take variable number of arguments",
        "Unknown type constructor Callable",
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in UNSCRIPTABLE_METHODS:
            return
        receiver = _module_receiver(func.value, func.attr.value, context)
        if receiver is not None:
            name = func.attr.value
            context.report(
                node, self.message.format(call=f"{receiver}.{name}(...)", name=name, instead=UNSCRIPTABLE_METHODS[name])
            )

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = node.attr.value
        if name in UNSCRIPTABLE_ATTRIBUTES and context.self_attribute(node) is not None and _in_modules(context):
            if not any(name in klass.attributes for _, klass in context.classes()):
                shown = f"{context.compiled.info.self_name}.{name}"
                context.report(node, self.attribute_message.format(call=shown, instead=UNSCRIPTABLE_ATTRIBUTES[name]))


def _module_receiver(value: cst.BaseExpression, method: str, context: RuleContext) -> Optional[str]:
    """How to show `value` when it is the compiled module itself or one of its submodules, and
    nothing in the project defines `method` for it; else None."""
    classes = context.classes()
    if isinstance(value, cst.Name) and value.value == context.compiled.info.self_name:
        if _in_modules(context) and not any(method in klass.methods for _, klass in classes):
            return value.value
        return None
    name = context.self_attribute(value)
    if name is None:
        return None
    assignments = context.attribute(name)
    index = context.scope.index
    for assignment in assignments:
        if assignment.kind is AttributeKind.MODULE_CONTAINER:
            continue
        callee = index.resolve(assignment.callee) if assignment.kind is AttributeKind.CALL else None
        if callee is None:
            return None
        if callee in index.classes and index.is_module_class(callee):
            if any(method in info.methods for info in index.mro(index.classes[callee])):
                return None
        elif not is_torch_module_class(callee):
            return None
    return f"{context.compiled.info.self_name}.{name}" if assignments else None


def _in_modules(context: RuleContext) -> bool:
    """The function is compiled for module classes only (not for a TorchScript class)."""
    index = context.scope.index
    names = [name for name, _ in context.classes()]
    return bool(names) and all(index.is_module_class(name) for name in names)
