from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.findings import Applicability, Mode, Severity
from tslint.rule import NodeFix, Rule, RuleContext, replace_node

# The value of each keyword `print` uses when it is not given (None means the default for all four).
_DEFAULTS = {"sep": " ", "end": "\n", "file": None, "flush": False}


class PrintKeywordArguments(Rule):
    """Compiled code passes keyword arguments to `print` (`file=`, `sep=`, `end=`, `flush=`).

    torch: "print doesn't accept any keyword arguments".
    """

    code = "TS308"
    name = "print-keyword-arguments"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`print` does not accept keyword arguments (`{keyword}=`) in compiled code."
    fix_hint = "Print positional arguments only; build the text with `str.format` or an f-string first."
    torch_messages = ("print doesn't accept any keyword arguments", "cannot be used as a value")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if context.qualify(node.func) != "print":
            return
        for argument in node.args:
            if argument.keyword is not None:
                fix = _drop_keyword(node, argument, context)
                context.report(argument, self.message.format(keyword=argument.keyword.value), fix=fix)


def _drop_keyword(call: cst.Call, argument: cst.Arg, context: RuleContext) -> Optional[NodeFix]:
    """The call without the keyword argument. Safe when the keyword says what `print` does anyway
    (`sep=" "`, `end="\\n"`, `file=None`, `file=sys.stdout`, `flush=False`, `None` for any, a `sep=` with
    fewer than two values); unsafe otherwise (`end=""` prints a newline, `file=sys.stderr` prints to
    stdout, `flush=True` may print later). Not offered with `*args` / `**kwargs` in the call."""
    if any(a.star for a in call.args):
        return None
    keyword = argument.keyword.value
    if keyword not in _DEFAULTS:
        return None
    kept = [a for a in call.args if a is not argument]
    if kept and call.args[-1] is argument:
        kept[-1] = kept[-1].with_changes(comma=argument.comma)
    positional = sum(1 for a in call.args if a.keyword is None)
    safe = _is_default(argument.value, keyword, context) or (keyword == "sep" and positional < 2)
    return replace_node(
        call,
        call.with_changes(args=kept),
        f"Remove `{keyword}=`",
        Applicability.SAFE if safe else Applicability.UNSAFE,
    )


def _is_default(value: cst.BaseExpression, keyword: str, context: RuleContext) -> bool:
    if isinstance(value, cst.Name) and value.value in ("None", "False", "True"):
        return value.value == "None" or (keyword == "flush" and value.value == "False")
    if isinstance(value, cst.SimpleString) and keyword in ("sep", "end"):
        return value.evaluated_value == _DEFAULTS[keyword]
    return keyword == "file" and context.qualify(value) == "sys.stdout"
