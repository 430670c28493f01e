from __future__ import annotations

import libcst as cst

from tslint.analysis.compiled_names import grad_mode_decorator, unresolved_type_names
from tslint.analysis.value_kinds import unsupported_type
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class UnknownTypeName(Rule):
    """An annotation in compiled code (a parameter, the return, a local `y: T = ...`) names a type
    through a name the module does not have when torch compiles it: a name nothing defines or
    imports (`x: "Foo"`, a typo, a forgotten import), or one imported only under
    `if TYPE_CHECKING:` (`x: "Decimal"`), a block that never runs.

    torch resolves every annotation of a compiled function against the function's module, string
    annotations and `from __future__ import annotations` included: "Unknown type name 'Decimal'".
    Names torch knows itself (`typing`'s and the builtins), and anything in a module whose globals
    cannot be listed (a star import, `globals()`), are not reported; a type TorchScript does not
    have (`np.ndarray`, `Callable`) is TS111's.

    Under a grad-mode decorator (`@torch.no_grad()`, `@torch.inference_mode()`...) torch resolves the
    annotations, like the other global names (TS343), in torch/utils/_contextlib.py: a module alias
    (`Adj`), a NamedTuple or class of the module fail there; `torch.Tensor` and `typing`'s names do not.
    So does a decorator of the project that returns a `functools.wraps` wrapper defined in another
    module: torch resolves the annotations in the wrapper's module.
    """

    code = "TS347"
    name = "unknown-type-name"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}` in this annotation is not defined in the module: torch cannot resolve the type."
    type_checking_message = (
        "`{name}` is imported only under `if TYPE_CHECKING:`, which never runs: torch cannot resolve "
        "the type when it compiles this function."
    )
    decorated_message = (
        "`{name}` is not defined where torch looks it up: `@{decorator}` makes torch resolve this "
        "function's annotations in torch/utils/_contextlib.py, the module of the decorator's wrapper. "
        "Remove the decorator from the compiled function (for `torch.no_grad`, "
        "`with torch.no_grad():` in its body compiles)."
    )
    wrapped_message = (
        "`{name}` is not defined where torch looks it up: `@{decorator}` replaces this function with a "
        "`functools.wraps` wrapper from `{module}`, and torch resolves the function's annotations in that "
        "wrapper's module. Annotate with a TorchScript type (`torch.Tensor`, `Optional[torch.Tensor]`), or keep "
        "the decorator off the compiled function."
    )
    fix_hint = (
        "Import or define the name at module level (a misspelling?); if the import is guarded to "
        "avoid a cycle, annotate with a TorchScript type instead (`torch.Tensor`, `List[int]`, ...)."
    )
    torch_messages = ("Unknown type name",)

    def visit_Annotation(self, node: cst.Annotation, context: RuleContext) -> None:
        if unsupported_type(node.annotation, context.qualify, lambda name: False) is not None:
            return  # TS111 reports the annotation
        reported = set()
        for name, where, why in unresolved_type_names(node.annotation, context):
            if (name, id(where)) in reported:
                continue
            reported.add((name, id(where)))
            wrapper = context.names().globals_wrapper if why == "decorated" else None
            if wrapper is not None and grad_mode_decorator(context) is None:
                shown = self.wrapped_message.format(name=name, decorator=wrapper.decorator, module=wrapper.module)
                context.report(where, shown)
                continue
            if why == "decorated":
                decorator = grad_mode_decorator(context) or "torch.no_grad"
                short = decorator.replace("torch.autograd.grad_mode.", "torch.").replace("torch.autograd.", "torch.")
                context.report(where, self.decorated_message.format(name=name, decorator=short))
                continue
            template = self.type_checking_message if why == "type-checking" else self.message
            context.report(where, template.format(name=name))
