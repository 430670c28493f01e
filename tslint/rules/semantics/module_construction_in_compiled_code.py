from __future__ import annotations

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.index.model import NOT_MODULES
from tslint.rule import Rule, RuleContext


class ModuleConstructionInCompiledCode(Rule):
    """Compiled code builds a module or a parameter: `nn.ReLU()(x)`, `nn.Parameter(t)`, a project
    module class.

    torch: "Cannot instantiate class 'ReLU' in a script function". Submodules and parameters are
    created in `__init__`; compiled code only uses them.
    """

    code = "TS320"
    name = "module-construction-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}(...)` builds a {what} in compiled code, which TorchScript cannot do."
    fix_hint = (
        "Create it in `__init__` and use the attribute, or call the `torch.nn.functional` equivalent (`F.relu(x)`)."
    )
    torch_messages = ("Cannot instantiate class", "does not have an __init__ function defined")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if not isinstance(node.func, (cst.Name, cst.Attribute)):
            return  # `nn.ReLU()(x)`: the inner call is the construction
        name = context.qualify(node.func)
        if name is None:
            return
        if name.startswith("torch.nn.") and name.rpartition(".")[2] in NOT_MODULES:
            what = "parameter"  # `nn.Parameter(t)`, `nn.Buffer(t)`
        elif context.scope.index.is_module_class(name):
            what = "module"
        else:
            return
        shown = code_of(node.func)
        context.report(node, self.message.format(name=shown, what=what))
