from __future__ import annotations

import libcst as cst

from tslint.analysis.value_kinds import is_str_value
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# The methods of Python's str that TorchScript's str lacks, with what to write instead (a test
# scripts every public str method and checks that exactly these fail).
MISSING_STR_METHODS = {
    "casefold": "use `s.lower()`",
    "encode": "work on the str, or keep bytes outside compiled code",
    "format_map": "use `str.format` with the values in order",
    "isascii": "test each character (`all([ord(c) < 128 for c in s])`)",
    "maketrans": "call `s.replace(old, new)` for each character",
    "removeprefix": "slice it off (`s[len(p):] if s.startswith(p) else s`)",
    "removesuffix": "slice it off (`s[: len(s) - len(p)] if s.endswith(p) else s`)",
    "translate": "call `s.replace(old, new)` for each character",
}


class UnsupportedStrMethod(Rule):
    """Compiled code calls a str method TorchScript's str does not have: `s.removeprefix(p)`,
    `s.removesuffix(p)`, `s.casefold()`, `s.encode()`, `s.isascii()`, `s.format_map(m)`,
    `s.translate(t)`, `str.maketrans(...)`.

    torch fails with "'str' object has no attribute or method 'removeprefix'" (for `str.maketrans`,
    "attribute lookup is not defined on __str__"). Reported only where
    the value is certainly a str (a literal, `str(...)`, a parameter annotated `str`, a local only
    ever assigned strs, or another str method's result): an `encode` method of your own class or
    submodule is left alone.
    """

    code = "TS340"
    name = "unsupported-str-method"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`str.{method}` does not exist in TorchScript; {instead}."
    fix_hint = "Write the method's work with the str methods TorchScript has (the message says how)."
    torch_messages = ("'str' object has no attribute or method", "attribute lookup is not defined on __str__")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in MISSING_STR_METHODS:
            return
        receiver = func.value
        is_str_type = isinstance(receiver, cst.Name) and receiver.value == "str" and context.qualify(receiver) == "str"
        if is_str_type or is_str_value(receiver, context):
            method = func.attr.value
            context.report(node, self.message.format(method=method, instead=MISSING_STR_METHODS[method]))
