"""tslint against real torch on torch's own modules (accuracy of the script rules).

    python bench/agreement.py [--verbose]

Lints torch/nn and torch/ao/nn of the installed torch as one project, instantiates every module
class there that constructs with no arguments (or with 1 for each required argument: nn.Linear(1, 1),
nn.Conv2d(1, 1, 1)), runs torch.jit.script on each, and prints:
  scripted OK / failing; failing classes with an error finding inside torch's highlighted span
  (agreement), failing classes flagged elsewhere or not at all (misses, listed), and scriptable
  classes with an error finding in code compiled for them (false positives, listed).
A finding counts for a class when it lies in a function that the compiled-scope model says
torch.jit.script(instance) compiles for that class.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tslint.compiled_scope import CompiledScope  # noqa: E402
from tslint.config import Config  # noqa: E402
from tslint.engine import index_source, lint_sources, read_source  # noqa: E402
from tslint.files import discover  # noqa: E402
from tslint.ftypes import Severity  # noqa: E402
from tslint.project_index import ProjectIndex  # noqa: E402
from tslint.torch_errors import first_span, headline  # noqa: E402


def instantiate(cls):
    """An instance built with no arguments, else with 1 for every required argument (nn.Linear(1, 1),
    nn.Conv2d(1, 1, 1), ...); None if neither works."""
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    required = [
        p for p in parameters
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    for arguments in ([], [1] * len(required)) if required else ([],):
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
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    torch_root = Path(torch.__file__).parent
    folders = [str(torch_root / "nn"), str(torch_root / "ao" / "nn")]
    sources = discover(folders, None, ())
    result = lint_sources(sources, Config(), jobs=None)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR and d.code != "TS001"]
    summaries = []
    for source in sources:
        data, _ = read_source(source)
        if data is not None:
            summaries.append(index_source(source, data).index)
    index = ProjectIndex(s for s in summaries if s is not None)

    counts = {"ok": 0, "ok_flagged": 0, "failed": 0, "failed_at_line": 0, "failed_elsewhere": 0, "failed_missed": 0, "skipped": 0}
    false_positives, misses, elsewhere, agreeing = [], [], [], []
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
        compiled = {(f.function.path, f.function.symbol) for f in scope.functions()}
        findings = [d for d in errors if (d.filename, d.symbol) in compiled]
        try:
            torch.jit.script(instance)
            error = None
        except Exception as exception:
            error = f"{type(exception).__name__}: {exception}"
        if error is None:
            counts["ok"] += 1
            if findings:
                counts["ok_flagged"] += 1
                false_positives.append((qualname, findings))
            continue
        counts["failed"] += 1
        span = first_span(error)
        if span is not None and any(span.contains(d.filename, d.location.row) for d in findings):
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
    print(f"    ... flagged, but not at torch's line:{counts['failed_elsewhere']}")
    print(f"    ... not flagged (missed):            {counts['failed_missed']}")

    def where(span):
        return f"{Path(span.path).relative_to(torch_root.parent)}:{span.first_row}" if span else "no location"

    if false_positives:
        print("\nfalse positives:")
        for qualname, findings in false_positives:
            for d in findings:
                print(f"  {qualname}: {d.code} at {Path(d.filename).name}:{d.location.row} {d.message}")
    if elsewhere:
        print("\nflagged, but torch failed first elsewhere:")
        for qualname, span, message, findings in elsewhere:
            print(f"  {qualname}: torch at {where(span)}: {message[:90]}")
    if misses:
        print("\nmissed (torch's first error):")
        for qualname, span, message in misses:
            print(f"  {qualname}: {where(span)}: {message[:100]}")
    if args.verbose and agreeing:
        print("\nagreeing:")
        for qualname, span in agreeing:
            print(f"  {qualname}: {where(span)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
