from __future__ import annotations

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class IsinstanceWithModuleClass(Rule):
    """Compiled code checks `isinstance(value, SomeModule)` against an `nn.Module` class.

    TorchScript cannot use module classes as types: "Unknown type name 'nn.LayerNorm'" — for torch's
    own module classes and for the project's alike. Unless the model holds a submodule of that class:
    torch scripts submodules first, which registers their class as a type, and then the `isinstance`
    compiles. A class the compiled class holds (directly, in a container, or through its submodules'
    submodules) is not reported.
    """

    code = "TS304"
    name = "isinstance-with-module-class"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`isinstance` against the module class `{name}` is not supported in compiled code."
    fix_hint = "Decide in `__init__` and store the result as a bool attribute (`self.has_norm`), then branch on it."
    torch_messages = ("Unknown type name",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if context.qualify(node.func) != "isinstance" or len(node.args) != 2:
            return
        kinds = node.args[1].value
        candidates = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
        index = context.scope.index
        held = None
        for candidate in candidates:
            qualified = context.qualify(candidate)
            if qualified is not None and index.is_module_class(qualified):
                if held is None:
                    held = context.scope.held_classes(name for name, _ in context.classes())
                if index.resolve(qualified) in held:
                    continue
                shown = code_of(candidate)
                context.report(candidate, self.message.format(name=shown))
