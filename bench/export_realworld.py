"""The export rules against torch.export.export on real models (the torchvision and timm models of
bench/trace_realworld.py, built the same way, exported with the same first input).

    /tmp/tracevenv/bin/python bench/export_realworld.py collect -o /tmp/export_truth.json [--only a,b]
    python bench/export_realworld.py score /tmp/export_truth.json [--verbose]

`collect` exports each model (non-strict, torch's default; static shapes) in its own process under a
memory and time bound, and records whether it exported and, if not, torch's first message line and
the lines of library code its message and traceback name (the innermost last). `score` lints the
libraries' folders as one project with `mode = "export"` and reports: located export failures (a
failure naming a library line) with a TS5xx error finding on one of torch's lines (issue 23's target
>= 85 %), and exporting models carrying a TS5xx error finding in a class they use (target <= 2 %).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import trace_realworld as tr  # noqa: E402


def _named_lines(error: BaseException, roots) -> list:
    text = str(error)
    found = [(p, int(n)) for p, n in re.findall(r'File "([^"]+)", line (\d+)', text)]
    found += [(p, int(n)) for p, n in re.findall(r"(/[^\s:\"']+\.py):(\d+)", text)]
    found += [(f.filename, f.lineno) for f in traceback.extract_tb(error.__traceback__) if f.lineno]
    lines = []
    for path, row in found:
        key = [os.path.realpath(path), row]
        if key[0].startswith(roots) and key not in lines:
            lines.append(key)
    return lines


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
            record["lines"] = _named_lines(error, roots)
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
    import resource
    import subprocess

    def limit():
        limit_bytes = int(memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    records, roots = [], None
    for name in [f"torchvision:{n}" for n in tr.TORCHVISION] + [f"timm:{n}" for n in tr.TIMM]:
        if only and name not in only:
            continue
        try:
            done = subprocess.run(
                [sys.executable, __file__, "collect-one", name],
                capture_output=True,
                text=True,
                timeout=seconds,
                preexec_fn=limit,
            )
            record = json.loads(done.stdout.strip().splitlines()[-1])
            roots = record.pop("roots")
        except subprocess.TimeoutExpired:
            record = {"model": name, "status": "unbuilt", "detail": f"over {seconds} s"}
        except (ValueError, IndexError):
            record = {"model": name, "status": "unbuilt", "detail": f"exit {done.returncode}: {done.stderr[-200:]}"}
        print(record["model"], record["status"], record.get("detail", "")[:100], file=sys.stderr, flush=True)
        records.append(record)
        Path(output).write_text(json.dumps({"roots": roots, "models": records}, indent=1), encoding="utf-8")


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
    args = parser.parse_args()
    if args.command == "collect":
        collect(args.output, [n for n in args.only.split(",") if n], args.memory_gb, args.seconds)
    elif args.command == "collect-one":
        collect_one(args.name)
    else:
        score(args.truth, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
