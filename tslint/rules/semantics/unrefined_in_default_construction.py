from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from tslint.analysis.default_types import DefaultFunctionTypes, default_view_if_any
from tslint.analysis.members import has_member, optional_has_member
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


@dataclass
class _Walk:
    types: Optional[DefaultFunctionTypes] = None
    computed: bool = False


class UnrefinedInDefaultConstruction(Rule):
    """Compiled code after `if self.emb is not None: emb = self.emb(t)` uses `emb` where torch needs a
    value that is not None (`self.silu(emb)`, `emb.flatten(1, 2)`), `emb` is an `Optional[Tensor]`
    parameter, and `__init__` leaves `self.emb` `None` when the class is built with its defaults
    (`num_embeddings: int | None = None`, `self.emb = ... if num_embeddings is not None else None`).

    torch types `self.emb` from the instance it scripts: `NoneType` for the default instance, so it drops
    the `if` body, and `emb` keeps its `Optional[Tensor]` type: "forward(SiLU self, Tensor input) ->
    Tensor: Expected a value of type 'Tensor' for argument 'input' but instead found type
    'Optional[Tensor]'", "'Optional[Tensor]' object has no attribute or method 'flatten'". An error for
    the instance built with its defaults; one built with other arguments compiles the body instead.
    Reported only where the ordinary view (both sides possible) finds nothing and the defaults decide
    every test on the way; calls and members are checked as TS350 and TS351 check them.
    """

    code = "TS364"
    name = "unrefined-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{attribute}` is `None` when `{owner}` is built with its defaults ({defaults}), so "
        "TorchScript drops the `if {receiver}.{attribute} ...` block, and {problem}: scripting such an "
        "instance fails."
    )
    fix_hint = (
        "Refine the value itself (`assert emb is not None`, or `if emb is None: emb = ...`) before using it, "
        "or give the attribute a module on every path so the block is always compiled."
    )
    torch_messages = (
        "Expected a value of type",
        "Arguments for call are not valid",
        "object has no attribute or method",
        "Expected at most",
    )

    def begin_function(self, context: RuleContext) -> _Walk:
        return _Walk()

    def _types(self, context: RuleContext) -> Optional[DefaultFunctionTypes]:
        """The default-construction view, computed once (hooks do not run in source order)."""
        walk = context.state
        if not walk.computed:
            walk.computed = True
            walk.types = default_view_if_any(context)
        return walk.types

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        types = self._types(context)
        if types is None:
            return
        call = types.call(node)
        if call is None or call.matched:
            return
        values = [*call.positional, *(value for _, value in call.keywords)]
        if not any(value.kind == "Optional" for value in values):
            return  # only a value the dropped block would have refined
        ordinary = context.types().call(node)
        if ordinary is not None and not ordinary.matched:
            return  # TS350's
        shown = ", ".join(
            [str(v).replace("Unknown", "?") for v in call.positional]
            + [f"{k}={str(v).replace('Unknown', '?')}" for k, v in call.keywords]
        )
        self._report(node, f"no signature of `{call.name}` accepts ({shown})", types, context)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        types = self._types(context)
        if types is None:
            return
        found = types.member(node)
        if found is None or found[0].kind != "Optional":
            return
        value_type, name = found
        if optional_has_member(value_type, name) is not False:
            return
        ordinary = context.types().member(node)
        if ordinary is not None and has_member(ordinary[0], ordinary[1]) is False:
            return  # TS351's
        code = code_of(node.value)
        code = code if len(code) <= 40 and "\n" not in code else "the value"
        problem = f"`{code}` is still an `{value_type}`, which has no attribute or method `{name}`"
        self._report(node, problem, types, context)

    def _report(self, node: cst.CSTNode, problem: str, types: DefaultFunctionTypes, context: RuleContext) -> None:
        attribute, (owner, defaults) = next(iter(types.default_decided.items()))
        context.report(
            node,
            self.message.format(
                receiver=context.receiver, attribute=attribute, owner=owner, defaults=defaults, problem=problem
            ),
        )
