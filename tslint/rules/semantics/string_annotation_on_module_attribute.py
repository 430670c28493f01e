from __future__ import annotations

from typing import Iterator, Set, Tuple

import libcst as cst

from tslint.analysis.imports import class_nodes, has_future_annotations
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# Instance attributes torch never types (torch/jit/_recursive.py, `ignored_attributes`).
_NEVER_TYPED = frozenset({"_version", "_parameters", "_buffers", "_modules", "_initializing", "dump_patches"})


class StringAnnotationOnModuleAttribute(Rule):
    """A module class torch scripts annotates, in its class body, an attribute its instance holds
    (`flag: bool`, `weight: torch.Tensor`, `proj: nn.Linear`) with a string: every annotation of a
    module with `from __future__ import annotations`, or a quoted one (`cache: "Optional[Tensor]"`).

    torch types each parameter, buffer, submodule and attribute of the instance from the class's
    `__annotations__` (torch/jit/_recursive.py, `infer_concrete_type_builder`), read without
    evaluating them; a string is no type to it: "Unknown type annotation: 'bool'", with no line.
    Observed in torch 2.13, even for an attribute compiled code never reads. Names in `__constants__`
    are not typed so, but a `Final` is: the string "Final[bool]" is no `Final` to torch. A class with
    `__jit_ignored_attributes__`, and an attribute `__init__` creates on some paths only, are not
    reported.
    """

    code = "TS360"
    name = "string-annotation-on-module-attribute"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{name}: {annotation}` in the class body (line {row}) is a string annotation{why}: torch types the "
        "module's attribute from the class's annotations and cannot resolve a string, when it scripts the class."
    )
    fix_hint = (
        "Remove `from __future__ import annotations` from the module (or the quotes), or drop the class-level "
        "annotation and let torch infer the attribute's type from its value."
    )
    torch_messages = ("Unknown type annotation",)

    def begin_function(self, context: RuleContext) -> None:
        if context.node.name.value != "forward":
            return
        module, _ = context.source
        if module is None:
            return
        future = has_future_annotations(module)
        for qualname, klass in context.classes():
            if klass.info.path != context.file.path or klass.unknown_bases:
                continue
            node = class_nodes(module).get(klass.info.name)
            if node is None or klass.info.qualname != qualname:
                continue
            created = {
                name
                for name, assignments in klass.attributes.items()
                if any(a.method == "__init__" for a in assignments)
            } - set(klass.info.conditional_attributes)
            for name, annotation in _own_annotations(node):
                if name in created and name not in klass.maybe_constants and name not in _NEVER_TYPED:
                    quoted = isinstance(annotation, (cst.SimpleString, cst.ConcatenatedString))
                    if not (future or quoted):
                        continue
                    why = "" if quoted else " (`from __future__ import annotations`)"
                    text = code_of(annotation)
                    row = _row(module, node, annotation)
                    shown = self.message.format(name=name, annotation=text, why=why, row=row)
                    # torch names no line; the class-body line is outside the compiled function,
                    # which is where tslint reports: the header of the `forward` it scripts.
                    context.report(context.node, shown, header_only=True)
                    return


def _own_annotations(node: cst.ClassDef) -> Iterator[Tuple[str, cst.BaseExpression]]:
    """The names the class body annotates (what `inspect.get_annotations(cls)` holds), unless the
    class lists attributes torch ignores, which it then may not type."""
    found = []
    seen: Set[str] = set()
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, (cst.Assign, cst.AugAssign)) and "__jit_ignored_attributes__" in code_of(small):
                return iter(())
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                if small.target.value not in seen:
                    seen.add(small.target.value)
                    found.append((small.target.value, small.annotation.annotation))
    return iter(found)


def _row(module: cst.Module, node: cst.ClassDef, annotation: cst.BaseExpression) -> int:
    """The line of the class-body statement holding `annotation`, from the source's text."""
    text = module.code_for_node(node)
    start = module.code.find(text)
    target = module.code_for_node(annotation)
    offset = text.find(target)
    if start < 0 or offset < 0:
        return 0
    return module.code.count("\n", 0, start + offset) + 1
