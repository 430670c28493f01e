from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.traversal import rooted_at
from tslint.findings import Mode, Severity
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
# torch's str.split/rsplit name their parameters `separator` and `max`, so Python's names fail;
# no tensor or list method has parameters of these names.
SPLIT_KEYWORDS = frozenset({"sep", "maxsplit"})
PREFIX_TESTS = frozenset({"startswith", "endswith"})  # torch's take one string, not a tuple


class UnsupportedBuiltinArguments(Rule):
    """Compiled code calls a Python builtin or str method with an argument TorchScript's version of
    it lacks: `sorted(v, reverse=True)`, `sorted(v, key=f)`, `max(v, key=f)`, `min(v, default=0)`,
    `round(x, 2)`, `int(s, 16)`, `sum(v, start)`, `"{name}".format(name=...)`,
    `s.split(",", maxsplit=1)`, `s.rsplit(sep="/")`, or `s.startswith(("a", "b"))`.

    torch implements these itself, with fewer parameters than Python's: "Arguments for call are not
    valid", "method cannot be used as a value" (a `key=` method), or torch's schema for the method,
    such as "aten::format(str self, ...) -> str" or "aten::startswith(str self, str substr, int
    start=0, int end=-1) -> bool". The forms without these arguments — `sorted(v)`, `max(a, b)`,
    `round(x)`, `int(x)`, `sum(v)`, `"{}".format(a)`, `s.split(",", 1)`, `s.startswith("a")` — and
    `v.sort(reverse=True)` compile. Methods called on `self` or its attributes are left alone: they
    may be a submodule's or a TorchScript class's own.
    """

    code = "TS336"
    name = "unsupported-builtin-arguments"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{call}`: TorchScript's `{builtin}` takes no {what}; {instead}."
    fix_hint = "Drop the argument TorchScript's builtin lacks and do its work explicitly (the message says how)."
    torch_messages = (
        "Arguments for call are not valid",
        "cannot be used as a value",
        "aten::format(str self",
        "aten::rsplit(str self",
        "aten::startswith(str self",
        "aten::endswith(str self",
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            self._check_str_method(node, func, context)
            return
        if not isinstance(func, cst.Name) or func.value in context.local_names():
            return
        builtin = context.qualify(func)
        if builtin in KEYWORDS_REJECTED:
            keyword = next((a for a in node.args if a.keyword is not None), None)
            if keyword is not None:
                assert keyword.keyword is not None
                self._report(
                    node,
                    builtin,
                    f"{builtin}(..., {keyword.keyword.value}=...)",
                    f"`{keyword.keyword.value}=` argument",
                    context,
                )
        elif builtin in SECOND_ARGUMENT_REJECTED and not any(a.star for a in node.args) and len(node.args) >= 2:
            name = {"round": "ndigits", "int": "base", "sum": "start"}[builtin]
            self._report(node, builtin, f"{builtin}(..., {name})", f"`{name}` argument", context)

    def _check_str_method(self, node: cst.Call, func: cst.Attribute, context: RuleContext) -> None:
        method = func.attr.value
        if method == "format" and _is_string(func.value):
            keyword = next((a for a in node.args if a.keyword is not None or a.star == "**"), None)
            if keyword is not None:
                context.report(
                    node,
                    self.message.format(
                        call="str.format(name=...)",
                        builtin="str.format",
                        what="keyword arguments",
                        instead="use `{}` fields filled in order (`'{} rows'.format(n)`), or an f-string",
                    ),
                )
            return
        if rooted_at(func.value, context.compiled.info.self_name):  # a submodule's or TorchScript class's method
            return
        if method in ("split", "rsplit"):
            keyword = next(
                (a.keyword.value for a in node.args if a.keyword is not None and a.keyword.value in SPLIT_KEYWORDS),
                None,
            )
            if keyword is not None:
                context.report(
                    node,
                    self.message.format(
                        call=f"str.{method}(..., {keyword}=...)",
                        builtin=f"str.{method}",
                        what=f"`{keyword}=` argument",
                        instead=f"pass the separator and the count by position (`s.{method}(',', 1)`)",
                    ),
                )
        elif (
            method in PREFIX_TESTS
            and node.args
            and isinstance(node.args[0].value, cst.Tuple)
            and node.args[0].keyword is None
        ):
            context.report(
                node,
                self.message.format(
                    call=f"str.{method}((...))",
                    builtin=f"str.{method}",
                    what="tuple of strings",
                    instead=f"test each string (`s.{method}('a') or s.{method}('b')`)",
                ),
            )

    def _report(self, node: cst.Call, builtin: str, call: str, what: str, context: RuleContext) -> None:
        context.report(node, self.message.format(call=call, builtin=builtin, what=what, instead=INSTEAD[builtin]))


def _is_string(value: Optional[cst.BaseExpression]) -> bool:
    return isinstance(value, (cst.SimpleString, cst.ConcatenatedString))
