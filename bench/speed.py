"""Speed and memory of the static path, as ratios measured in one run (issue: performance).

    python bench/speed.py [PATH ...]
    python bench/speed.py --corpus both [--libs LIB,...|all] [--no-startup]

Corpora (`--corpus`, default `torch` unless PATHs are given):
  torch       torch's own sources under torch/nn, torch/ao, torch/distributions (whatever torch is
              installed) plus this repository's fixtures;
  realworld   model-library code: the pinned libraries of bench/realworld.py, from its virtual
              environment (~/.cache/tslint-bench/venv, which bench/realworld.py creates from the package
              registry on first use); by default kornia, torchani, e3nn, x_transformers and
              efficientnet_pytorch (~190k lines), `--libs all` for all eight (~1.1M lines);
  both        one after the other.
For each corpus it prints, with its size, the load average and the core count:
  lint / libcst.parse_module     static lint of the corpus ÷ parsing the same files, CPU time of fresh
                                 processes (target <= 1.3), and wall time in this process
  -j 2 / -j 1                    two workers ÷ one                                     (target <= 0.6)
  warm / cold                    re-run with a warm result cache ÷ a cold run          (target <= 0.05)
  one small file                 wall time of `tslint FILE` in a fresh process         (target <= 0.3 s)
                                 (best of at least 10, beside `python -c pass` and `python -c "import
                                 libcst"`), FILE a copy of fixtures/signatures.py alone in a folder (no
                                 context); with this interpreter, and in a clean virtual environment
                                 that sees the same packages without this interpreter's start-up hooks
  one changed file of a package  `tslint PKG/FILE` (a pre-commit run: the rest of the package is
                                 its context) in a fresh process, cold (no cache) and warm, beside
                                 `tslint --no-cache PKG`     (targets: warm <= 0.5 s, cold <= PKG)
                                 PKG: a copy of the corpus's first package (torch/nn by default),
                                 made a top-level package so its context is itself, not all of torch
  peak RSS                       of `tslint -j 1 --no-cache CORPUS`                    (target <= 200 MB)
  pre-filter candidates          files with no class, no torch import and no function or lambda
                                 (Python's ast decides), with their lines: what a pre-filter before
                                 libcst could skip at most, and the cost of deciding it by `ast.parse`
                                 and by a token scan, each ÷ the libcst parse; and what a pre-filter
                                 that changes no finding would skip (bench/prefilter.py), the CPU
                                 its decision costs and the CPU parsing those files costs
`--no-startup` leaves out the two start-up measures (one small file, one changed file).
Each timing is the best of --repeat runs (default 3), the runs of the compared measures interleaved,
so that a busy machine (or its speed drifting over minutes) does not decide.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import libcst

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tslint.api import lint_paths  # noqa: E402
from tslint.cache import ResultCache  # noqa: E402
from tslint.config import Config  # noqa: E402
from tslint.files import discover  # noqa: E402


def default_corpus():
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        sys.exit("torch is not installed: pass the folders to measure")
    torch_root = Path(spec.origin).parent
    return [str(torch_root / name) for name in ("nn", "ao", "distributions")] + [str(ROOT / "fixtures")]


def best(repeat, action):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved(repeat, *actions):
    """The best time of each action, running them in turn `repeat` times."""
    times = [[] for _ in actions]
    for _ in range(repeat):
        for action, found in zip(actions, times):
            start = time.perf_counter()
            action()
            found.append(time.perf_counter() - start)
    return [min(found) for found in times]


def _parse_files(paths) -> int:
    import gc

    gc.disable()  # as tslint does while trees are alive
    kept = []
    for path in paths:
        try:
            kept.append(libcst.parse_module(Path(path).read_bytes()))
        except Exception:
            pass
    return len(kept)


# Fresh processes, CPU time (user + system, os.wait4): the parse reference in-process came after lint
# runs there, with the collector on and the heap they left, and ran ~40% slower than alone (speed
# round 11); a fresh process per run gives each side the same start, and CPU time is steadier than
# wall time on a busy machine. Paths go on stdin.
_PARSE_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); import speed; speed._parse_files(sys.stdin.read().split())"
_LINT_CHILD = (
    "import sys; from dataclasses import replace; from tslint.api import lint_paths; from tslint.config import Config; "
    "lint_paths(sys.stdin.read().split(), replace(Config(), respect_gitignore=False), jobs=1)"
)


def child_cpu(code: str, arguments, stdin: str) -> float:
    """CPU seconds of `python -c code *arguments` fed `stdin`, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen(
        [sys.executable, "-c", code, *arguments], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env
    )
    child.stdin.write(stdin.encode())
    child.stdin.close()
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"a measuring child exited with {os.waitstatus_to_exitcode(status)}: {code[:60]}...")
    return usage.ru_utime + usage.ru_stime


