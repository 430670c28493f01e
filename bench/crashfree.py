"""Lint every .py file of the standard library and of every installed site-package, in one run.

    python bench/crashfree.py [-j N] [FOLDER ...]

Prints the files linted, the TS001 findings (syntax the parser rejects is fine: test data, Python 2
files, templates), the other findings, and the internal errors, which must be 0. Exits 1 if any
internal error happened. Every file is passed explicitly, so no default exclude hides one.
"""

from __future__ import annotations

import argparse
import os
import sys
import sysconfig
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tslint.config import Config  # noqa: E402
from tslint.api import lint_sources  # noqa: E402
from tslint.files import SourceFile  # noqa: E402


def python_files(folders):
    seen = set()
    for folder in folders:
        for directory, subfolders, files in os.walk(folder):
            subfolders.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    path = Path(directory, name)
                    real = os.path.realpath(path)
                    if real not in seen and path.is_file():
                        seen.add(real)
                        yield SourceFile(path, str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    paths = sysconfig.get_paths()
    folders = args.folders or sorted({paths["stdlib"], paths["purelib"], paths["platlib"]})
    sources = list(python_files(folders))
    print(f"folders: {', '.join(folders)}")
    print(f"files: {len(sources)}", flush=True)
    start = time.perf_counter()
    result = lint_sources(sources, Config(), jobs=args.jobs)
    elapsed = time.perf_counter() - start
    codes = Counter(d.code for d in result.diagnostics)
    unparsable = codes.pop("TS001", 0)
    print(f"linted {result.files} files in {elapsed:.0f} s with {args.jobs} workers")
    print(f"TS001 (unreadable, unparsable or too large): {unparsable}")
    print(f"other findings: {sum(codes.values())} ({', '.join(f'{c} {n}' for c, n in sorted(codes.items()))})")
    print(f"internal errors: {result.internal_errors}")
    for error in result.errors[:50]:
        print(f"  {error.filename}: {error.message}")
    return 1 if result.internal_errors else 0


if __name__ == "__main__":
    sys.exit(main())
