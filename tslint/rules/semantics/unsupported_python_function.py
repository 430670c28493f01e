from __future__ import annotations

from typing import Dict, Optional, Tuple

import libcst as cst

from tslint.analysis.call_site_range import condition_operand_call, operand_before
from tslint.analysis.traversal import code_of
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# Python builtins torch.jit.script has no implementation for (each one checked against torch 2.13 in
# tests/test_torch_agreement.py). Supported look-alikes: abs, all, any, divmod, hash, id, len, min,
# max, ord, chr, pow, round, sorted, sum, zip, enumerate, range, print, isinstance, getattr...
UNSUPPORTED_BUILTINS = frozenset(
    {
        "aiter",
        "anext",
        "ascii",
        "breakpoint",
        "callable",
        "compile",
        "delattr",
        "dir",
        "eval",
        "exec",
        "exit",
        "format",
        "globals",
        "help",
        "input",
        "issubclass",
        "iter",
        "locals",
        "next",
        "open",
        "quit",
        "repr",
        "setattr",
        "vars",
    }
)
# `math` functions missing from torch's builtin table (most of `math` is supported).
UNSUPPORTED_MATH = frozenset(
    {
        "cbrt",
        "comb",
        "dist",
        "exp2",
        "fsum",
        "hypot",
        "isclose",
        "isqrt",
        "lcm",
        "log2",
        "nextafter",
        "perm",
        "prod",
        "trunc",
        "ulp",
    }
)
# Modules none of whose functions compile: torch either has no implementation for them, or tries to
# compile the library's own Python source and fails inside it.
UNSUPPORTED_MODULES = (
    "numpy",
    "random",
    "time",
    "os",
    "sys",
    "logging",
    "copy",
    "itertools",
    "functools",
    "operator",
    "json",
    "re",
    "pickle",
    "datetime",
    "pathlib",
    "inspect",
    "statistics",
    "string",
    "traceback",
    "threading",
    "uuid",
    "hashlib",
    "struct",
    "bisect",
    "heapq",
    "textwrap",
    "contextlib",
    "dataclasses",
    "builtins",
)
UNSUPPORTED_FUNCTIONS = frozenset(
    {
        "typing.cast",
        "collections.Counter",
        "collections.defaultdict",
        "torch.compile",
        "torch.get_default_dtype",
        "torch.is_tensor",
    }
)
# Parts of torch written in Python that torch.jit.script cannot compile.
UNSUPPORTED_TORCH_PACKAGES = (
    "torch.distributions.",
    "torch.distributed.",
    "torch.utils.checkpoint.",
    "torch.testing.",
    "torch.hub.",
    "torch.onnx.",
)
# ... except these TorchScript builtins of torch.distributed (each scripted by the test suite).
SCRIPTABLE_TORCH_FUNCTIONS = frozenset(
    {
        "torch.distributed.autograd.get_gradients",
        "torch.distributed.rpc.rpc_async",
        "torch.distributed.rpc.rpc_sync",
        "torch.distributed.rpc.remote",
    }
)
INSTEAD = {
    "math.log2": "use `math.log(v, 2)` or `torch.log2`",
    "math.trunc": "use `int(v)`",
    "math.prod": "multiply in a loop",
    "math.hypot": "use `math.sqrt(a * a + b * b)`",
    "math.isclose": "use `abs(a - b) <= tolerance`",
    "math.exp2": "use `2.0 ** v`",
    "math.cbrt": "use `v ** (1.0 / 3.0)`",
    "math.fsum": "use `sum(values)`",
    "torch.is_tensor": "use `isinstance(v, torch.Tensor)`",
    "repr": "use `str(v)`",
    "format": "use an f-string without a format spec, or `str(v)`",
    "callable": "keep an `Optional` attribute and test it with `is not None`",
    "typing.cast": "use `torch.jit.annotate`",
    "numpy": "use the torch function of the same name",
    "copy": "use `x.clone()`",
    "random": "use `torch.rand`",
    "time": "measure time outside the compiled model",
    "logging": "use `print`, or `warnings.warn(message)`",
    "torch.get_default_dtype": "pass the dtype explicitly (`torch.float32`)",
}


