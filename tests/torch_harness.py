"""Running real torch.jit.script on fixture and example code (the ground truth for every rule)."""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Callable, List, Optional, Tuple

import pytest

from tslint.confirm import checks
from tslint.confirm.child import trace_and_compare
from tslint.confirm.torch_errors import first_span

torch = pytest.importorskip("torch")
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*TorchScript.*")

FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def module_classes(module: ModuleType) -> List[type]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, torch.nn.Module) and value.__module__ == module.__name__
    ]


def class_rows(cls: type) -> Tuple[int, int]:
    """(first, last) row of the class statement that made `cls` (`tslint.confirm.checks.class_rows`:
    Python 3.11's inspect gives the first class of that name in the file, fixtures/redefinitions.py
    replaces some)."""
    rows = checks.class_rows(cls)
    assert rows is not None, cls
    return rows


def script(cls: type) -> Tuple[Optional[object], Optional[str]]:
    """(scripted module, None) or (None, torch's error message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return torch.jit.script(cls()), None
        except Exception as error:  # torch raises several exception types
            return None, f"{type(error).__name__}: {error}"


_FRESH_SCRIPT = """
import importlib.util, sys, warnings
warnings.simplefilter("ignore")
folder, path, module_name, class_name = sys.argv[1:]
sys.path.insert(0, folder)
if module_name.startswith("fixture_"):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
else:
    module = importlib.import_module(module_name)
import torch
try:
    torch.jit.script(getattr(module, class_name)())
except Exception as error:
    sys.stdout.write(f"{type(error).__name__}: {error}")
"""


def script_in_fresh_process(cls: type, folder: Path) -> Optional[str]:
    """torch's error scripting `cls` in a new process (None: it compiled). torch compiles more in a
    process that compiled other code before: `isinstance(x, nn.LayerNorm)` fails in a fresh process
    and compiles once any module holding a LayerNorm was scripted there. A user's export script, and
    tslint's claims, are the fresh process's; `folder`: where the class's module imports siblings from."""
    import subprocess

    arguments = [str(folder), inspect.getsourcefile(cls), cls.__module__, cls.__name__]
    completed = subprocess.run(
        [sys.executable, "-c", _FRESH_SCRIPT, *arguments], capture_output=True, text=True, timeout=300, check=True
    )
    return completed.stdout or None


def first_frame(message: str) -> Optional[Tuple[str, int]]:
    match = FRAME.search(message)
    if match is None:
        return None
    return str(Path(match.group(1)).resolve()), int(match.group(2))


def highlighted_span(message: str, within: Optional[Path] = None) -> Optional[Tuple[str, int, int]]:
    """torch's first frame — or, when `within` is given and torch fails inside its own code, the first
    frame in the user's files (the call site: "... is being compiled since it was called from ...")."""
    span = first_span(message, within=str(within.resolve()) if within is not None else None)
    return None if span is None else (span.path, span.first_row, span.last_row)


FIRST_INPUT = (3, 4)
SECOND_INPUT = (5, 4)


def trace_outcome(
    cls: type,
    source_file: str,
    second_call: Optional[Tuple[tuple, dict]] = None,
    first_call: Optional[Tuple[tuple, dict]] = None,
    moved_to: Optional[str] = None,
    build: Optional[Callable[[], object]] = None,
):
    """Trace an instance (training mode, as constructed) on ones(3, 4); then, with both in eval mode,
    compare traced and eager on -ones(5, 4) — or on the (arguments, keyword arguments) of
    `second_call` (another dtype, the meta device, an extra argument), both models moved to the
    device `moved_to` first when given; the model is `build()` when given, else `cls()`. Returns (TracerWarning lines
    in `source_file`, whether the answers differ)."""
    torch.manual_seed(0)
    model = build() if build is not None else cls()
    second = second_call if second_call is not None else ((-torch.ones(*SECOND_INPUT),), {})
    try:
        first = first_call if first_call is not None else ((torch.ones(*FIRST_INPUT),), {})
        outcome = trace_and_compare(torch, model, first, [second], moved_to)
    except RuntimeError:
        return [], True  # the model cannot be traced at all: the hazard is as real as it gets
    assert not outcome.invalid, f"eager mode rejects the second call of {cls.__name__}"
    where = str(Path(source_file).resolve())
    lines = sorted({line for path, line in outcome.warnings if path == where})
    return lines, outcome.wrong_output or bool(outcome.diverged)
