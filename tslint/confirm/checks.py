"""The torch side of `--confirm`, run in the worker process only (tslint.confirm.child forks it):
build each class, script it (masking each function torch fails in, to find the errors behind it),
or trace it and compare with eager mode. Imports torch and user code; never imported by the parent.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import linecache
import os
import resource
import sys
import types
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tslint.confirm.torch_errors import first_span, headline, refuses_torchscript

MAX_ROUNDS = 12  # how many failing functions one class may have masked, to find the errors behind them


def limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


def load(job: Dict[str, Any]):
    if job["sys_path"] not in sys.path:
        sys.path.insert(0, job["sys_path"])
    if job["module"]:
        return importlib.import_module(job["module"])
    spec = importlib.util.spec_from_file_location("_tslint_confirm_target", job["path"])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _callable(reference: str):
    module_name, _, attribute = reference.partition(":")
    target = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


def _instantiate(cls, factory: Optional[str]):
    if factory:
        return _callable(factory)(), None
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        parameters = []
    required = [
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if required:
        return None, f"the constructor needs arguments ({', '.join(required)}): needs a factory"
    return cls(), None


def _function_at(owner, path: str, row: int) -> Optional[Tuple[str, str]]:
    """(defining class name, method name) of the method of `owner`'s class or its bases whose
    source holds path:row. The defining class is the last of the MRO holding it, as tslint names a
    finding's symbol: the classes before it hold copies (`_subclass`'s, made for masking and export
    and named as the user's class; or a class's own, as an `__init_subclass__` copying `forward`),
    and naming a copy's class would keep a masked method in the exported ones (compiled)."""
    found = None
    for klass in type(owner).__mro__:
        for name, value in vars(klass).items():
            function = getattr(value, "__func__", value)
            function = getattr(function, "fget", function)  # properties
            code = getattr(function, "__code__", None)
            if code is None or os.path.realpath(code.co_filename) != os.path.realpath(path):
                continue
            try:
                lines, start = inspect.getsourcelines(function)
            except (OSError, TypeError):
                continue
            if start <= row < start + len(lines):
                found = klass.__name__, name
    return found


def class_rows(cls: type) -> Optional[Tuple[int, int]]:
    """(first, last) row of the class statement that made `cls`, decorators included; None when its
    source cannot be read. Python 3.11's inspect gives the first class of that name in the file,
    though a later one may have replaced it (torch scripts the one the module holds, the last): the
    rows of the class's own functions name the statement that ran."""
    try:
        lines, start = inspect.getsourcelines(cls)
        path = inspect.getsourcefile(cls)
    except (OSError, TypeError):
        return None
    rows = [f.__code__.co_firstlineno for f in vars(cls).values() if inspect.isfunction(f)]
    if path is not None and rows and not start <= rows[0] < start + len(lines):
        try:
            tree = ast.parse("".join(linecache.getlines(path)))
        except (SyntaxError, ValueError):
            return start, start + len(lines) - 1
        for node in ast.walk(tree):
            end = getattr(node, "end_lineno", None) or 0
            if isinstance(node, ast.ClassDef) and node.name == cls.__name__ and node.lineno <= rows[0] <= end:
                return min([node.lineno, *(d.lineno for d in node.decorator_list)]), end
    return start, start + len(lines) - 1


def class_line(cls: type) -> int:
    """The first row of `class_rows`, 1 when unknown."""
    rows = class_rows(cls)
    return rows[0] if rows is not None else 1