class UnsupportedPythonFunction(Rule):
    """Compiled code calls a Python function TorchScript cannot compile: builtins such as `repr`,
    `format`, `iter`/`next`, `callable`, `setattr`; `math.log2`, `math.prod`, `math.isclose` and other
    `math` functions torch lacks; anything from `numpy`, `random`, `time`, `os`, `sys`, `logging`,
    `copy`, `itertools`, `functools`, `operator` and similar standard modules; `typing.cast`; the
    Python-only parts of torch (`torch.distributions`, `torch.distributed`, `torch.utils.checkpoint`,
    `torch.compile`, ...); and `warnings.warn` with a warning category.

    torch: "Python builtin <built-in function log2> is currently not supported in Torchscript", or an
    error inside the library's own source that torch tried to compile ("Can't get source for <function
    join>", "Compiled functions can't take variable number of arguments") — the finding is on the call,
    except where torch points elsewhere: for a function of torch's Python-only packages that torch
    compiles from source, called as an operand of `and`/`or` after the first, torch highlights the last
    value of the operand before it (analysis/call_site_range.py), and the finding is there.
    """

    code = "TS316"
    name = "unsupported-python-function"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{call}` cannot be compiled by TorchScript{instead}."
    value_message = (
        "`{name}` here is the Python builtin, which TorchScript cannot compile; is a parameter named differently?"
    )
    fix_hint = (
        "Use the torch equivalent, or move the call into an `@torch.jit.unused` method or under `if not "
        "torch.jit.is_scripting():`."
    )
    torch_messages = (
        "Can't get source for",
        "Failed to get source for",
        "Unknown builtin op: aten::is_tensor",
        "Python exception cannot be used as a value",
        "is currently not supported in Torchscript",
        "attribute lookup is not defined on python value",
        "cannot be used as a value",
    )

    def begin_function(self, context: RuleContext) -> Dict[int, cst.CSTNode]:
        return {}  # id of a call -> where torch points at it, when that is not the call

    def visit_BooleanOperation(self, node: cst.BooleanOperation, context: RuleContext) -> None:
        call = condition_operand_call(node)
        if call is None:
            return
        found = _unsupported(call, context)
        if found is not None and _compiled_from_source(found[0]):
            where = operand_before(node, context.qualify)
            if where is not None and context.state is not None:
                context.state[id(call)] = where

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        found = _unsupported(node, context)
        if found is not None:
            call, hint = found
            # torch points at what it cannot compile: for `warnings.warn`, the category argument.
            where = _warning_category(node) if call == WARN_WITH_CATEGORY else (context.state or {}).get(id(node))
            context.report(where or node, self.message.format(call=call, instead=f"; {hint}" if hint else ""))
        for argument in node.args:
            # A builtin passed as a value, typically `input` where the parameter is called `x`.
            value = argument.value
            if isinstance(value, cst.Name) and _is_unsupported_builtin(value, context):
                context.report(value, self.value_message.format(name=value.value))


def _compiled_from_source(call: str) -> bool:
    """Whether torch compiles the called function from its Python source (and fails inside it), so
    that the caller's frame shows its pending range: a function (not a class) of torch's Python-only
    packages. Builtins and the standard library's C functions fail at the call itself."""
    name = call[: -len("(...)")] if call.endswith("(...)") else call
    return name.startswith(UNSUPPORTED_TORCH_PACKAGES) and name.rpartition(".")[2][:1].islower()


def _is_unsupported_builtin(name: cst.Name, context: RuleContext) -> bool:
    return (
        name.value in UNSUPPORTED_BUILTINS
        and name.value not in context.local_names()
        and context.qualify(name) == name.value
    )


def _unsupported(node: cst.Call, context: RuleContext) -> Optional[Tuple[str, Optional[str]]]:
    """(how to show the call, what to use instead) for an unsupported call, else None."""
    root = node.func
    while isinstance(root, cst.Attribute):
        root = root.value
    if isinstance(root, cst.Name) and root.value in context.local_names():
        return None  # a local `input`, `format` or `np`, not the builtin or the module
    if isinstance(node.func, cst.Attribute):
        factory = _module_object(node.func.value, context)
        if factory is not None:  # `logger.info(...)` with `logger = logging.getLogger(...)`
            shown = code_of(node.func)
            return f"{shown}(...)", INSTEAD.get(factory.split(".")[0])
    name = context.qualify(node.func)
    if name is None:
        return None
    module, _, function = name.rpartition(".")
    if (
        name in UNSUPPORTED_BUILTINS
        or name in UNSUPPORTED_FUNCTIONS
        or (module == "math" and function in UNSUPPORTED_MATH)
        or module.split(".")[0] in UNSUPPORTED_MODULES
        or (
            name.startswith(UNSUPPORTED_TORCH_PACKAGES)
            and name not in SCRIPTABLE_TORCH_FUNCTIONS
            and not _linted_function(name, context)
        )
    ):
        return f"{name}(...)", INSTEAD.get(name) or INSTEAD.get(name.split(".")[0])
    if name == "warnings.warn" and _warning_category(node) is not None:
        return WARN_WITH_CATEGORY, "pass the message only: `warnings.warn(message)`"
    return None


WARN_WITH_CATEGORY = "warnings.warn(message, category)"


def _warning_category(node: cst.Call) -> Optional[cst.BaseExpression]:
    """The category argument of a `warnings.warn(...)` call, if it passes one."""
    positional = [argument for argument in node.args if argument.keyword is None]
    if len(positional) > 1:
        return positional[1].value
    return next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "category"), None)


def _module_object(expression: cst.BaseExpression, context: RuleContext) -> Optional[str]:
    """What created the module-level object `expression` names (`logging.getLogger`), if it is one:
    defined in this file (`logger`), or imported from another file of the project
    (`from .utils import logger`, `utils.logger`)."""
    if isinstance(expression, cst.Name) and expression.value in context.file.module_objects:
        return context.file.module_objects[expression.value]
    name = context.qualify(expression)
    if name is None or "." not in name:
        return None
    module, _, attribute = name.rpartition(".")
    file = context.scope.index.modules.get(module)
    return file.module_objects.get(attribute) if file is not None else None


def _linted_function(name: str, context: RuleContext) -> bool:
    """A function of the linted project (when linting torch itself): the compiled scope decides
    whether torch compiles it (`@torch.jit.ignore` helpers in torch.distributed are fine)."""
    index = context.scope.index
    return index.resolve(name) in index.functions
