from __future__ import annotations

from typing import Dict, List, Optional

import libcst as cst

from tslint.analysis.imports import names_bound_in
from tslint.analysis.module_containers import module_container_attribute
from tslint.analysis.schema_types import JitType
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.index.model import is_torch_module_class
from tslint.rule import Rule, RuleContext

# What a loop over a module container gives each iteration: a module, or (ModuleDict) a key.
_MODULE, _KEY = "a module", "a str (iterating a ModuleDict gives its keys)"
# Types torch unpacks with `a, b = value`; every other type is "<type> cannot be used as a tuple".
_UNPACKABLE = frozenset({"Tuple", "List", "Unknown", "Any", "Var", "EmptyList"})


class UnpackingANonTuple(Rule):
    """Compiled code unpacks (`a, b = value`, `for a, b in values:`, `f(*value)`) a value that is
    not a tuple or a list: a Tensor (`row, col = edge_index`), a module (`for norm, attn in self.layers:` over a
    ModuleList of ModuleLists or Sequentials), the keys of a ModuleDict, a str, a number, a dict,
    an `Optional` tuple not refined yet.

    Python unpacks anything iterable; TorchScript unpacks tuples, lists and NamedTuples only:
    "Tensor cannot be used as a tuple", "module cannot be used as a tuple", "str cannot be used as a
    tuple". A parameter annotated a bare `tuple` is torch's AnyTupleType, which it passes on but cannot
    unpack: "Provided tuple is not fully defined/refined including its element types". torch points
    at the value of an assignment and at the target of a `for`. The types come from the type model
    (an unannotated parameter is a Tensor); unknown types are not reported.
    """

    code = "TS348"
    name = "unpacking-a-non-tuple"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{value}` is {what} here: TorchScript unpacks only tuples and lists."
    loop_message = "Each element unpacked into `{target}` is {what}: TorchScript unpacks only tuples and lists."
    fix_hint = (
        "Index instead (`x[0], x[1]`; `x.unbind(0)` for a tensor's rows), iterate a ModuleDict with "
        "`.items()`, and give a module container's pairs to two containers zipped together."
    )
    torch_messages = ("cannot be used as a tuple", "Provided tuple is not fully defined/refined")

    def begin_function(self, context: RuleContext) -> List[Dict[str, str]]:
        return []  # per enclosing loop over a module container: its loop variable -> what it holds

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        if not any(isinstance(target.target, cst.Tuple) for target in node.targets):
            return
        what = self._loop_variable(node.value, context) or _describe(context.types().type_of(node.value), context)
        if what is not None:
            context.report(node.value, self.message.format(value=code_of(node.value), what=what))

    def visit_Arg(self, node: cst.Arg, context: RuleContext) -> None:
        if node.star != "*":
            return
        what = self._loop_variable(node.value, context) or _describe(context.types().type_of(node.value), context)
        if what is not None:
            context.report(node.value, self.message.format(value=code_of(node.value), what=what))

    def visit_For(self, node: cst.For, context: RuleContext) -> None:
        held = _module_loop(node.iter, context)
        bound = names_bound_in(node.body)
        if held is not None and isinstance(node.target, cst.Name) and node.target.value not in bound:
            context.state.append({node.target.value: held})
        else:
            context.state.append({})
        found = self._target(node.target, node.iter, context)
        if found is not None:
            target, what = found
            context.report(target, self.loop_message.format(target=code_of(target), what=what))

    def leave_For(self, node: cst.For, context: RuleContext) -> None:
        context.state.pop()

    def _loop_variable(self, value: cst.BaseExpression, context: RuleContext) -> Optional[str]:
        if isinstance(value, cst.Name):
            for loop in reversed(context.state):
                if value.value in loop:
                    return loop[value.value]
        return None

    def _target(self, target: cst.BaseExpression, iterable: cst.BaseExpression, context: RuleContext):
        """(target node, what each element is) when the loop unpacks elements that are no tuples."""
        if isinstance(iterable, cst.Call) and iterable.args and not any(a.star or a.keyword for a in iterable.args):
            called = context.qualify(iterable.func)
            if called in ("enumerate", "zip") and isinstance(target, cst.Tuple):
                looped = [iterable.args[0].value] if called == "enumerate" else [a.value for a in iterable.args]
                parts = [e.value for e in target.elements]
                if any(isinstance(e, cst.StarredElement) for e in target.elements):
                    return None
                if called == "enumerate":
                    parts = parts[1:] if len(parts) == 2 else []
                if len(parts) != len(looped):
                    return None
                for part, inner in zip(parts, looped):
                    if isinstance(part, cst.Tuple):
                        found = self._target(part, inner, context)
                        if found is not None:
                            return found
                return None
        if not isinstance(target, cst.Tuple):
            return None
        held = _module_loop(iterable, context)
        if held is not None:
            return target, held
        element = _element(iterable, context)
        what = _describe(element, context) if element is not None else None
        return (target, what) if what is not None else None


def _module_loop(iterable: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """What each iteration over a module container gives (a module, or a ModuleDict's key)."""
    view = None
    if isinstance(iterable, cst.Call) and not iterable.args and isinstance(iterable.func, cst.Attribute):
        view = iterable.func.attr.value
        iterable = iterable.func.value
    name = module_container_attribute(iterable, context)
    if name is None:
        return None
    kinds = {assignment.callee for assignment in context.attribute(name)}
    if kinds == {"torch.nn.ModuleDict"}:
        return {None: _KEY, "keys": _KEY, "values": _MODULE}.get(view)
    if view is None and "torch.nn.ModuleDict" not in kinds:
        return _MODULE
    return None


def _element(iterable: cst.BaseExpression, context: RuleContext) -> Optional[JitType]:
    """The type of each element of a loop torch runs as a loop (a list, a tensor, a str, a dict)."""
    types = context.types()
    iterated = types.type_of(iterable)
    if iterated.kind not in ("List", "Tensor", "str", "Dict"):
        return None
    return types.element_type(iterable, iterated)


def _describe(value: JitType, context: RuleContext) -> Optional[str]:
    """How to name a type torch does not unpack; None for the types it does (and Unknown)."""
    kind = value.kind
    if kind in _UNPACKABLE:
        return None
    if kind == "Class":
        modules = context.scope.index.module_classes
        return _MODULE if is_torch_module_class(value.name) or value.name in modules else None
    if kind == "Tensor":
        return "a Tensor"
    if kind == "AnyTuple":
        return "a `tuple` of unknown element types (a bare `tuple` annotation)"
    if kind in ("Optional", "Union", "Dict", "int", "float", "bool", "str", "NoneType", "Device"):
        return f"of type `{value}`"
    return None
