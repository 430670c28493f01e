from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.ftypes import Mode, Severity
from tslint.rule import Rule, RuleContext

# What to write instead, by builtin (each form below fails in torch 2.13; tests script them).
INSTEAD = {
    "sorted": "sort a copy in place (`s = v.copy(); s.sort(reverse=True)`), or reverse afterwards (`s.reverse()`)",
    "max": "compare in a loop",
    "min": "compare in a loop",
    "round": "scale and round (`round(v * 100.0) / 100.0`), or `torch.round(t, decimals=2)` on a tensor",
    "int": "parse the string outside compiled code",
    "sum": "add the start value (`start + sum(values)`)",
}
KEYWORDS_REJECTED = frozenset({"sorted", "max", "min"})  # any keyword: key=, reverse=, default=
SECOND_ARGUMENT_REJECTED = frozenset({"round", "int", "sum"})  # ndigits, base, start


class UnsupportedBuiltinArguments(Rule):
    """Compiled code calls a Python builtin with an argument TorchScript's version of it lacks:
    `sorted(v, reverse=True)`, `sorted(v, key=f)`, `max(v, key=f)`, `min(v, default=0)`,
    `round(x, 2)`, `int(s, 16)`, `sum(v, start)`, or `"{name}".format(name=...)`.

    torch implements these builtins itself, with fewer parameters than Python's: "Arguments for call
    are not valid", "method cannot be used as a value" (a `key=` method), or for keyword `format`
    fields the schema "aten::format(str self, ...) -> str". The forms without these arguments —
    `sorted(v)`, `max(a, b)`, `round(x)`, `int(x)`, `sum(v)`, `"{}".format(a)` — and
    `v.sort(reverse=True)` compile.
    """

    code = "TS336"
    name = "unsupported-builtin-arguments"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{call}`: TorchScript's `{builtin}` takes no {what}; {instead}."
    fix_hint = "Drop the argument TorchScript's builtin lacks and do its work explicitly (the message says how)."
    torch_messages = ("Arguments for call are not valid", "cannot be used as a value", "aten::format(str self")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "format" and _is_string(func.value):
            keyword = next((a for a in node.args if a.keyword is not None or a.star == "**"), None)
            if keyword is not None:
                context.report(node, self.message.format(
                    call="str.format(name=...)", builtin="str.format", what="keyword arguments",
                    instead="use `{}` fields filled in order (`'{} rows'.format(n)`), or an f-string",
                ))
            return
        if not isinstance(func, cst.Name) or func.value in context.local_names():
            return
        builtin = context.qualify(func)
        if builtin in KEYWORDS_REJECTED:
            keyword = next((a for a in node.args if a.keyword is not None), None)
            if keyword is not None:
                assert keyword.keyword is not None
                self._report(node, builtin, f"{builtin}(..., {keyword.keyword.value}=...)", f"`{keyword.keyword.value}=` argument", context)
        elif builtin in SECOND_ARGUMENT_REJECTED and not any(a.star for a in node.args) and len(node.args) >= 2:
            name = {"round": "ndigits", "int": "base", "sum": "start"}[builtin]
            self._report(node, builtin, f"{builtin}(..., {name})", f"`{name}` argument", context)

    def _report(self, node: cst.Call, builtin: str, call: str, what: str, context: RuleContext) -> None:
        context.report(node, self.message.format(call=call, builtin=builtin, what=what, instead=INSTEAD[builtin]))


def _is_string(value: Optional[cst.BaseExpression]) -> bool:
    return isinstance(value, (cst.SimpleString, cst.ConcatenatedString))
