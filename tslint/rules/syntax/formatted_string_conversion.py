from __future__ import annotations

import libcst as cst

from tslint.analysis.traversal import code_of, parents
from tslint.findings import Applicability, Mode, Severity
from tslint.rule import Rule, RuleContext, replace_node


class FormattedStringConversion(Rule):
    """An f-string in compiled code uses a conversion (`!r`, `!s`, `!a`), a format spec (`:>4`,
    `:.2f`) or a self-documenting `=` field (`{x=}`, which Python compiles with `!r`).

    torch's Python frontend rejects it ("Don't support conversion in JoinedStr / Don't support formatting in JoinedStr")
    while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    An f-string in an implicit concatenation (`"must be one of ... " f"got {x!r}"`) is one string
    to torch: it reports the concatenation, on the line of its first part (probed in 2.13).
    """

    code = "TS212"
    name = "formatted-string-conversion"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "f-string {what} are not supported in compiled code."
    fix_hint = "Drop the `!r`/`!s` conversion and the `:...` format spec, or use `str.format`."
    frontend = True
    torch_messages = ("in JoinedStr",)

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression, context: RuleContext) -> None:
        if node.format_spec is not None:
            what, fix = "format specs", None
        elif node.conversion is not None:
            what, fix = "conversions (`!r`, `!s`)", _without_conversion(node)
        elif node.equal is not None:  # Python compiles `{x=}` as `x=` and `{x!r}`
            what, fix = "`=` fields (`{x=}`, which imply `!r`)", _spelled_out(node)
        else:
            return
        where = _concatenation(node, context)
        if where is None:
            context.report(node, self.message.format(what=what), fix=fix)
        else:
            context.report(where, self.message.format(what=what), fix=fix, header_only=True)


def _concatenation(node: cst.CSTNode, context: RuleContext):
    """The outermost implicit string concatenation holding `node`, if any (rare: only looked up
    for an f-string torch rejects)."""
    found = None
    parent_of = parents(context.node)
    parent = parent_of.get(id(node))
    while parent is not None and isinstance(parent, (cst.FormattedString, cst.ConcatenatedString)):
        if isinstance(parent, cst.ConcatenatedString):
            found = parent
        parent = parent_of.get(id(parent))
    return found


def _without_conversion(node: cst.FormattedStringExpression):
    """`{x!s}` -> `{x}`: safe, `format(x, "")` is `str(x)` for the values TorchScript formats.
    `{x!r}` / `{x!a}` -> `{x}`: unsafe, a string loses its quotes (`'a'` becomes `a`)."""
    if node.equal is not None:
        return None
    conversion = node.conversion
    applicability = Applicability.SAFE if conversion == "s" else Applicability.UNSAFE
    return replace_node(
        node, node.with_changes(conversion=None), f"Remove the `!{conversion}` conversion", applicability
    )


def _spelled_out(node: cst.FormattedStringExpression):
    """`{x=}` -> `x={x}`: unsafe, the value is then shown by `str`, not `repr`. Only when the
    label's text needs no escaping in the f-string's literal part."""
    equal = node.equal
    assert isinstance(equal, cst.AssignEqual)
    label = (
        node.whitespace_before_expression.value
        + code_of(node.expression)
        + node.whitespace_after_expression.value
        + equal.whitespace_before.value
        + "="
        + equal.whitespace_after.value
    )
    if any(ch in label for ch in "{}\\\"'\n"):
        return None
    plain = node.with_changes(
        equal=None,
        whitespace_before_expression=cst.SimpleWhitespace(""),
        whitespace_after_expression=cst.SimpleWhitespace(""),
    )
    return replace_node(
        node, label + code_of(plain), f"Spell out the `=` field as `{label}{code_of(plain)}`", Applicability.UNSAFE
    )
