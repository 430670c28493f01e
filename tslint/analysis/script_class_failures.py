"""Project classes whose instances torch cannot hold as a module attribute.

torch types an attribute holding an instance of a plain Python class by compiling that class as a
TorchScript class (`_jit_try_infer_type` -> `_recursive_compile_class`): every method defined in the
class's own body but static ones, `__init__` included, used or not. If that compilation fails,
torch swallows the error and the attribute has no TorchScript type: compiled code reading it fails
with "Module 'Net' has no attribute 'sobel' (This attribute exists on the Python module, but we
failed to convert Python type: 'pkg.SobelGradients' to a TorchScript type ...)", at the read.

What certainly fails to compile (each probed against torch 2.13): a dataclass (its generated
`__init__` has no source), an own method taking `*args` / `**kwargs`, one taking a module (a
parameter annotated with a project `nn.Module` class: `attn: "Attention"`), or one whose parameter
or return annotation names a type TorchScript does not have (`Sequence[int]`, `Callable`),
properties included. Inheriting from another plain project class (or `abc.ABC`) is accepted; a base
tslint cannot see (a library's, an Enum, a NamedTuple, an Exception) or a decorator other than
`dataclass` makes the class unknown.
"""

from __future__ import annotations

from typing import Optional

from tslint.analysis.value_kinds import unsupported_type
from tslint.index.model import JIT_IGNORE, JIT_UNUSED, OBJECT, ClassInfo

_DATACLASS = frozenset({"dataclasses.dataclass", "dataclass"})
_PLAIN_BASES = OBJECT | {"abc.ABC"}
_NOT_COMPILED = frozenset(
    {"staticmethod", "builtins.staticmethod", "classmethod", "builtins.classmethod", JIT_IGNORE, JIT_UNUSED}
)


def unconvertible_class(index, qualname: Optional[str]) -> Optional[str]:
    """Why torch cannot compile the project class `qualname` as a TorchScript class (so cannot type
    an attribute holding its instance), or None when it may or tslint cannot tell."""
    info = index.classes.get(qualname) if qualname else None
    if info is None or qualname in index.module_classes or not plain_hierarchy(index, info):
        return None
    if any(decorator.split("(")[0] in _DATACLASS for decorator in info.decorators):
        return "a dataclass"
    if info.decorators:
        return None
    file = index.by_path.get(info.path)
    if file is None:
        return None
    for name, method in info.methods.items():
        if any(decorator in _NOT_COMPILED for decorator in method.decorators):
            continue
        if method.takes_var_args:
            return f"its method `{name}` takes `*args` or `**kwargs`"
        modules = [annotation for annotation in method.annotations if index.is_module_class(annotation)]
        if modules:
            return f"its method `{name}` takes a module, `{modules[0].rsplit('.', 1)[-1]}`"
        texts = [text for _, text in method.parameter_annotations]
        if method.returns:
            texts.append(method.returns)
        for text in texts:
            found = _unsupported(text, file.imports.qualify)
            if found is not None:
                return f"`{name}` is annotated with `{found.replace('typing.', '')}`"
    return None


def plain_hierarchy(index, info: ClassInfo) -> bool:
    """Every base up the hierarchy is `object`, `abc.ABC`, or a project class that is not a module
    (the index's own walk of the hierarchy, bounded as every rule's)."""
    if index.hierarchy_too_deep(info):
        return False
    for current in index.mro(info):
        for base, resolved in zip(current.bases, index.resolved_bases(current)):
            if base not in _PLAIN_BASES and (resolved not in index.classes or resolved in index.module_classes):
                return False
    return True


def _unsupported(text: str, qualify) -> Optional[str]:
    from tslint.analysis.types import _parse

    try:
        expression = _parse(text)
    except Exception:  # noqa: BLE001 - annotation text that is not an expression: not known
        return None
    return unsupported_type(expression, qualify, lambda name: False)
