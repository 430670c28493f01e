from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.export.unregistered_output_class import REGISTRATION, plain_class_of_file


class UnregisteredInputClass(Rule):
    """The `forward` of a model (a module class nothing uses as a submodule) takes a parameter
    annotated with a plain class or dataclass of the same file that is not registered with torch's
    pytree.

    torch.export.export flattens the example inputs with `torch.utils._pytree` before it traces:
    tensors, numbers, tuples, lists, dicts, NamedTuples and registered classes only. An instance of
    another class fails the export before any code runs (probed in torch 2.13): "ValueError:
    Unsupported input type <class 'Batch'>. Export only supports pytree containers of basic types
    (Tensor, int, float, ...) as input" (strict: "UserError: It looks like one of the inputs with
    type `<class 'Batch'>` is not supported or pytree-flattenable"). A file that mentions a pytree
    registration is left alone, and so are classes of other files.
    """

    code = "TS509"
    name = "unregistered-input-class-in-export"
    severity = Severity.ERROR
    mode = Mode.EXPORT
    message = (
        "`forward` of the model `{root}` takes a `{name}`, which torch.export.export cannot flatten as an input: it "
        "is not registered as a pytree node."
    )
    fix_hint = (
        "Take the tensors themselves, a tuple, a dict or a NamedTuple, or register the class before exporting: "
        "`torch.export.register_dataclass(Batch)` for a dataclass, `torch.utils._pytree.register_pytree_node(...)` "
        "otherwise."
    )
    torch_messages = ("Unsupported input type", "is not supported or pytree-flattenable")

    def visit_Param(self, node: cst.Param, context: RuleContext) -> None:
        if context.compiled.info.name != "forward" or node.annotation is None:
            return
        if not any(node is p for p in (*context.node.params.params, *context.node.params.kwonly_params)):
            return  # a parameter of a lambda or nested function
        roots = context.traced_models()
        if not roots:
            return  # a submodule's inputs come from its parent, not from export's example inputs
        name = plain_class_of_file(node.annotation.annotation, context)
        if name is not None and not any(word in context.source[1] for word in REGISTRATION):
            context.report(node.annotation, self.message.format(root=roots[0].rsplit(".", 1)[-1], name=name))
