"""The worker's side of `--confirm` in export mode: torch.export.export on one built class.

The class is built as for script confirmation (tslint.confirm.checks), put in eval mode, and run
once eagerly on the first input set with a line tracer on (which lines of the project's files the
example inputs execute: a finding on a line that ran, in a program torch then exported, is
refuted). Then it is exported (strict or non-strict as the job says, with the configured
`dynamic_shapes`); on failure the record names the lines torch's message and traceback point at;
on success the exported program is called on every input set (the first twice, to show state that
the program froze) beside an untouched copy of the model, and the calls where they differ are
recorded.
"""

from __future__ import annotations

import copy
import os
import re
import sys
import traceback
import warnings
from typing import Any, Dict, List, Set, Tuple

from tslint.confirm import checks
from tslint.confirm.torch_errors import headline

MAX_LINES = 20_000  # executed lines kept per class
MAX_TEXT = 500


def _named_lines(error: BaseException) -> List[Tuple[str, int]]:
    """(real path, line) torch names: `File "p", line N` and `p:N` in the message (strict export
    quotes the user's frames there) and the traceback's frames (non-strict export runs them)."""
    text = str(error)
    found = [(p, int(n)) for p, n in re.findall(r'File "([^"]+)", line (\d+)', text)]
    found += [(p, int(n)) for p, n in re.findall(r"(/[^\s:\"']+\.py):(\d+)", text)]
    found += [(f.filename, f.lineno) for f in traceback.extract_tb(error.__traceback__) if f.lineno]
    seen: Dict[Tuple[str, int], None] = {}
    for path, row in found:
        seen.setdefault((os.path.realpath(path), row), None)
    return list(seen)


def _executed(model, arguments: tuple, root: str) -> Set[Tuple[str, int]]:
    """The lines under `root` that an eager call runs."""
    lines: Set[Tuple[str, int]] = set()
    prefix = os.path.realpath(root) + os.sep

    def tracer(frame, event, arg):
        filename = os.path.realpath(frame.f_code.co_filename)
        if not filename.startswith(prefix):
            return None
        if event in ("line", "call") and len(lines) < MAX_LINES:
            lines.add((filename, frame.f_lineno))
        return tracer

    sys.settrace(tracer)
    try:
        model(*arguments)
    finally:
        sys.settrace(None)
    return lines


def _unverified(entry: Dict[str, Any], detail: str, line: int = 1) -> Dict[str, Any]:
    return {"qualname": entry["qualname"], "status": "unverified", "line": line, "detail": detail}


def export_class(torch, module, entry: Dict[str, Any], root: str) -> Dict[str, Any]:
    cls = getattr(module, entry["name"], None)
    if cls is None:
        return _unverified(entry, "the class is not defined at import time")
    line = checks.class_line(cls)
    try:
        instance, problem = checks._instantiate(cls, entry.get("factory"))
        input_sets = checks._as_input_sets(checks._callable(entry["inputs"])())
        shapes = checks._callable(entry["dynamic_shapes"])() if entry.get("dynamic_shapes") else None
    except Exception as error:
        return _unverified(entry, f"building the instance or the inputs failed: {type(error).__name__}: {error}", line)
    if instance is None:
        return _unverified(entry, problem, line)
    instance.eval()
    try:
        reference = copy.deepcopy(instance)
        torch.manual_seed(0)
        executed = _executed(copy.deepcopy(instance), input_sets[0], root)
    except Exception as error:
        return _unverified(
            entry, f"eager mode fails on the first example inputs: {type(error).__name__}: {error}", line
        )
    strict = bool(entry.get("strict"))
    record = {"qualname": entry["qualname"], "line": line, "strict": strict, "input_sets": len(input_sets)}
    record["executed"] = sorted([p, n] for p, n in executed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.export.export(instance, input_sets[0], dynamic_shapes=shapes, strict=strict)
    except Exception as error:
        text = f"{type(error).__name__}: {headline(str(error))}"[:MAX_TEXT]
        return {**record, "status": "failed", "error": text, "lines": [[p, n] for p, n in _named_lines(error)]}
    exported = program.module()
    diverged: List[int] = []
    for number, arguments in enumerate([input_sets[0], *input_sets], start=1):
        try:
            torch.manual_seed(0)
            expected = reference(*arguments)
        except Exception:
            continue  # not inputs this model takes
        try:
            torch.manual_seed(0)
            if not checks.same_outputs(exported(*arguments), expected, torch):
                diverged.append(number)
        except Exception:
            # A guard of the exported program rejects what eager mode takes: a specialization when
            # dimensions were declared dynamic; without dynamic_shapes every dimension is static.
            if shapes is not None:
                diverged.append(number)
    return {**record, "status": "exported", "diverged": diverged, "dynamic": shapes is not None}
