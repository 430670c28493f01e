"""Which sides of an `if` torch compiles for one module class built with its default arguments, where
the test reads constant bool attributes (`Final`, `__constants__`) that the defaults decide
(`self.instance` from `instance: bool = False`): torch inlines such a constant and compiles one side
only. TS373 runs the names analysis (analysis/compiled_names.name_flow) with these answers.

torch's rule for `and`/`or` (ir_emitter's emitShortCircuitLogical): the result is static when the
left operand decides it (`False and x`, `True or x`) or when both operands are static; a static left
operand that does not decide it leaves the right operand's value (`True and x` is `x`). A dynamic left
operand and a right one that does not change it (`self.training and True`) is a dynamic test: both
sides compile. A dynamic left operand with a deciding right one (`self.training and False`) is not
modelled (None).
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple, Union

import libcst as cst

from tslint.analysis.default_attributes import default_state

# A test whose value is known only when the code runs (`self.training`): torch compiles both sides.
DYNAMIC = "dynamic"
Value = Union[bool, str, None]


class DefaultFlags:
    """The decisions for one class (a CompiledClass) built with its defaults."""

    def __init__(self, klass, index, self_name: Optional[str]) -> None:
        self.klass = klass
        self.index = index
        self.self_name = self_name
        # The flags a decision read: name -> (the class whose `__init__` decides it, its deciding defaults)
        self.used: Dict[str, Tuple[str, Tuple[Tuple[str, str], ...]]] = {}

    def decide(self, node: cst.If, is_body: bool) -> Optional[bool]:
        """Whether torch compiles the body (`is_body`) or the other side of `node`; None if not known."""
        value = self.value(node.test)
        if value is None:
            return None
        return True if value == DYNAMIC else value is is_body

    def value(self, test: cst.BaseExpression) -> Value:
        kind = type(test)
        if kind is cst.UnaryOperation and type(test.operator) is cst.Not:
            inner = self.value(test.expression)
            return (not inner) if type(inner) is bool else inner
        if kind is cst.BooleanOperation:
            return self._short_circuit(test)
        if kind is cst.Attribute and type(test.value) is cst.Name and test.value.value == self.self_name:
            name = test.attr.value
            return DYNAMIC if name == "training" else self._flag(name)
        return None

    def _short_circuit(self, test: cst.BooleanOperation) -> Value:
        decisive = type(test.operator) is cst.Or  # `True or x`, `False and x`
        left = self.value(test.left)
        if left is None or left is decisive:
            return left
        right = self.value(test.right)
        if right is None or type(left) is bool:
            return right  # a static left operand that does not decide: the right one's value
        return DYNAMIC if right == DYNAMIC or right is not decisive else None

    def _flag(self, name: str) -> Optional[bool]:
        """The value of the constant bool attribute `name` on the default instance, or None."""
        if not self.klass.constant_names.kind(name):
            return None
        found = default_state(self.klass, name, self.index)
        if found is None or not found[0].startswith("flag:"):
            return None
        self.used[name] = (found[1], found[2])
        return found[0] == "flag:True"
