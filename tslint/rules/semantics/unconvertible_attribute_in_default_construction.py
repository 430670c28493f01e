from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from tslint.analysis.default_attributes import default_state
from tslint.analysis.script_class_failures import unconvertible_class
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.semantics._held_instances import filled_by_a_method


class UnconvertibleAttributeInDefaultConstruction(Rule):
    """Compiled code reads an attribute that `__init__` leaves holding a value torch cannot convert when
    the class is built with its default arguments: an empty dict or list (`self.params = params or {}`
    with `params=None`), or an instance of a project class torch cannot compile as a TorchScript class
    (`self.config = config if config is not None else VisionConfig()`, a dataclass).

    torch types a module's attributes from the instance it scripts: "Module 'Matcher' has no attribute
    'params' (This attribute exists on the Python module, but we failed to convert Python type: 'dict'
    to a TorchScript type. Dictionary inputs must have entries ...)", at the read. An error for the
    instance built with its defaults; one built with a non-empty dict, or a scriptable config, may
    script (TS324 reports the values every construction assigns). Reported only when the defaults
    decide the value, for each class the code is compiled for; an empty container that any method
    calls a method of (`self.cache.append(x)`) may be filled, and is not known.
    """

    code = "TS367"
    name = "unconvertible-attribute-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{receiver}.{name}` holds {what} when `{owner}` is built with its defaults ({defaults}), which torch "
        "cannot convert to a TorchScript type: scripting such an instance fails."
    )
    fix_hint = (
        "Annotate the attribute in the class body (`params: Dict[str, torch.Tensor]`), or store a value torch "
        "can type (a non-empty container, a tuple, a scriptable class)."
    )
    torch_messages = ("but we failed to convert Python type",)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = context.self_attribute(node)
        if name is None:
            return
        shown: Optional[Tuple[str, str, str]] = None
        for _, klass in context.classes():
            if name in klass.maybe_constants:
                return
            found = default_state(klass, name, context.scope.index)
            what = _what(found[0], klass, name, context) if found is not None else None
            if found is None or what is None or not found[2]:
                return  # not decided by the defaults (TS324 reports what every construction holds)
            if shown is None:
                shown = (what, found[1], ", ".join(f"`{p}={code}`" for p, code in found[2]))
        if shown is not None:
            what, owner, defaults = shown
            text = self.message.format(receiver=context.receiver, name=name, what=what, owner=owner, defaults=defaults)
            context.report(node, text)


def _what(state: str, klass, name: str, context: RuleContext) -> Optional[str]:
    """How to show the held value torch cannot convert, or None."""
    if not state.startswith("held:"):
        return None
    what = state[len("held:") :]
    if what in ("list", "dict"):
        return None if filled_by_a_method(klass, name) else f"an empty {what}"
    if not what.startswith("instance:"):
        return None
    index = context.scope.index
    held = index.resolve(what[len("instance:") :])
    why = unconvertible_class(index, held)
    if held is None or why is None:
        return None
    return f"an instance of `{held.rsplit('.', 1)[-1]}` ({why}: torch cannot compile the class)"
