"""Shared question of the module-container rules: does an expression read a ModuleList/Sequential?"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.project_index import AttributeKind


def module_container_attribute(expression: cst.BaseExpression, context) -> Optional[str]:
    """`self.layers` where every assignment of `layers` is an nn.ModuleList / Sequential / ModuleDict."""
    if (
        isinstance(expression, cst.Attribute)
        and isinstance(expression.value, cst.Name)
        and expression.value.value == context.function.function.self_name
    ):
        assignments = context.attribute(expression.attr.value)
        if assignments and all(a.kind is AttributeKind.MODULE_CONTAINER for a in assignments):
            return expression.attr.value
    return None
