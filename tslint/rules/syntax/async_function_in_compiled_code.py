from __future__ import annotations

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class AsyncFunctionInCompiledCode(Rule):
    """A compiled function (a `forward`, or a method or function compiled code calls) is an
    `async def`.

    torch's frontend only parses plain `def`s, and fails without pointing at a line: "Expected a
    single top-level function: net.py:12".
    """

    code = "TS216"
    name = "async-function-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`async def` cannot be compiled by TorchScript."
    fix_hint = "Make it a plain `def`; run asynchronous work outside the scripted model (or use `torch.jit.fork`)."
    torch_messages = ("Expected a single top-level function",)

    def begin_function(self, context: RuleContext) -> None:
        node = context.node
        if node.asynchronous is not None:
            context.report(node, header_only=True)
