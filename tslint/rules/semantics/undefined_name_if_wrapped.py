from __future__ import annotations

from tslint.analysis.compiled_names import possibly_wrapped_flow
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class UndefinedNameIfWrapped(Rule):
    """Compiled code reads a global name of its module that the module of a project decorator's
    wrapper does not bind, under a decorator that returns that `functools.wraps` wrapper on some
    paths and the function itself on the others (`@deprecated_arg(...)` whose deprecation may not be
    due yet; `if not ENABLED: return fn`).

    torch compiles the function's own source on both paths, but resolves its names in the returned
    object's globals and closure: on the wrapping path those of the decorator's module, where the
    function's own imports do not exist ("undefined value torch", at the wrapper's file). Which path
    runs is decided when the decorator's module is imported, so this is a warning (one a function,
    at the first such read, naming the others); a decorator that wraps on every path is TS343's error.
    """

    code = "TS371"
    name = "undefined-name-if-wrapped"
    severity = Severity.WARNING
    mode = Mode.SCRIPT
    message = (
        "`{name}` is not defined where torch looks it up if `@{decorator}` wraps this function{others}: on "
        "some paths it returns a `functools.wraps` wrapper from `{module}`, and torch then resolves the "
        "function's global names in that wrapper's module."
    )
    fix_hint = (
        "Define the decorator's wrapper in this module, have the decorator's module bind the name too, or keep "
        "the decorator off the compiled function."
    )
    torch_messages = ("undefined value",)

    def end_function(self, context: RuleContext) -> None:
        flow = possibly_wrapped_flow(context)
        if flow is None:
            return
        own = {id(problem.node) for problem in context.names().problems}
        missing = [p.node for p in flow.problems if p.kind == "undefined" and id(p.node) not in own]
        if not missing:
            return
        # One warning a function, at the first read torch meets: the decorator is the cause.
        names = list(dict.fromkeys(node.value for node in missing))
        others = f" (nor `{'`, `'.join(names[1:])}`)" if len(names) > 1 else ""
        wrapper = flow.globals_wrapper
        shown = self.message.format(name=names[0], decorator=wrapper.decorator, module=wrapper.module, others=others)
        context.report(missing[0], shown)
