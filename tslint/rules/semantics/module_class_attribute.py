from __future__ import annotations

from typing import FrozenSet, Optional, Set

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.index.model import CallKind
from tslint.rule import Rule, RuleContext


class ModuleClassAttribute(Rule):
    """Compiled code reads an attribute of an `nn.Module` class through the class:
    `PolynomialCutoff.calculate_envelope(x, r_max, p)` (a static method), `Base.forward(self, x)`
    in a subclass, `nn.Linear.forward(self, x)`, `Block.make(x)` (a class method).

    torch knows a module class only as the type of a module it scripts: every module of the tree it
    scripts (the model and its submodules at any depth, whichever holds them), and any module scripted
    earlier in the same process. Any other module class is a Python value to it: "attribute lookup is
    not defined on python value of type 'type'" — a base class of the scripted model included.
    Not reported: the class the function is compiled for and the classes it holds as submodules; a
    class the project builds or hands on anywhere else (a larger model may hold one beside this one:
    then it compiles); a plain class (TorchScript compiles its static methods); a plain value of a
    class body (TS341's); functions not compiled as a method of a module class.
    """

    code = "TS374"
    name = "module-class-attribute"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{owner}.{name}` reads an attribute of the module class `{owner}`, which this model does not "
        "script: compiled code knows a module class only as the type of a module it scripts."
    )
    fix_hint = (
        "Move the function to the module level (a plain function compiles), or call it through a "
        "submodule of that class (`self.cutoff.envelope(x)`), or through `self` (`self.envelope(x)`)."
    )
    torch_messages = ("attribute lookup is not defined on python value of type 'type'",)

    def begin_function(self, context: RuleContext) -> dict:
        return {"python": 0, "stores": set(), "registered": None}

    def _enter_python(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state["python"] += 1

    def _leave_python(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state["python"] -= 1

    # Defaults and annotations: Python evaluates them, torch never compiles them.
    visit_Parameters = visit_Annotation = _enter_python
    leave_Parameters = leave_Annotation = _leave_python

    def visit_AssignTarget(self, node: cst.AssignTarget, context: RuleContext) -> None:
        context.state["stores"].add(node.target)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        if context.state["python"] or node in context.state["stores"]:
            return
        owner = _module_class(node.value, context)
        if owner is None:
            return
        if context.state["registered"] is None:
            context.state["registered"] = _registered(context)
        registered: Optional[Set[str]] = context.state["registered"]
        if registered is None or owner in registered or owner in _built_anywhere(context):
            return
        info = context.scope.index.classes.get(owner)
        if info is not None and node.attr.value in dict(info.fact("class_values", ())):
            return  # a plain class-level value: TS341 reports it
        shown = cst.Module([]).code_for_node(node.value)
        context.report(node, self.message.format(owner=shown, name=node.attr.value))


def _module_class(value: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """The qualified name of the module class `value` names (`Cutoff`, `nn.Linear`), else None."""
    if isinstance(value, cst.Name):
        if value.value in context.local_names():
            return None
    elif not isinstance(value, cst.Attribute):
        return None
    index = context.scope.index
    qualified = context.qualify(value)
    if qualified is None or not index.is_module_class(qualified):
        return None
    return index.resolve(qualified)


def _registered(context: RuleContext) -> Optional[Set[str]]:
    """The module classes torch knows as types while it compiles this function: the classes it is
    compiled for and the classes of their submodules. None for a function compiled for no module
    class (a helper: which model calls it is not known here)."""
    index = context.scope.index
    roots = [name for name, _ in context.classes() if name in index.module_classes]
    if not roots:
        return None
    return set(roots) | context.scope.held_classes(roots)


def _built_anywhere(context: RuleContext) -> FrozenSet[str]:
    """The classes the project's code builds or names as a value anywhere (an attribute's value, a
    container's element, a call in any function or method, a class handed on): the module classes
    some scripted tree may hold. One set per index."""
    index = context.scope.index
    key = ("classes built anywhere", id(index))
    found = context.shared.get(key)
    if found is None:
        names: Set[str] = set()
        functions = [*index.functions.values()]
        for info in index.classes.values():
            functions.extend(info.methods.values())
            for assignments in info.attributes.values():
                for assignment in assignments:
                    names.update(n for n in (assignment.callee, assignment.otherwise, *assignment.elements) if n)
        for function in functions:
            names.update(call.target for call in function.calls if call.kind is CallKind.FUNCTION and call.target)
            names.update(function.references)
        found = context.shared[key] = frozenset(filter(None, (index.resolve(name) for name in names)))
    return found