def fresh_cpu_ratio(sources, paths, repeat):
    """(parse CPU, lint -j 1 CPU), each the least of `repeat` fresh processes, run in turn."""
    files = "\n".join(str(source.path) for source in sources)
    parse, lint = [], []
    for _ in range(repeat):
        parse.append(child_cpu(_PARSE_CHILD, [str(Path(__file__).resolve().parent)], files))
        lint.append(child_cpu(_LINT_CHILD, [], "\n".join(paths)))
    return min(parse), min(lint)


def parse_floor(sources, repeat) -> float:
    """How well parsing alone scales to two processes here: -j 2 cannot beat it."""
    import multiprocessing

    paths = sorted((str(s.path) for s in sources), key=lambda p: -os.path.getsize(p))
    halves = [paths[0::2], paths[1::2]]
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")

    def in_two():
        with context.Pool(2) as pool:
            pool.map(_parse_files, halves)

    two, one = interleaved(repeat, in_two, lambda: _parse_files(paths))
    return two / one


REALWORLD_DEFAULT = ("kornia", "torchani", "e3nn", "x_transformers", "efficientnet_pytorch")


def realworld_corpus(libs: str):
    """The source folders of bench/realworld.py's pinned libraries, from its virtual environment
    (which bench/realworld.py creates, from the package registry, when it is missing)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import realworld

    names = list(realworld.LIBRARIES) if libs == "all" else (libs.split(",") if libs else list(REALWORLD_DEFAULT))
    unknown = [name for name in names if name not in realworld.LIBRARIES]
    if unknown:
        sys.exit(f"unknown libraries: {', '.join(unknown)} (known: {', '.join(realworld.LIBRARIES)})")
    python = realworld.environment(names, quiet=True)
    return [str(realworld.package_folder(python, realworld.LIBRARIES[name][1])) for name in names]


def load() -> str:
    """The load average (1, 5, 15 min): other jobs share this machine."""
    try:
        return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "load average unknown"


def prefilter_candidates(sources):
    """Files with no class, no torch import and no function or lambda, by Python's ast: the most a
    pre-filter before libcst could skip (such a file holds no code torch could compile, but its
    imports and module-level names are still what other files read through it)."""
    import ast

    files = lines = 0
    for source in sources:
        data = source.path.read_bytes()
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if not any(_may_hold_code(node) for node in ast.walk(tree)):
            files += 1
            lines += data.count(b"\n")
    return files, lines


def exact_prefilter(sources, datas):
    """The files bench/prefilter.py would skip, the CPU its decision costs with every file's bytes
    (`datas`, in the order of `sources`) in memory, as a run has them, and the CPU libcst's parse of
    those files costs."""
    from prefilter import skipped_files

    contents = {source.display: data for source, data in zip(sources, datas)}
    start = time.process_time()
    skipped = skipped_files(sources, sources, contents)
    deciding = time.process_time() - start
    chosen = [source for source in sources if source.display in skipped]
    start = time.process_time()
    for source in chosen:
        try:
            libcst.parse_module(contents[source.display])
        except Exception:
            pass
    return chosen, deciding, time.process_time() - start


def _may_hold_code(node) -> bool:
    import ast

    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return True
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "torch" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] == "torch"
    return False


def _ast_scan(datas) -> None:
    import ast

    for data in datas:
        try:
            any(_may_hold_code(node) for node in ast.walk(ast.parse(data)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass


def _token_scan(datas) -> None:
    import io
    import tokenize

    for data in datas:
        try:
            for token in tokenize.tokenize(io.BytesIO(data).readline):
                if token.type == tokenize.NAME and token.string in ("class", "def", "lambda", "torch"):
                    break
        except (tokenize.TokenError, SyntaxError):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", choices=("torch", "realworld", "both"), default=None)
    parser.add_argument("--libs", default="", help="with --corpus realworld/both: comma-separated libraries, or all")
    parser.add_argument("--no-startup", action="store_true", help="leave out the one-file and changed-file measures")
    args = parser.parse_args()
    corpora = []
    if args.paths:
        corpora.append(("given paths", args.paths))
    corpus = args.corpus or ("torch" if not args.paths else None)
    if corpus in ("torch", "both"):
        corpora.append(("torch", default_corpus()))
    if corpus in ("realworld", "both"):
        corpora.append(("model libraries", realworld_corpus(args.libs)))
    print(f"{os.cpu_count()} cores; python {sys.version.split()[0]}")
    rss_lines = [peak_rss(paths) for _, paths in corpora]
    for (name, paths), rss_line in zip(corpora, rss_lines):
        measure(name, paths, args.repeat, rss_line)
    if not args.no_startup:
        startup(corpora[0][1], args.repeat)


def peak_rss(paths) -> str:
    """The line giving the peak RSS of `tslint -j 1 --no-cache` over `paths`, in a child process.
    Measured for every corpus before any other measure, while this process is small: a child's peak
    RSS includes what it shared with this process between fork and exec, and after the in-process
    lints of a corpus that was more than tslint used (a second corpus read 368 MB, 189 MB alone).
    os.wait4 gives that one child's peak (RUSAGE_CHILDREN would be the maximum over every child)."""
    rss_command = [
        sys.executable,
        "-m",
        "tslint",
        "-j",
        "1",
        "--no-cache",
        "--no-respect-gitignore",
        "--exit-zero",
        "--statistics",
        *paths,
    ]
    child = subprocess.Popen(rss_command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(rss_command)} exited with {child.returncode}")
    return f"peak RSS, -j 1 over the corpus:    {usage.ru_maxrss / 1024:.0f} MB   (target <= 200 MB)   ({load()})"


