"""The script rules against torch.jit.script on real models (torchvision and timm).

    python bench/script_realworld.py collect -o /tmp/script_truth.json   # needs torch, torchvision, timm
    python bench/script_realworld.py score /tmp/script_truth.json         # lints the libraries, scores

`collect` builds each model of bench/trace_realworld.py's list the way that bench does (random weights,
no download, eval mode; torchvision imported without its compiled operators) and scripts it with
`torch.jit.script`, each model in a child process with a time limit. It records, per model: whether
it scripts, torch's message when not, the module classes the model holds (each with its source file,
for tslint's compiled scope) and the free functions and TorchScript classes torch compiled for it
(source spans, read from torch's own caches after scripting).

`score` lints the libraries' folders as one project in script mode and reports: of the models that
fail, how many have an error finding on the lines torch highlights (its first frame in library code);
of the models that script, every TS1xx-TS3xx error finding inside code the model compiles (the
methods tslint's compiled scope reaches from the classes the model holds, and the spans of the
functions torch compiled) - each one a false positive.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent

# --- collect (torch, torchvision and timm imported; bench/trace_realworld.py builds the models) --------


def _compiled_functions(torch, roots: Tuple[str, ...]) -> List[list]:
    """[path, first row, last row, qualname] of each free function and TorchScript class torch compiled
    in this process, when its source lies under one of `roots`."""
    from torch.jit import _state

    spans = []
    objects = list(_state._jit_caching_layer.keys()) + list(getattr(_state, "_script_classes", {}).keys())
    for obj in objects:
        obj = inspect.unwrap(obj) if callable(obj) else obj
        try:
            path = os.path.realpath(inspect.getsourcefile(obj))
            lines, start = inspect.getsourcelines(obj)
        except (OSError, TypeError):
            continue
        if path.startswith(roots):
            spans.append([path, start, start + len(lines) - 1, f"{obj.__module__}.{obj.__qualname__}"])
    return sorted(spans)


def _module_classes(model, roots: Tuple[str, ...]) -> List[list]:
    """[qualified name, path] of the class of each module the model holds, when defined under `roots`."""
    held = {}
    for module in model.modules():
        cls = type(module)
        try:
            path = os.path.realpath(inspect.getsourcefile(cls))
        except (OSError, TypeError):
            continue
        if path.startswith(roots):
            held[f"{cls.__module__}.{cls.__qualname__}"] = path
    return sorted([name, path] for name, path in held.items())


def collect_one(name: str) -> None:
    """One model, in its own process: its record as JSON on stdout."""
    sys.path.insert(0, str(BENCH))
    import trace_realworld

    torch, torchvision, timm = trace_realworld._import_libraries()
    # Scripting needs only the schemas of torchvision's operators; trace_realworld defines those it
    # runs. The rotated-box IoU is compiled by the detection models' box coders.
    trace_realworld._import_libraries.keep.define("box_iou_rotated(Tensor boxes1, Tensor boxes2) -> Tensor")
    torch.set_num_threads(1)
    roots = tuple(os.path.realpath(os.path.dirname(m.__file__)) + os.sep for m in (torchvision, timm))
    library, _, model_name = name.partition(":")
    record = {"model": name, "roots": roots}
    try:
        model, kind, _ = trace_realworld.build(torch, torchvision, timm, library, model_name)
    except Exception as error:
        record.update(status="unbuilt", detail=f"{type(error).__name__}: {error}"[:300])
        print(json.dumps(record))
        return
    record["kind"] = kind
    record["classes"] = _module_classes(model, roots)
    record["spans"] = trace_realworld._classes(model)
    try:
        torch.jit.script(model)
        record["status"] = "ok"
    except Exception as error:
        record["status"] = "fail"
        record["error"] = f"{type(error).__name__}: {error}"[:6000]
    record["functions"] = _compiled_functions(torch, roots)
    print(json.dumps(record))


def _models() -> List[str]:
    sys.path.insert(0, str(BENCH))
    import trace_realworld

    return [f"torchvision:{n}" for n in trace_realworld.TORCHVISION] + [f"timm:{n}" for n in trace_realworld.TIMM]


def collect(output: str, only, memory_gb: float, seconds: int) -> None:
    sys.path.insert(0, str(BENCH))
    import trace_realworld

    def describe(record):
        return record["model"], record["status"], (record.get("error") or "").splitlines()[:1]

    trace_realworld.collect_models(__file__, _models(), output, only, memory_gb, seconds, describe, keep_others=True)


# --- score (tslint, no torch) --------------------------------------------------------------------------


def torch_line(error: str, roots: Sequence[str]):
    """torch's highlighted span in library code: its first frame when that lies under a root, else the
    first frame that does (torch failed in its own code, called from the library); None when no frame
    is in library code."""
    from tslint.confirm.torch_errors import first_span

    span = first_span(error)
    if span is not None and span.path.startswith(tuple(roots)):
        return span
    for root in roots:
        span = first_span(error, within=root)
        if span is not None:
            return span
    return None


def is_type_check_error(finding) -> bool:
    """An error-level finding of the script rules TS100-TS399 (what a false positive is counted on)."""
    from tslint.findings import Severity

    code = finding.code
    return (
        finding.severity is Severity.ERROR and code[:2] == "TS" and code[2:].isdigit() and 100 <= int(code[2:]) <= 399
    )


def score_records(
    records: Iterable[dict],
    roots: Sequence[str],
    findings: Sequence,
    compiled_symbols: Dict[str, set],
) -> dict:
    """The figures from torch's records and tslint's findings (objects with code, severity, filename,
    location.row, symbol, message). `compiled_symbols`: model class name -> {(path, symbol)} of the
    functions tslint's compiled scope reaches from it."""
    errors = [d for d in findings if is_type_check_error(d)]
    by_line: Dict[Tuple[str, int], list] = {}
    for d in errors:
        by_line.setdefault((os.path.realpath(d.filename), d.location.row), []).append(d)
    failing, flagged, missed, unlocated, scripting, noisy = [], [], [], [], [], {}
    for record in records:
        if record["status"] == "fail":
            failing.append(record["model"])
            span = torch_line(record["error"], roots)
            if span is None:
                unlocated.append(record["model"])
                continue
            hits = [d for row in range(span.first_row, span.last_row + 1) for d in by_line.get((span.path, row), ())]
            (flagged if hits else missed).append((record["model"], f"{span.path}:{span.first_row}"))
        elif record["status"] == "ok":
            scripting.append(record["model"])
            compiled = set()
            for name, _ in record.get("classes", ()):
                compiled |= compiled_symbols.get(name, set())
            spans = [(os.path.realpath(p), a, b) for p, a, b, _ in record.get("functions", ())]
            for d in errors:
                path = os.path.realpath(d.filename)
                if (path, d.symbol) in compiled or any(p == path and a <= d.location.row <= b for p, a, b in spans):
                    key = (path, d.location.row, d.code, d.message)
                    noisy.setdefault(key, []).append(record["model"])
    return {
        "models": len(list(failing)) + len(scripting),
        "scripting": scripting,
        "failing": failing,
        "flagged": flagged,
        "missed": missed,
        "unlocated": unlocated,
        "false_positives": noisy,
    }


