from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.index.model import JIT_IGNORE, JIT_UNUSED
from tslint.rule import Rule, RuleContext


class OmittedArgumentToIgnoredMethod(Rule):
    """Compiled code calls an `@torch.jit.ignore` / `@torch.jit.unused` method without passing an
    argument that has a default.

    torch binds ignored and unused methods by their signature but drops the default values — even
    annotated ones — so leaving the argument out fails at the call: "Argument k not provided."
    """

    code = "TS110"
    name = "omitted-argument-to-ignored-method"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{method}(...)` leaves out {names}: torch drops the defaults of ignored/unused methods."
    fix_hint = "Pass every argument explicitly when compiled code calls an ignored or unused method."
    torch_messages = (" not provided.",)

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        func = node.func
        if not (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == context.compiled.info.self_name
        ):
            return
        if any(argument.star for argument in node.args):
            return  # what `*args` supplies is unknown here
        positional = sum(1 for argument in node.args if argument.keyword is None)
        keywords = {argument.keyword.value for argument in node.args if argument.keyword is not None}
        for class_name in context.compiled.classes:
            if class_name is None:
                continue
            method = context.scope.compiled_class(class_name).method(func.attr.value)
            if method is None or method.takes_var_args:
                continue
            if not (method.has_decorator(JIT_IGNORE) or method.has_decorator(JIT_UNUSED)):
                continue
            missing = [
                name
                for position, (name, has_default) in enumerate(method.parameters)
                if has_default and position >= positional and name not in keywords
            ]
            if missing:
                names = ", ".join(f"`{name}`" for name in missing)
                context.report(
                    node, self.message.format(receiver=context.receiver, method=func.attr.value, names=names)
                )
                return
