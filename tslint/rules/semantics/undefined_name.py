from __future__ import annotations

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class UndefinedName(Rule):
    """Compiled code reads a name that nothing binds: not the function (no parameter, assignment,
    loop or `with` target), not its module (no assignment, import, `def` or `class`), not Python's
    builtins — `raise ParameterError("bad")` where `ParameterError` is imported nowhere.

    torch resolves every name while it compiles, branches that never run included: "undefined value
    ParameterError". In Python the same line raises `NameError` the day it runs. Names torch finds in
    the `typing` module are not reported (torch falls back to it), nor is anything in a module with a
    star import, `globals()` or `exec`, whose globals cannot be listed.

    A function decorated with `@torch.no_grad()` (`torch.enable_grad`, `torch.inference_mode`,
    `torch.set_grad_enabled`) is compiled from its source, but torch looks its global names up in the
    module of the decorator's wrapper, torch/utils/_contextlib.py: `torch` and the module's own
    globals are undefined there ("undefined value torch"). The same holds for a decorator of the
    project that returns a `functools.wraps` wrapper defined in another module (`@deprecated_arg(...)`
    from a utilities module): torch compiles the function's source but resolves its names in the
    wrapper's module and closure, where the function's own imports do not exist.
    """

    code = "TS343"
    name = "undefined-name"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}` is not defined: no assignment, import, definition or builtin provides it."
    fix_hint = (
        "Import or define the name (a misspelling?), or pass the value in as an argument; under a grad-mode "
        "decorator, take the decorator off the compiled function."
    )
    decorated_message = (
        "`{name}` is not defined where torch looks it up: `@{decorator}` makes torch resolve this "
        "function's global names in torch/utils/_contextlib.py, the module of the decorator's wrapper. "
        "Remove the decorator from the compiled function (for `torch.no_grad`, `with torch.no_grad():` "
        "in its body compiles)."
    )
    wrapped_message = (
        "`{name}` is not defined where torch looks it up: `@{decorator}` replaces this function with a "
        "`functools.wraps` wrapper from `{module}`, and torch resolves the function's global names in that "
        "wrapper's module. Define the decorator's wrapper in this module, or keep the decorator off the "
        "compiled function."
    )
    torch_messages = ("undefined value",)

    def end_function(self, context: RuleContext) -> None:
        flow = context.names()
        decorator = flow.globals_decorator
        for problem in flow.problems:
            if problem.kind != "undefined":
                continue
            wrapper = flow.globals_wrapper
            if wrapper is not None:
                shown = self.wrapped_message.format(
                    name=problem.node.value, decorator=wrapper.decorator, module=wrapper.module
                )
                context.report(problem.node, shown)
            elif decorator is None:
                context.report(problem.node, self.message.format(name=problem.node.value))
            else:
                short = decorator.replace("torch.autograd.grad_mode.", "torch.").replace("torch.autograd.", "torch.")
                context.report(problem.node, self.decorated_message.format(name=problem.node.value, decorator=short))
