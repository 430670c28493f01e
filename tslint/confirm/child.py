"""The child process of `--confirm`: imports the user's code and runs torch.jit.script on classes.

Run as `python -m tslint.confirm.child PARENT_PID` with the job as JSON on stdin. This is the only
place tslint imports torch or user code, always in a process tree of its own that the parent can
time out or lose. The process tslint starts is a supervisor that never imports either: it forks the
worker that does, reads the worker's records from a pipe, passes on what the Gate lets through on
its stdout, and kills every process below it when the worker ends (see the trust boundary below).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import resource
import select
import signal
import sys
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tslint import processes
from tslint.confirm.torch_errors import first_span, headline, refuses_torchscript

MAX_ROUNDS = 12  # how many failing functions one class may have masked, to find the errors behind them


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


def _load(job: Dict[str, Any]):
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
    required = [p.name for p in parameters if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if required:
        return None, f"the constructor needs arguments ({', '.join(required)}): needs a factory"
    return cls(), None


def _function_at(owner, path: str, row: int) -> Optional[Tuple[str, str]]:
    """(defining class name, method name) of the method of `owner`'s class or its bases whose
    source holds path:row."""
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
                return klass.__name__, name
    return None


def _mask(instance, path: str, row: int) -> Optional[str]:
    """Make torch skip the function holding path:row, on whichever (sub)module defines it."""
    import torch

    for module in instance.modules():
        found = _function_at(module, path, row)
        if found is None:
            continue
        owner, name = found
        original = getattr(type(module), name)
        if isinstance(original, property):
            return None
        masked = type(type(module).__name__, (type(module),), {name: torch.jit.ignore(original), "__module__": type(module).__module__})
        module.__class__ = masked
        return f"{owner}.{name}"  # as tslint names the symbol: the defining class
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
        original = vars(classes[0])[name]
        if isinstance(original, (property, staticmethod, classmethod)):
            return False
        exported = type(type(module).__name__, (type(module),), {name: torch.jit.export(original), "__module__": type(module).__module__})
        module.__class__ = exported
        return True
    return False


def confirm_class(torch, module, entry: Dict[str, Any]) -> Dict[str, Any]:
    cls = getattr(module, entry["name"], None)
    if cls is None:
        return {"qualname": entry["qualname"], "status": "unverified", "detail": "the class is not defined at import time"}
    try:
        line = inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        line = 1
    try:
        instance, problem = _instantiate(cls, entry.get("factory"))
    except Exception as error:
        return {"qualname": entry["qualname"], "status": "unverified", "line": line,
                "detail": f"building the instance failed: {type(error).__name__}: {error}"}
    if instance is None:
        return {"qualname": entry["qualname"], "status": "unverified", "line": line, "detail": problem}
    failures: List[Dict[str, Any]] = []
    masked: List[str] = []
    exported: List[str] = []
    compiled = False
    for _ in range(MAX_ROUNDS):
        if failures:
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
            failures.append({"message": message, "span": None if span is None else [span.path, span.first_row, span.last_row]})
            if span is None:
                break
            name = _mask(instance, span.path, span.first_row)
            if name is None:
                break
            masked.append(name)
    return {"qualname": entry["qualname"], "status": "done", "line": line, "compiled": compiled,
            "failures": failures, "masked": masked, "exported": [s for s in exported if s not in masked]}


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


def trace_and_compare(torch, instance, first: Call, later: Sequence[Call]) -> TraceOutcome:
    """Trace `instance` on the first call (TracerWarnings captured), then run traced and eager on
    each later call, both in eval mode as the traced model will be used, with the same random seed.
    Raises what torch.jit.trace raises. The one trace-and-compare of --confirm, the tests and the
    benchmark."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = torch.jit.trace(instance, first[0], example_kwarg_inputs=first[1] or None, check_trace=False)
    tracer_warnings = sorted({
        (os.path.realpath(w.filename), w.lineno) for w in caught if issubclass(w.category, torch.jit.TracerWarning)
    })
    wrong_output = any("at the output of the tracer" in str(w.message) for w in caught)
    instance.eval()
    traced.eval()
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
    return TraceOutcome(tracer_warnings, wrong_output, diverged, invalid)


