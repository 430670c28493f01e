"""Running real torch.jit.script on fixture and example code (the ground truth for every rule)."""
from __future__ import annotations

import importlib.util
import inspect
import re
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import List, Optional, Tuple

import pytest

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


def script(cls: type) -> Tuple[Optional[object], Optional[str]]:
    """(scripted module, None) or (None, torch's error message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return torch.jit.script(cls()), None
        except Exception as error:  # torch raises several exception types
            return None, f"{type(error).__name__}: {error}"


def first_frame(message: str) -> Optional[Tuple[str, int]]:
    match = FRAME.search(message)
    if match is None:
        return None
    return str(Path(match.group(1)).resolve()), int(match.group(2))


def highlighted_span(message: str) -> Optional[Tuple[str, int, int]]:
    """(file, first row, last row) that torch underlines with `~` in its first frame.

    torch prints context lines before the highlighted ones; the frame's `line N` is the first
    highlighted line.
    """
    lines = message.splitlines()
    for index, line in enumerate(lines):
        match = FRAME.search(line)
        if match is None:
            continue
        shown: List[bool] = []  # one entry per displayed source line: is it underlined?
        position = index + 1
        while position < len(lines) and lines[position].startswith(" ") and not FRAME.search(lines[position]):
            marker = lines[position + 1] if position + 1 < len(lines) else ""
            underlined = bool(marker.strip()) and set(marker.replace("<--- HERE", "").strip()) <= {"~"}
            shown.append(underlined)
            position += 2 if underlined else 1
        row = int(match.group(2))
        marked = [offset for offset, flag in enumerate(shown) if flag]
        if not marked:
            return str(Path(match.group(1)).resolve()), row, row
        return str(Path(match.group(1)).resolve()), row, row + marked[-1] - marked[0]
    return None
