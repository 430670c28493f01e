from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.analysis.imports import class_nodes
from tslint.compiled_class import CompiledClass
from tslint.findings import Mode, Severity
from tslint.index.model import DYNAMIC_ATTRIBUTES
from tslint.index.project import ProjectIndex
from tslint.rule import Rule, RuleContext, replace_node

# What every nn.Module has (torch 2.13, checked by the test suite against dir(nn.Module())).
MODULE_NAMES = frozenset(
    {
        "T_destination",
        "_apply",
        "_backward_hooks",
        "_backward_pre_hooks",
        "_buffers",
        "_call_impl",
        "_compiled_call_impl",
        "_forward_hooks",
        "_forward_hooks_always_called",
        "_forward_hooks_with_kwargs",
        "_forward_pre_hooks",
        "_forward_pre_hooks_with_kwargs",
        "_get_backward_hooks",
        "_get_backward_pre_hooks",
        "_get_name",
        "_is_full_backward_hook",
        "_load_from_state_dict",
        "_load_state_dict_post_hooks",
        "_load_state_dict_pre_hooks",
        "_maybe_warn_non_full_backward_hook",
        "_modules",
        "_named_members",
        "_non_persistent_buffers_set",
        "_parameters",
        "_register_load_state_dict_pre_hook",
        "_register_state_dict_hook",
        "_replicate_for_data_parallel",
        "_save_to_state_dict",
        "_slow_forward",
        "_state_dict_hooks",
        "_state_dict_pre_hooks",
        "_version",
        "_wrapped_call_impl",
        "add_module",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "compile",
        "cpu",
        "cuda",
        "double",
        "dump_patches",
        "eval",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "half",
        "ipu",
        "load_state_dict",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
    }
)
# A class that defines these can answer any attribute name.
DYNAMIC_METHODS = frozenset({"__getattr__", "__getattribute__", "__setattr__", "__setstate__"})


