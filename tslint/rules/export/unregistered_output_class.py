from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

OBJECT = frozenset({"object", "builtins.object"})
# What a file that registers a class with torch's pytree (or otherwise teaches export about it) says.
REGISTRATION = ("pytree", "register_dataclass", "register_constant")


class UnregisteredOutputClass(Rule):
    """The `forward` of a model (a module class nothing uses as a submodule) returns an instance of a
    plain class or dataclass of the same file that is not registered with torch's pytree.

    torch.export.export flattens inputs and outputs with `torch.utils._pytree`: tuples, lists, dicts,
    NamedTuples and registered classes only. Otherwise export fails, without naming a source line:
    "RuntimeError: Found <class 'Out'> in output, which is not a known type. If this type holds
    tensors, you need to register a pytree for it" (strict: "Encountered unrecognized type
    UserDefinedObjectVariable(Out) at output 0"). A file that mentions a pytree registration is left
    alone.
    """

    code = "TS508"
    name = "unregistered-output-class-in-export"
    severity = Severity.ERROR
    mode = Mode.EXPORT
    message = (
        "`forward` of the model `{root}` returns a `{name}`, which torch.export.export cannot flatten: it is not "
        "registered as a pytree node."
    )
    fix_hint = (
        "Return a tuple, a dict or a NamedTuple, or register the class: `torch.export.register_dataclass(Out)` for a "
        "dataclass, `torch.utils._pytree.register_pytree_node(...)` otherwise."
    )
    torch_messages = ("in output, which is not a known type", "Encountered unrecognized type")

    def visit_Return(self, node: cst.Return, context: RuleContext) -> None:
        if context.compiled.info.name != "forward" or not isinstance(node.value, cst.Call):
            return
        roots = context.traced_models()
        if not roots:
            return  # a submodule's output goes to its parent, not out of export
        name = plain_class_of_file(node.value.func, context)
        if name is not None and not any(word in context.source[1] for word in REGISTRATION):
            context.report(node, self.message.format(root=roots[0].rsplit(".", 1)[-1], name=name))


def plain_class_of_file(expression: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """The name of the class `expression` names (a call's callee, an annotation) when it is a class
    of this file with no base but `object` (a dataclass or a plain class; a NamedTuple or a dict
    subclass is a pytree)."""
    qualified = context.scope.index.resolve(context.qualify(expression))
    for info in context.file.classes:
        if info.qualname == qualified:
            if all(base in OBJECT for base in info.bases):
                return info.name
            return None
    return None
