from __future__ import annotations

import libcst as cst

from tslint.analysis.traversal import code_of
from tslint.findings import Applicability, Mode, Severity
from tslint.rule import Rule, RuleContext, replace_node


class AssertOfTuple(Rule):
    """Compiled code asserts a parenthesised tuple: `assert (x.dim() == 4, "expected NCHW")`.

    The parentheses make one tuple of the condition and the message. In Python the assertion never
    fails (a non-empty tuple is true; Python only warns "assertion is always true"); TorchScript
    cannot turn a tuple into a bool: "Could not cast value of type Tuple[bool, str] to bool".
    """

    code = "TS354"
    name = "assert-of-tuple"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`assert (condition, message)` asserts a tuple: TorchScript cannot use a tuple as a bool, and Python never "
        "fails it."
    )
    fix_hint = "Drop the parentheses: `assert condition, message`."
    torch_messages = ("Could not cast value of type Tuple",)

    def visit_Assert(self, node: cst.Assert, context: RuleContext) -> None:
        if isinstance(node.test, cst.Tuple) and node.test.elements:
            context.report(node.test, fix=_unparenthesised(node))


def _unparenthesised(node: cst.Assert):
    """`assert (c, "m")` -> `assert c, "m"`. Unsafe: the assertion can now fail, as was meant."""
    elements = node.test.elements
    if node.msg is not None or len(elements) != 2 or any(isinstance(e, cst.StarredElement) for e in elements):
        return None
    # Not for a tuple spanning lines: libcst generates a node alone without its block's indentation.
    if any("\n" in code_of(e.value) for e in elements):
        return None
    fixed = cst.Assert(
        test=elements[0].value,
        msg=elements[1].value,
        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
    return replace_node(node, fixed, "Drop the parentheses: `assert condition, message`", Applicability.UNSAFE)