def measure(name: str, paths, repeat: int, rss_line: str) -> None:
    """The lint-time ratios, the pre-filter's candidates and the peak RSS of one corpus."""
    # The corpora live in site-packages, which a .gitignore above may exclude (pyenv's ignores its
    # `versions/`): the bench lints what it parses.
    config = replace(Config(), respect_gitignore=False)
    sources = discover(paths, None, ())
    lines = sum(source.path.read_bytes().count(b"\n") for source in sources)
    print(f"\n== {name}: {len(sources)} files, {lines} lines ({', '.join(Path(p).name for p in paths)}); {load()}")

    def parse_all():
        for source in sources:
            try:
                libcst.parse_module(source.path.read_bytes())
            except Exception:
                pass

    # Interleaved (parse, -j 1, -j 2, parse, ...): this machine's speed drifts over minutes, and
    # measuring each in its own block of runs let the drift decide the ratios.
    checked = lint_paths(paths, config, jobs=1).files
    if checked != len(sources):
        sys.exit(f"tslint checked {checked} of the corpus's {len(sources)} files")
    parse, one, two = interleaved(
        repeat, parse_all, lambda: lint_paths(paths, config, jobs=1), lambda: lint_paths(paths, config, jobs=2)
    )
    print(f"libcst.parse_module of every file: {parse:.2f} s   ({load()})")
    print(f"lint, one process:                 {one:.2f} s   lint / parse = {one / parse:.2f}   (in-process, wall)")
    parse_cpu, lint_cpu = fresh_cpu_ratio(sources, paths, repeat)
    print(
        f"CPU, fresh processes: parse {parse_cpu:.2f} s, lint -j 1 {lint_cpu:.2f} s   "
        f"lint / parse = {lint_cpu / parse_cpu:.2f}   (target <= 1.3)   ({load()})"
    )
    print(f"lint, -j 2:                        {two:.2f} s   -j 2 / -j 1  = {two / one:.2f}   (target <= 0.6)")
    floor = parse_floor(sources, repeat)
    print(f"  (floor on this machine: libcst.parse_module alone in 2 processes / 1 = {floor:.2f})")

    folder = Path(tempfile.mkdtemp(prefix="tslint-bench-cache-"))
    try:

        def cold():
            shutil.rmtree(folder, ignore_errors=True)
            lint_paths(paths, config, jobs=1, cache=ResultCache(folder))

        cold_time = best(repeat, cold)
        warm_time = best(repeat, lambda: lint_paths(paths, config, jobs=1, cache=ResultCache(folder)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"cold run with cache:               {cold_time:.2f} s")
    print(
        f"warm run with cache:               {warm_time:.2f} s   warm / cold  = {warm_time / cold_time:.3f}  "
        f"(target <= 0.05)"
    )

    candidates, candidate_lines = prefilter_candidates(sources)
    datas = [source.path.read_bytes() for source in sources]
    ast_time, token_time = interleaved(repeat, lambda: _ast_scan(datas), lambda: _token_scan(datas))
    print(
        f"pre-filter candidates (no class, torch import, function or lambda): {candidates} of {len(sources)} files, "
        f"{candidate_lines} of {lines} lines"
    )
    print(
        f"  deciding it: ast.parse {ast_time:.2f} s ({ast_time / parse:.2f} of the libcst parse), "
        f"token scan {token_time:.2f} s ({token_time / parse:.2f})"
    )
    skipped, deciding, saved = exact_prefilter(sources, datas)
    skipped_lines = sum(data.count(b"\n") for source, data in zip(sources, datas) if source in skipped)
    print(
        f"pre-filter that changes no finding (bench/prefilter.py): would skip {len(skipped)} of {len(sources)} files, "
        f"{skipped_lines} lines; deciding costs {deciding:.3f} s "
        f"of CPU, their libcst parse {saved:.3f} s"
    )
    print(rss_line)


def startup(paths, repeat: int) -> None:
    # An installed tslint runs from bytecode pip compiled; PYTHONDONTWRITEBYTECODE (set on this
    # machine) would make every run compile tslint's ~90 modules again, a tenth of a second.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    # A copy alone in a folder: in fixtures/, tslint takes the other fixtures as the file's context
    # (its siblings are importable as top-level modules), which is the changed-file measure below.
    alone = Path(tempfile.mkdtemp(prefix="tslint-bench-small-"))
    try:
        small = shutil.copy(ROOT / "fixtures" / "signatures.py", alone)
        print(f"\ntslint one small file (a new process; target <= 0.3 s)   ({load()})")
        for where, python in (("this interpreter", sys.executable), ("a clean environment", _clean_python(alone))):
            command = [python, "-m", "tslint", "--no-cache", "--exit-zero", str(small)]
            bare = [python, "-c", "pass"]
            floor_command = [python, "-c", "import libcst"]
            subprocess.run(command, capture_output=True, check=True, env=env)  # writes the bytecode
            single, start, start_floor = interleaved(
                max(repeat, 10), *(_runner(args, env) for args in (command, bare, floor_command))
            )
            print(
                f"  {where + ':':21}{single:.2f} s   (a new process that does nothing {start:.2f} s, "
                f"that only imports libcst {start_floor:.2f} s)"
            )
    finally:
        shutil.rmtree(alone, ignore_errors=True)
    changed_file(paths, env, repeat)


def _runner(args, env):
    return lambda: subprocess.run(args, capture_output=True, check=True, env=env)


def _clean_python(folder: Path) -> str:
    """A virtual environment that sees this interpreter's packages and tslint's sources and nothing
    else: an installed tslint's start-up, without the start-up hooks this interpreter's own
    site-packages may hold (`.pth` files run at every start; a container's certificate hook that
    imports certifi costs ~0.06 s here, on every process, tslint or not)."""
    import sysconfig
    import venv

    home = folder / "clean-env"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(home)
    python = home / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    inner = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    paths = dict.fromkeys([str(ROOT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    # A path line of a .pth file is added to sys.path without running that folder's own .pth files.
    Path(inner, "tslint-bench.pth").write_text("".join(f"{path}\n" for path in paths))
    return str(python)


def changed_file(paths, env, repeat) -> None:
    """One changed file of a package, linted with the package as context (issue 20): a copy of the
    first corpus folder holding `__init__.py`, as a top-level package in a temporary folder."""
    package = next((Path(p) for p in paths if (Path(p) / "__init__.py").is_file()), None)
    if package is None:
        print("one changed file of a package: no package in the corpus")
        return
    work = Path(tempfile.mkdtemp(prefix="tslint-bench-package-"))
    try:
        copy = work / package.name
        shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
        files = sorted(copy.rglob("*.py"), key=lambda f: -f.stat().st_size)
        changed = files[len(files) // 2].relative_to(work)  # a file of median size
        base = [sys.executable, "-m", "tslint", "--exit-zero", "-q", "-j", "1"]

        def run(*args):
            subprocess.run([*base, *args], cwd=work, capture_output=True, check=True, env=env)

        def cold():
            shutil.rmtree(work / ".tslint_cache", ignore_errors=True)
            run(str(changed))

        cold_time, whole = interleaved(repeat, cold, lambda: run("--no-cache", package.name))
        warm = best(max(repeat, 5), lambda: run(str(changed)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"one changed file of {package.name}/ ({len(files)} files), with its package as context: {changed}")
    print(f"  cold {cold_time:.2f} s   (target <= the package, {whole:.2f} s)   warm {warm:.2f} s   (target <= 0.5 s)")


if __name__ == "__main__":
    main()