def _copy(function):
    """A copy of a plain function for torch's modifiers to mark: torch.jit.ignore and export set an
    attribute on the function they get, which would mark it for every other class of the file that
    shares it. The copy's `_jit_override_qualname` keeps torch from matching it with the
    `@torch.jit._overload_method` signatures of the original (which would compile the original)."""
    if not isinstance(function, types.FunctionType):
        return function
    copy = types.FunctionType(
        function.__code__, function.__globals__, function.__name__, function.__defaults__, function.__closure__
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__dict__.update(function.__dict__)
    copy.__annotations__ = dict(function.__annotations__)
    copy.__qualname__, copy.__module__, copy.__doc__ = function.__qualname__, function.__module__, function.__doc__
    copy._jit_override_qualname = f"__tslint_masked__.{function.__module__}.{function.__qualname__}"
    return copy


def _skipped(torch, original) -> Optional[Any]:
    """What replaces the class attribute `original` so that torch skips it; None for a property
    (see _mask) or what torch cannot skip."""
    if isinstance(original, classmethod):
        # As a plain method: torch's ignored classmethod fails an internal assert (its argument
        # count leaves out `cls`). Only scripted, never called, so `cls` being the instance is moot.
        return torch.jit.ignore(_evaluated(_copy(original.__func__)))
    if isinstance(original, staticmethod):
        return staticmethod(torch.jit.ignore(_evaluated(_copy(original.__func__))))
    if isinstance(original, types.FunctionType):
        inner = inspect.unwrap(original)  # a wrapper's (`@torch.no_grad()`) own function, as torch compiles it
        return torch.jit.ignore(_evaluated(_copy(inner if isinstance(inner, types.FunctionType) else original)))
    return None


def _evaluated(copy):
    """The copy with its string annotations (`from __future__ import annotations`) evaluated where
    Python can: torch 2.13 cannot resolve the string annotations of an ignored function ("Unknown
    type annotation: 'torch.Tensor'" at the call), which the user's code would not have had before
    masking. Annotations Python cannot evaluate stay as they are."""
    if not isinstance(copy, types.FunctionType):
        return copy
    strings = {name: value for name, value in copy.__annotations__.items() if isinstance(value, str)}
    if not strings:
        return copy
    namespace = dict(copy.__globals__)
    for name, value in strings.items():
        try:
            copy.__annotations__[name] = eval(value, namespace)  # noqa: S307 - the user's own annotation
        except Exception:
            continue
    return copy


def _subclass(module, attributes: Dict[str, Any]) -> None:
    """Give `module` a copy of its class with `attributes` changed (the user's class stays as it is)."""
    cls = type(module)
    module.__class__ = type(
        cls.__name__, (cls,), {**attributes, "__module__": cls.__module__, "__qualname__": cls.__qualname__}
    )


def _mask(instance, path: str, row: int) -> Optional[Tuple[str, bool]]:
    """Make torch skip the function holding path:row, on whichever (sub)module defines it: its
    symbol, and whether it is a property. torch cannot ignore a property, only leave it out
    (`__jit_unused_properties__`), which makes every use of it fail too (see confirm_class)."""
    import torch

    for module in instance.modules():
        found = _function_at(module, path, row)
        if found is None:
            continue
        owner, name = found
        original = next(vars(klass)[name] for klass in type(module).__mro__ if name in vars(klass))
        if isinstance(original, property):
            unused = [*getattr(type(module), "__jit_unused_properties__", ()), name]
            _subclass(module, {"__jit_unused_properties__": unused})
            return f"{owner}.{name}", True
        replacement = _skipped(torch, original)
        if replacement is None:
            return None
        _subclass(module, {name: replacement})
        return f"{owner}.{name}", False  # as tslint names the symbol: the defining class
    return None


def _export(instance, symbol: str, masked: List[str]) -> bool:
    """Make torch compile the method `Owner.name` even when nothing reaches it any more (masking its
    caller hides it): `@torch.jit.export` on a copy of the class that defines or inherits it."""
    import torch

    owner, _, name = symbol.partition(".")
    if not name or symbol in masked:
        return False
    for module in instance.modules():
        classes = [klass for klass in type(module).__mro__ if klass.__name__ == owner and name in vars(klass)]
        if not classes or name in ("forward", "__init__"):
            continue
        original = vars(classes[-1])[name]  # the user's class, not a copy _subclass named after it
        if not isinstance(original, types.FunctionType):  # properties, static and class methods
            return False
        _subclass(module, {name: torch.jit.export(_copy(original))})
        return True
    return False


def _left_out(message: str, properties: Sequence[str]) -> bool:
    """Whether torch failed only because a masked property was left out: a use of it."""
    text = headline(message.split(": ", 1)[-1])
    return any(f"has no attribute '{symbol.rpartition('.')[2]}'" in text for symbol in properties)


def _annotation_texts(instance, symbol: str) -> List[str]:
    """How torch prints each annotation of the masked function `Owner.name` (as `str()` of it)."""
    name = symbol.rpartition(".")[2]
    for module in instance.modules():
        replacement = getattr(type(module), name, None)
        function = getattr(replacement, "__func__", replacement)
        if isinstance(function, types.FunctionType) and getattr(function, "_jit_override_qualname", "").endswith(
            symbol
        ):
            return [text for value in function.__annotations__.values() for text in _printed(value)]
    return []


def _printed(annotation) -> List[str]:
    """`str()` of an evaluated annotation and of every type inside it (`Optional[torch.Size]`'s
    `torch.Size`: torch names the innermost one it cannot resolve)."""
    if isinstance(annotation, str):
        return []
    return [str(annotation), *(text for inner in getattr(annotation, "__args__", ()) for text in _printed(inner))]


def _unresolved_masked_annotation(message: str, annotations: Sequence[str]) -> bool:
    """Whether torch failed only on a masked function's own annotation, at a call of it: an ignored
    function keeps its signature, and torch types it from the evaluated annotations, which it cannot
    resolve when they name what TorchScript does not know (`torch.Size`: "Unknown type annotation:
    '<class 'torch.Size'>'", "... could not be resolved because <class 'torch.Size'> could not be
    resolved"). The finding that masked the function is the failure; this one is masking's effect."""
    text = headline(message.split(": ", 1)[-1])
    return any(
        f"Unknown type annotation: '{annotation}'" in text or f"because {annotation} could not be resolved" in text
        for annotation in annotations
    )


def confirm_class(torch, module, entry: Dict[str, Any]) -> Dict[str, Any]:
    cls = getattr(module, entry["name"], None)
    if cls is None:
        return {
            "qualname": entry["qualname"],
            "status": "unverified",
            "detail": "the class is not defined at import time",
        }
    line = class_line(cls)
    try:
        instance, problem = _instantiate(cls, entry.get("factory"))
    except Exception as error:
        return {
            "qualname": entry["qualname"],
            "status": "unverified",
            "line": line,
            "detail": f"building the instance failed: {type(error).__name__}: {error}",
        }
    if instance is None:
        return {"qualname": entry["qualname"], "status": "unverified", "line": line, "detail": problem}
    failures: List[Dict[str, Any]] = []
    masked: List[str] = []
    properties: List[str] = []  # the masked ones that are properties
    annotations: List[str] = []  # the masked functions' annotations, as torch prints them
    exported: List[str] = []
    compiled = False
    for _ in range(MAX_ROUNDS):
        if masked:
            # After masking, the methods holding other findings may no longer be reached: export
            # them so torch still compiles (and judges) them.
            for symbol in entry.get("methods", ()):
                if symbol not in exported and _export(instance, symbol, masked):
                    exported.append(symbol)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.jit.script(instance)
            compiled = True
            break
        except Exception as error:
            message = f"{type(error).__name__}: {error}"
            span = first_span(message)
            effect = _left_out(message, properties) or _unresolved_masked_annotation(message, annotations)
            if not (span is not None and effect):  # else an effect of masking
                failures.append(
                    {"message": message, "span": None if span is None else [span.path, span.first_row, span.last_row]}
                )
            if span is None:
                break
            found = _mask(instance, span.path, span.first_row)
            if found is None or found[0] in masked:
                break
            masked.append(found[0])
            if found[1]:
                properties.append(found[0])
            else:
                annotations.extend(_annotation_texts(instance, found[0]))
    return {
        "qualname": entry["qualname"],
        "status": "done",
        "line": line,
        "compiled": compiled,
        "failures": failures,
        "masked": masked,
        "exported": [s for s in exported if s not in masked],
    }


def _as_input_sets(value) -> List[tuple]:
    """The example-inputs callable returns one tuple of inputs, or a list of such tuples."""
    if isinstance(value, list):
        return [item if isinstance(item, tuple) else (item,) for item in value]
    return [value if isinstance(value, tuple) else (value,)]


def same_outputs(first, second, torch) -> bool:
    """Whether two model outputs agree: tensors by dtype, device, shape and value, tuples/lists
    elementwise."""
    if isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor):
        if (first.dtype, first.device, first.shape) != (second.dtype, second.device, second.shape):
            return False
        return first.device.type == "meta" or torch.allclose(first, second, equal_nan=True)
    if isinstance(first, (tuple, list)) and isinstance(second, (tuple, list)):
        return len(first) == len(second) and all(same_outputs(a, b, torch) for a, b in zip(first, second))
    return first == second


