"""The names analysis (names.py) for one compiled function of a rule context: the context answers
which `if` branches torch compiles and which loops it runs as loops, and lists the module's globals
once per file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Tuple

import libcst as cst

from tslint.analysis.branch_guards import GuardKind, if_guards
from tslint.analysis.imports import dotted_name, is_none
from tslint.analysis.module_containers import unrolled_iterable
from tslint.analysis.names import ModuleNames, NameFlow, module_names
from tslint.analysis.traversal import code_of

_REAL_ITERABLES = frozenset({"range"})
# (an `if`, its body (True) or its other side) -> whether torch compiles that side; None: not known
Decide = Callable[[cst.If, bool], Optional[bool]]
# torch's context managers that decorate a function with a wrapper (torch/utils/_contextlib.py):
# torch.jit.script compiles the function's source, but resolves its global names in the wrapper's
# module, whose globals are these (torch 2.13): `torch` itself is not among them.
GRAD_MODE_DECORATORS = frozenset(
    {"torch.no_grad", "torch.enable_grad", "torch.inference_mode", "torch.set_grad_enabled"}
    | {"torch.autograd.no_grad", "torch.autograd.enable_grad", "torch.autograd.inference_mode"}
    | {"torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.enable_grad"}
    | {"torch.autograd.grad_mode.inference_mode", "torch.autograd.grad_mode.set_grad_enabled"}
)
CONTEXTLIB_GLOBALS = frozenset(
    {"Any", "Callable", "F", "FuncType", "Self", "TypeVar", "_DecoratorContextManager"}
    | {"_NoParamDecoratorContextManager", "_wrap_generator", "cast", "context_decorator", "functools"}
    | {"inspect", "overload", "sys", "warnings"}
)
_LIST_TYPES = frozenset({"typing.List", "list", "typing.Dict", "dict", "torch.Tensor"})
_LOOPED_TYPES = frozenset({"List", "Tensor", "Dict", "str"})  # inference_flow's _LOOPED


def name_flow(context, decide: Optional[Decide] = None) -> NameFlow:
    """The analysis of the rule context's function, with the context's answers about branches and
    loops; `decide`, if given, answers first which sides of an `if` torch compiles (for one class
    built with its defaults: rules/semantics/_default_flags.py). The module's globals are computed
    once per file (`context.file_facts`)."""
    globals_ = module_globals(context)
    decorator = grad_mode_decorator(context)
    wrapper = wrapper_globals(context) if decorator is None else None
    if decorator is not None:
        globals_ = ModuleNames(CONTEXTLIB_GLOBALS)
    elif wrapper is not None:
        globals_ = wrapper.names
    flow = _flow(context, globals_, decide)
    flow.globals_decorator = decorator
    flow.globals_wrapper = wrapper
    return flow


def possibly_wrapped_flow(context) -> Optional[NameFlow]:
    """The analysis of the rule context's function as torch makes it when the project decorator
    takes the path that wraps it (`maybe_wraps_wrapper`: a `functools.wraps` wrapper from another
    module on some paths, the function itself on the others): its names resolved in the wrapper's
    module and closure (`globals_wrapper` says which). None for any other function."""
    if grad_mode_decorator(context) is not None:
        return None
    wrapper = wrapper_globals(context, "maybe_wraps_wrapper")
    if wrapper is None:
        return None
    flow = _flow(context, wrapper.names)
    flow.globals_wrapper = wrapper
    return flow


def _flow(context, globals_: ModuleNames, decide: Optional[Decide] = None) -> NameFlow:
    """NameFlow of the rule context's function with `globals_` as its module's globals. `decide`,
    if given, answers first whether torch compiles a side of an `if` (True or False), or leaves the
    question to the context (None)."""

    def branch_compiled(node: cst.If, is_body: bool) -> Optional[bool]:
        if decide is not None:
            decided = decide(node, is_body)
            if decided is not None:
                return decided
        body, orelse = if_guards(node, context.imports, context.compiled.info.self_name)
        guards = body if is_body else orelse
        if any(guard.kind is GuardKind.NOT_SCRIPTING for guard in guards):
            return False  # torch never compiles the `not is_scripting()` side
        if _maybe_static(node.test, context):
            decided = context.types().decision(node)
            return None if decided is None else decided is is_body
        return True if not guards or context.compiled_under(guards) else None

    def loop_kind(iterable: cst.BaseExpression) -> Optional[str]:
        if unrolled_iterable(iterable, context) is not None:
            return "unrolled"
        return "real" if _real_iterable(iterable, context) or _typed_as_looped(iterable, context) else None

    return NameFlow(context.node, globals_, branch_compiled, loop_kind)


@dataclass(frozen=True)
class WrapperGlobals:
    """A decorator of the project that replaces the compiled function with a `functools.wraps`
    wrapper defined in another module: torch compiles the function's own source (it follows
    `__wrapped__`), but looks its names up where the wrapper's are, in the wrapper's `__globals__`
    and closure (torch/_jit_internal.py, `createResolutionCallbackFromClosure(fn)` of the function
    the class holds). Observed in torch 2.13: `torch` and the module's own functions are "undefined
    value" there when the wrapper's module does not bind them."""

    decorator: str  # as written, without its arguments: `deprecated_arg(...)`
    module: str  # the wrapper's module (its file when it has no module name)
    names: ModuleNames  # its globals and the enclosing functions' names