def trace_class(torch, module, entry: Dict[str, Any]) -> Dict[str, Any]:
    """Trace with the first input set, then compare traced and eager on the other input sets."""
    cls = getattr(module, entry["name"], None)
    if cls is None:
        return {"qualname": entry["qualname"], "status": "unverified", "detail": "the class is not defined at import time"}
    try:
        instance, problem = _instantiate(cls, entry.get("factory"))
        input_sets = _as_input_sets(_callable(entry["inputs"])())
    except Exception as error:
        return {"qualname": entry["qualname"], "status": "unverified", "detail": f"building the instance or the inputs failed: {type(error).__name__}: {error}"}
    if instance is None:
        return {"qualname": entry["qualname"], "status": "unverified", "detail": problem}
    try:
        outcome = trace_and_compare(torch, instance, (input_sets[0], {}), [(inputs, {}) for inputs in input_sets[1:]])
    except Exception as error:
        return {"qualname": entry["qualname"], "status": "unverified", "detail": f"torch.jit.trace failed: {type(error).__name__}: {str(error)[:300]}"}
    return {"qualname": entry["qualname"], "status": "traced", "warnings": outcome.warnings,
            "diverged": outcome.diverged, "input_sets": len(input_sets) - len(outcome.invalid)}


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


class _Emitter:
    """Writes records to the supervisor's pipe with an encoder and functions taken before user code
    is imported, each line prefixed with the supervisor's token: user code that replaces json.dumps,
    print or sys.stdout, or that writes lines to every open fd, changes nothing."""

    def __init__(self, fd: int, token: bytes) -> None:
        self._fd = fd
        self._prefix = token + b" "
        self._encode = json.JSONEncoder(ensure_ascii=True).encode  # ASCII: no newline inside a record
        self._write = os.write

    def __call__(self, record: Dict[str, Any]) -> None:
        data = self._prefix + self._encode(record).encode("ascii") + b"\n"
        while data:
            data = data[self._write(self._fd, data):]


def work(job: Dict[str, Any], emit: _Emitter) -> None:
    """The worker: import torch, probe it, then (from the `importing` record on) user code."""
    _limit_memory(job["memory_mb"])
    warnings.filterwarnings("ignore")
    try:
        import torch
    except Exception as error:
        emit({"fatal": f"cannot import torch: {type(error).__name__}: {error}"})
        return
    refusal = probe(torch)
    if refusal is not None:
        emit({"fatal": refusal})
        return
    emit({"torch": torch.__version__})
    os.chdir(job["sys_path"])  # user code may open files relative to its project
    emit({"importing": True})  # from here on, what this process says may come from user code
    try:
        module = _load(job)
    except BaseException as error:  # SystemExit and KeyboardInterrupt from user code too
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        for entry in job["classes"]:
            emit({"qualname": entry["qualname"], "kind": _kind(entry), "status": "unverified",
                  "detail": f"importing the module failed: {detail}"})
        return
    for entry in job["classes"]:
        try:
            record = trace_class(torch, module, entry) if entry.get("trace") else confirm_class(torch, module, entry)
        except BaseException as error:
            record = {"qualname": entry["qualname"], "status": "unverified", "detail": f"user code raised {type(error).__name__}: {error}"}
        emit({**record, "kind": _kind(entry)})


def _kind(entry: Dict[str, Any]) -> str:
    return "trace" if entry.get("trace") else "script"


# The supervisor. The trust boundary: the worker imports user code, and user code in a process can
# do anything that process can, so what the worker reports about the classes it checked cannot be
# proven: code that patches torch.jit.script or json's encoder internals, or reads the token from
# memory, can lie about its own classes (turn their findings into "refuted"). Only the user running
# --confirm on their own code can let that happen, and it stays confined to that file's classes.
# What is guaranteed: user code cannot end the run (`fatal` and `torch` are taken only before user
# code runs), cannot reach tslint's output or the supervisor's (their /proc/<pid>/fd; see
# tslint.processes), cannot blindly forge records (token) nor override the worker's own (differing
# records make the class unverified), and leaves no process behind (user code that kills its own
# supervisor orphans its grandchildren onto tslint, which kills them: processes.adopting_orphans).

MAX_LINE = 4 << 20  # a longer line is dropped: no record the worker writes is that long


class _Stop(BaseException):
    """SIGTERM: tslint's timeout, or tslint died (PR_SET_PDEATHSIG)."""


