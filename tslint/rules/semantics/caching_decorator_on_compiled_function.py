from __future__ import annotations

from tslint.findings import Mode, Severity
from tslint.index.model import CACHING_DECORATORS
from tslint.rule import Rule, RuleContext


class CachingDecoratorOnCompiledFunction(Rule):
    """A compiled function is decorated with `functools.lru_cache` or `functools.cache`.

    torch compiles the function the decorator returns, and the cache wrapper has no Python source:
    "'functools._lru_cache_wrapper' object has no attribute '__globals__'" — with no location.
    """

    code = "TS325"
    name = "caching-decorator-on-compiled-function"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`@{name}` on a compiled function: TorchScript cannot compile the cache wrapper."
    fix_hint = (
        "Drop the cache in compiled code (compute the value in `__init__` and store it), or mark the function "
        "`@torch.jit.unused`."
    )
    torch_messages = ("'functools._lru_cache_wrapper' object has no attribute '__globals__'",)

    def begin_function(self, context: RuleContext) -> None:
        node = context.node
        for decorator in node.decorators:
            name = context.qualify(decorator.decorator)
            if name in CACHING_DECORATORS:
                context.report(decorator, self.message.format(name=name.rpartition(".")[2]))
