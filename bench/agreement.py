"""tslint against real torch on torch's own modules (accuracy of the script rules).

    python bench/agreement.py [--verbose]

Lints torch/nn and torch/ao/nn of the installed torch as one project, instantiates every module
class there that constructs with no arguments (or with 1 for each required argument: nn.Linear(1, 1),
nn.Conv2d(1, 1, 1)), runs torch.jit.script on each, and prints:
  scripted OK / failing; failing classes with an error finding inside torch's highlighted span
  (agreement), failing classes flagged elsewhere or not at all (misses, listed), and scriptable
  classes with an error finding in code compiled for them (false positives, listed). For each
  located failure not flagged at torch's line: the classes that script whose compiled code holds
  that line too (the function around it), where an error finding would be a false positive.
Then a trace section: every fixture class taking one tensor is traced on ones(3, 4) and compared with
eager mode on -ones(5, 4): TracerWarning lines and divergent traces, flagged by TS4xx or missed.
A finding counts for a class when it lies in a function that the compiled-scope model says
torch.jit.script(instance) compiles for that class.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from shared_lines import sharing_classes  # noqa: E402

from tslint.api import lint_sources, project_index  # noqa: E402
from tslint.compiled_scope import CompiledScope  # noqa: E402
from tslint.config import Config  # noqa: E402
from tslint.confirm.child import trace_and_compare  # noqa: E402
from tslint.confirm.torch_errors import first_span, headline  # noqa: E402
from tslint.files import discover  # noqa: E402
from tslint.findings import Severity  # noqa: E402

FLOAT_NAMES = frozenset({"scale", "negative_slope", "alpha", "eps", "momentum", "threshold", "value"})


def instantiate(cls):
    """An instance built with no arguments, else with 1 (1.0 for a float) for every required argument
    (nn.Linear(1, 1), nn.Conv2d(1, 1, 1), nn.Threshold(1.0, 1.0), ...); None if neither works."""
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    required = [
        p
        for p in parameters
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    # 1 for each required argument, 1.0 where the signature asks for a float, or where an
    # unannotated argument is by its name a float (a quantization scale, a slope): an int there makes
    # the scripted attribute an int, which is the caller's mistake (TS335), not the class's.
    ones = [1.0 if p.annotation in (float, "float") or p.name in FLOAT_NAMES else 1 for p in required]
    for arguments in ([], ones) if required else ([],):
        if len(arguments) != len(required):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return cls(*arguments)
        except Exception:
            continue
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="also list the agreeing classes")
    parser.add_argument("--section", choices=("all", "script", "trace"), default="all", help="which half to run")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    if args.section != "trace":
        script_section(torch, args.verbose)
    if args.section != "script":
        trace_section(torch)
    return 0


def script_section(torch, verbose: bool) -> None:
    """Script every torch/nn and torch/ao/nn class that builds with default arguments."""

    torch_root = Path(torch.__file__).parent
    # The reference quantized modules call torch.ops.quantized_decomposed, operators that exist once
    # this module is imported, as the quantization flow producing those modules does. Without it,
    # torch fails on an operator missing from this process, not on the modules' code.
    importlib.import_module("torch.ao.quantization.fx._decomposed")
    folders = [str(torch_root / "nn"), str(torch_root / "ao" / "nn")]
    sources = discover(folders, None, ())
    result = lint_sources(sources, Config(), jobs=None)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR and d.code != "TS001"]
    script_findings = [d for d in result.diagnostics if d.mode.value == "script" and d.code != "TS001"]
    index = project_index(sources)

    linted = (str((torch_root / "nn").resolve()), str((torch_root / "ao" / "nn").resolve()))
    counts = {
        "ok": 0,
        "ok_flagged": 0,
        "failed": 0,
        "failed_at_line": 0,
        "failed_unlocated_flagged": 0,
        "failed_elsewhere": 0,
        "failed_missed": 0,
        "skipped": 0,
    }
    false_positives, misses, elsewhere, agreeing = [], [], [], []
    scripting = {}  # each class that scripts: the (path, symbol) of the functions compiled for it
    for qualname in sorted(index.module_classes):
        module_name, _, class_name = qualname.rpartition(".")
        if not module_name.startswith(("torch.nn", "torch.ao.nn")):
            continue
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except Exception:
            counts["skipped"] += 1
            continue
        instance = None if inspect.isabstract(cls) else instantiate(cls)
        if instance is None:
            counts["skipped"] += 1
            continue
        scope = CompiledScope(index, roots=[qualname])
        compiled = {(f.info.path, f.info.symbol) for f in scope.functions()}
        findings = [d for d in errors if (d.filename, d.symbol) in compiled]
        try:
            torch.jit.script(instance)
            error = None
        except Exception as exception:
            error = f"{type(exception).__name__}: {exception}"
        if error is None:
            counts["ok"] += 1
            scripting[qualname] = compiled
            if findings:
                counts["ok_flagged"] += 1
                false_positives.append((qualname, findings))
            continue
        counts["failed"] += 1
        span = first_span(error)
        if span is not None and not span.path.startswith(linted):
            # torch failed inside code outside the corpus: its call site in the corpus is the line
            # (the same rule as the test suite's fixture check).
            span = (
                first_span(error, within=str(torch_root / "nn"))
                or first_span(error, within=str(torch_root / "ao" / "nn"))
                or span
            )
        if span is None and any((d.filename, d.symbol) in compiled for d in script_findings):
            # torch names no line (a lazy module, an internal assert): a finding in the class counts.
            counts["failed_unlocated_flagged"] += 1
            agreeing.append((qualname, span))
        elif span is not None and any(span.contains(d.filename, d.location.row) for d in findings):
            counts["failed_at_line"] += 1
            agreeing.append((qualname, span))
        elif findings:
            counts["failed_elsewhere"] += 1
            elsewhere.append((qualname, span, headline(error.split(": ", 1)[-1]), findings))
        else:
            counts["failed_missed"] += 1
            misses.append((qualname, span, headline(error.split(": ", 1)[-1])))

    print(f"torch {torch.__version__}; {len(sources)} files under torch/nn and torch/ao/nn")
    print(f"module classes instantiated: {counts['ok'] + counts['failed']} ({counts['skipped']} could not be built)")
    print(f"  scripted OK:                           {counts['ok']}")
    print(f"    ... with an error finding (false +): {counts['ok_flagged']}")
    print(f"  failing in torch.jit.script:           {counts['failed']}")
    print(f"    ... flagged at torch's line:         {counts['failed_at_line']}")
    print(f"    ... no location in torch, flagged:   {counts['failed_unlocated_flagged']}")
    print(f"    ... flagged, but not at torch's line:{counts['failed_elsewhere']}")
    print(f"    ... not flagged (missed):            {counts['failed_missed']}")

    def where(span):
        return f"{Path(span.path).relative_to(torch_root.parent)}:{span.first_row}" if span else "no location"

    if false_positives:
        print("\nfalse positives:")
        for qualname, findings in false_positives:
            for d in findings:
                print(f"  {qualname}: {d.code} at {Path(d.filename).name}:{d.location.row} {d.message}")
    shared = {qualname: sharing_classes(span, scripting) for qualname, span, *_ in elsewhere + misses}
    located = counts["failed_at_line"] + sum(1 for _, span, *_ in elsewhere + misses if span is not None)
    print(f"  located failures (torch names a line): {located}")
    print(f"    ... at torch's line:                 {counts['failed_at_line']}")
    print(f"    ... on a line classes that script compile too: {sum(1 for found in shared.values() if found)}")
    if elsewhere:
        print("\nflagged, but torch failed first elsewhere:")
        for qualname, span, message, _findings in elsewhere:
            print(f"  {qualname}: torch at {where(span)}: {message[:90]}{also(shared[qualname])}")
    if misses:
        print("\nmissed (torch's first error):")
        for qualname, span, message in misses:
            print(f"  {qualname}: {where(span)}: {message[:100]}{also(shared[qualname])}")
    if verbose and agreeing:
        print("\nagreeing:")
        for qualname, span in agreeing:
            print(f"  {qualname}: {where(span)}")


def also(classes: list) -> str:
    if not classes:
        return ""
    shown = ", ".join(name.rpartition(".")[2] for name in classes[:4])
    return f" [line compiled too for {len(classes)} that script: {shown}{', ...' if len(classes) > 4 else ''}]"


@contextlib.contextmanager
def quiet_stdout():
    """Silence the fixtures' print() calls, including TorchScript's, which write to fd 1 directly."""
    import os

    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()  # Python-level prints still in the buffer go to /dev/null too
            os.dup2(saved, 1)
            os.close(saved)


@contextlib.contextmanager
def functions_run(folder: Path):
    """The (file, tslint symbol) of each Python function under `folder` called inside the block."""
    ran: set = set()
    prefix = str(folder.resolve())
    seen: dict = {}

    def profile(frame, event, arg) -> None:
        if event != "call":
            return
        code = frame.f_code
        key = seen.get(code)
        if key is None:
            parts = code.co_qualname.split(".")
            symbol = ".".join(parts[-2:]) if len(parts) > 1 and parts[-2] != "<locals>" else parts[-1]
            key = seen[code] = (Path(code.co_filename).resolve(), symbol) if code.co_filename.startswith(prefix) else ()
        if key:
            ran.add(key)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield ran
    finally:
        sys.setprofile(previous)


def trace_section(torch) -> None:
    """Trace every fixture module class that takes one tensor, on ones(3, 4), and compare with eager
    mode on -ones(5, 4) (both in eval mode): TracerWarning lines and divergent classes, flagged or not."""
    import importlib.util

    fixtures = ROOT / "fixtures"
    sys.path.insert(0, str(fixtures))
    sources = discover([str(fixtures)], None, ())
    result = lint_sources(sources, Config(), jobs=1)
    findings = [d for d in result.diagnostics if d.code.startswith("TS4")]
    index = project_index(sources)
    counts = {
        "classes": 0,
        "warnings": 0,
        "warnings_flagged": 0,
        "diverged": 0,
        "diverged_flagged": 0,
        "quiet_flagged": 0,
    }
    missed = []
    left_out = []
    for qualname in sorted(index.module_classes):
        info = index.classes[qualname]
        path = Path(info.path).resolve()
        if path.name == "trace_mode.py":
            # TS412's models: traced here as built (training mode) they diverge by design, and the
            # hazard is reported at the trace calls of that file, not in the classes.
            left_out.append(qualname)
            continue
        spec = importlib.util.spec_from_file_location(f"_agreement_{qualname.replace('.', '_')}", path)
        try:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            model = getattr(module, info.name)()
        except Exception:
            continue
        traced_functions = {
            (Path(f.info.path).resolve(), f.info.symbol)
            for f in CompiledScope(index, roots=[qualname], tracing=True).functions()
        }
        second = getattr(module, "SECOND_CALL", {}).get(info.name, lambda: ((-torch.ones(5, 4),), {}))()
        torch.manual_seed(0)
        try:
            with quiet_stdout(), functions_run(fixtures) as ran:
                outcome = trace_and_compare(torch, model, ((torch.ones(3, 4),), {}), [second])
        except Exception:
            continue
        # A finding counts for the class when its function is in the class's static trace scope or
        # ran while tracing it (a block held in a container the static closure does not follow).
        traced_functions |= ran
        mine = [d for d in findings if (Path(d.filename).resolve(), d.symbol) in traced_functions]
        if outcome.invalid:
            continue  # eager mode itself fails on a second call: nothing to compare
        counts["classes"] += 1
        lines = {line for where, line in outcome.warnings if Path(where) == path}
        flagged_lines = {d.location.row for d in mine if Path(d.filename).resolve() == path}
        counts["warnings"] += len(lines)
        counts["warnings_flagged"] += len(lines & flagged_lines)
        missed.extend(f"{info.path}:{line} (TracerWarning)" for line in sorted(lines - flagged_lines))
        if outcome.diverged or outcome.wrong_output:
            counts["diverged"] += 1
            counts["diverged_flagged"] += bool(mine)
            if not mine:
                missed.append(f"{qualname} (diverges from eager mode)")
        elif mine and not lines:
            counts["quiet_flagged"] += 1
    print(
        f"\ntrace: {counts['classes']} fixture classes traced on ones(3, 4), compared on -ones(5, 4) or the "
        f"fixture's SECOND_CALL"
    )
    print(
        f"  TracerWarning lines:        {counts['warnings']}, flagged by a TS4xx finding: {counts['warnings_flagged']}"
    )
    print(
        f"  traces that diverge:        {counts['diverged']}, in classes with a TS4xx finding: "
        f"{counts['diverged_flagged']}"
    )
    print(f"  classes with a TS4xx finding that neither warned nor diverged here: {counts['quiet_flagged']}")
    print(f"  left out (TS412 fixtures, flagged at their trace calls): {', '.join(left_out) or 'none'}")
    for item in missed:
        print(f"  missed: {item}")


if __name__ == "__main__":
    sys.exit(main())
