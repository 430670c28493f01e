from __future__ import annotations

from typing import Set

import libcst as cst

from tslint.compiled_class import CompiledClass
from tslint.findings import Mode, Severity
from tslint.index.model import CallKind
from tslint.rule import Rule, RuleContext

# Created by nn.Module.__init__ itself, which tslint does not index.
MODULE_ATTRIBUTES = frozenset(
    {
        "training",
        "_parameters",
        "_buffers",
        "_modules",
        "_non_persistent_buffers_set",
        "_forward_hooks",
        "_forward_pre_hooks",
        "_backward_hooks",
        "_state_dict_hooks",
    }
)


def _run_by_init(context: CompiledClass) -> Set[str]:
    """Methods run while constructing: every `__init__` of the class's bases (they chain through
    `super().__init__()`) and, transitively, the methods they call on `self`."""
    seen: Set[str] = set()
    work = [klass.methods["__init__"] for klass in context.mro if "__init__" in klass.methods]
    while work:
        method = work.pop()
        if method.qualname in seen:
            continue
        seen.add(method.qualname)
        for call in method.calls:
            if call.kind is CallKind.SELF_METHOD and call.target in context.methods:
                work.append(context.methods[call.target])
            elif call.kind is CallKind.SUPER_METHOD:  # any base's version may be the one that runs
                work.extend(klass.methods[call.target] for klass in context.mro if call.target in klass.methods)
    return {qualname.rsplit(".", 1)[-1] for qualname in seen}


class AttributeNotCreatedInInit(Rule):
    """Compiled code assigns an attribute that only compiled code creates (`self.cache = x` in
    `forward`, with no `self.cache` in `__init__`).

    A scripted module's attributes are those the instance has when it is scripted: "Tried to set
    nonexistent attribute: cache. Did you forget to initialize it in __init__()?"
    """

    code = "TS315"
    name = "attribute-not-created-in-init"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{name}` is assigned in compiled code but never created in `__init__`."
    fix_hint = "Create it in `__init__` (with a class-level `Optional[...]` annotation if it starts as None)."
    torch_messages = ("Tried to set nonexistent attribute",)

    def _check(self, target: cst.BaseExpression, context: RuleContext) -> bool:
        """Reports `target` when it is such an attribute; whether it did."""
        if isinstance(target, (cst.Tuple, cst.List)):
            # `self.M, self.W = M, W`: torch stops at the first nonexistent one (probed).
            return any(self._check(element.value, context) for element in target.elements)
        self_name = context.compiled.info.self_name
        if not (
            isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == self_name
        ):
            return False
        name = target.attr.value
        for class_name in context.compiled.classes:
            if class_name is None:
                return False
            owner = context.scope.compiled_class(class_name)
            if (
                owner.unknown_bases
                or name in MODULE_ATTRIBUTES
                or name in owner.annotations
                or name in owner.class_attributes
                or name in owner.methods
            ):
                return False
            at_init = _run_by_init(owner)
            for assignment in owner.attributes.get(name, ()):
                method = owner.methods.get(assignment.method)
                if assignment.method in at_init or method is None or not context.scope.is_compiled(method):
                    return False  # created while constructing, or by code torch does not compile
        context.report(target, self.message.format(receiver=context.receiver, name=name))
        return True

    def visit_Assign(self, node: cst.Assign, context: RuleContext) -> None:
        for target in node.targets:
            self._check(target.target, context)

    def visit_AnnAssign(self, node: cst.AnnAssign, context: RuleContext) -> None:
        self._check(node.target, context)

    def visit_AugAssign(self, node: cst.AugAssign, context: RuleContext) -> None:
        self._check(node.target, context)
