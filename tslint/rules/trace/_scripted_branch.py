"""TS401's fix: a data-dependent branch of traced code moves into a `@torch.jit.script_if_tracing` helper.

The seed's hybrid approach: torch.jit.trace scripts such a helper when the trace calls it, so its
control flow survives in the graph, while eager PyTorch runs it as the Python it was (probed in torch
2.13: a traced `_branch(x)` returns what eager mode does on inputs that take the other path). Three
forms, the code moved verbatim:

- a conditional expression `a if test else b` becomes `_forward_branch(x, ...)`;
- `if test: return a` with `else: return b`, or followed by `return b`, becomes `return _forward_branch(...)`;
- `if test: v = a` (optionally `else: v = b`), assignments to one name, becomes `v = _forward_branch(...)`.

The helper's parameters are the names the moved code reads, in order, annotated `Tensor` where the
traced function's parameter is (unannotated otherwise: torch types it `Tensor`); each must be a tensor
of the traced function (a parameter annotated otherwise, `Dict[str, Tensor]`, is not); other names may
be torch's (`torch`, `F`) or a few builtins. A traced size gets no fix: it reaches the helper as a
tensor only if the parameter is unannotated (an `int` parameter freezes it, probed), and then
`torch.jit.script` of the same class, which passes an `int`, no longer compiles — default runs check
both. No fix when the code reads `self`, sits in a loop (a value carried around it may be a Python
number on the first pass), or holds anything but expressions, returns and those assignments; nor when
the test is an unannotated parameter's truth (`if flag:`, most likely a bool), or the branch reads an
unannotated parameter with a default (`mask=None`: None would reach a `Tensor` parameter). The helper
goes after the top-level class or function holding the branch.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.trace_values import Kind
from tslint.analysis.traversal import code_of, suite_statements
from tslint.analysis.traversal import parents as parent_map
from tslint.findings import Applicability
from tslint.rule import NodeEdit, NodeFix, RuleContext, insert_after_statement

_BUILTINS = frozenset({"int", "float", "bool", "len", "min", "max", "abs", "True", "False", "None"})
_SCOPES = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.FunctionDef, cst.ClassDef)
# What moved code may not hold: a new scope, a walrus (it binds in the caller), a string spanning lines
# (its text would be re-indented).
_NOT_MOVED = (*_SCOPES, cst.NamedExpr, cst.Yield, cst.Await)
_NOT_MOVED_TYPES = frozenset(_NOT_MOVED)  # concrete node classes without subclasses


def scripted_branch(node: cst.CSTNode, context: RuleContext) -> Optional[NodeFix]:
    """The fix moving the branch whose test is `node`'s (an `If` or `IfExp`) into a helper, or None."""
    torch = "torch" if context.imports.aliases.get("torch") == "torch" else None
    top = _top_statement(context) if torch is not None else None
    if top is None:
        return None
    # The parents of the function's nodes: one map per function, shared by its branches' fixes.
    key = ("scripted_branch parents", id(context.node))
    parents = context.shared.get(key)
    if parents is None:
        parents = context.shared[key] = parent_map(context.node)
    if _in_loop(node, parents):
        return None
    unannotated = _unannotated_parameters(context.node)
    if _bare_name(node.test) in unannotated:
        return None  # `if flag:`: a tensor only for want of an annotation, most likely a bool
    form = _form(node, parents)
    if form is None:
        return None
    moved, replaced, assigned, body = form
    arguments = _arguments(moved, assigned, context, parents)
    if arguments is None or any(unannotated.get(a) for a in arguments):
        return None  # `mask=None`: None reaches the helper's Tensor parameter (tracing then fails)
    name = _helper_name(context, top)
    call = f"{name}({', '.join(arguments)})"
    typed = context.typed_parameters()
    declared = [
        f"{a}: {code_of(typed[a].annotation.annotation)}" if a in typed and typed[a].annotation else a
        for a in arguments
    ]
    lines = [f"@{torch}.jit.script_if_tracing", f"def {name}({', '.join(declared)}):", *body]
    if assigned is not None:
        lines.append(f"    return {assigned}")
    helper = insert_after_statement(top, "\n\n" + "\n".join(lines) + "\n")
    first, last, prefix = replaced
    edits = (NodeEdit(first, last, prefix + call), helper)
    return NodeFix(f"Move the branch into `@{torch}.jit.script_if_tracing` `{name}`", edits, Applicability.UNSAFE)


