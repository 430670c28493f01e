"""Lint every .py file of the standard library and of every installed site-package, in one run.

    python bench/crashfree.py [-j N] [--worst K] [FOLDER ...]

Prints the files linted, the TS001 findings (syntax the parser rejects is fine: test data, Python 2
files, templates), the other findings, and the internal errors, which must be 0. Exits 1 if any
internal error happened. Every file is passed explicitly, so no default exclude hides one.

Also prints what the run cost: its wall time, and its memory summed over this process and the
workers, sampled from /proc (Linux) every 0.2 s, in two ways: the sum of each process's peak RSS
(VmHWM; pages a forked worker shares with this process count in both), and the peak of the summed
PSS (shared pages divided among the processes sharing them: the memory the run really takes). Then
the worst single file: the files that took longest in the run and the largest ones by token count,
each linted again alone by the CLI in a new process (`tslint --no-cache -j 1 FILE`), with its wall
time and peak RSS (`--alone FILE ...` measures only that, for the files given).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tslint.engine.shard  # noqa: E402
import tslint.engine.workers  # noqa: E402
from tslint.api import lint_sources  # noqa: E402
from tslint.config import Config  # noqa: E402
from tslint.files import SourceFile  # noqa: E402
from tslint.limits import estimated_tokens  # noqa: E402


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


# --- memory, from /proc ------------------------------------------------------------------------


def _status_kb(pid: int, field: str) -> Optional[int]:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> Iterator[int]:
    stack = [pid]
    while stack:
        current = stack.pop()
        yield current
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
            except OSError:
                pass


class MemorySampler(threading.Thread):
    """Samples this process and its descendants until stopped: each one's peak RSS, and the peak of
    their summed PSS."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_rss_kb: Dict[int, int] = {}
        self.peak_pss_sum_kb = 0
        self._done = threading.Event()

    def sample(self) -> None:
        pss = 0
        for pid in _descendants(os.getpid()):
            hwm = _status_kb(pid, "VmHWM")
            if hwm is not None:
                self.peak_rss_kb[pid] = max(hwm, self.peak_rss_kb.get(pid, 0))
            pss += _pss_kb(pid)
        self.peak_pss_sum_kb = max(self.peak_pss_sum_kb, pss)

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._done.set()
        self.join()
        self.sample()


# --- time per file -------------------------------------------------------------------------------


def time_each_file(log: Path) -> None:
    """Record how long each file's two phases take, in whichever process runs them (forked workers
    inherit the patch): one line per phase, appended (small appends do not interleave), with the
    process, its resident memory and peak (VmRSS, VmHWM, kB) after the file, and the time."""
    shard = tslint.engine.shard
    index_source, lint_indexed = shard.index_source, shard.lint_indexed

    def record(phase: str, display: str, seconds: float) -> None:
        pid = os.getpid()
        rss, hwm = _status_kb(pid, "VmRSS"), _status_kb(pid, "VmHWM")
        with open(log, "a") as out:
            out.write(f"{seconds:.3f}\t{phase}\t{display}\t{pid}\t{rss}\t{hwm}\t{time.time():.2f}\n")

    def timed_index(source, data):
        start = time.perf_counter()
        try:
            return index_source(source, data)
        finally:
            record("index", source.display, time.perf_counter() - start)

    def timed_lint(item, *args, **kwargs):
        start = time.perf_counter()
        try:
            return lint_indexed(item, *args, **kwargs)
        finally:
            record("lint", item.source.display, time.perf_counter() - start)

    scope = tslint.engine.workers._scope

    def timed_scope(*args, **kwargs):
        start = time.perf_counter()
        try:
            return scope(*args, **kwargs)
        finally:
            record("scope", "-", time.perf_counter() - start)

    shard.index_source = timed_index
    shard.lint_indexed = timed_lint
    tslint.engine.workers._scope = timed_scope
    tslint.engine.workers.lint_indexed = timed_lint


def slowest(log: Path, count: int) -> List[Tuple[float, str]]:
    total: Dict[str, float] = {}
    for line in log.read_text().splitlines():
        seconds, phase, display = line.split("\t")[:3]
        if phase == "scope":  # the project's compiled scope, not a file
            continue
        total[display] = total.get(display, 0.0) + float(seconds)
    return sorted(((s, d) for d, s in total.items()), reverse=True)[:count]


# The CLI in a new process, reporting its own peak RSS: a child's ru_maxrss from wait4 counts the
# memory of this process it was forked from, before exec.
_ALONE = """
import sys
from tslint.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")), file=sys.stderr)
sys.exit(code)
"""


