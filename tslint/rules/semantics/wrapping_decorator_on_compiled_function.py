from __future__ import annotations

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class WrappingDecoratorOnCompiledFunction(Rule):
    """A compiled function is decorated with one of the project's decorators that returns a
    `*args, **kwargs` wrapper without `functools.wraps` (`@timed`, or a factory `@retry(3)`).

    torch compiles what the decorator returns, the wrapper, instead of the decorated function, and
    a wrapper that takes `*args` fails: "Compiled functions can't take variable number of arguments
    or use keyword-only arguments with defaults", pointing into the decorator. With
    `@functools.wraps(fn)` on the wrapper torch follows `__wrapped__` and compiles the original.
    """

    code = "TS329"
    name = "wrapping-decorator-on-compiled-function"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`@{decorator}` replaces this function with `{wrapper}`, which torch compiles instead and cannot: it takes "
        "*args/**kwargs."
    )
    fix_hint = (
        "Decorate the wrapper with `@functools.wraps(fn)` (torch then compiles the original function), or drop the "
        "decorator."
    )

    def begin_function(self, context: RuleContext) -> None:
        node = context.node
        index = context.scope.index
        for decorator in node.decorators:
            expression = decorator.decorator
            name = index.resolve(context.qualify(expression))
            info = index.functions.get(name) if name else None
            if info is None:
                continue
            level = 2 if isinstance(expression, cst.Call) else 1
            wrappers = info.fact("returned_wrappers", ())
            if len(wrappers) >= level:
                wrapper, var_args = wrappers[level - 1]
                if var_args:
                    shown = code_of(expression)
                    context.report(decorator, self.message.format(decorator=shown, wrapper=wrapper))
