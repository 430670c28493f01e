from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class UnionAttributePassedToTorch(Rule):
    """Compiled code passes a torch function an attribute whose class-body annotation is an
    "int or tuple" union (`kernel_size: _size_2_t`, `k: Union[int, Tuple[int, int]]`).

    The annotation makes the attribute's TorchScript type the Union itself, whatever value
    `__init__` stores, and torch's operators take `int[]` or `int`, never a Union: "isIntList()
    INTERNAL ASSERT FAILED ... Expected IntList but got Int" (no location), or "Arguments for call
    are not valid". Attributes in `__constants__` or `Final` are inlined as values and compile; so do
    unions of scalars (`Union[int, float]`), which torch passes as numbers.
    """

    code = "TS328"
    name = "union-attribute-passed-to-torch"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{name}` is annotated as an int-or-tuple Union, and `{function}` does not accept a Union."
    fix_hint = (
        "Annotate what `__init__` stores (`kernel_size: Tuple[int, int]`, with `_pair(kernel_size)` in `__init__`), "
        "or list the attribute in `__constants__`."
    )
    torch_messages = ("Expected IntList but got Int", "found type 'Union[")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        function = context.qualify(node.func)
        if function is None or not function.startswith("torch."):
            return
        unions = set()
        for _, klass in context.classes():
            unions |= klass.size_unions - klass.maybe_constants
        if not unions:
            return
        for argument in node.args:
            name = context.self_attribute(argument.value)
            if name in unions:
                short = function.replace("torch.nn.functional.", "F.")
                context.report(
                    argument.value, self.message.format(receiver=context.receiver, name=name, function=short)
                )
