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
    """

    code = "TS343"
    name = "undefined-name"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}` is not defined: no assignment, import, definition or builtin provides it."
    fix_hint = "Import or define the name (a misspelling?), or pass the value in as an argument."
    torch_messages = ("undefined value",)

    def end_function(self, context: RuleContext) -> None:
        for problem in context.names().problems:
            if problem.kind == "undefined":
                context.report(problem.node, self.message.format(name=problem.node.value))