# Decorators that return the function itself (they mark it): torch sees what the next one returns.
_MARKING_DECORATORS = frozenset(
    {"torch.jit.export", "torch.jit.unused", "torch.jit.ignore", "typing.overload", "torch.jit._overload_method"}
)


def wrapper_globals(context, fact: str = "wraps_wrapper") -> Optional[WrapperGlobals]:
    """The project decorator whose `functools.wraps` wrapper torch takes the rule context's function's
    globals from, with those globals; None when the outermost decorator that is not a mark is not one
    (or its module's globals cannot be listed). A wrapper in the function's own module changes
    nothing but adds the closure's names. `fact` names the index fact saying so: `wraps_wrapper`
    (the decorator wraps on every path), `maybe_wraps_wrapper` (on some paths only)."""
    index = context.scope.index
    for decorator in context.node.decorators:
        expression = decorator.decorator
        name = context.qualify(expression)
        if name in _MARKING_DECORATORS:
            continue
        info = index.functions.get(index.resolve(name) or "") if name else None
        if info is None:
            return None
        found = info.fact(fact, ())
        level = 2 if isinstance(expression, cst.Call) else 1
        if not found or found[0] != level:
            return None
        if info.path == context.file.path:
            return None  # the same globals: only the closure's names differ
        file = index.by_path.get(info.path)
        listed = file.fact("module_globals", ()) if file is not None else ()
        if not listed or listed[0] not in ("listed", "starred"):
            return None
        bound = frozenset(listed[1]) | frozenset(found[1])
        for source in listed[3] if listed[0] == "starred" else ():
            star = index.modules.get(source)
            exported = star.fact("star_exports", ()) if star is not None else ()
            if not exported:
                return None  # a module outside the project, or without a literal `__all__`
            bound |= frozenset(exported[1:])
        names = ModuleNames(bound, frozenset(listed[2]))
        shown = f"{code_of(expression.func)}(...)" if isinstance(expression, cst.Call) else code_of(expression)
        return WrapperGlobals(shown, file.module_name or info.path, names)
    return None


def grad_mode_decorator(context) -> Optional[str]:
    """`torch.no_grad` (or another of GRAD_MODE_DECORATORS) when it decorates the rule context's
    function, with or without a call: torch then looks its global names up in
    torch/utils/_contextlib.py."""
    for decorator in context.node.decorators:
        expression = decorator.decorator
        if isinstance(expression, cst.Call):
            expression = expression.func
        name = context.qualify(expression)
        if name in GRAD_MODE_DECORATORS:
            return name
    return None


def module_globals(context) -> ModuleNames:
    """The globals of the rule context's module, computed once per file (`context.file_facts`)."""
    facts = context.file_facts
    globals_ = facts.get("module_names")
    if globals_ is None:
        module, text = context.source
        globals_ = facts["module_names"] = module_names(module, text) if module is not None else ModuleNames(None)
    return globals_


# Names torch's type parser may find without the module binding them (observed: `"Tensor"` resolves
# in a module with `from __future__ import annotations` and no import of it; not in another).
_TORCH_TYPE_NAMES = frozenset(
    {"Tensor", "Device", "number", "NoneType", "Future", "RRef", "Await", "Storage", "Stream", "Any"}
)
# Subscripts whose parameters are not all types.
_NOT_TYPES = frozenset(
    {"typing.Literal", "typing.Annotated", "typing_extensions.Literal", "typing_extensions.Annotated"}
)


def annotation_roots(annotation: cst.BaseExpression, qualify) -> Iterator[Tuple[str, cst.BaseExpression]]:
    """(first name, node to report) of every name a type expression uses, as torch resolves it
    (`np` of `np.ndarray`, inside strings too: the string is the node then). A string that does not
    parse, and the parameters of `Literal`/`Annotated`, give nothing."""
    stack: List[Tuple[cst.BaseExpression, Optional[cst.BaseExpression]]] = [(annotation, None)]
    while stack:
        node, string = stack.pop()
        if isinstance(node, cst.SimpleString):
            try:
                text = node.evaluated_value
                inner = cst.parse_expression(text) if isinstance(text, str) else None
            except Exception:  # libcst's ParserSyntaxError, or a bad escape
                inner = None
            if inner is not None:
                stack.append((inner, string or node))
        elif isinstance(node, cst.Name):
            yield node.value, string or node
        elif isinstance(node, cst.Attribute):
            root = node
            while isinstance(root, cst.Attribute):
                root = root.value
            if isinstance(root, cst.Name):
                yield root.value, string or node
        elif isinstance(node, cst.Subscript):
            stack.append((node.value, string))
            if string is None and qualify(node.value) in _NOT_TYPES:
                continue
            if string is not None and dotted_name(node.value) in (
                "Literal",
                "Annotated",
                "typing.Literal",
                "typing.Annotated",
            ):
                continue
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    stack.append((element.slice.value, string))
        elif isinstance(node, (cst.Tuple, cst.List)):
            stack.extend((element.value, string) for element in node.elements)
        elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            stack.extend(((node.left, string), (node.right, string)))


