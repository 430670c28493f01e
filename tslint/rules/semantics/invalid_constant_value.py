from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from tslint.compiled_scope import CompiledScope
from tslint.findings import Mode, Severity
from tslint.index.model import FileIndex
from tslint.rule import ClassesContext, Rule, RuleContext
from tslint.rules.semantics._constant_values import classes_to_check, invalid_constant, unread_invalid_constants


class InvalidConstantValue(Rule):
    """Compiled code reads `self.<name>`, a module constant (annotated `Final` in the class body, or
    listed in `__constants__`) that every construction of the class leaves holding a value torch
    cannot make a constant: a dict, a set or frozenset, a tensor, a function (a lambda), a bytes
    value, a complex number, or a list or tuple holding one of those.

    torch checks every constant of the module when it builds the module's type, before it compiles
    anything, and fails there whether compiled code reads the constant or not: "'dict' object in
    attribute 'Net.table' is not a valid constant". A constant may hold a bool, int, float, str,
    None, a torch.device, dtype, layout or qscheme, or a tuple or list of those. Reported for each
    class the code is compiled for; a value tslint cannot tell (a call of a project function, a
    name), a constant `__init__` may leave unassigned, and classes with bases tslint cannot see are
    not reported. A constant compiled code never reads is reported once, where the class itself
    gives it its value: its `self.<name> = ...` in `__init__`, or its class-body binding; also for a
    class torch compiles no code of (no `forward`: an `nn.ParameterDict` subclass), unless other
    project classes derive from it or its `forward` only raises (a base, maybe never built itself).
    """

    code = "TS372"
    name = "invalid-constant-value"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{name}` is a module constant ({how}) holding {what}, which torch cannot make a constant: "
        "scripting `{cls}` fails."
    )
    fix_hint = (
        'Hold a tuple of plain values (`("a", "b")` for a set of names), or make it an ordinary attribute '
        "annotated in the class body (`table: Dict[str, int]`) instead of `Final` / `__constants__`."
    )
    torch_messages = ("is not a valid constant",)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = context.self_attribute(node)
        if name is None:
            return
        found: Optional[Tuple[str, str, str]] = None
        for qualname, klass in context.classes():
            invalid = invalid_constant(context.scope.index, klass, name)
            if invalid is None:
                return  # holds for every class the code is compiled for, or is not reported
            if found is None:
                found = (*invalid, qualname.rpartition(".")[2])
        if found is not None:
            how, what, cls = found
            context.report(node, self.message.format(receiver=context.receiver, name=name, how=how, what=what, cls=cls))

    def module_classes_to_check(self, file: FileIndex, scope: CompiledScope) -> List[str]:
        return classes_to_check(file, scope)

    def check_module_classes(self, context: ClassesContext, classes: List[str]) -> None:
        # torch names no line: an unread constant is reported at the class's own assignment of it.
        for node, name, how, what, cls, holder, receiver in unread_invalid_constants(context, classes):
            text = self.message.format(receiver=receiver, name=name, how=how, what=what, cls=cls)
            symbol = holder.symbol if holder is not None else cls
            context.report_outside(node, text, holder, symbol)
