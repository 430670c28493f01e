from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.imports import class_nodes
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# What each TorchScript-only construct becomes under torch.export (probed in torch 2.13, see the page).
DECORATORS = {
    "torch.jit.script": (
        "`@torch.jit.script` does nothing for torch.export.export, which traces the function's Python source: remove it"
    ),
    "torch.jit.ignore": (
        "`@torch.jit.ignore` does nothing for torch.export.export, which traces the method like any other: remove it"
    ),
    "torch.jit.unused": (
        "`@torch.jit.unused` does nothing for torch.export.export, which traces the method like any other: remove it"
    ),
}
CALLS = {
    "torch.jit.is_scripting": (
        "`torch.jit.is_scripting()` is always False under torch.export.export: keep the Python branch and drop the "
        "check"
    ),
    "torch.jit.annotate": "`torch.jit.annotate(T, value)` only types a value for TorchScript: write `name: T = value`",
    "torch.jit.fork": (
        "`torch.jit.fork` fails under strict export, and non-strict export fixes every input size at the example's: "
        "call the function directly"
    ),
    "torch.jit.wait": "`torch.jit.wait` only completes a `torch.jit.fork`: use the function's result directly",
}
CONSTANTS = (
    "`{klass}.__constants__` only tells TorchScript which attributes are constants: torch.export.export reads "
    "every attribute as Python does and bakes plain values into the program anyway, so remove it"
)


class TorchScriptOnlyConstructInExport(Rule):
    """Exported code uses a TorchScript-only construct: `@torch.jit.script`, `@torch.jit.ignore`,
    `@torch.jit.unused`, `torch.jit.is_scripting()`, `torch.jit.annotate`, `torch.jit.fork`/`wait`,
    or the exported module's class lists `__constants__` (reported once, on its `forward`'s name).

    torch.export.export traces the Python code and ignores them all — a migration hint, not a failure,
    except `torch.jit.fork`, which strict export rejects ("Attempted to call function marked as
    skipped") and non-strict export runs eagerly, specializing dynamic dimensions. Each message says
    what replaces the construct.
    """

    code = "TS504"
    name = "torchscript-only-construct-in-export"
    severity = Severity.WARNING
    mode = Mode.EXPORT
    message = "{what}."
    fix_hint = "See `tslint --explain TS504` for the torch.export equivalent of each TorchScript construct."

    def visit_Decorator(self, node: cst.Decorator, context: RuleContext) -> None:
        decorator = node.decorator
        target = decorator.func if isinstance(decorator, cst.Call) else decorator
        what = DECORATORS.get(context.qualify(target) or "")
        if what is not None and _decorates_this_function(node, context):
            context.report(node, self.message.format(what=what))

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        what: Optional[str] = CALLS.get(context.qualify(node.func) or "")
        if what is not None:
            context.report(node, self.message.format(what=what))

    def visit_FunctionDef(self, node: cst.FunctionDef, context: RuleContext) -> None:
        info = context.compiled.info
        if node is not context.node or info.name != "forward" or info.owner is None or context.source[0] is None:
            return
        module_name, _, short = info.owner.rpartition(".")
        klass = class_nodes(context.source[0]).get(short) if module_name == context.file.module_name else None
        if klass is not None and any(True for _ in _constants_lists(klass)):  # reported on `forward`'s name
            what = CONSTANTS.format(klass=short)
            context.report(node.name, self.message.format(what=what))


def _constants_lists(klass: cst.ClassDef):
    """The `__constants__ = [...]` assignments of a class body."""
    body = klass.body.body if isinstance(klass.body, cst.IndentedBlock) else ()
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else []
                if isinstance(small, cst.AnnAssign):
                    targets = [small.target]
                if any(isinstance(t, cst.Name) and t.value == "__constants__" for t in targets):
                    yield small


def _decorates_this_function(node: cst.Decorator, context: RuleContext) -> bool:
    """A decorator of the exported function itself (not of a function nested in it)."""
    return any(decorator is node for decorator in context.node.decorators)
