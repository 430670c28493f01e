from __future__ import annotations

from typing import Dict, Optional, Set

import libcst as cst

from tslint.analysis.imports import is_none
from tslint.analysis.python_value_parameters import python_value_parameters
from tslint.analysis.traversal import code_of, walk
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

PYTHON_SCALARS = frozenset({"int", "float", "bool", "str", "complex", "bytes"})
CONTAINERS = frozenset(
    {
        "list",
        "tuple",
        "dict",
        "typing.List",
        "typing.Tuple",
        "typing.Dict",
        "typing.Optional",
        "typing.Union",
        "typing.Sequence",
        "typing.Mapping",
    }
)


# Calls whose positional arguments are sizes: a Python int is what they take (a tensor works only
# through `__index__`, which a trace freezes).
SIZE_FUNCTIONS = frozenset({"range", "torch.zeros", "torch.ones", "torch.empty", "torch.arange", "torch.randn"})
SIZE_METHODS = frozenset({"repeat", "view", "reshape", "expand", "new_zeros", "new_ones", "new_empty"})


class NonTensorForwardInput(Rule):
    """The `forward` of the traced model (a module class no other class uses as a submodule) takes a
    Python value it must be given (`n: int`, `sizes: List[int]`, an unannotated `n` used as a
    Python int: `range(n)`, `x.repeat(1, n)`, or an unannotated `mode` compared with a string:
    `mode == "bilinear"`) or `**kwargs`.

    torch.jit.trace only accepts tensors (and lists, tuples, dicts of tensors) as inputs: a Python
    value among the example inputs fails ("Type 'Tuple[Tensor, int]' cannot be traced"). Keyword
    arguments cannot be passed to a traced model at all. An argument with a default is not reported:
    left at its default it is frozen, which is exact for a model used as traced; and a sub-layer may
    take anything its parent's Python code passes it.
    """

    code = "TS409"
    name = "non-tensor-forward-input"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`forward` of the traced model `{root}` takes {what}: torch.jit.trace only records tensor inputs."
    fix_hint = "Make it a constructor argument stored on the module, or pass it as a tensor."

    def begin_function(self, context: RuleContext) -> None:
        node, function = context.node.params, context.compiled.info
        if function.name != "forward":
            return
        roots = context.traced_models()
        if not roots:
            return  # a submodule receives Python values from its parent's forward, which is fine
        root = roots[0].rsplit(".", 1)[-1]
        if isinstance(node.star_kwarg, cst.Param):
            what = f"`**{node.star_kwarg.name.value}`, which a traced model cannot receive"
            context.report(node.star_kwarg, self.message.format(root=root, what=what))
        uses = _python_int_uses(context.node, context)
        strings = python_value_parameters(context.node, context.imports, function.self_name)
        for param in (*node.posonly_params, *node.params, *node.kwonly_params):
            if param.name.value == function.self_name:
                continue
            what = _python_value(param, context)
            if what is None and param.default is None and param.annotation is None and param.name.value in uses:
                what = f"used as a Python int (`{uses[param.name.value]}`)"
            use = strings.get(param.name.value)
            if what is None and param.default is None and use is not None and use.type == "str":
                what = f"used as a Python str (`{use.code}`)"
            if what is not None:
                context.report(param, self.message.format(root=root, what=f"`{param.name.value}`, {what}"))


# Concrete node classes without subclasses, tested by exact type: isinstance's miss on libcst's
# ABC-based node classes is slow, and the walk below tests every node of a forward.
_SCOPES = frozenset((cst.FunctionDef, cst.Lambda, cst.ClassDef))
_TARGETS = frozenset((cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor))


def _python_int_uses(function: cst.FunctionDef, context: RuleContext) -> Dict[str, str]:
    """Names used where only a Python int (or a tensor converted to one) does: `range(n)`,
    `x.repeat(1, n)`, `x.view(b, n)`, `torch.zeros(n)`, with the first such use's code."""
    found: Dict[str, str] = {}
    rebound: Set[str] = set()

    def enter(node: cst.CSTNode) -> bool:
        kind = type(node)  # exact types: see _SCOPES
        if kind in _SCOPES and node is not function:
            return False
        if kind in _TARGETS:
            target = node.target  # type: ignore[attr-defined]
            rebound.update(n.value for n in ([target] if isinstance(target, cst.Name) else []))
            if isinstance(target, (cst.Tuple, cst.List)):
                rebound.update(e.value.value for e in target.elements if isinstance(e.value, cst.Name))
        if kind is cst.Call:
            func = node.func  # type: ignore[attr-defined]
            sized = context.qualify(func) in SIZE_FUNCTIONS or (
                isinstance(func, cst.Attribute) and func.attr.value in SIZE_METHODS
            )
            if sized:
                for argument in node.args:  # type: ignore[attr-defined]
                    if isinstance(argument.value, cst.Name) and not argument.star and argument.keyword is None:
                        found.setdefault(argument.value.value, code_of(node))
        return True

    walk(function.body, enter)
    return {name: code for name, code in found.items() if name not in rebound}


def _python_value(param: cst.Param, context: RuleContext) -> Optional[str]:
    if param.default is not None:
        return None  # left at its default when tracing: frozen, and exact for the traced model's use
    if param.annotation is not None and _python_type(param.annotation.annotation, context):
        return "a Python value"
    return None  # unannotated: a tensor


def _python_type(annotation: cst.BaseExpression, context: RuleContext) -> bool:
    """Whether an annotation is a Python scalar type, or a container or Optional of one only.
    Tensors, containers of tensors and types tslint cannot see through count as tensors."""
    if isinstance(annotation, cst.Subscript):
        if (context.qualify(annotation.value) or "") not in CONTAINERS:
            return False
        elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        typed = [e for e in elements if not is_none(e) and not isinstance(e, cst.Ellipsis)]
        return bool(typed) and all(_python_type(e, context) for e in typed)
    return (context.qualify(annotation) or "") in PYTHON_SCALARS