def _unannotated_parameters(function: cst.FunctionDef) -> Dict[str, bool]:
    """The function's parameters without an annotation, by name: whether each has a default."""
    params = function.params
    every = (*params.posonly_params, *params.params, *params.kwonly_params)
    return {p.name.value: p.default is not None for p in every if p.annotation is None}


def _bare_name(test: cst.BaseExpression) -> Optional[str]:
    while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
    return test.value if isinstance(test, cst.Name) else None


def _form(node: cst.CSTNode, parents):
    """(the nodes moved, (first, last, text before the call) replaced, the name assigned or None, the
    helper's body lines) of the supported forms, or None."""
    if isinstance(node, cst.IfExp):
        return [node], (node, node, ""), None, [f"    return {code_of(node)}"]
    if not isinstance(node, cst.If) or not (node.orelse is None or isinstance(node.orelse, cst.Else)):
        return None
    if isinstance(parents.get(id(node)), cst.If):
        return None  # an `elif`
    branches = [suite_statements(node.body)] + ([suite_statements(node.orelse.body)] if node.orelse else [])
    returned = [_only_return(statements) for statements in branches]
    if all(r is not None for r in returned):
        if node.orelse is not None:
            return [node], (node, node, "return "), None, _indented(node)
        following = _next_statement(node, parents)
        if following is not None and _only_return([following]) is not None:
            body = _indented(node) + _indented(following, first=False)
            return [node, following], (node, following, "return "), None, body
        return None
    targets = {_only_assigns(statements) for statements in branches}
    if len(targets) == 1 and None not in targets:
        (target,) = targets
        if node.orelse is None and not _reads_in(node, target, parents):
            return None  # the value kept when the test fails must be passed in: only when read
        return [node], (node, node, f"{target} = "), target, _indented(node)
    return None


def _only_return(statements: Sequence[cst.BaseStatement]) -> Optional[cst.Return]:
    smalls = _smalls(statements)
    if smalls and len(smalls) == 1 and isinstance(smalls[0], cst.Return) and smalls[0].value is not None:
        return smalls[0]
    return None


def _only_assigns(statements: Sequence[cst.BaseStatement]) -> Optional[str]:
    """The one name every statement of `statements` assigns (`v = ...`), or None."""
    smalls = _smalls(statements)
    names = set()
    for small in smalls or ():
        if not isinstance(small, cst.Assign) or len(small.targets) != 1:
            return None
        target = small.targets[0].target
        if not isinstance(target, cst.Name):
            return None
        names.add(target.value)
    return names.pop() if len(names) == 1 else None


def _smalls(statements: Sequence[cst.BaseStatement]) -> Optional[List[cst.BaseSmallStatement]]:
    found: List[cst.BaseSmallStatement] = []
    for statement in statements:
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        found.extend(statement.body)
    return found


def _indented(statement: cst.CSTNode, first: bool = True) -> List[str]:
    """The statement's code, a level deeper than the function's body (the helper's body); the comment
    lines above the first statement moved stay where they are (outside the replaced range)."""
    if first and isinstance(statement, (cst.If, cst.SimpleStatementLine)):
        statement = statement.with_changes(leading_lines=())
    return ["    " + line if line.strip() else "" for line in code_of(statement).rstrip("\n").split("\n")]


def _next_statement(node: cst.If, parents) -> Optional[cst.BaseStatement]:
    block = parents.get(id(node))
    body = getattr(block, "body", None)
    if not isinstance(body, (list, tuple)):
        return None
    index = next((i for i, s in enumerate(body) if s is node), None)
    return body[index + 1] if index is not None and index + 1 < len(body) else None


def _in_loop(node: cst.CSTNode, parents) -> bool:
    parent = parents.get(id(node))
    while parent is not None:
        if isinstance(parent, (cst.For, cst.While, *_SCOPES)) and not isinstance(parent, cst.FunctionDef):
            return True
        if isinstance(parent, cst.FunctionDef):
            return False
        parent = parents.get(id(parent))
    return False


