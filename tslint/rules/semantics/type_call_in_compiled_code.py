from __future__ import annotations

from typing import Set

import libcst as cst

from tslint.analysis.traversal import children, code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class TypeCallInCompiledCode(Rule):
    """Compiled code calls the builtin `type(...)`: `type(x) is torch.Tensor`, `type(n) == int`,
    `type(x).__name__`, `type(x)(...)`.

    TorchScript has no Python `type`: every use fails. Compared, named or called, it fails to
    compile ("builtin cannot be used as a value", "type(Tensor 0) -> Tensor 0", "'Tensor' object
    has no attribute or method '__name__'"); on its own (`print(type(x))`) it compiles and fails when
    run ("The following operation failed in the TorchScript interpreter"). In an exception or assert
    message, which only runs on the way to an error, `raise TypeError(f"got {type(x)}")` compiles
    when `x` is a tensor and is not reported; `type(self)` there fails and is.
    """

    code = "TS338"
    name = "type-call-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{call}`: TorchScript has no Python `type`; test with `isinstance(...)` instead."
    fix_hint = (
        "Use `isinstance(x, int)` (torch refines the variable's type in the branch), or decide in `__init__` and "
        "store the result."
    )
    torch_messages = (
        "builtin cannot be used as a value",
        "type(Tensor 0) -> Tensor 0",
        "has no attribute or method '__name__'",
    )

    def begin_function(self, context: RuleContext) -> Set[cst.Call]:
        return set()  # the `type(...)` calls exempt as plain values in error messages

    def visit_Raise(self, node: cst.Raise, context: RuleContext) -> None:
        if node.exc is not None:
            _exempt(node.exc, context)

    def visit_Assert(self, node: cst.Assert, context: RuleContext) -> None:
        if node.msg is not None:
            _exempt(node.msg, context)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if not _is_type_call(node) or node in context.state:
            return
        if "type" in context.local_names() or context.qualify(node.func) != "type":
            return
        context.report(node, self.message.format(call=code_of(node)))


def _is_type_call(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "type"
        and len(node.args) == 1
        and node.args[0].keyword is None
    )


def _of_self(node: cst.Call, context: RuleContext) -> bool:
    value = node.args[0].value
    return isinstance(value, cst.Name) and value.value == context.compiled.info.self_name


def _exempt(message: cst.BaseExpression, context: RuleContext) -> None:
    """`type(x)` used as a plain value in an exception or assert message (`raise TypeError(f"got
    {type(x)}")`) compiles when `x` is a tensor, and runs only on the way to an error: exempt it.
    Of anything else it fails to compile, but the type of `x` is not known here; `type(self)` is
    never a tensor and stays reported. Compared, named or called (`type(x).__name__`), it fails
    whatever `x` is."""
    exempt = context.state
    stack = [message]
    while stack:
        node = stack.pop()
        if _is_type_call(node) and not _of_self(node, context):
            exempt.add(node)
        for child in children(node):
            if (
                isinstance(node, cst.Attribute)
                and child is node.value
                or isinstance(node, cst.Call)
                and child is node.func
            ):
                continue  # `type(x).__name__`, `type(x)(...)`
            if isinstance(node, cst.Comparison):
                continue  # `type(x) == int`
            stack.append(child)
