"""The child side of bench/realworld.py: runs in the bench's virtual environment, never imports tslint.

    python realworld_worker.py discover PACKAGE          # one JSON line per module class found
    python realworld_worker.py script < classes.json     # one JSON line per class: built? scripted?
    python realworld_worker.py export < classes.json     # one JSON line per class: built? exported?

Results go to the file descriptor that was stdout when the worker started; the library's own prints
go to stderr. `script` reads {"classes": [...], "factories": {...}} and writes a {"start": qualname}
line before each class, so that the parent, which times each class, knows which one hung or crashed.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import os
import pkgutil
import resource
import sys
import time
import warnings

# Values for required constructor arguments, by the argument's name (first match wins), then by its
# annotation. Generic across libraries: 16 is divisible by the head counts, 2 heads, kernel 3.
EXACT = {"p": 0.1, "l": 1, "n": 4, "k": 3, "d": 16}  # one-letter names seen in constructors
BY_NAME = (
    (("irreps",), "2x0e + 1x1o"),  # e3nn's representations, given as a string whatever the annotation
    (("head",), 2),
    (("kernel",), 3),
    (("stride", "dilation", "groups", "layers", "depth", "blocks", "order", "lmax", "l_max"), 1),
    (("prob", "dropout", "drop", "rate", "alpha", "momentum", "slope", "eps", "tau", "temperature"), 0.1),
    (("channel", "dim", "feature", "size", "hidden", "embed", "width", "units", "classes", "tokens", "num"), 16),
)
MEMORY_LIMIT = 6 << 30  # bytes of address space per class: a large model built on the CPU fails, not the machine


def _results_channel():
    """A private copy of stdout for the records; fd 1 then points at stderr for the library."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout.flush()
    os.dup2(2, 1)
    return channel


def _emit(channel, record) -> None:
    channel.write(json.dumps(record) + "\n")
    channel.flush()


def discover(package: str, channel) -> None:
    """Import every module of the package; report each nn.Module subclass defined in it."""
    import torch

    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, package + ".", onerror=lambda name: None):
        names.append(info.name)
    seen = set()
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except BaseException as error:  # noqa: B036 - a library may call sys.exit on import
            _emit(channel, {"import_error": name, "detail": f"{type(error).__name__}: {error}"[:300]})
            continue
        for attribute, value in sorted(vars(module).items()):
            if not (inspect.isclass(value) and issubclass(value, torch.nn.Module)):
                continue
            if value.__module__ != name or value.__qualname__ != attribute:
                continue
            qualname = f"{name}.{attribute}"
            if qualname in seen:
                continue
            seen.add(qualname)
            _emit(channel, {"class": qualname, "abstract": inspect.isabstract(value)})


