from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.script_class_failures import unconvertible_class
from tslint.compiled_class import CompiledClass
from tslint.findings import Mode, Severity
from tslint.index.model import AttributeAssignment
from tslint.rule import Rule, RuleContext
from tslint.rules.semantics._held_instances import filled_by_a_method, held_class


class UnscriptableAttributeValue(Rule):
    """Compiled code reads `self.<name>`, and every value the class assigns to it is one whose
    Python type torch cannot convert: an empty list or dict, a list or dict mixing value types
    (`[1, 2.5]`), a set, a lambda, a numpy value, a class (`self.act = nn.ReLU`), or an instance of a
    plain project class torch cannot compile as a TorchScript class (a dataclass, a class with a
    method taking `*args` or a module, or annotated with a type TorchScript does not have:
    script_class_failures), built in `__init__` or handed by `__init__` to a method that stores it
    (`self.set_processor(AttnProcessor())`).

    torch: "Module 'Net' has no attribute 'cache' (This attribute exists on the Python module, but we
    failed to convert Python type: 'list' to a TorchScript type. List trace inputs must have elements)".
    A class-level annotation (`cache: List[Tensor]` in the class body) tells torch the type and is
    respected; an annotation on the assignment in `__init__` is not enough, and is not respected. An
    empty list or dict that a method calls a method of (`self.widths.append(i)`, in `__init__` too)
    may be filled before the instance is scripted: not reported.
    """

    code = "TS324"
    name = "unscriptable-attribute-value"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{name}` holds {what}, which torch cannot convert to a TorchScript type."
    fix_hint = (
        "Annotate the attribute in the class body (`cache: List[torch.Tensor]`), store a TorchScript type (a tuple, "
        "a list of one type, a tensor), or keep it out of compiled code."
    )
    torch_messages = ("but we failed to convert Python type", "but we failed to compile it to a TorchScript function")

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = context.self_attribute(node)
        if name is None:
            return
        index = context.scope.index
        for _, klass in context.classes():
            if name in klass.annotations or name in klass.maybe_constants:
                continue
            # Beside a base tslint cannot see, the value may be the base's; beside torch's module
            # bases only (`_Loss`), an instance of a project class is the project's own.
            torch_bases_only = klass.unknown_bases and not index.has_bases_outside_torch(klass.info)
            if klass.unknown_bases and not torch_bases_only:
                continue
            assignments = klass.attributes.get(name, ())
            whats = [_what(klass, name, a, context) for a in assignments]
            if torch_bases_only:
                whats = [what if what and what.startswith("an instance of") else None for what in whats]
            if whats and all(whats) and not (whats[0].startswith("an empty") and filled_by_a_method(klass, name)):
                context.report(node, self.message.format(receiver=context.receiver, name=name, what=whats[0]))
                return


def _what(klass: CompiledClass, name: str, assignment: AttributeAssignment, context: RuleContext) -> Optional[str]:
    return _unscriptable(assignment.unscriptable, context) or _held_instance(klass, name, assignment, context)


def _unscriptable(unscriptable: Optional[str], context: RuleContext) -> Optional[str]:
    if unscriptable is None:
        return None
    if unscriptable.startswith("reference:"):
        target = unscriptable.partition(":")[2]
        if context.scope.index.is_module_class(target):
            return "a class"
        return None  # a function (`F.relu`) or a constant: fine
    return unscriptable


def _held_instance(
    klass: CompiledClass, name: str, assignment: AttributeAssignment, context: RuleContext
) -> Optional[str]:
    """An instance of a project class torch cannot compile, held in every default construction."""
    if assignment.maybe_none:
        return None
    index = context.scope.index
    held = index.resolve(held_class(klass, index, name, assignment) or None)
    why = unconvertible_class(index, held)
    if held is None or why is None:
        return None
    return f"an instance of `{held.rsplit('.', 1)[-1]}` ({why}: torch cannot compile the class)"
