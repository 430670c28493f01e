from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from tslint.analysis.default_attributes import default_state
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.semantics.int_for_float_argument import FLOAT_PARAMETERS, _bound, _int_valued, _project_callee


class IntAttributeForFloatInDefaultConstruction(Rule):
    """Compiled code passes `self.<name>` to a float parameter (of a torch function, or of a project
    function annotated `float`), and `__init__` leaves an int there when the class is built with its
    default arguments: `gain: float = 10` then `self.gain = gain`.

    torch types a module's attributes from the instance it scripts: the default instance holds the int
    10, and TorchScript does not convert an int argument to a float parameter ("adjust_sigmoid(Tensor
    image, float cutoff=0.5, float gain=10., bool inv=False) -> Tensor: Expected a value of type
    'float' for argument 'gain' but instead found type 'int'"). An annotation on the assignment in
    `__init__` (`self.gain: float = gain`) does not change that. An error for the instance built with
    its defaults; one built with a float scripts. Reported only when the defaults decide the value, for
    each class the code is compiled for (TS335 reports the ints every construction holds).
    """

    code = "TS368"
    name = "int-attribute-for-float-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{argument}` passes an int to `{function}`'s float parameter `{parameter}` when `{owner}` is built "
        "with its defaults ({defaults}): TorchScript does not convert it."
    )
    fix_hint = "Write the parameter's default as a float (`gain: float = 10.0`), or store `float(gain)`."
    torch_messages = ("but instead found type 'int'", "Arguments for call are not valid")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if any(a.star for a in node.args):
            return
        function = context.qualify(node.func)
        parameters = FLOAT_PARAMETERS.get(function) if function is not None else None
        if parameters is not None:
            short = function.replace("torch.nn.functional.", "F.")
        else:
            callee = _project_callee(node, context)
            floats = callee.fact("float_parameters", ()) if callee is not None else ()
            if not floats:
                return
            short = callee.symbol
            positions = {name: position for position, (name, _) in enumerate(callee.parameters)}
            parameters = tuple((name, positions.get(name)) for name in floats)
        for argument, parameter in _bound(node.args, parameters):
            name = context.self_attribute(argument.value)
            if name is None or _int_valued(argument.value, context):
                continue  # TS335's
            found = _int_by_default(name, context)
            if found is not None:
                given = code_of(argument.value)
                if argument.keyword is not None:
                    given = f"{argument.keyword.value}={given}"
                owner, defaults = found
                text = self.message.format(
                    argument=given, function=short, parameter=parameter, owner=owner, defaults=defaults
                )
                context.report(node, text)
                return


def _int_by_default(name: str, context: RuleContext) -> Optional[Tuple[str, str]]:
    """(the deciding class, its deciding defaults as code) when every class the code is compiled for
    holds an int in `self.<name>` built with its defaults, decided by them; else None."""
    shown = None
    for _, klass in context.classes():
        if name in klass.maybe_constants:
            return None
        found = default_state(klass, name, context.scope.index)
        if found is None or found[0] != "held:int" or not found[2]:
            return None
        if shown is None:
            shown = (found[1], ", ".join(f"`{p}={code}`" for p, code in found[2]))
    return shown
