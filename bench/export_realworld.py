"""The export rules against torch.export.export on real models (the torchvision and timm models of
bench/trace_realworld.py, built the same way, exported with the same first input).

    /tmp/tracevenv/bin/python bench/export_realworld.py collect -o /tmp/export_truth.json [--only a,b]
    python bench/export_realworld.py score /tmp/export_truth.json [--verbose]
    python bench/export_realworld.py libs [--libs kornia,e3nn] [--rerun] [--verbose]

`collect` exports each model (non-strict, torch's default; static shapes) in its own process under a
memory and time bound, and records whether it exported and, if not, torch's first message line and
the lines of library code its message and traceback name (the innermost last). `score` lints the
libraries' folders as one project with `mode = "export"` and reports: located export failures (a
failure naming a library line) with a TS5xx error finding on one of torch's lines (issue 23's target
>= 85 %), and exporting models carrying a TS5xx error finding in a class they use (target <= 2 %).

`libs` does the same on the libraries of bench/realworld.py, class by class, in its environment
(~/.cache/tslint-bench/venv): its worker builds each module class on the CPU, runs it in eager mode
on the first input that works (tensors of the shapes in realworld_worker.EXPORT_SHAPES, one per
required argument of `forward`), exports it, and records the library classes of every module the
instance holds. torch's verdicts are cached per library pin under ~/.cache/tslint-bench/export-verdicts
(`--rerun` exports again), so a re-run after a change to tslint only lints. tslint lints the
library's folder once (`mode = "export"`); a class carries the TS5xx errors of every function the
project's export scope (one CompiledScope for all classes) traces for one of the classes it holds.

A large library (diffusers: 1,187 classes, whose default configurations are full-size models) is
run with a cap: `--max-parameters N` counts each class's parameter and buffer elements on the meta
device first and records a class over N as "over cap" (neither outcome), and `--timeout` bounds
each class (a class that times out is "hang/crash", neither outcome); the cap and the timeout then
key the cached verdicts. Every record is appended to a `.partial.jsonl` as it comes, so a stopped
run resumes, and `--partial` scores the classes done so far, labelled PARTIAL with done / total.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import trace_realworld as tr  # noqa: E402
from realworld_worker import library_lines  # noqa: E402


def _export_one(torch, torchvision, timm, library, name, roots) -> dict:
    model, kind, (first, _) = tr.build(torch, torchvision, timm, library, name)
    wrapper = tr._wrapper(torch, model, kind).eval()
    record = {"model": f"{library}:{name}", "kind": kind, "classes": tr._classes(model)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.no_grad():
                wrapper(*first)
        except Exception as error:  # not an export failure: the model does not run on this input
            record["status"] = "eager-failed"
            record["detail"] = f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0][:200]}"
            return record
        try:
            torch.export.export(wrapper, first, strict=False)
            record["status"] = "exported"
        except Exception as error:
            record["status"] = "failed"
            record["detail"] = f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0][:200]}"
            record["lines"] = library_lines(error, roots)
    return record


def collect_one(name: str) -> None:
    torch, torchvision, timm = tr._import_libraries()
    torch.set_num_threads(1)
    roots = tuple(os.path.realpath(os.path.dirname(m.__file__)) + os.sep for m in (torchvision, timm))
    library, _, model = name.partition(":")
    try:
        record = _export_one(torch, torchvision, timm, library, model, roots)
    except Exception as error:
        record = {"model": name, "status": "unbuilt", "detail": f"{type(error).__name__}: {error}"[:200]}
    record["roots"] = roots
    print(json.dumps(record))


def collect(output: str, only, memory_gb: float, seconds: int) -> None:
    names = [f"torchvision:{n}" for n in tr.TORCHVISION] + [f"timm:{n}" for n in tr.TIMM]

    def describe(record):
        return record["model"], record["status"], record.get("detail", "")[:100]

    tr.collect_models(__file__, names, output, only, memory_gb, seconds, describe)


def score(truth_path: str, verbose: bool) -> None:
    sys.path.insert(0, str(tr.ROOT))
    from tslint.api import lint_sources
    from tslint.config import Config
    from tslint.files import discover
    from tslint.findings import Severity

    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    sources = discover(list(truth["roots"]), None, ())
    result = lint_sources(sources, Config(mode="export"), jobs=1)
    errors = [d for d in result.diagnostics if d.code.startswith("TS5") and d.severity is Severity.ERROR]
    flagged = {(os.path.realpath(d.filename), d.location.row) for d in errors}
    by_file: dict = {}
    for d in errors:
        by_file.setdefault(os.path.realpath(d.filename), []).append(d)

    def in_classes(record):
        return [
            d
            for path, start, end in record["classes"].values()
            for d in by_file.get(path, ())
            if start <= d.location.row <= end
        ]

    failed = [m for m in truth["models"] if m["status"] == "failed"]
    located = [m for m in failed if m["lines"]]
    hit = [m for m in located if any(tuple(line) in flagged for line in m["lines"])]
    exported = [m for m in truth["models"] if m["status"] == "exported"]
    noisy = [m for m in exported if in_classes(m)]
    print(f"models listed: {len(truth['models'])}, exported: {len(exported)}, failed: {len(failed)}")
    print(
        f"located export failures (a library line named): {len(located)}, flagged at one of torch's lines by a "
        f"TS5xx error: {len(hit)} ({100 * len(hit) / max(len(located), 1):.0f} %)"
    )
    print(
        f"exporting models with a TS5xx error in a class they use: {len(noisy)} "
        f"({100 * len(noisy) / max(len(exported), 1):.0f} %)"
    )
    if verbose:
        for m in failed:
            state = "flagged" if m in hit else "located, missed" if m in located else "unlocated"
            lines = ", ".join(f"{Path(p).name}:{n}" for p, n in m["lines"][-2:])
            print(f"  {state}: {m['model']}: {m['detail'][:100]} [{lines}]")
        for m in noisy:
            names = sorted({f"{d.code} {Path(d.filename).name}:{d.location.row}" for d in in_classes(m)})
            print(f"  exported, flagged: {m['model']}: " + ", ".join(names))


# --- the libraries of bench/realworld.py, class by class -------------------------------------------

# Part of the key of the cached export verdicts: raise it with any change to the worker's `export`
# that can change a verdict (how classes are built, which inputs are tried, how export is called).
EXPORT_WORKER_VERSION = "1"


def export_verdicts(python, name: str, timeout: float, rerun: bool, cap=None, partial: bool = False) -> dict:
    """The worker's export record of every module class of one library, cached per pin, torch and
    worker version (and `cap`, {"max_parameters", "timeout"}, when given). Each record is also
    appended, as the worker writes it, to a `.partial.jsonl` beside the cache (its first line the
    class list), from which an interrupted run resumes; with `partial`, nothing is exported: the
    records so far, {"partial": True, "total": classes listed}."""
    import hashlib
    import time

    import realworld as rw

    key = ["export", rw.LIBRARIES[name], rw.factories_of(name), rw.TORCH, EXPORT_WORKER_VERSION] + (
        [cap] if cap else []
    )
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:12]
    cached = rw.CACHE / "export-verdicts" / f"{name}-{digest}.json"
    if cached.is_file() and not rerun:
        return json.loads(cached.read_text())
    progress = cached.with_suffix(".partial.jsonl")
    classes, records = read_partial(progress) if progress.is_file() and not rerun else (None, [])
    if partial:
        return {"records": records, "partial": True, "total": len(classes or ()), "seconds": 0}
    started = time.monotonic()
    cached.parent.mkdir(parents=True, exist_ok=True)
    if classes is None:
        classes, _ = rw.discover_classes(python, rw.LIBRARIES[name][1])
        progress.write_text(json.dumps({"classes": classes}) + "\n")
    done = {r["qualname"] for r in records}
    remaining = [q for q in classes if q not in done]
    print(f"{name}: {len(classes)} module classes, {len(remaining)} to export", file=sys.stderr)
    with progress.open("a") as log:

        def sink(record):
            log.write(json.dumps(record) + "\n")
            log.flush()

        options = {"max_parameters": cap["max_parameters"]} if cap else None
        records += rw.script_classes(python, remaining, timeout, True, "export", options, sink)
    verdicts = {"records": records, "seconds": round(time.monotonic() - started)}
    if cap:
        verdicts["cap"] = cap
    cached.write_text(json.dumps(verdicts))
    progress.unlink()
    return verdicts


def read_partial(path: Path) -> tuple:
    """The class list and the records (each class once, the last written) of a `.partial.jsonl`; a
    line cut short by a killed run is skipped."""
    classes, records = None, {}
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if "classes" in entry and classes is None:
            classes = entry["classes"]
        elif "qualname" in entry:
            records[entry["qualname"]] = entry
    return classes, list(records.values())


def class_findings(folder: Path) -> tuple:
    """Lint the library's folder in export mode: the (path, row) of every TS5xx error, and for each
    class context of the project's export scope the TS5xx errors ("code path:row") of the functions
    export traces in that context."""
    import time

    from tslint.api import lint_sources, project_index
    from tslint.compiled_scope import CompiledScope
    from tslint.config import Config
    from tslint.files import discover
    from tslint.findings import Severity

    started = time.monotonic()
    sources = discover([str(folder)], None, ())
    result = lint_sources(sources, Config(mode="export"), jobs=1)
    errors = [d for d in result.diagnostics if d.code.startswith("TS5") and d.severity is Severity.ERROR]
    flagged = {(os.path.realpath(d.filename), d.location.row) for d in errors}
    by_function: dict = {}
    for d in errors:
        by_function.setdefault((d.filename, d.symbol), []).append(
            f"{d.code} {_short(d.filename, folder)}:{d.location.row}"
        )
    scope = CompiledScope(project_index(sources), exporting=True)  # one scope: every class a root
    by_class: dict = {}
    for compiled in scope.functions():
        found = by_function.get((compiled.info.path, compiled.info.symbol))
        if found:
            for name in compiled.classes:
                by_class.setdefault(name, set()).update(found)
    return flagged, {name: sorted(found) for name, found in by_class.items()}, time.monotonic() - started


def _short(path: str, folder: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(folder.parent))
    except ValueError:
        return path


def score_classes(records: list, flagged: set, by_class: dict) -> tuple:
    """Each class's outcome beside tslint's findings, and the figures: located export failures (a
    library line named) with a TS5xx error at one of those lines, and classes that export although
    a class they hold carries a TS5xx error (a false positive)."""
    outcomes = []
    for record in records:
        status = record.get("status") or ("crashed" if record.get("crash") else "not built")
        if not record.get("built"):
            status = "not built"
        outcome = {"qualname": record["qualname"], "status": status, "detail": record.get("detail", "")}
        if status in ("exported", "failed"):
            held = set(record.get("held", ())) | {record["qualname"]}
            outcome["findings"] = sorted({f for name in held for f in by_class.get(name, ())})
        if status == "failed":
            lines = [tuple(line) for line in record.get("lines", ())]
            outcome["lines"] = [list(line) for line in lines]
            outcome["flagged"] = any((os.path.realpath(p), n) in flagged for p, n in lines)
        outcomes.append(outcome)
    failed = [o for o in outcomes if o["status"] == "failed"]
    located = [o for o in failed if o["lines"]]
    sites: dict = {}
    for o in located:  # the innermost line torch names first: the user frame export reports
        site = tuple(o["lines"][0])
        sites[site] = sites.get(site, False) or o["flagged"]
    exported = [o for o in outcomes if o["status"] == "exported"]
    counts = {
        status: sum(o["status"] == status for o in outcomes)
        for status in ("eager-failed", "no-inputs", "crashed", "too-large")
    }
    figures = {
        "classes": len(outcomes),
        "built": sum(o["status"] != "not built" for o in outcomes),
        "exported": len(exported),
        "failed": len(failed),
        "eager_failed": counts["eager-failed"],
        "no_inputs": counts["no-inputs"],
        "crashed": counts["crashed"],
        "too_large": counts["too-large"],
        "located": len(located),
        "located_flagged": sum(o["flagged"] for o in located),
        "sites": len(sites),
        "sites_flagged": sum(sites.values()),
        "false_positives": sum(bool(o["findings"]) for o in exported),
    }
    return outcomes, figures


LIB_COLUMNS = (
    ("classes", "classes"),
    ("built", "built"),
    ("exported", "export OK"),
    ("failed", "fail"),
    ("eager_failed", "eager fails"),
    ("no_inputs", "no inputs"),
    ("crashed", "hang/crash"),
    ("too_large", "over cap"),
    ("located", "located"),
    ("located_flagged", "flagged"),
    ("sites", "sites"),
    ("sites_flagged", "sites flagged"),
    ("false_positives", "export OK, TS5xx error"),
)


def lib_table(rows: dict) -> str:
    lines = ["| library | " + " | ".join(t for _, t in LIB_COLUMNS) + " |", "|" + " --- |" * (len(LIB_COLUMNS) + 1)]
    for name, figures in rows.items():
        lines.append(f"| {name} | " + " | ".join(str(figures[k]) for k, _ in LIB_COLUMNS) + " |")
    return "\n".join(lines)


def libs(names: list, timeout: float, rerun: bool, verbose: bool, cap=None, partial: bool = False) -> None:
    """Export (or read the cached verdicts), lint and score each library; `cap`: see export_verdicts;
    `partial`: score the classes an unfinished run has done so far, labelled as such."""
    import realworld as rw

    python = rw.environment(names, quiet=True)
    rows: dict = {}
    for name in names:
        folder = rw.package_folder(python, rw.LIBRARIES[name][1])
        verdicts = export_verdicts(python, name, timeout, rerun, cap, partial)
        flagged, by_class, seconds = class_findings(folder)
        label = name
        if verdicts.get("partial"):
            label = f"{name} (PARTIAL: {len(verdicts['records'])} of {verdicts['total']} classes done)"
            print(f"{label}: scoring the classes done so far", file=sys.stderr)
        outcomes, rows[label] = score_classes(verdicts["records"], flagged, by_class)
        print(f"{name}: export {verdicts['seconds']} s (cached), lint and scope {seconds:.0f} s", file=sys.stderr)
        if cap:
            print(f"{name}: cap {json.dumps(cap)}: {rows[label]['too_large']} classes over it", file=sys.stderr)
        if verbose:
            for o in outcomes:
                if o["status"] == "failed":
                    state = "flagged" if o["flagged"] else "located, missed" if o["lines"] else "unlocated"
                    where = ", ".join(f"{_short(p, folder)}:{n}" for p, n in o["lines"][:3])
                    print(f"  {state}: {o['qualname']}: {o['detail'][:110]} [{where}]")
                elif o["status"] == "exported" and o["findings"]:
                    print(f"  exported, flagged: {o['qualname']}: {', '.join(o['findings'][:6])}")
    if len(rows) > 1:
        rows["total"] = {key: sum(r[key] for r in rows.values()) for key in next(iter(rows.values()))}
    print(lib_table(rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("-o", "--output", required=True)
    c.add_argument("--only", default="")
    c.add_argument("--memory-gb", type=float, default=6)
    c.add_argument("--seconds", type=int, default=300)
    one = sub.add_parser("collect-one")
    one.add_argument("name")
    s = sub.add_parser("score")
    s.add_argument("truth")
    s.add_argument("--verbose", action="store_true")
    lib = sub.add_parser("libs")
    lib.add_argument("--libs", default="efficientnet_pytorch,torchani,e3nn,x_transformers,kornia")
    lib.add_argument("--timeout", type=float, default=120.0, help="seconds one class may take to build and export")
    lib.add_argument("--rerun", action="store_true", help="export again instead of reusing cached verdicts")
    lib.add_argument("--verbose", action="store_true")
    lib.add_argument(
        "--max-parameters",
        type=float,
        default=0,
        help="skip (as 'over cap') a class whose instance built on the meta device holds more parameter "
        "and buffer elements than this; with it, the cached verdicts are keyed by the cap and the timeout",
    )
    lib.add_argument("--partial", action="store_true", help="score an unfinished run's classes so far")
    args = parser.parse_args()
    if args.command == "libs":
        cap = {"max_parameters": int(args.max_parameters), "timeout": args.timeout} if args.max_parameters else None
        libs([n for n in args.libs.split(",") if n], args.timeout, args.rerun, args.verbose, cap, args.partial)
    elif args.command == "collect":
        collect(args.output, [n for n in args.only.split(",") if n], args.memory_gb, args.seconds)
    elif args.command == "collect-one":
        collect_one(args.name)
    else:
        score(args.truth, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
