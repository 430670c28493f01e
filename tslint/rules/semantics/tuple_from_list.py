from __future__ import annotations

from typing import List, Optional

import libcst as cst

from tslint.analysis.schema_matching import resolve
from tslint.analysis.schema_types import TENSOR, JitType
from tslint.analysis.signatures import signatures
from tslint.analysis.traversal import children, code_of
from tslint.analysis.traversal import parents as parent_map
from tslint.findings import Applicability, Mode, Severity
from tslint.rule import NodeFix, Rule, RuleContext, node_code, replace_node


class TupleFromList(Rule):
    """Compiled code calls `tuple(...)` on a list: `tuple(x.shape)`, `tuple(x.size()[2:])`,
    `tuple([a, b])`, a comprehension or generator, a parameter annotated `List[int]` — any value the
    type model types as a `List`; or calls `tuple()` with no argument.

    A TorchScript tuple has a size fixed at compile time and a list does not: "cannot statically
    infer the expected size of a list in this context" ("tuple expected exactly 1 arguments but found
    0" for `tuple()`). `tuple(t)` of a tuple compiles. Of a Tensor (`tuple(pts.T)`, kornia's
    ALIKED patches), torch fails with "Tensor cannot be used as a tuple".
    """

    code = "TS331"
    name = "tuple-from-list"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`tuple(...)` of {what}: TorchScript cannot infer the tuple's size."
    tensor_message = "`tuple({value})` of a Tensor: TorchScript cannot use a Tensor as a tuple."
    fix_hint = (
        "Keep the list (`size = x.shape[2:]`): torch functions taking sizes accept `List[int]`; or build the tuple "
        "from its elements (`(s[0], s[1])`)."
    )
    torch_messages = ("cannot statically infer the expected size of a list", "Tensor cannot be used as a tuple")

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if not isinstance(node.func, cst.Name) or node.func.value != "tuple" or "tuple" in context.local_names():
            return
        if context.qualify(node.func) != "tuple":
            return
        if not node.args:
            fix = replace_node(node, "()", "Replace `tuple()` with `()`")
            context.report(node, "`tuple()` with no argument is not supported in compiled code: write `()`.", fix=fix)
            return
        if len(node.args) != 1 or node.args[0].star:
            return
        value = node.args[0].value
        if context.types().type_of(value).kind == "Tensor":
            context.report(node, self.tensor_message.format(value=code_of(value)))
            return
        what = _list_argument(value, context)
        if what is not None:
            fix = _display_fix(node, value) or _list_fix(node, value, context)
            context.report(node, self.message.format(what=what), fix=fix)


def _display_fix(node: cst.Call, value: cst.BaseExpression) -> Optional[NodeFix]:
    """`tuple([a, b])` -> `(a, b)`: the same elements, evaluated in the same order, in a tuple torch
    can size. Only for a list display without `*` (its length is in the text) on one line."""
    if not isinstance(value, cst.List) or any(isinstance(e, cst.StarredElement) for e in value.elements):
        return None
    if "\n" in node_code(value):  # an edit's text stays on one line; comments inside would be lost
        return None
    elements = list(value.elements)
    if len(elements) == 1 and not isinstance(elements[0].comma, cst.Comma):
        elements[0] = elements[0].with_changes(comma=cst.Comma())  # `(a,)`, not `(a)`
    tuple_ = cst.Tuple(
        elements,
        lpar=[cst.LeftParen(whitespace_after=value.lbracket.whitespace_after)],
        rpar=[cst.RightParen(whitespace_before=value.rbracket.whitespace_before)],
    )
    return replace_node(node, tuple_, "Build the tuple from the list's elements")


def _list_argument(value: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """What makes the argument a list, by the type model's type of it; None when it is not one (a
    tuple) or its type is not known."""
    if isinstance(value, cst.GeneratorExp):
        return "a generator"
    found = context.types().type_of(value)
    if found.kind != "List":
        return None
    if isinstance(value, cst.Name):
        return f"`{value.value}`, a `{found}`"
    return f"a `{found}`"


def _list_fix(node: cst.Call, value: cst.BaseExpression, context: RuleContext) -> Optional[NodeFix]:
    """`tuple(skip.shape[2:])` -> `skip.shape[2:]` where the tuple only ever reaches torch functions
    that take the list: it is an argument a torch schema accepts as the `List[int]` (`F.interpolate(x,
    size=...)`, `x.view(...)`), or the value of the one assignment to a local whose every read is.
    Unsafe: TorchScript then holds a list where the code said tuple (in Python a `torch.Size` slice
    stays a tuple, but a `List[int]` value stays a list), and the check rests on tslint's schemas."""
    found = context.types().type_of(value)
    if found.kind != "List" or found.element.kind != "int" or "\n" in code_of(value):
        return None
    parents = parent_map(context.node.body)
    parent = parents.get(id(node))
    if isinstance(parent, cst.Arg):
        uses = [node]
    elif isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        name = parent.targets[0].target.value
        if context.plain_assignments().get(name) != (node,):
            return None
        uses = [n for n in _reads(context.node.body, name) if n is not parent.targets[0].target]
    else:
        return None
    if not uses or not all(_list_accepted(use, found, parents, context) for use in uses):
        return None
    return replace_node(node, code_of(value), "Pass the list itself", Applicability.UNSAFE)


def _reads(body: cst.CSTNode, name: str) -> List[cst.Name]:
    found = []
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return []  # a nested scope may read the name: not followed
        if isinstance(node, cst.Name) and node.value == name:
            found.append(node)
        stack.extend(children(node))
    return found


def _list_accepted(use: cst.BaseExpression, listed: JitType, parents, context: RuleContext) -> bool:
    """Whether `use` is an argument of a torch call that torch accepts with `listed` in its place."""
    argument = parents.get(id(use))
    call = parents.get(id(argument))
    if not isinstance(argument, cst.Arg) or argument.star or not isinstance(call, cst.Call):
        return False
    types = context.types()
    positional, keywords = [], {}
    for arg in call.args:
        if arg.star:
            return False
        found = listed if arg is argument else types.type_of(arg.value)
        if found.kind == "Unknown":
            return False
        if arg.keyword is not None:
            keywords[arg.keyword.value] = found
        else:
            positional.append(found)
    func = call.func
    if isinstance(func, cst.Attribute) and types.type_of(func.value).kind == "Tensor":
        schemas, self_type = signatures().tensor_method(func.attr.value), TENSOR
    else:
        name = context.qualify(func)
        schemas = signatures().function(name) if name and name.startswith("torch.") else ()
        self_type = None
    return bool(schemas) and resolve(schemas, positional, keywords, self_type) is not None