def _required(cls):
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    return [
        p
        for p in parameters
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _kind(annotation):
    """int, float, bool or str for an annotation that is (an Optional of) one of them; "" when there is
    none; None for any other type (a list of symbols, a module: no generic value fits)."""
    if annotation is inspect.Parameter.empty:
        return ""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", None) or repr(annotation)
    text = text.replace("typing.", "").replace("tp.", "").replace(" ", "")
    for prefix, suffix in (("Optional[", "]"),):
        if text.startswith(prefix) and text.endswith(suffix):
            text = text[len(prefix) : -len(suffix)]
    for kind in ("int", "float", "bool", "str"):
        if text in (kind, f"{kind}|None", f"None|{kind}", f"Union[{kind},None]"):
            return kind
    return None


def _value(parameter):
    """A value for a required argument, by its annotation and name; None when none fits."""
    kind = _kind(parameter.annotation)
    name = parameter.name.lower()
    if "irreps" in name:
        return BY_NAME[0][1]
    if name in EXACT and kind in ("", "int", "float"):
        return float(EXACT[name]) if kind == "float" else EXACT[name]
    if kind is None or kind == "bool":
        return False if kind == "bool" else None
    for fragments, value in BY_NAME:
        if any(fragment in name for fragment in fragments):
            if kind == "" or kind == type(value).__name__ or (kind == "float" and isinstance(value, int)):
                return float(value) if kind == "float" else value
            break
    return {"int": 4, "float": 0.5}.get(kind)  # an unannotated argument of unknown name: no guess


def candidates(cls):
    """(strategy, args, kwargs) to try, in order: no arguments, then a value for each required
    argument by its annotation and name (keyword-only ones by keyword)."""
    required = _required(cls)
    if not required:
        return [("no arguments", (), {})]
    args, kwargs = [], {}
    for parameter in required:
        if _value(parameter) is None:  # no generic value fits: only the other ways to build remain
            return [("no arguments", (), {})]
        if parameter.kind is parameter.KEYWORD_ONLY:
            kwargs[parameter.name] = _value(parameter)
        else:
            args.append(_value(parameter))
    uniform = [16 if isinstance(v, int) and not isinstance(v, bool) else v for v in args]
    tries = [("small configuration", tuple(args), kwargs)]
    if uniform != args:
        tries.append(("small configuration", tuple(uniform), kwargs))
    return tries


def _call_factory(target, args, kwargs):
    """`module:attribute.path` called with the bench's own arguments (its FACTORIES table); an
    argument {"call": [target, args, kwargs]} is such a call itself (a model's layers), and
    {"object": target} the object `target` names, uncalled (a class or function handed on)."""

    def resolve(argument):
        if isinstance(argument, dict) and "call" in argument:
            return _call_factory(*argument["call"])
        if isinstance(argument, dict) and "object" in argument:
            return _named(argument["object"])
        return argument

    return _named(target)(*[resolve(a) for a in args], **{k: resolve(v) for k, v in kwargs.items()})


def _named(target):
    """The object `module:attribute.path` names."""
    module_name, _, path = target.partition(":")
    value = importlib.import_module(module_name)
    for part in path.split("."):
        value = getattr(value, part)
    return value


def build(torch, cls, factory_sources, device):
    """The instance and how it was built, or (None, reason). The meta device comes first (large
    default configurations allocate no memory; torch.jit.script never reads parameter values)."""
    attempts = [("factory", source) for source in factory_sources] + candidates(cls)
    reason = "no constructor call worked"
    for attempt in attempts:
        try:
            with warnings.catch_warnings(), torch.device(device):
                warnings.simplefilter("ignore")
                if attempt[0] == "factory":
                    instance = _call_factory(*attempt[1])
                else:
                    instance = cls(*attempt[1], **attempt[2])
        except BaseException as error:  # noqa: B036
            if isinstance(error, KeyboardInterrupt):
                raise
            reason = f"{type(error).__name__}: {error}"[:300]
            continue
        if isinstance(instance, torch.nn.Module):
            return instance, f"{attempt[0]} ({device})"
    return None, reason


def _build_named(torch, qualname, factories, device):
    """Import and build the class named `qualname`: (class, instance, how it was built), or the
    record of a class that could not be imported or built."""
    module_name, _, class_name = qualname.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except BaseException as error:  # noqa: B036
        return {"qualname": qualname, "built": None, "detail": f"import: {type(error).__name__}: {error}"[:300]}
    instance, how = build(torch, cls, factories.get(qualname, []), device)
    if instance is None:
        return {"qualname": qualname, "built": None, "detail": how}
    return cls, instance, how


def _script_one(torch, qualname, factories, device):
    """Build and script one class (in a forked child): its record."""
    built = _build_named(torch, qualname, factories, device)
    if isinstance(built, dict):
        return built
    cls, instance, how = built
    record = {"qualname": qualname, "built": how, "error": None}
    if type(instance) is not cls:  # a factory returned a subclass: torch scripts that one
        record["scripted_class"] = f"{type(instance).__module__}.{type(instance).__qualname__}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.jit.script(instance)
    except Exception as error:
        record["error"] = f"{type(error).__name__}: {error}"
    return record


# The inputs `export` tries, in order, for a forward taking only tensors: every required argument
# gets a tensor of the same shape (channels first, 16 channels unless an image has 3).
EXPORT_SHAPES = ((2, 16, 32, 32), (2, 3, 32, 32), (2, 16, 16), (2, 16, 8, 8, 8), (2, 16))


def forward_arguments(forward):
    """The arguments `forward` (bound) requires: None for a tensor, else a number or flag chosen as for
    a constructor; None (no list) when one of them is annotated as something no generic value fits
    (a list, a string, a class of the library's) or it has no signature."""
    try:
        parameters = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError):
        return None
    arguments = []
    for p in parameters:
        if p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.kind is p.KEYWORD_ONLY:
            return None
        annotation = p.annotation
        if annotation is inspect.Parameter.empty or "Tensor" in str(annotation):
            arguments.append(None)
            continue
        kind = _kind(annotation)
        if kind not in ("int", "float", "bool"):
            return None
        value = _value(p)
        if value is None:
            return None
        arguments.append(value)
    return arguments


def library_lines(error, folder):
    """The lines of the library's code that torch's message and the traceback name, in order, each
    once: the user frames export reports, then the Python frames of the failing call. `folder`: a
    folder path ending in a separator, or a tuple of them."""
    import re
    import traceback

    text = str(error)
    found = [(p, int(n)) for p, n in re.findall(r'File "([^"]+)", line (\d+)', text)]
    found += [(p, int(n)) for p, n in re.findall(r"(/[^\s:\"']+\.py):(\d+)", text)]
    found += [(f.filename, f.lineno) for f in traceback.extract_tb(error.__traceback__) if f.lineno]
    lines = []
    for path, row in found:
        key = [os.path.realpath(path), row]
        if key[0].startswith(folder) and key not in lines:
            lines.append(key)
    return lines


def _headline(error):
    return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0][:200]}"


def _held_classes(instance, package):
    """The library's classes of every module the instance holds (itself included), bases too."""
    found = set()
    for module in instance.modules():
        for klass in type(module).__mro__:
            if klass.__module__.split(".")[0] == package:
                found.add(f"{klass.__module__}.{klass.__qualname__}")
    return sorted(found)