def alone(path: str) -> Tuple[float, int]:
    """(wall seconds, peak RSS in kB) of `tslint --no-cache -j 1 path` in a new process."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", _ALONE, "--no-cache", "--isolated", "-j", "1", "--statistics", "--exit-zero", path]
    start = time.perf_counter()
    completed = subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return time.perf_counter() - start, int(completed.stderr.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--worst", type=int, default=5, help="how many of the slowest and of the largest files to lint alone (0: none)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    parser.add_argument("--report", metavar="FILE", help="also write the findings to FILE (`--output-format json`)")
    parser.add_argument("--alone", nargs="+", metavar="FILE", help="only lint each FILE alone, as the worst files are")
    args = parser.parse_args()
    if args.alone:
        for path in args.alone:
            seconds, kb = alone(path)
            print(f"  alone: {seconds:5.1f} s {kb / 1024:5.0f} MB  {path}")
        return 0
    paths = sysconfig.get_paths()
    folders = args.folders or sorted({paths["stdlib"], paths["purelib"], paths["platlib"]})
    sources = list(python_files(folders))
    print(f"folders: {', '.join(folders)}")
    print(f"files: {len(sources)}", flush=True)
    log = Path(tempfile.mkdtemp(prefix="crashfree-")) / "times.tsv"
    time_each_file(log)
    print(f"per-file log: {log}", flush=True)
    sampler = MemorySampler()
    sampler.start()
    start = time.perf_counter()
    result = lint_sources(sources, Config(), jobs=args.jobs)
    elapsed = time.perf_counter() - start
    sampler.stop()
    codes = Counter(d.code for d in result.diagnostics)
    unparsable = codes.pop("TS001", 0)
    print(f"linted {result.files} files in {elapsed:.0f} s with {args.jobs} workers")
    rss = sampler.peak_rss_kb
    if rss:
        print(
            f"memory: sum of the {len(rss)} processes' peak RSS {sum(rss.values()) / 1024:.0f} MB "
            f"(largest {max(rss.values()) / 1024:.0f} MB); "
            f"peak of their summed PSS {sampler.peak_pss_sum_kb / 1024:.0f} MB"
        )
        parent = os.getpid()
        others = sorted((kb for pid, kb in rss.items() if pid != parent), reverse=True)
        each = ", ".join(f"{kb / 1024:.0f}" for kb in others)
        print(f"peak RSS by process: parent {rss.get(parent, 0) / 1024:.0f} MB; workers {each or '-'} MB")
    else:
        print("memory: not measured (no /proc)")
    print(f"TS001 (unreadable, unparsable or too large): {unparsable}")
    print(f"other findings: {sum(codes.values())} ({', '.join(f'{c} {n}' for c, n in sorted(codes.items()))})")
    print(f"internal errors: {result.internal_errors}")
    for error in result.errors[:50]:
        print(f"  {error.filename}: {error.message}")
    figures = {
        "files": result.files,
        "jobs": args.jobs,
        "wall_seconds": round(elapsed, 1),
        "peak_rss_mb_parent": round(rss.get(os.getpid(), 0) / 1024, 1),
        "peak_rss_mb_workers": sorted((round(kb / 1024, 1) for p, kb in rss.items() if p != os.getpid()), reverse=True),
        "peak_rss_mb_sum": round(sum(rss.values()) / 1024, 1),
        "peak_pss_sum_mb": round(sampler.peak_pss_sum_kb / 1024, 1),
        "ts001": unparsable,
        "findings_by_code": dict(sorted(codes.items())),
        "internal_errors": result.internal_errors,
    }
    if args.worst:
        worst = ", ".join(f"{Path(d).name} {s:.1f}" for s, d in slowest(log, args.worst))
        print(f"slowest files in the run (index + lint, seconds): {worst}")
        largest = sorted(sources, key=lambda s: -len(s.path.read_bytes()))[: 4 * args.worst]
        by_tokens = sorted(largest, key=lambda s: -estimated_tokens(s.path.read_bytes()))[: args.worst]
        candidates = dict.fromkeys([*(d for _, d in slowest(log, args.worst)), *(s.display for s in by_tokens)])
        measured = [(path, *alone(path)) for path in candidates]
        for path, seconds, kb in measured:
            print(f"  alone: {seconds:5.1f} s {kb / 1024:5.0f} MB  {path}")
        worst_time = max(measured, key=lambda m: m[1])
        worst_memory = max(measured, key=lambda m: m[2])
        print(
            f"worst single file: {worst_time[1]:.1f} s ({worst_time[0]}); {worst_memory[2] / 1024:.0f} MB "
            f"({worst_memory[0]})"
        )
        figures["alone"] = [
            {"path": path, "seconds": round(seconds, 1), "peak_rss_mb": round(kb / 1024, 1)}
            for path, seconds, kb in measured
        ]
    if args.report:
        from tslint.formatters import format_json

        Path(args.report).write_text(format_json(result))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if result.internal_errors else 0


if __name__ == "__main__":
    sys.exit(main())