def unresolved_type_names(annotation: cst.BaseExpression, context) -> Iterator[Tuple[str, cst.BaseExpression, str]]:
    """(name, node to report, why) for each name in the annotation torch's type parser cannot
    resolve: bound by nothing in the module, or only under `if TYPE_CHECKING:`. Nothing when the
    module's globals cannot be listed. Under a grad-mode decorator (`@torch.no_grad()`) torch
    resolves the names in torch/utils/_contextlib.py instead ("decorated"): `Adj`, `T.Tensor` of
    `import torch as T`, a NamedTuple of the module fail there; `torch.Tensor` and `typing`'s names
    do not (observed in torch 2.13). Under a project decorator's `functools.wraps` wrapper from
    another module (`WrapperGlobals`) torch resolves them in the wrapper's module, the same way."""
    decorated = ModuleNames(CONTEXTLIB_GLOBALS) if grad_mode_decorator(context) is not None else None
    if decorated is None:
        wrapper = context.names().globals_wrapper
        decorated = wrapper.names if wrapper is not None else None
    if decorated is not None:
        for name, node in annotation_roots(annotation, context.qualify):
            if name in _TORCH_TYPE_NAMES or name in ("None", "torch"):
                continue
            if decorated.provides(name) is False:
                yield name, node, "decorated"
        return
    globals_ = module_globals(context)
    if globals_.names is None:
        return
    for name, node in annotation_roots(annotation, context.qualify):
        if name in _TORCH_TYPE_NAMES or name == "None":
            continue
        if name in globals_.type_checking_only:
            yield name, node, "type-checking"
        elif globals_.provides(name) is False:
            yield name, node, "undefined"


def _maybe_static(test: cst.BaseExpression, context) -> bool:
    """A condition torch may decide while compiling, emitting one branch only: `isinstance(...)` and
    `hasattr(...)` (of types torch knows then), `x is None` / `x is not None` (when `x` cannot be None,
    or is always None), and `not`/`and`/`or` of those. Observed: `if isinstance(x, PackedSequence):`
    in nn.RNN's forward, with `x` a Tensor, compiles only the `else` side."""
    if isinstance(test, cst.UnaryOperation):
        return _maybe_static(test.expression, context)
    if isinstance(test, cst.BooleanOperation):
        return _maybe_static(test.left, context) or _maybe_static(test.right, context)
    if isinstance(test, cst.Call):
        return context.qualify(test.func) in ("isinstance", "hasattr")
    if isinstance(test, cst.Comparison):
        return any(
            isinstance(target.operator, (cst.Is, cst.IsNot)) and (is_none(target.comparator) or is_none(test.left))
            for target in test.comparisons
        )
    return False


def _typed_as_looped(iterable: cst.BaseExpression, context) -> bool:
    """A loop the type model types as one torch runs as a loop: over a list, a tensor, a dict or a
    str (`for i, chunk in enumerate(chunks)` with `chunks = x.split(4)`), also through
    `enumerate`/`zip` of those."""
    if isinstance(iterable, cst.Call) and iterable.args and context.qualify(iterable.func) in ("enumerate", "zip"):
        if any(a.star or a.keyword is not None for a in iterable.args):
            return False
        looped = iterable.args[:1] if context.qualify(iterable.func) == "enumerate" else iterable.args
        return all(_typed_as_looped(a.value, context) for a in looped)
    return context.types().type_of(iterable).kind in _LOOPED_TYPES


def _real_iterable(iterable: cst.BaseExpression, context) -> bool:
    """An iterable torch certainly loops over at run time (not unrolled): `range(...)`, a list, a
    tensor, a parameter typed as a list, dict or tensor, and `enumerate`/`zip` of those."""
    if isinstance(iterable, (cst.List, cst.ListComp)):
        return True
    if isinstance(iterable, cst.Call):
        called = context.qualify(iterable.func)
        if called in _REAL_ITERABLES:
            return True
        if called in ("enumerate", "zip") and iterable.args:
            looped = iterable.args[:1] if called == "enumerate" else iterable.args
            return all(not a.star and a.keyword is None and _real_iterable(a.value, context) for a in looped)
        return False
    if isinstance(iterable, cst.Name):
        param = context.typed_parameters().get(iterable.value)
        if param is None:
            return False
        if param.annotation is None:
            return param.default is None  # an unannotated parameter is a Tensor
        annotation = param.annotation.annotation
        if isinstance(annotation, cst.Subscript):
            annotation = annotation.value
        return context.qualify(annotation) in _LIST_TYPES
    return False