Call = Tuple[tuple, Dict[str, Any]]  # positional and keyword arguments of one model call


@dataclass
class TraceOutcome:
    warnings: List[Tuple[str, int]]  # (real path, line) of every TracerWarning while tracing
    wrong_output: bool  # torch warned from its own code that the recorded output may be wrong
    diverged: List[int]  # numbers (2, 3, ...) of the later calls where traced and eager answers differ
    invalid: List[int]  # numbers of the later calls that eager mode itself rejects
    messages: Dict[Tuple[str, int], str] = field(default_factory=dict)  # each warning's first line


def trace_and_compare(
    torch, instance, first: Call, later: Sequence[Call], moved_to: Optional[str] = None
) -> TraceOutcome:
    """Trace `instance` on the first call (TracerWarnings captured), then run traced and eager on
    each later call, both in eval mode as the traced model will be used (and both moved to the
    device `moved_to`, when given: `"meta"`), with the same random seed.
    Raises what torch.jit.trace raises. The one trace-and-compare of --confirm, the tests and the
    benchmark."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = torch.jit.trace(instance, first[0], example_kwarg_inputs=first[1] or None, check_trace=False)
    tracer_warnings = sorted(
        {(os.path.realpath(w.filename), w.lineno) for w in caught if issubclass(w.category, torch.jit.TracerWarning)}
    )
    messages: Dict[Tuple[str, int], str] = {}
    for w in caught:
        if issubclass(w.category, torch.jit.TracerWarning):
            messages.setdefault((os.path.realpath(w.filename), w.lineno), headline(str(w.message))[:300])
    wrong_output = any("at the output of the tracer" in str(w.message) for w in caught)
    instance.eval()
    traced.eval()
    if moved_to is not None:
        instance.to(moved_to)
        traced.to(moved_to)
    diverged: List[int] = []
    invalid: List[int] = []
    for number, (arguments, keywords) in enumerate(later, start=2):
        try:
            torch.manual_seed(0)
            expected = instance(*arguments, **keywords)
        except Exception:
            invalid.append(number)  # not inputs this model takes: nothing to compare
            continue
        try:
            torch.manual_seed(0)
            if not same_outputs(traced(*arguments, **keywords), expected, torch):
                diverged.append(number)
        except Exception:
            diverged.append(number)  # the trace cannot even run on inputs eager mode takes
    return TraceOutcome(tracer_warnings, wrong_output, diverged, invalid, messages)


def trace_class(torch, module, entry: Dict[str, Any]) -> Dict[str, Any]:
    """Trace with the first input set, then compare traced and eager on the other input sets."""
    cls = getattr(module, entry["name"], None)
    if cls is None:
        return {
            "qualname": entry["qualname"],
            "status": "unverified",
            "detail": "the class is not defined at import time",
        }
    try:
        instance, problem = _instantiate(cls, entry.get("factory"))
        input_sets = _as_input_sets(_callable(entry["inputs"])())
    except Exception as error:
        return {
            "qualname": entry["qualname"],
            "status": "unverified",
            "detail": f"building the instance or the inputs failed: {type(error).__name__}: {error}",
        }
    if instance is None:
        return {"qualname": entry["qualname"], "status": "unverified", "detail": problem}
    try:
        outcome = trace_and_compare(torch, instance, (input_sets[0], {}), [(inputs, {}) for inputs in input_sets[1:]])
    except Exception as error:
        return {
            "qualname": entry["qualname"],
            "status": "unverified",
            "detail": f"torch.jit.trace failed: {type(error).__name__}: {str(error)[:300]}",
        }
    line = class_line(cls)
    return {
        "qualname": entry["qualname"],
        "status": "traced",
        "warnings": outcome.warnings,
        "line": line,
        "messages": [[path, row, text] for (path, row), text in sorted(outcome.messages.items())],
        "diverged": outcome.diverged,
        "input_sets": len(input_sets) - len(outcome.invalid),
    }


def _probe_function(x: int) -> int:
    return x + 1


def probe(torch) -> Optional[str]:
    """Why torch cannot be used at all, judged on a function of tslint's own before any user code
    runs (so no user text can make a run fail as a whole), or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.jit.script(_probe_function)
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        if refuses_torchscript(message):
            return f"this torch refuses TorchScript: {headline(message)}"
        return f"torch.jit.script fails on a one-line function: {headline(message)}"
    return None
