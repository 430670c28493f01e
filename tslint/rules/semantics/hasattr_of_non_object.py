from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# Types that are not objects for torch's `hasattr` (a module, a TorchScript class or a NamedTuple is).
NOT_OBJECTS = frozenset({"Tensor", "int", "float", "bool", "str", "NoneType", "List", "Dict", "Optional"})


class HasattrOfNonObject(Rule):
    """Compiled code calls `hasattr` on a value that is not an object: a Tensor (`hasattr(x,
    "shape")`), an int, a str, a list, an Optional.

    torch only resolves `hasattr` on modules, TorchScript classes and NamedTuples, at compile time:
    "hasattr's first argument must be an object or NamedTuple, got Tensor instead". The first
    argument's type comes from the type model; values of unknown type are not reported.
    """

    code = "TS355"
    name = "hasattr-of-non-object"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`hasattr` of a value of type `{type}`: TorchScript only takes modules, classes and NamedTuples."
    fix_hint = (
        "Test what the type says instead (`x.dim()`, `isinstance(x, torch.Tensor)`), or keep the check out of "
        "compiled code."
    )
    torch_messages = ("hasattr's first argument must be an object",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if not isinstance(node.func, cst.Name) or node.func.value != "hasattr" or not node.args:
            return
        if "hasattr" in context.local_names() or context.qualify(node.func) != "hasattr":
            return
        found = context.types().type_of(node.args[0].value)
        if found.kind in NOT_OBJECTS:
            context.report(node, self.message.format(type=found))
