from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Set

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


@dataclass
class _Walk:
    """Where the walk of one function is, and the names it has seen that are not reads."""

    python_evaluated: int = 0  # depth inside the signature or an annotation: Python evaluates them
    stores: Set[cst.CSTNode] = field(default_factory=set)  # `Net.count = 1` is no read
    not_reads: Set[cst.Name] = field(default_factory=set)  # `self.EPS`, `f(eps=...)`


class GlobalValueInCompiledCode(Rule):
    """Compiled code reads a module-level variable bound to a plain value: `x + EPS` with
    `EPS = 1e-5` at the top of the file, `x.to(DTYPE)` with `DTYPE = torch.float32`, `if MODE ==
    "fast"`, `for s in SIZES`, a flag computed at import (`HAS_MKLDNN =
    torch.backends.mkldnn.is_available()`, `NO_CUDA = not torch.cuda.is_available()`) — or such a
    name imported from another file (`from .config import EPS`), or a plain value of a class body
    read through the class (`Config.SCALE`, `Net.SCALE`).

    TorchScript resolves a global name to a module, function or class, but not to a value, whatever
    its type (`Final` too): "python value of type 'float' cannot be used as a value. Perhaps it is a
    closed over global variable?" (for `None`, "undefined value"). Reading it through its module
    (`config.EPS`), a default argument (`eps: float = EPS`, which Python evaluates) and a class
    constant (`eps: Final[float] = EPS` in the class body, read as `self.eps`) compile.
    """

    code = "TS341"
    name = "global-value-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{name}` is a module-level `{kind}`{where}: compiled code cannot read global values."
    class_message = "`{owner}.{name}` is a class-level `{kind}`: compiled code cannot read it through the class."
    fix_hint = (
        "Make it a class constant (`eps: Final[float] = EPS` in the class body, then `self.eps`), a "
        "default argument (`eps: float = EPS`), or read it through its module (`config.EPS`)."
    )
    torch_messages = (
        "cannot be used as a value. Perhaps it is a closed over global variable",
        "undefined value",
        "cannot be used as an iterable",
    )

    def begin_function(self, context: RuleContext) -> _Walk:
        return _Walk()

    def _enter_python(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.python_evaluated += 1

    def _leave_python(self, node: cst.CSTNode, context: RuleContext) -> None:
        context.state.python_evaluated -= 1

    # Defaults and annotations: Python evaluates them, torch never compiles them.
    visit_Parameters = visit_Annotation = _enter_python
    leave_Parameters = leave_Annotation = _leave_python

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        _not_a_read(node.attr, context)  # `self.EPS`, `config.EPS`
        found = _class_value(node, context)
        if found is not None and not _python_evaluates(context) and node not in context.state.stores:
            owner, kind = found
            context.report(node, self.class_message.format(owner=owner, name=node.attr.value, kind=kind))

    def visit_AssignTarget(self, node: cst.AssignTarget, context: RuleContext) -> None:
        context.state.stores.add(node.target)  # `Net.count = 1` is no read

    def visit_Arg(self, node: cst.Arg, context: RuleContext) -> None:
        if node.keyword is not None:
            _not_a_read(node.keyword, context)  # `f(EPS=...)`

    def visit_Global(self, node: cst.Global, context: RuleContext) -> None:
        for item in node.names:  # a `global` statement is TS205's
            _not_a_read(item.name, context)

    def visit_Name(self, node: cst.Name, context: RuleContext) -> None:
        found = _global_value(node, context)
        if found is None:
            return
        if _python_evaluates(context) or node in context.state.not_reads:
            return
        if node.value in context.local_names():
            return
        kind, where = found
        context.report(node, self.message.format(name=node.value, kind=kind, where=where))


MATH_CONSTANTS = frozenset({"math.pi", "math.e", "math.tau", "math.nan"})  # a bare `inf` compiles (probed)


def _global_value(node: cst.Name, context: RuleContext) -> Optional[tuple]:
    """(the value's type, where it is defined) when `node` names a plain module-level value: of this
    file, or imported by name from another file of the project. One answer per name for the file's
    functions (every name of compiled code is asked about)."""
    key = ("global values", id(context.scope.index))
    known = context.shared.get(key)
    if known is None:
        known = context.shared[key] = {}
    name = node.value
    if name in known:
        return known[name]
    found = known[name] = _global_value_of(name, context)
    return found


def _global_value_of(name: str, context: RuleContext) -> Optional[tuple]:
    file = context.file
    kind = file.module_values.get(name)
    if kind is not None:
        return kind, ""
    found = _call_value(file, name)
    if found is not None:
        return found
    target = file.imports.aliases.get(name)
    if target is None or "." not in target:
        return None
    if target in MATH_CONSTANTS:  # `from math import pi`: torch knows `math.pi`, not a bare `pi`
        return "float", f" (`{target}`)"
    module, _, attribute = target.rpartition(".")
    other = context.scope.index.modules.get(module)
    kind = other.module_values.get(attribute) if other is not None else None
    if kind is None and other is not None:
        found = _call_value(other, attribute)
        return (found[0], f" (`{target}`)") if found is not None else None
    return (kind, f" (`{target}`)") if kind is not None else None


_PLAIN = frozenset({"bool", "int", "float", "str"})


def _call_value(file, name: str) -> Optional[tuple]:
    """(type, where) when `name` is bound once at the top of `file` to what a function of that file
    returns, or one element of it (`_flag, _version = _probe("x")`), and the function's return
    annotation makes that a plain value (`-> bool`, `-> tuple[bool, str]`)."""
    for bound, position, callee in file.fact("call_globals", ()):
        if bound != name:
            continue
        function = file.functions.get(callee)
        if function is None or function.owner is not None:
            return None
        kind = _returned_element(function.returns.replace(" ", ""), position)
        return (kind, f" (returned by `{callee}()`)") if kind is not None else None
    return None


def _returned_element(annotation: str, position: int) -> Optional[str]:
    """The plain type of a return annotation (`position` -1) or of one element of its tuple type."""
    if position < 0:
        return annotation if annotation in _PLAIN else None
    for prefix in ("tuple[", "Tuple[", "typing.Tuple["):
        if annotation.startswith(prefix) and annotation.endswith("]"):
            elements = annotation[len(prefix) : -1].split(",")
            if any("[" in element for element in elements) or position >= len(elements):
                return None
            return elements[position] if elements[position] in _PLAIN else None
    return None


def _class_value(node: cst.Attribute, context: RuleContext) -> Optional[tuple]:
    """(the class's name, the value's type) when `node` reads a plain value from the body of a
    project class through the class (`Config.SCALE`): a plain class, or a module class."""
    owner = node.value
    if not isinstance(owner, cst.Name) or owner.value in context.local_names():
        return None
    index = context.scope.index
    qualname = index.resolve(context.qualify(owner))
    info = index.classes.get(qualname or "")
    if info is None or (info.bases and qualname not in index.module_classes):
        return None  # an Enum's members, a NamedTuple's fields... compile
    kind = dict(info.fact("class_values", ())).get(node.attr.value)
    return (owner.value, kind) if kind is not None else None


def _python_evaluates(context: RuleContext) -> bool:
    """Inside the signature (defaults) or an annotation: Python evaluates it, torch never compiles it."""
    return context.state.python_evaluated > 0


def _not_a_read(name: cst.Name, context: RuleContext) -> None:
    if _global_value(name, context) is not None:
        context.state.not_reads.add(name)
