from __future__ import annotations

from typing import Set

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class MissingReturnOnSomePath(Rule):
    """A compiled function annotated to return a value (`-> torch.Tensor`, even `-> Optional[...]`)
    returns one on some paths (or none at all: a docstring-only `forward`) and can also reach the end
    of its body, where Python returns `None`. Interface methods, overload declarations and `...`
    stubs are not compiled bodies and are not reported.

    torch requires every path of a function whose return annotation is not `None` to end in a
    `return` or a `raise`: "Function was not annotated as having type None, but does not return along
    all paths". It points at the function's whole body, the arrow on its last statement, which is
    where tslint reports. Branches torch prunes (`if torch.jit.is_scripting():`) and loops that never
    end except by `return` (`while` followed by `assert False`) count as torch counts them; an
    unannotated function is not reported (torch unifies the implicit `None` with the other returns);
    nor is one with an `if` on `isinstance`/`is None` of a value of unknown type (torch may decide it).
    """

    code = "TS357"
    name = "missing-return-on-some-path"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{function}` is annotated to return `{declared}`, but control can reach the end of its body "
        "without a `return`."
    )
    fix_hint = "End every path with `return ...` (or `raise`), e.g. a final `return x` after the `if`."
    torch_messages = ("does not return along all paths",)

    def begin_function(self, context: RuleContext) -> Set[int]:
        return set()  # the returns the walk shows: compiled, not in a branch torch prunes

    def visit_Return(self, node: cst.Return, context: RuleContext) -> None:
        if node.value is not None:
            context.state.add(id(node))

    def end_function(self, context: RuleContext) -> None:
        function = context.node
        if function.returns is None or _declaration_only(function, context):
            return
        types = context.types()
        declared = types.declared_return
        if declared.kind in ("NoneType", "Unknown") or not types.falls_off_end:
            return
        last = _last_statement(function.body)
        context.report(last, self.message.format(function=function.name.value, declared=declared))


_OVERLOADS = frozenset({"typing.overload", "torch.jit._overload_method", "torch.jit._overload"})
_ABSTRACT = frozenset({"abc.abstractmethod", "abstractmethod"})


def _declaration_only(function: cst.FunctionDef, context: RuleContext) -> bool:
    """A signature torch reads without compiling a body: a method of a `@torch.jit.interface` class,
    an `@overload` declaration, or a `...` stub (TS218's when compiled); and an `@abstractmethod`."""
    info = context.compiled.info
    owner = context.scope.index.classes.get(info.owner or "")
    if owner is not None and "torch.jit.interface" in owner.decorators:
        return True
    if any(decorator in _OVERLOADS or decorator in _ABSTRACT for decorator in info.decorators):
        return True  # an `@abstractmethod` body is a placeholder its subclasses replace
    last = function.body.body[-1] if function.body.body else None
    if isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Expr):
        return isinstance(last.body[-1].value, cst.Ellipsis)
    return isinstance(function.body, cst.SimpleStatementSuite) and isinstance(
        getattr(function.body.body[-1], "value", None), cst.Ellipsis
    )


def _last_statement(body: cst.BaseSuite) -> cst.CSTNode:
    """The last simple statement of a body, inside its last compound statement (where torch's arrow
    points: the end of the function's range)."""
    while True:
        statements = body.body
        last = statements[-1]
        if isinstance(last, cst.SimpleStatementLine):
            return last.body[-1]
        if isinstance(body, cst.SimpleStatementSuite):
            return last
        orelse = getattr(last, "orelse", None)
        while isinstance(orelse, cst.If):
            orelse = orelse.orelse if orelse.orelse is not None else orelse.body
            if isinstance(orelse, cst.BaseSuite):
                break
        if isinstance(orelse, cst.Else):
            orelse = orelse.body
        body = orelse if isinstance(orelse, cst.BaseSuite) else last.body