class AttributeNeverAssigned(Rule):
    """Compiled code reads `self.<name>`, and no class of the module assigns it on the instance: it is
    a class attribute that is not a constant (`offset = 2` in the class body), it is only declared by
    a class-level annotation (`padding: List[int]`), or only declared a constant (listed in
    `__constants__`, or annotated `Final`, with no value anywhere), or it misspells an attribute that is assigned
    (`self.hiden_size` for `self.hidden_size`). A base class whose subclasses assign the
    attribute is not reported: the subclasses are what gets scripted.

    torch builds the module's type from the attributes the instance has when it is scripted:
    "Module 'Pad' has no attribute 'padding'". Classes whose attributes tslint cannot all see are
    skipped: a base class outside the linted files, `setattr(self, ...)`, `self.__dict__`,
    `register_buffer(name, ...)` with a computed name, or a custom `__getattr__`.
    """

    code = "TS317"
    name = "attribute-never-assigned"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{name}` does not exist on a scripted `{cls}`: {why}"
    fix_hint = (
        "Assign it in `__init__`, list a class-level constant in `__constants__` (or annotate it `Final`), or fix "
        "the name."
    )
    torch_messages = ("' has no attribute '",)

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = context.self_attribute(node)
        if name is None or name in MODULE_NAMES or (name.startswith("__") and name.endswith("__")):
            return
        for qualname, klass in context.classes():
            why = _missing(name, klass, context.scope.index)
            if why is not None and not _assigned_by_subclass(name, qualname, context):
                cls = qualname.rpartition(".")[2]
                fix = _final(name, qualname, context) if name in klass.class_attributes else None
                context.report(
                    node, self.message.format(receiver=context.receiver, name=name, cls=cls, why=why), fix=fix
                )
                return


# Literals torch takes as a module constant (`Final`): numbers, strings, bools, None, tuples of them.
_CONSTANT_LITERALS = (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)


def _constant_literal(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        return isinstance(value.expression, (cst.Integer, cst.Float))
    if isinstance(value, cst.Name):
        return value.value in ("True", "False", "None")
    if isinstance(value, cst.Tuple):
        return all(not isinstance(e, cst.StarredElement) and _constant_literal(e.value) for e in value.elements)
    if isinstance(value, cst.SimpleString):
        return "b" not in value.prefix.lower()
    return isinstance(value, _CONSTANT_LITERALS)


def _final_name(context: RuleContext) -> Optional[str]:
    """How the file spells `Final`: an imported `Final`, else `torch.jit.Final` when it imports torch."""
    aliases = context.imports.aliases
    if aliases.get("Final") in ("typing.Final", "typing_extensions.Final", "torch.jit.Final"):
        return "Final"
    return "torch.jit.Final" if aliases.get("torch") == "torch" else None


def _final(name: str, qualname: str, context: RuleContext):
    """`offset = 2` in the class body -> `offset: Final = 2`: torch makes a class-level `Final` a
    module constant (probed in torch 2.13). Only for a class of this file whose own body binds the
    name once, to a literal. Safe: `Final` is an annotation, eager PyTorch ignores it."""
    module, _, short = qualname.rpartition(".")
    tree = context.source[0]
    final = _final_name(context)
    if tree is None or final is None or module != context.file.module_name:
        return None
    klass = class_nodes(tree).get(short)
    if klass is None or not isinstance(klass.body, cst.IndentedBlock):
        return None
    bindings = []
    for statement in klass.body.body:
        for small in getattr(statement, "body", ()) if isinstance(statement, cst.SimpleStatementLine) else ():
            targets = getattr(small, "targets", None) or (
                [small] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else []
            )
            for target in targets:
                if isinstance(getattr(target, "target", None), cst.Name) and target.target.value == name:
                    bindings.append(small)
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.name.value == name:
            return None
    if len(bindings) != 1 or not isinstance(bindings[0], cst.Assign) or len(bindings[0].targets) != 1:
        return None
    assignment = bindings[0]
    if not _constant_literal(assignment.value):
        return None
    target = assignment.targets[0].target
    return replace_node(target, f"{name}: {final}", f"Annotate the class constant `{name}: {final}`")


def _assigned_by_subclass(name: str, qualname: str, context: RuleContext) -> bool:
    """An abstract base: a subclass assigns the attribute, and it is the subclass that gets scripted."""
    index = context.scope.index
    for other in index.classes.values():
        if other.qualname != qualname and (name in other.attributes or name in other.class_attributes):
            if any(base.qualname == qualname for base in index.mro(other)):
                return True
    return False


def _missing(name: str, klass: CompiledClass, index: ProjectIndex) -> Optional[str]:
    """Why `name` is certainly missing from the scripted instance of the class, or None if it may exist."""
    if klass.unknown_bases or DYNAMIC_ATTRIBUTES in klass.attributes or DYNAMIC_METHODS & klass.methods.keys():
        return None
    if name in klass.attributes or name in klass.methods:
        return None
    # A name a base declares `Final` is no constant of a subclass whose body annotates anything:
    # torch reads only the subclass's own annotations then.
    kind = klass.constant_names.kind(name)
    if kind == "" and name in klass.constant_names.declared and name in klass.class_attributes:
        return (
            "it is a class attribute declared a constant only where torch does not look for this class (a base's "
            "`Final`, hidden by the class's own annotations, or a base's `__constants__`, replaced by its own)."
        )
    if kind != "" and name in klass.maybe_constants:
        if name in klass.class_attributes:
            return None  # a class-level constant: torch makes it one
        # Declared a constant and never given a value: torch warns that the constant "was not
        # actually set in __init__", and the instance has no such attribute.
        return "it is declared a constant (`__constants__` or `Final`) but never assigned."
    if name in klass.class_attributes:
        return (
            "it is a class attribute, and TorchScript only sees those listed in `__constants__` or annotated `Final`."
        )
    if name in klass.annotations:
        return "it is only annotated at class level, never assigned."
    assigned = [n for n in (*klass.attributes, *klass.class_attributes) if n != DYNAMIC_ATTRIBUTES]
    import difflib  # only when an attribute is missing

    close = difflib.get_close_matches(name, assigned, n=1, cutoff=0.8)
    return f"it is never assigned — did you mean `{close[0]}`?" if close else None
