from __future__ import annotations

from dataclasses import replace

import libcst as cst

from tslint.analysis.schema_matching import resolve
from tslint.analysis.schema_types import FLOAT, JitType
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# Calls that other rules explain better: `x.norm(dim=...)` without `p` (TS312).
OWNED_ELSEWHERE = frozenset({"Tensor.norm"})


class CallMatchesNoSignature(Rule):
    """Compiled code calls a torch function, a `torch.nn.functional` function or a Tensor method with
    arguments whose TorchScript types no signature of it accepts: a float where it takes an int
    (`x.view(n / 2, -1)`, `torch.cat(xs, 1.0)`), a keyword it does not have (`x.sum(axis=1)`,
    `torch.empty(n, requires_grad=True)`), a missing argument, a tuple holding a Tensor where it takes
    sizes (`x.reshape((t, 1))` with `t` a Tensor); or does arithmetic with a value that is None (the
    result of a helper that returns nothing, a local set to None), which no operator schema takes.

    torch matches the call against the schemas of the operator (every overload, with only the
    implicit conversions it allows: a tuple of ints is a `List[int]`, a Tensor an int or float, a bool
    an int) and fails with "Arguments for call are not valid" or, for a single signature, "Expected a
    value of type 'int' for argument 'dim' but instead found type 'float'". The types come from the
    type model (annotations, unannotated parameters are Tensors, what torch's schemas return); an
    argument whose type tslint does not know fits every type, so a call is reported only when no
    signature takes it whatever that argument is (`(?, str)` for a Tensor pair). Calls of project functions,
    methods and submodules (`self.act(emb)`: its class's `forward`, a project class's or a torch
    module's that takes one Tensor) are matched against their signatures too. A `Union` argument matches a
    schema only when every member does (`Union[int, float]` passes as a number, `Union[Tensor,
    float]` matches nothing, neither in a call nor in arithmetic nor in a comparison: `p == 0.0`
    with `p: Optional[float]` fails). A value annotated `Any` has torch's type Any, which only an
    `Any` argument takes; an unannotated function that can fall off its end returns an Optional
    (`None` there) that a Tensor parameter rejects. An int passed where a float is
    wanted is TS335's, a `Union` attribute TS328's.
    """

    code = "TS350"
    name = "call-matches-no-signature"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "No signature of `{name}` accepts ({arguments}): TorchScript rejects the call."
    fix_hint = (
        "Pass the types the function takes: an int where it takes an int (`int(n / 2)` or `n // 2`), only the "
        "keywords its TorchScript signature has, a list or tuple of ints for sizes."
    )
    torch_messages = ("Arguments for call are not valid", "Expected a value of type", "Expected at most")

    def visit_BinaryOperation(self, node: cst.BinaryOperation, context: RuleContext) -> None:
        call = context.types().call(node)
        if call is None:
            return
        types = context.types()
        if any(
            context.self_attribute(side) and types.type_of(side).kind in ("NoneType", "Union")
            for side in (node.left, node.right)
        ):
            return  # a None attribute in arithmetic is TS326's, a Union attribute TS328's
        shown = ", ".join("?" if value.kind == "Unknown" else str(value) for value in call.positional)
        context.report(
            node,
            self.message.format(name=call.name, arguments=shown)
            .replace("`the", "the")
            .replace("operator`", "operator"),
        )

    def visit_Comparison(self, node: cst.Comparison, context: RuleContext) -> None:
        call = context.types().call(node)
        if call is None:
            return
        types = ", ".join(str(value) for value in call.positional)
        message = self.message.format(name=call.name, arguments=types)
        context.report(node, message.replace("`the", "the").replace("operator`", "operator"))

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        call = context.types().call(node)
        if call is None or call.matched or call.name in OWNED_ELSEWHERE:
            return
        types = context.types()
        if any(
            context.self_attribute(argument.value) and _has_union(types.type_of(argument.value))
            for argument in node.args
        ):
            return  # a Union attribute: TS328's
        if _matches_with_floats(call) and not _overloaded_project_function(call, context):
            return  # TS335 (which leaves overloaded project functions to this rule)
        shown = [_shown(value) for value in call.positional]
        shown += [f"{key}={_shown(value)}" for key, value in call.keywords]
        name = call.name.replace("torch.nn.functional.", "F.")
        if call.self_type is not None:
            name = call.name
        context.report(node, self.message.format(name=name, arguments=", ".join(shown)))


def _overloaded_project_function(call, context: RuleContext) -> bool:
    """A call of a project function declared with `@torch.jit._overload`: matched against the
    declarations' signatures (call_schemas.project_schemas), which TS335 does not read."""
    function = context.scope.index.functions.get(call.schemas[0].name) if call.schemas else None
    return function is not None and function.has_overloads


def _shown(jit_type: JitType) -> str:
    """A type as the message shows it: `?` for what tslint could not type (`Tuple[?, Optional[int]]`)."""
    return str(jit_type).replace("Unknown", "?")


def _has_union(jit_type: JitType) -> bool:
    return jit_type.kind == "Union" or any(_has_union(item) for item in jit_type.items)


def _floats(jit_type: JitType) -> JitType:
    if jit_type.kind == "int":
        return FLOAT
    if jit_type.items:
        return replace(jit_type, items=tuple(_floats(item) for item in jit_type.items))
    return jit_type


def _matches_with_floats(call) -> bool:
    """Whether the call matches once one of its int arguments (or all of them) is a float: an
    int-for-float call, TS335's finding."""
    values = [*call.positional, *(value for _, value in call.keywords)]
    names = [None] * len(call.positional) + [key for key, _ in call.keywords]
    trials = [[i] for i, value in enumerate(values) if "int" in str(value)]
    if not trials:
        return False
    trials.append([i for trial in trials for i in trial])
    for trial in trials:
        changed = [_floats(value) if i in trial else value for i, value in enumerate(values)]
        positional = tuple(changed[: len(call.positional)])
        keywords = {names[i]: changed[i] for i in range(len(call.positional), len(values))}
        if resolve(call.schemas, positional, keywords, call.self_type) is not None:
            return True
    return False
