"""The fix bench: `tslint --fix --unsafe-fixes` on a copy of each real-world library.

    python bench/fixes.py [--libs efficientnet_pytorch,e3nn] [--json] [--timeout 60]

Uses the environment of bench/realworld.py (~/.cache/tslint-bench, the same pinned libraries). For
each library: copies its source folder, lints the copy (all rules), applies every fix (safe and
unsafe, the engine of `--fix`: rounds until stable) and writes the fixed files into the copy. Then:
  - every fixed file must parse (Python's `ast` and libcst);
  - every module of a fixed file is imported in the bench's Python, from the original and from the
    copy: a module that imported before and not after is a regression;
  - every module class defined in a fixed file is scripted with torch.jit.script (the worker of
    bench/realworld.py), from the original and from the copy: classes that failed before and script
    after, and classes that scripted before and fail after (regressions).
Reports per library: findings before, fixes applied (per code), findings after, files changed.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import libcst as cst  # noqa: E402
from realworld import LIBRARIES, environment, package_folder, script_classes  # noqa: E402

from tslint import fixing  # noqa: E402
from tslint.api import lint_sources  # noqa: E402
from tslint.config import Config  # noqa: E402
from tslint.files import discover  # noqa: E402

CONFIG = Config(select=("TS", "TS404"))
IMPORT_CHECK = (
    "import importlib, json, sys\n"
    "result = {}\n"
    "for name in json.loads(sys.argv[1]):\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "        result[name] = None\n"
    "    except BaseException as error:\n"
    "        result[name] = f'{type(error).__name__}: {error}'[:200]\n"
    "print(json.dumps(result))\n"
)


def _module_name(path: Path, top: Path, package: str) -> str:
    parts = list(path.relative_to(top).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def _run_python(python: Path, code: str, argument: str, pythonpath: Optional[Path]) -> dict:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    else:
        env.pop("PYTHONPATH", None)
    done = subprocess.run([str(python), "-c", code, argument], capture_output=True, text=True, env=env, timeout=1800)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def _scripted(python: Path, classes: List[str], timeout: float, pythonpath: Optional[Path]) -> Dict[str, str]:
    """ok | failed | not built | crashed, per class, from the realworld worker."""
    saved = os.environ.get("PYTHONPATH")
    if pythonpath is not None:
        os.environ["PYTHONPATH"] = str(pythonpath)
    else:
        os.environ.pop("PYTHONPATH", None)
    try:
        records = script_classes(python, classes, timeout, progress=False) if classes else []
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    verdicts = {}
    for record in records:
        if record.get("crash"):
            verdicts[record["qualname"]] = "crashed"
        elif not record.get("built"):
            verdicts[record["qualname"]] = "not built"
        else:
            verdicts[record["qualname"]] = "ok" if record.get("error") is None else "failed"
    return verdicts


def _classes_in(paths: List[Path], top: Path, package: str) -> List[str]:
    """Qualified names of the classes defined at the top level of `paths` (the worker builds only module
    classes; it reports the others as not built)."""
    names = []
    for path in paths:
        module = _module_name(path, top, package)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names.extend(f"{module}.{node.name}" for node in tree.body if isinstance(node, ast.ClassDef))
    return names


def bench_library(name: str, python: Path, workdir: Path, timeout: float) -> dict:
    package = LIBRARIES[name][1]
    original = package_folder(python, package)
    copy_root = workdir / name
    copy = copy_root / package
    shutil.copytree(original, copy, ignore=shutil.ignore_patterns("__pycache__"))
    where = _run_python(
        python, f"import json, {package}; print(json.dumps({{'file': {package}.__file__}}))", "", copy_root
    )
    assert str(where.get("file", "")).startswith(str(copy)), f"the copy of {package} is not what imports: {where}"
    started = time.monotonic()
    sources = discover([str(copy)], None, ())
    contents = {s.display: s.path.read_bytes() for s in sources}
    before = lint_sources(sources, CONFIG)
    outcome = fixing.fix_files(
        contents, lambda buffers, only: lint_sources(sources, CONFIG, buffers=buffers, only=only), True
    )
    seconds = time.monotonic() - started
    changed = outcome.changed()
    for fixed in changed:
        Path(fixed.filename).write_bytes(fixed.fixed)
    unparsable = []
    for fixed in changed:
        text = Path(fixed.filename).read_text(encoding="utf-8")
        try:
            ast.parse(text)
            cst.parse_module(text)
        except Exception as error:  # a bench records, never stops
            unparsable.append(f"{fixed.filename}: {type(error).__name__}")
    paths = [Path(f.filename) for f in changed]
    modules = [_module_name(p, copy, package) for p in paths]
    imports_before = _run_python(python, IMPORT_CHECK, json.dumps(modules), None)
    imports_after = _run_python(python, IMPORT_CHECK, json.dumps(modules), copy_root)
    classes = _classes_in(paths, copy, package)
    scripted_before = _scripted(python, classes, timeout, None)
    scripted_after = _scripted(python, classes, timeout, copy_root)
    codes = Counter()
    for fixed in changed:
        codes.update(dict(fixed.fixed_codes))
    return {
        "library": name,
        "files": before.files,
        "findings_before": len(before.diagnostics),
        "with_fix": sum(1 for d in before.diagnostics if fixing.applicable(d.fix, True)),
        "fixed": outcome.fixed_count,
        "fixed_by_code": dict(sorted(codes.items())),
        "findings_after": len(outcome.result.diagnostics),
        "files_changed": len(changed),
        "files_left_unfixed": [f"{f.filename}: {f.error}" for f in outcome.files if f.error],
        "rounds": outcome.rounds,
        "fix_seconds": round(seconds, 1),
        "unparsable": unparsable,
        "modules_imported_before": sum(1 for m in modules if imports_before.get(m, "?") is None),
        "modules_imported_after": sum(1 for m in modules if imports_after.get(m, "?") is None),
        "import_regressions": [
            m for m in modules if imports_before.get(m, "?") is None and imports_after.get(m, "?") is not None
        ],
        "classes_in_fixed_files": len(classes),
        "scripted_before": sum(1 for c in classes if scripted_before.get(c) == "ok"),
        "scripted_after": sum(1 for c in classes if scripted_after.get(c) == "ok"),
        "now_script": sorted(
            c for c in classes if scripted_before.get(c) == "failed" and scripted_after.get(c) == "ok"
        ),
        "script_regressions": sorted(
            c for c in classes if scripted_before.get(c) == "ok" and scripted_after.get(c) != "ok"
        ),
    }


def _table(rows: List[dict]) -> str:
    head = (
        "| library | findings | with a fix | fixed | after | files changed | parse | imports before/after "
        "| classes in fixed files: script before/after | now script | regressions |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        regressions = len(r["import_regressions"]) + len(r["script_regressions"])
        lines.append(
            f"| {r['library']} | {r['findings_before']} | {r['with_fix']} | {r['fixed']} | {r['findings_after']} "
            f"| {r['files_changed']} | {r['files_changed'] - len(r['unparsable'])}/{r['files_changed']} "
            f"| {r['modules_imported_before']}/{r['modules_imported_after']} "
            f"| {r['classes_in_fixed_files']}: {r['scripted_before']}/{r['scripted_after']} | {len(r['now_script'])} "
            f"| {regressions} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--libs", default=",".join(LIBRARIES), help="comma-separated library names")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per class for torch.jit.script")
    args = parser.parse_args()
    names = [n.strip() for n in args.libs.split(",") if n.strip()]
    unknown = [n for n in names if n not in LIBRARIES]
    if unknown:
        parser.error(f"unknown libraries: {', '.join(unknown)}")
    python = environment(names, quiet=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="tslint-fix-bench-") as folder:
        for name in names:
            row = bench_library(name, python, Path(folder), args.timeout)
            rows.append(row)
            # Each library's row as soon as it is done (a long run stopped midway keeps what it has).
            print(
                f"{name}: {row['fixed']} fixed of {row['findings_before']} findings; row: {json.dumps(row)}",
                file=sys.stderr,
                flush=True,
            )
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(_table(rows))
        for row in rows:
            print(
                f"\n{row['library']}: fixed by code {row['fixed_by_code']}; rounds {row['rounds']}; "
                f"fix time {row['fix_seconds']} s; now script: {', '.join(row['now_script']) or 'none'}; "
                f"unparsable: {row['unparsable'] or 'none'}; left unfixed: {row['files_left_unfixed'] or 'none'}; "
                f"import regressions: {row['import_regressions'] or 'none'}; "
                f"script regressions: {row['script_regressions'] or 'none'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
