"""Shared question of the module-container rules: does an expression read a ModuleList/Sequential?"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.project_index import AttributeKind


def module_container_attribute(expression: cst.BaseExpression, context) -> Optional[str]:
    """`self.layers` where every assignment of `layers` is an nn.ModuleList / Sequential / ModuleDict."""
    name = context.self_attribute(expression)
    if name is not None:
        assignments = context.attribute(name)
        if assignments and all(a.kind is AttributeKind.MODULE_CONTAINER for a in assignments):
            return name
    return None
