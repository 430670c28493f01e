from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

REGISTRATIONS = frozenset({"register_buffer", "register_parameter", "register_module", "add_module"})


class ModuleRegistrationInCompiledCode(Rule):
    """Compiled code registers a buffer, parameter or submodule (`self.register_buffer(...)`).

    A scripted module's attributes are fixed when it is compiled; torch fails inside its own code
    ("Unknown type name 'torch.jit.ScriptModule'"), pointing into torch/nn/modules/module.py.
    """

    code = "TS313"
    name = "module-registration-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{method}(...)` cannot run in compiled code: register it in `__init__`."
    fix_hint = "Register the buffer/parameter/submodule in `__init__`, then assign to it in `forward`."
    torch_messages = ("Unknown type name 'torch.jit.ScriptModule'",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in REGISTRATIONS
            and isinstance(func.value, cst.Name)
            and func.value.value == context.compiled.info.self_name
        ):
            context.report(node, self.message.format(receiver=context.receiver, method=func.attr.value))