def score(truth_path: str, verbose: bool, tslint_root: str) -> None:
    sys.path.insert(0, tslint_root)
    from tslint.api import lint_sources, project_index
    from tslint.compiled_scope import CompiledScope
    from tslint.config import Config
    from tslint.files import discover

    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    roots = truth["roots"]
    sources = discover(list(roots), None, ())
    result = lint_sources(sources, Config(mode="script"), jobs=1)
    index = project_index(sources)
    compiled_symbols: Dict[str, set] = {}
    for record in truth["models"]:
        for name, _ in record.get("classes", ()):
            if name not in compiled_symbols:
                compiled_symbols[name] = (
                    {
                        (os.path.realpath(f.info.path), f.info.symbol)
                        for f in CompiledScope(index, roots=[name]).functions()
                    }
                    if name in index.classes
                    else set()
                )
    figures = score_records(truth["models"], roots, result.diagnostics, compiled_symbols)
    built = figures["models"]
    print(
        f"models built: {built} (of {len(truth['models'])} listed); script OK: {len(figures['scripting'])}, "
        f"fail: {len(figures['failing'])}"
    )
    print(
        f"failing models flagged at torch's line: {len(figures['flagged'])} of {len(figures['failing'])}"
        f" (torch's message not in library code: {len(figures['unlocated'])})"
    )
    fps = figures["false_positives"]
    print(
        f"false positives (TS1xx-TS3xx errors in code a scripting model compiles): {len(fps)} findings, "
        f"{len({m for models in fps.values() for m in models})} models"
    )
    for (path, row, code, message), models in sorted(fps.items()):
        print(
            f"  FP {_short(path, roots)}:{row} {code} {message[:150]}  [{', '.join(sorted(models)[:3])}"
            f"{' ...' if len(models) > 3 else ''}]"
        )
    for model, where in figures["missed"]:
        print(f"  missed: {model} at {_short(where, roots)}")
    if verbose:
        for model, where in figures["flagged"]:
            print(f"  flagged: {model} at {_short(where, roots)}")
        for record in truth["models"]:
            if record["status"] == "fail":
                print(f"  {record['model']}: {record['error'][:600]}")


def _short(path: str, roots: Sequence[str]) -> str:
    for root in roots:
        if path.startswith(root):
            return os.path.join(os.path.basename(root.rstrip(os.sep)), path[len(root) :])
    return path


def main() -> int:
    sys.path.insert(0, str(BENCH))
    import trace_realworld

    return trace_realworld.command_line(__doc__, collect, collect_one, score)


if __name__ == "__main__":
    sys.exit(main())