def parameter_count(torch, qualname, factories):
    """The parameters and buffers (elements) of the class built on the meta device, which allocates
    nothing; None when it does not build there."""
    built = _build_named(torch, qualname, factories, "meta")
    if isinstance(built, dict):
        return None
    instance = built[1]
    return sum(t.numel() for t in list(instance.parameters()) + list(instance.buffers()))


def _export_one(torch, qualname, factories, device, max_parameters=None):
    """Build one class on the CPU, find an input it runs on in eager mode, export it (non-strict,
    static shapes): its record. With `max_parameters`, a class whose instance built on the meta
    device holds more elements than that is neither built on the CPU nor exported: "too-large"."""
    if max_parameters:
        count = parameter_count(torch, qualname, factories)
        if count is not None and count > max_parameters:
            return {"qualname": qualname, "built": "meta", "status": "too-large", "parameters": count}
    built = _build_named(torch, qualname, factories, device)
    if isinstance(built, dict):
        return built
    _, instance, how = built
    instance.eval()
    package = qualname.split(".")[0]
    folder = os.path.realpath(os.path.dirname(importlib.import_module(package).__file__)) + os.sep
    record = {"qualname": qualname, "built": how, "held": _held_classes(instance, package)}
    arguments = forward_arguments(instance.forward)
    if not arguments or all(a is not None for a in arguments):
        record["status"] = "no-inputs"
        return record
    first_error = None
    for shape in EXPORT_SHAPES:
        inputs = tuple(torch.randn(shape) if a is None else a for a in arguments)
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                instance(*inputs)
        except Exception as error:  # not an export failure: the model does not run on this input
            first_error = first_error or error
            continue
        record["shape"] = list(shape)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.export.export(instance, inputs, strict=False)
            record["status"] = "exported"
        except Exception as error:
            record["status"] = "failed"
            record["detail"] = _headline(error)
            record["lines"] = library_lines(error, folder)
        return record
    record["status"] = "eager-failed"
    record["detail"] = _headline(first_error)
    return record


def script(request, channel) -> None:
    """Each class in a forked child of this process (the library imported once; torch's compilation
    state is the child's own), killed after `timeout` seconds."""
    import torch

    torch.set_num_threads(1)
    for module_name in sorted({q.rpartition(".")[0] for q in request["classes"]}):
        try:  # imported once, here, so that each forked child finds it loaded
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(module_name)
        except BaseException:  # noqa: B036 - the child reports it for each of its classes
            pass
    factories = request.get("factories", {})
    timeout = request.get("timeout", 120)
    for qualname in request["classes"]:
        _emit(channel, {"start": qualname})
        started = time.monotonic()
        if request.get("export"):  # real tensors from the start: export runs the model
            cap = request.get("max_parameters")
            run = functools.partial(_export_one, max_parameters=cap)
            record = _in_child(torch, qualname, factories, "cpu", timeout, run)
            record.setdefault("qualname", qualname)
            record["seconds"] = round(time.monotonic() - started, 2)
            _emit(channel, record)
            continue
        record = _in_child(torch, qualname, factories, "meta", timeout)
        # On the meta device a constructor can fail, or torch.jit.script can, where real tensors do
        # not (a property calling .item()): then the CPU decides, in a fresh child (torch keeps the
        # classes it compiled, even half-way, and libraries cache tensors, for the rest of a process).
        if not record.get("crash") and (not record.get("built") or record.get("error")):
            on_cpu = _in_child(torch, qualname, factories, "cpu", timeout)
            if on_cpu.get("built") and not on_cpu.get("crash") or not record.get("built"):
                record = on_cpu
            else:
                record["meta_only"] = True
        record.setdefault("qualname", qualname)
        record["seconds"] = round(time.monotonic() - started, 2)
        _emit(channel, record)


def _in_child(torch, qualname, factories, device, timeout, run=None):
    """_script_one (or `run`) in a forked child of this process, killed after `timeout` seconds."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
            try:
                record = (run or _script_one)(torch, qualname, factories, device)
            except BaseException as error:  # noqa: B036 - a bug of the bench's own: say so
                record = {
                    "qualname": qualname,
                    "built": "?",
                    "error": None,
                    "crash": f"worker: {type(error).__name__}: {error}",
                }
            with os.fdopen(write_end, "w") as out:
                out.write(json.dumps(record))
        finally:
            os._exit(0)
    os.close(write_end)
    return _collect(pid, read_end, timeout)


def _collect(pid, read_end, timeout):
    """The child's record; a crash or timeout record when it has none."""
    import select

    chunks, deadline = [], time.monotonic() + timeout
    while True:
        ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            os.close(read_end)
            return {"built": "?", "error": None, "crash": f"timed out after {timeout:g} s"}
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks).decode("utf-8", "replace"))
    except ValueError:
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit code {os.WEXITSTATUS(status)}"
        return {"built": "?", "error": None, "crash": f"the child process ended without a result ({how})"}


def main() -> int:
    channel = _results_channel()
    command = sys.argv[1]
    if command == "discover":
        discover(sys.argv[2], channel)
    elif command == "script":
        script(json.load(sys.stdin), channel)
    elif command == "export":
        script(dict(json.load(sys.stdin), export=True), channel)
    _emit(channel, {"end": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