def _stop(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the cleanup
    raise _Stop()


class Gate:
    """Which of the worker's lines the supervisor passes on: the token's lines only; `torch` and
    `fatal` only before the worker announces the import of user code; after it, one record per
    class of the job; a class with differing records gets an unverified one."""

    def __init__(self, token: bytes, job: Dict[str, Any]) -> None:
        self.prefix = token + b" "
        self.before_user_code = True
        self.setup: Dict[str, Any] = {}
        self.expected = {(entry["qualname"], _kind(entry)) for entry in job["classes"]}
        self.classes: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.conflicts: set = set()
        self.pending = b""
        self.skipping = False  # inside an overlong line

    def feed(self, data: bytes) -> None:
        lines = (self.pending + data).split(b"\n")
        self.pending = lines.pop()
        for line in lines:
            if self.skipping:
                self.skipping = False
            else:
                self.take(line)
        if len(self.pending) > MAX_LINE:
            self.pending, self.skipping = b"", True

    def take(self, line: bytes) -> None:
        if not line.startswith(self.prefix):
            return
        try:
            record = json.loads(line[len(self.prefix):])
        except ValueError:
            return
        if not isinstance(record, dict):
            return
        if self.before_user_code:
            if record == {"importing": True}:
                self.before_user_code = False
            elif len(record) == 1 and next(iter(record)) in ("torch", "fatal") and isinstance(next(iter(record.values())), str):
                self.setup.setdefault(*next(iter(record.items())))
            return
        key = (record.get("qualname"), record.get("kind"))
        if key not in self.expected:
            return
        if key in self.classes and self.classes[key] != record:
            self.conflicts.add(key)
        self.classes.setdefault(key, record)

    def records(self) -> List[Dict[str, Any]]:
        found: List[Dict[str, Any]] = [{name: value} for name, value in self.setup.items()]
        for key, record in sorted(self.classes.items()):
            if key in self.conflicts:
                record = {"qualname": key[0], "kind": key[1], "status": "unverified",
                          "detail": "the child process sent conflicting results for this class"}
            found.append(record)
        return found


def _worker_process(job: Dict[str, Any], fd: int, token: bytes, supervisor: int) -> None:
    """In the forked worker: never returns."""
    code = 70  # EX_SOFTWARE: an error of tslint's own below
    try:
        processes.die_with_parent(supervisor)
        null = os.open(os.devnull, os.O_RDWR)
        for target in (0, 1, 2):  # user output goes nowhere; fd 1 was the supervisor's to tslint
            os.dup2(null, target)
        os.close(null)
        processes.drop_ptrace()
        work(job, _Emitter(fd, token))
        code = 0
    finally:
        os._exit(code)  # no atexit handler or finalizer of user code runs


def _outcome(status: Optional[int]) -> Dict[str, Any]:
    if status is None:
        return {"stopped": True}
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70}


def _relay(read_end: int, worker: int, gate: Gate) -> int:
    """Feed the worker's lines to the gate until the worker ends; its wait status."""
    while True:
        readable, _, _ = select.select([read_end], [], [], 0.2)
        if readable:
            chunk = os.read(read_end, 1 << 16)
            if not chunk:  # every writer closed the pipe: only the end of the worker is left to wait for
                return os.waitpid(worker, 0)[1]
            gate.feed(chunk)
        pid, status = os.waitpid(worker, os.WNOHANG)
        if pid:
            return status


def _drain(read_end: int, gate: Gate) -> None:
    """What the worker wrote before it ended (its descendants are dead: no writer is left)."""
    os.set_blocking(read_end, False)
    try:
        while True:
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            gate.feed(chunk)
    except BlockingIOError:
        pass
    gate.feed(b"\n")


def supervise(job: Dict[str, Any], parent: int, out) -> None:
    """Fork the worker, pass on what the gate lets through, and kill every process below this one
    on every way out (the worker's end, tslint's timeout, tslint's death)."""
    signal.signal(signal.SIGTERM, _stop)
    processes.die_with_parent(parent, signal.SIGTERM)
    processes.become_subreaper()
    token = os.urandom(16).hex().encode("ascii")
    gate = Gate(token, job)
    status: Optional[int] = None
    read_end, write_end = os.pipe()
    supervisor = os.getpid()
    try:
        # SIGTERM stays pending across the fork: the forked worker must never run the supervisor's
        # _Stop handling (and write to its stdout).
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        worker = os.fork()
        if worker == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
            os.close(read_end)
            _worker_process(job, write_end, token, supervisor)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        os.close(write_end)
        status = _relay(read_end, worker, gate)
    except _Stop:
        pass
    finally:
        processes.kill_descendants()
    _drain(read_end, gate)
    for record in [*gate.records(), {"end": _outcome(status)}]:
        out.write(json.dumps(record) + "\n")
    out.flush()


def main(argv: List[str]) -> int:
    """`python -m tslint.confirm.child PARENT_PID`, the job as JSON on stdin, records on stdout."""
    parent = int(argv[0])
    with processes.hidden_from_children():  # the worker must not reach this process's stdout
        job = json.load(sys.stdin)
        supervise(job, parent, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