def _arguments(moved, assigned: Optional[str], context: RuleContext, parents) -> Optional[List[str]]:
    """The names the moved code reads from the function, in order; None when one cannot be passed."""
    local = context.local_names()
    taint = context.taint()
    typed = context.typed_parameters()
    found: Dict[str, None] = {}
    written = set()
    for statement in moved:
        names = _names(statement, parents)
        if names is None:
            return None
        for name, parent in names:
            if isinstance(parent, cst.AssignTarget):
                written.add(name.value)
                continue
            value = name.value
            if value == context.compiled.info.self_name:
                return None
            if value in local:
                if (value in written and value != assigned) or _compared_with_string(parent, parents):
                    return None  # read after the moved code wrote it; a string, not a tensor
                kind = taint.kind(name)
                if kind is not Kind.TENSOR or taint.is_container(name) or taint.is_guess(name):
                    return None
                declared = typed[value].annotation if value in typed else None
                if declared is not None and context.qualify(declared.annotation) != "torch.Tensor":
                    return None  # `data: Dict[str, Tensor]`: not a tensor, whatever the taint says
                found.setdefault(value)
            elif not _global_ok(name, context):
                return None
    return list(found)


def _compared_with_string(parent: cst.CSTNode, parents) -> bool:
    if isinstance(parent, cst.ComparisonTarget):  # `"batch" in data`: the right side of a comparison
        parent = parents.get(id(parent))
    if not isinstance(parent, cst.Comparison):
        return False
    sides = [parent.left, *(target.comparator for target in parent.comparisons)]
    strings = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
    return any(
        isinstance(side, strings)
        or (
            isinstance(side, (cst.Tuple, cst.List, cst.Set))
            and any(isinstance(e.value, strings) for e in side.elements)
        )
        for side in sides
    )


def _reads_in(node: cst.CSTNode, name: str, parents) -> bool:
    return any(n.value == name and not isinstance(p, cst.AssignTarget) for n, p in _names(node, parents) or ())


def _names(node: cst.CSTNode, parents) -> Optional[List[Tuple[cst.Name, cst.CSTNode]]]:
    """(name, its parent) of every name `node` reads or assigns, attributes and keywords left out;
    None when `node` holds a scope of its own (a comprehension, a lambda)."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        kind = type(current)  # exact types: isinstance's miss on libcst's ABC-based classes is slow
        if kind in _NOT_MOVED_TYPES or (kind is cst.SimpleString and "\n" in current.value):  # type: ignore[attr-defined]
            return None
        if kind is cst.Name:
            parent = parents.get(id(current))
            if isinstance(parent, cst.Attribute) and parent.attr is current:
                continue
            if isinstance(parent, cst.Arg) and parent.keyword is current:
                continue
            found.append((current, parent))
        stack.extend(reversed(current.children))  # in source order
    return found


def _global_ok(name: cst.Name, context: RuleContext) -> bool:
    qualified = context.qualify(name) or ""
    if qualified == "torch" or qualified.startswith("torch."):
        return True
    return name.value in _BUILTINS and name.value not in context.imports.aliases


def _top_statement(context: RuleContext) -> Optional[cst.CSTNode]:
    """The top-level statement (class or function) holding the traced function."""
    module = context.source[0]
    if module is None:
        return None
    for statement in module.body:
        if statement is context.node or _holds(statement, context.node):
            return statement
    return None


def _holds(statement: cst.CSTNode, node: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.ClassDef):
        return False
    return any(s is node for s in suite_statements(statement.body))


def _helper_name(context: RuleContext, top: cst.CSTNode) -> str:
    """`_bad_net_forward_branch` for `BadNet.forward` (`_forward_branch_2` when the name is taken)."""
    words = [context.node.name.value.strip("_")]
    if isinstance(top, cst.ClassDef):
        words.insert(
            0, re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", top.name.value.strip("_")).lower()
        )
    base = "_" + "_".join(w for w in words if w) + "_branch"
    module = context.source[0]
    taken = set(context.imports.aliases)
    if module is not None:
        taken |= {s.name.value for s in module.body if isinstance(s, (cst.FunctionDef, cst.ClassDef))}
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name
