from __future__ import annotations

import libcst as cst

from tslint.analysis.value_kinds import EQUIVALENT, NEED_PARAMETERS, unsupported_type
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext, replace_node

# Bare typing aliases whose isinstance test is that of a builtin TorchScript has: Python's
# `isinstance(v, typing.List)` is `isinstance(v, list)` (the alias tests its origin class).
_BUILTIN_OF = {"typing.List": "list", "typing.Tuple": "tuple"}


class UnsupportedIsinstanceType(Rule):
    """Compiled code calls `isinstance(value, T)` with a `T` TorchScript does not have: `dict`, `set`,
    `bytes`, `object`, `type`, `range`, bare `List` / `Dict` / `Tuple`, `Sequence`, `Mapping`,
    `Iterable`, `Callable`, `np.ndarray`, `torch.Size` — also inside a tuple of types.

    torch: "Unknown type name 'dict'" — whatever the value's declared type, so the usual
    `Union[Tensor, Dict[str, Tensor]]` refinement with `isinstance(x, dict)` fails. `isinstance(x,
    list)`, `tuple`, `Dict[str, Tensor]`, `List[int]`, `int`, `str`, `torch.Tensor` compile. Module
    classes are TS304.
    """

    code = "TS318"
    name = "unsupported-isinstance-type"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`isinstance` against `{name}` is not supported in compiled code{instead}."
    fix_hint = (
        "Check against the full TorchScript type (`isinstance(x, Dict[str, Tensor])`), or against the other member "
        "of the Union (`isinstance(x, torch.Tensor)`)."
    )
    torch_messages = ("Attempted to use List without a contained type", "Failed to get source for")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if context.qualify(node.func) != "isinstance" or len(node.args) != 2:
            return
        kinds = node.args[1].value
        candidates = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
        for candidate in candidates:
            found = unsupported_type(candidate, context.qualify, lambda name: False)  # module classes: TS304
            if found is None:
                continue
            if found == "dict" or found == "typing.Dict":
                instead = "; use `Dict[K, V]` with its types"
            elif found in NEED_PARAMETERS:
                instead = "; give the type its parameters"
            else:
                instead = f"; use {EQUIVALENT[found]}" if found in EQUIVALENT else ""
            context.report(
                candidate,
                self.message.format(name=found.replace("typing.", ""), instead=instead),
                fix=_builtin_fix(candidate, found, context),
            )


def _builtin_fix(candidate: cst.BaseExpression, found: str, context: RuleContext):
    """A bare `List` / `Tuple` becomes `list` / `tuple`: the same test in Python, one torch compiles.
    None when the builtin's name is rebound in the function or the file."""
    builtin = _BUILTIN_OF.get(found)
    if builtin is None or builtin in context.local_names() or context.qualify(cst.Name(builtin)) != builtin:
        return None
    return replace_node(candidate, builtin, f"Replace `{found.replace('typing.', '')}` with `{builtin}`")
