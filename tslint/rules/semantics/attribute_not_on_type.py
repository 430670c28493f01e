from __future__ import annotations

import libcst as cst

from tslint.analysis.members import has_member
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class AttributeNotOnType(Rule):
    """Compiled code reads an attribute or calls a method that the value's TorchScript type does not
    have: `layer.weight` where `layer` is an unannotated parameter (so a Tensor), `sizes.numel()` of a
    `List[int]`, `x.data_ptr()`, `x.bool()`, `x.new_tensor(...)`, `mask.size()` of a local that is
    None.

    torch: "'Tensor' object has no attribute or method 'weight'", "'List[int]' object has no
    attribute or method 'numel'". A Tensor has the properties and methods of torch's operator schemas
    (and the casts `float()`, `long()`, `tolist()`, `type()`...); a list, dict, str or number the
    methods TorchScript defines for it. Values whose type tslint does not know are not checked;
    `x.numpy()` is TS306's, str methods TS340's, members of a None attribute TS326's.

    Indexing a value that is None has no method to call either: `first[:, -pad:]` after `first =
    self.cache` (an attribute `__init__` leaves None): "'NoneType' object is not subscriptable",
    "attempted to use multidimensional indexing on a non-tensor type". So has a `Union` not refined by
    `isinstance` (`type_ptr[:-1]` with `type_ptr: Union[Tensor, List[int]]`): "'Union[Tensor,
    List[int]]' object is not subscriptable" for an index, no schema of `aten::slice` for a slice
    ("Expected a value of type 'Tensor' for argument 'self' but instead found type 'Union[Tensor,
    List[int]]'"). A Union attribute is TS328's.
    """

    code = "TS351"
    name = "attribute-not-on-type"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{code}`: a value of type `{type}` has no attribute or method `{name}` in TorchScript."
    fix_hint = (
        "Use what the type has in TorchScript (`len(sizes)`, `x.float()`, `x.to(torch.bool)`, `torch.tensor(...)`), "
        "or annotate a parameter that is not a Tensor with its real type."
    )
    torch_messages = (
        "object has no attribute or method",
        "object is not subscriptable",
        "indexing on a non-tensor",
        "but instead found type 'Union[",
    )
    index_message = "`{code}` is `None` here: TorchScript cannot index a value of type `NoneType`."
    union_index_message = (
        "`{code}` is a `{type}` here: TorchScript cannot index or slice a Union before `isinstance` refines it."
    )

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        found = context.types().member(node)
        if found is None:
            return
        value_type, name = found
        if has_member(value_type, name) is not False or _owned_elsewhere(value_type, name, node, context):
            return
        base = node.value
        code = code_of(node)
        if len(code) > 40 or "\n" in code:
            code = f"….{name}"
        message = self.message.format(code=code, type=value_type, name=name)
        if isinstance(base, cst.Name) and _is_unannotated_parameter(base.value, context):
            message = message[:-1] + f": `{base.value}` has no annotation, so TorchScript types it as a Tensor."
        context.report(node, message)

    def visit_Subscript(self, node: cst.Subscript, context: RuleContext) -> None:
        value = node.value
        if context.self_attribute(value) is not None:
            return  # a None attribute indexed: TS326's
        value_type = context.types().type_of(value)
        if value_type.kind not in ("NoneType", "Union"):
            return
        code = code_of(value)
        code = code if len(code) <= 40 and "\n" not in code else "…"
        if value_type.kind == "Union":
            context.report(node, self.union_index_message.format(code=code, type=value_type))
            return
        context.report(node, self.index_message.format(code=code))


def _is_unannotated_parameter(name: str, context: RuleContext) -> bool:
    param = context.typed_parameters().get(name)
    return param is not None and param.annotation is None


def _owned_elsewhere(value_type, name: str, node: cst.Attribute, context: RuleContext) -> bool:
    """Findings other rules make with a better message: `x.numpy()` (TS306), a str method (TS340),
    a member of an attribute that is None (TS326)."""
    if name == "numpy" or value_type.kind == "str":
        return True
    return value_type.kind == "NoneType" and context.self_attribute(node.value) is not None
