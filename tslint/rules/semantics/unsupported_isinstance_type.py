from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.schema_types import JitType
from tslint.analysis.value_kinds import EQUIVALENT, NEED_PARAMETERS, unsupported_type
from tslint.findings import Applicability, Mode, Severity
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
    torch_messages = ("Attempted to use List without a contained type", "Failed to get source for", "Unknown type name")

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
            fix = _builtin_fix(candidate, found, context)
            if fix is None and found in ("dict", "typing.Dict") and candidate is kinds:
                fix = _dict_fix(node, context)
            context.report(candidate, self.message.format(name=found.replace("typing.", ""), instead=instead), fix=fix)


def _builtin_fix(candidate: cst.BaseExpression, found: str, context: RuleContext):
    """A bare `List` / `Tuple` becomes `list` / `tuple`: the same test in Python, one torch compiles.
    None when the builtin's name is rebound in the function or the file."""
    builtin = _BUILTIN_OF.get(found)
    if builtin is None or builtin in context.local_names() or context.qualify(cst.Name(builtin)) != builtin:
        return None
    return replace_node(candidate, builtin, f"Replace `{found.replace('typing.', '')}` with `{builtin}`")


def _dict_fix(node: cst.Call, context: RuleContext):
    """`isinstance(x, dict)` -> `torch.jit.isinstance(x, Dict[str, Tensor])` when the type model gives
    `x` one dict type (`Union[Tensor, Dict[str, Tensor]]`, `Optional[Dict[...]]`): torch refines the
    Union with it, and in Python it tests the same dict (plain `isinstance` of a subscripted `Dict`
    raises "Subscripted generics cannot be used with class and instance checks"). Unsafe: in Python
    `torch.jit.isinstance` also checks the keys' and values' types, so a dict the annotation does not
    describe is no longer taken for one."""
    value = node.args[0].value
    if not isinstance(value, cst.Name) or context.imports.aliases.get("torch") != "torch":
        return None
    found = context.types().type_of(value)
    members = found.items if found.kind in ("Union", "Optional") else (found,)
    dicts = [member for member in members if member.kind == "Dict"]
    spelled = _spelled(dicts[0], context.imports.aliases) if len(dicts) == 1 else None
    if spelled is None:
        return None
    return replace_node(
        node,
        f"torch.jit.isinstance({value.value}, {spelled})",
        f"Test `{spelled}` with `torch.jit.isinstance`",
        Applicability.UNSAFE,
    )


_TYPING_NAMES = {"List": "typing.List", "Dict": "typing.Dict", "Tuple": "typing.Tuple", "Optional": "typing.Optional"}


def _spelled(found: JitType, aliases) -> Optional[str]:
    """`found` as an annotation in the file's own names (`Dict[str, Tensor]`), or None when the file does
    not import a name it needs."""
    if found.kind in ("int", "float", "str", "bool"):
        return found.kind
    if found.kind == "Tensor":
        if aliases.get("Tensor") == "torch.Tensor":
            return "Tensor"
        return "torch.Tensor" if aliases.get("torch") == "torch" else None
    if found.kind in _TYPING_NAMES and found.items:
        if aliases.get(found.kind) not in (_TYPING_NAMES[found.kind], "typing_extensions." + found.kind):
            return None
        items = [_spelled(item, aliases) for item in found.items]
        return None if None in items else f"{found.kind}[{', '.join(items)}]"
    return None
