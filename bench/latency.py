"""Wall time of one-file runs, as pre-commit, an editor or a user at the prompt meets them (issues 19, 20).

    python bench/latency.py [--repeat N] [--package PATH] [--compare OTHER_CHECKOUT ...]

Each measure is the median of --repeat runs of `python -m tslint ...` in a new process (the LSP measure
excepted), with the load average printed before and after: the machine is shared. The variants of one
measure run interleaved, so that the machine's drift does not decide between them. With --compare, the
same runs are made with each other checkout's tslint (its folder goes first on PYTHONPATH), each in its
own copy of the files (its own .tslint_cache), interleaved with this checkout's: before/after figures
from one run of the bench.

Measures (targets: issue 19 "one small file <= 0.3 s", issue 20 "warm <= 0.5 s", "cold <= the package"):
  floor                python -c pass; python -c "import libcst" (what any parsing run pays first)
  small file, alone    fixtures/signatures.py copied into a folder of its own: --no-cache; warm
                       (the cache holds this very run); edited (the file changes before each run)
  small file, fixtures fixtures/signatures.py in a copy of the fixtures folder, whose other files are
                       its context: the same three
  package file         the file of median size of a copy of PACKAGE (torch/nn by default) as a
                       top-level package, the rest of the package its context: cold (no .tslint_cache),
                       --no-cache PACKAGE (the whole package), warm, edited
  stdin                that file's text on stdin with --stdin-filename: warm, edited
  LSP                  tslint.lsp.context.lint_buffer on that file with its context loaded, in this
                       process: one keystroke that changes the file's index (a new statement)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
NOTES: List[str] = []  # runs that did not exit 0, each told once


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


class Checkout:
    """One tslint to time: its source folder, and its own copies of the files it lints."""

    def __init__(self, code: Path, work: Path, package: Optional[Path]) -> None:
        self.code = code
        self.name = "this checkout" if code == ROOT else str(code)
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: bytecode
        self.env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [os.environ.get("PYTHONPATH")])])
        self.alone = work / "alone"
        self.alone.mkdir(parents=True)
        shutil.copy(ROOT / "fixtures" / "signatures.py", self.alone / "signatures.py")
        self.fixtures = work / "fixtures-copy"
        shutil.copytree(ROOT / "fixtures", self.fixtures / "fixtures", ignore=shutil.ignore_patterns("__pycache__"))
        self.package = None
        if package is not None:
            self.package = work / "package"
            shutil.copytree(package, self.package / package.name, ignore=shutil.ignore_patterns("__pycache__"))

    def run(self, cwd: Path, *args: str, stdin: Optional[bytes] = None) -> None:
        completed = subprocess.run(
            [sys.executable, "-m", "tslint", "--exit-zero", "-q", "-j", "1", *args],
            cwd=cwd,
            env=self.env,
            input=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if completed.returncode != 0:  # exit 2: an internal error in some file; the run is timed all the same
            lines = completed.stderr.decode(errors="replace").strip().splitlines()
            note = f"{self.name}: exit {completed.returncode} for {' '.join(args)}: {lines[-1] if lines else ''}"
            if note not in NOTES:
                NOTES.append(note)
                print(f"note: {note}", file=sys.stderr)


def median_of(
    repeat: int, actions: Sequence[Callable[[], None]], before: Optional[Callable[[], None]] = None
) -> List[float]:
    """The median wall time of each action, run in turn `repeat` times (`before` runs untimed before each)."""
    times: List[List[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, found in zip(actions, times):
            if before is not None:
                before()
            start = time.perf_counter()
            action()
            found.append(time.perf_counter() - start)
    return [statistics.median(found) for found in times]


class Edits:
    """Changes a file before each run (a new comment), so that the cache never holds the run."""

    def __init__(self, path: Path) -> None:
        self.path, self.original, self.count = path, path.read_bytes(), 0

    def __call__(self) -> None:
        self.count += 1
        self.path.write_bytes(self.original + f"\n# edit {self.count} {time.time_ns()}\n".encode())

    def restore(self) -> None:
        self.path.write_bytes(self.original)


def report(title: str, checkouts: Sequence[Checkout], rows: Dict[str, List[float]]) -> None:
    print(f"{title}   ({load()})")
    for label, values in rows.items():
        shown = "   ".join(f"{value:6.3f} s" for value in values)
        print(f"  {label:44s} {shown}")


def measure(checkouts: Sequence[Checkout], repeat: int, cold_repeat: int) -> None:
    names = "   ".join(c.name for c in checkouts)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {repeat} (cold package: {cold_repeat}); "
        f"columns: {names}"
    )
    floor = median_of(
        repeat,
        [
            lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
            lambda: subprocess.run([sys.executable, "-c", "import libcst"], check=True),
        ],
    )
    print(f"floor: python -c pass {floor[0]:.3f} s, python -c 'import libcst' {floor[1]:.3f} s   ({load()})")
    for checkout in checkouts:  # bytecode, the cache key, the cache of each copy
        checkout.run(checkout.alone, "signatures.py")
        checkout.run(checkout.fixtures, "fixtures/signatures.py")
    for title, folder, target in (
        ("small file, alone", "alone", "signatures.py"),
        ("small file, fixtures as context", "fixtures", "fixtures/signatures.py"),
    ):
        rows = {
            "--no-cache": median_of(
                repeat,
                [
                    lambda c=c, folder=folder, target=target: c.run(getattr(c, folder), "--no-cache", target)
                    for c in checkouts
                ],
            ),
            "warm, unchanged": median_of(
                repeat, [lambda c=c, folder=folder, target=target: c.run(getattr(c, folder), target) for c in checkouts]
            ),
        }
        edits = [Edits(getattr(c, folder) / target) for c in checkouts]
        try:
            rows["warm, the file edited before each run"] = median_of(
                repeat,
                [
                    lambda c=c, e=e, folder=folder, target=target: (e(), c.run(getattr(c, folder), target))
                    for c, e in zip(checkouts, edits)
                ],
            )
        finally:
            for edit in edits:
                edit.restore()
        report(title, checkouts, rows)
    if checkouts[0].package is not None:
        package_file(checkouts, repeat, cold_repeat)


def package_file(checkouts: Sequence[Checkout], repeat: int, cold_repeat: int) -> None:
    name = next(iter(checkouts[0].package.iterdir())).name  # type: ignore[union-attr]
    files = sorted((checkouts[0].package / name).rglob("*.py"), key=lambda f: (-f.stat().st_size, str(f)))  # type: ignore[operator]
    target = str(files[len(files) // 2].relative_to(checkouts[0].package))  # type: ignore[arg-type]

    def cold(c: Checkout) -> None:
        shutil.rmtree(c.package / ".tslint_cache", ignore_errors=True)  # type: ignore[operator]
        c.run(c.package, target)  # type: ignore[arg-type]

    rows = {
        "cold (no .tslint_cache)": median_of(cold_repeat, [lambda c=c: cold(c) for c in checkouts]),
        f"the whole package, --no-cache {name}": median_of(
            cold_repeat, [lambda c=c: c.run(c.package, "--no-cache", name) for c in checkouts]
        ),
    }
    for c in checkouts:
        c.run(c.package, target)
    rows["warm, unchanged"] = median_of(repeat, [lambda c=c: c.run(c.package, target) for c in checkouts])
    edits = [Edits(c.package / target) for c in checkouts]  # type: ignore[operator]
    try:
        rows["warm, the file edited before each run"] = median_of(
            repeat, [lambda c=c, e=e: (e(), c.run(c.package, target)) for c, e in zip(checkouts, edits)]
        )
    finally:
        for edit in edits:
            edit.restore()
    text = (checkouts[0].package / target).read_bytes()  # type: ignore[operator]
    stdin = ("--stdin-filename", target)
    for c in checkouts:
        c.run(c.package, *stdin, stdin=text)
    rows["stdin, warm, unchanged"] = median_of(
        repeat, [lambda c=c: c.run(c.package, *stdin, stdin=text) for c in checkouts]
    )
    counter = iter(range(10**9))
    rows["stdin, warm, edited before each run"] = median_of(
        repeat,
        [lambda c=c: c.run(c.package, *stdin, stdin=text + f"\n# edit {next(counter)}\n".encode()) for c in checkouts],
    )
    report(f"one file of a package ({len(files)} files), the rest its context: {target}", checkouts, rows)
    lsp(checkouts[0].package / target, repeat)  # type: ignore[operator]


def lsp(path: Path, repeat: int) -> None:
    """Per keystroke in the language server (this checkout only: it runs in this process)."""
    import threading

    sys.path.insert(0, str(ROOT))
    from tslint.config import Config
    from tslint.engine.parsing import parse_source
    from tslint.files import SourceFile
    from tslint.lsp.context import Context, ScopeMemo, choose_context, lint_buffer, refresh_context

    config = Config()
    folder, files = choose_context(path, config)
    context = Context(folder)  # type: ignore[arg-type]
    refresh_context(context, files, None, threading.Event())
    text, memo = path.read_text(encoding="utf-8"), ScopeMemo()
    lint_buffer(text, str(path), config, context.entries, memo)
    keystrokes = iter(range(10**9))
    whole, parse = median_of(
        repeat,
        [
            lambda: lint_buffer(text + f"\nvalue_{next(keystrokes)} = 1\n", str(path), config, context.entries, memo),
            lambda: parse_source(SourceFile(path, str(path)), (text + "\nvalue = 1\n").encode()),
        ],
    )
    print(f"LSP, one keystroke that changes the index, {len(files)} context files   ({load()})")
    print(f"  lint_buffer {whole:.3f} s, of which parsing the buffer with libcst alone {parse:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--cold-repeat", type=int, default=3, help="repeats of the cold package measures (seconds each)"
    )
    parser.add_argument("--package", help="a package folder (default: torch/nn of the installed torch; 'none' to skip)")
    parser.add_argument("--compare", nargs="*", default=[], help="other tslint checkouts to time beside this one")
    args = parser.parse_args()
    package: Optional[Path] = None
    if args.package != "none":
        if args.package:
            package = Path(args.package).resolve()
        else:
            import importlib.util

            spec = importlib.util.find_spec("torch")
            package = Path(spec.origin).parent / "nn" if spec is not None and spec.origin else None
    work = Path(tempfile.mkdtemp(prefix="tslint-latency-"))
    try:
        codes = [ROOT, *(Path(other).resolve() for other in args.compare)]
        checkouts = [Checkout(code, work / str(index), package) for index, code in enumerate(codes)]
        measure(checkouts, args.repeat, args.cold_repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
