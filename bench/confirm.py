"""`tslint --confirm`: its speed, its verdicts, and its agreement with a plain torch.jit.script.

    python bench/confirm.py [--jobs N] [--tslint-root DIR] [--startup] [PATH ...]

For each corpus (default: the fixtures, tests/confirm_data/proj, and 30 generated files of one to
three small model classes each, as a user's model folder), it runs the CLI, `tslint --no-cache
--format json --confirm=all PATH` (`--confirm=all` means the same to tslint 0.x, whose plain
`--confirm` checked only classes with findings), and prints its wall time per file and per class
checked, and the verdicts. `--tslint-root DIR` times another checkout of tslint instead (the
agreement part always uses this one).

Agreement: for every module class tslint built and scripted (not unverified), a plain
`torch.jit.script(cls())` (or the configured factory) in a fresh process per file, as a user would
run it, must fail exactly when tslint's run saw torch fail for that class.

`--startup` also times what a worker costs to start: a fresh interpreter that imports torch (spawn)
against a fork of a process that has imported torch (what the zygote does).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tslint.api import known_codes, lint_sources  # noqa: E402
from tslint.config import load_config  # noqa: E402
from tslint.confirm import runner  # noqa: E402
from tslint.files import discover  # noqa: E402

# Templates of small model classes, {n} the file's number. Some compile, some fail in torch.
TEMPLATES = {
    "Mlp": """
class Mlp{n}(nn.Module):
    def __init__(self, width: int = 8):
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))
""",
    "ConvBlock": """
class ConvBlock{n}(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.norm = nn.BatchNorm2d(8)

    def forward(self, x):
        return torch.relu(self.norm(self.conv(x)))
""",
    "SafeDiv": """
class SafeDiv{n}(nn.Module):
    EPS = 1e-6

    @classmethod
    def _safe_div(cls, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a / (b + cls.EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._safe_div(x, x.sum())
""",
    "Gate": """
class Gate{n}(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.act = lambda t: t.sigmoid()

    def forward(self, x):
        return self.act(self.proj(x))
""",
    "Heads": """
class Heads{n}(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])

    def forward(self, x, *extra):
        return torch.stack([head(x) for head in self.heads])
""",
    "Residual": """
class Residual{n}(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            x = x + 0.0
        return x + self.inner(x)
""",
    "Scale": """
class Scale{n}(nn.Module):
    def forward(self, x, factor=2):
        return x * factor
""",
    "Pool": """
class Pool{n}(nn.Module):
    def __init__(self, size: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(size)

    def forward(self, x):
        return self.pool(x).flatten(1)
""",
    "Norm": """
class Norm{n}(nn.Module):
    def forward(self, x):
        return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-6).no_such_method()
""",
}


def generate_small_files(folder: Path, count: int = 30) -> Path:
    """`count` files of one to three classes, the templates taken in turn."""
    names = list(TEMPLATES)
    folder.mkdir(parents=True, exist_ok=True)
    turn = 0
    for number in range(count):
        body = ["import torch\nimport torch.nn as nn\n"]
        for _ in range(1 + number % 3):
            body.append(TEMPLATES[names[turn % len(names)]].format(n=number))
            turn += 1
        (folder / f"model_{number:02d}.py").write_text("\n".join(body))
    return folder


def time_cli(path: Path, tslint_root: Path, jobs: Optional[int]) -> Tuple[float, dict]:
    # Not `-m tslint`: that would put the working folder first on sys.path, and the fixtures' parent
    # is this checkout.
    program = f"import sys; sys.path.insert(0, {str(tslint_root)!r}); from tslint.cli import main; sys.exit(main())"
    command = [sys.executable, "-c", program, "--no-cache", "--format", "json", "--confirm=all", path.name]
    if jobs:
        command[3:3] = ["-j", str(jobs)]
    environment = {**os.environ, "PYTHONPATH": str(tslint_root)}  # for the child processes
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=path.parent, capture_output=True, env=environment, timeout=3600)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(f"tslint failed on {path}: {completed.stderr.decode()[-2000:]}")
    return elapsed, json.loads(completed.stdout)


PLAIN = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
import torch
from tslint.confirm import checks
job = json.loads(sys.stdin.read())
module = checks.load(job)
verdicts = {}
for entry in job["classes"]:
    cls = getattr(module, entry["name"])
    instance = checks._callable(entry["factory"])() if entry["factory"] else cls()
    try:
        torch.jit.script(instance)
        verdicts[entry["qualname"]] = "compiles"
    except Exception as error:
        verdicts[entry["qualname"]] = "fails"
print(json.dumps(verdicts))
"""


def plain_script(job: dict) -> Dict[str, str]:
    """torch.jit.script on each class of one file, in a fresh process."""
    completed = subprocess.run(
        [sys.executable, "-c", PLAIN],
        input=json.dumps(job).encode(),
        capture_output=True,
        cwd=job["sys_path"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )
    if completed.returncode != 0:
        return {}
    return json.loads(completed.stdout)


def agreement(path: Path, jobs: Optional[int]) -> Tuple[int, List[str]]:
    """Classes tslint built and scripted, and those where a plain run disagrees."""
    config = load_config([str(path)], None, False, known_codes())
    sources = discover([str(path)], config.root, config.exclude)
    result = lint_sources(sources, config)
    class_jobs, _ = runner._jobs(result, sources, True, config)
    by_file: Dict[Path, List[runner.ClassJob]] = {}
    for job in class_jobs:
        if not job.trace:
            by_file.setdefault(job.path, []).append(job)
    outcomes, _ = runner._run(by_file, config, jobs or runner.default_workers(len(by_file)), False, len(class_jobs))
    built, disagree = 0, []
    for file_path, file_jobs in sorted(by_file.items()):
        built_here = [job for job in file_jobs if outcomes[runner._key(job.qualname, False)].unverified is None]
        if not built_here:
            continue
        plain = plain_script(runner._file_job(file_path, built_here, config))
        for job in built_here:
            built += 1
            outcome = outcomes[runner._key(job.qualname, False)]
            says = "fails" if outcome.failures else "compiles"
            if plain.get(job.qualname) != says:
                disagree.append(
                    f"{job.qualname}: tslint saw torch {says}, a plain run: {plain.get(job.qualname, 'no answer')}"
                )
    return built, disagree


def startup(repeat: int = 5) -> Tuple[float, float]:
    """Best of `repeat`: a fresh interpreter importing torch; a fork of one that has."""
    spawn = min(_timed([sys.executable, "-c", "import torch"]) for _ in range(repeat))
    code = (
        "import os, time, torch\nbest = 1e9\n"
        f"for _ in range({repeat}):\n"
        "    start = time.perf_counter()\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n    best = min(best, time.perf_counter() - start)\nprint(best)\n"
    )
    fork = float(
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
            check=True,
        ).stdout
    )
    return spawn, fork


def _timed(command: List[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--jobs", "-j", type=int)
    parser.add_argument("--tslint-root", type=Path, default=ROOT, help="the checkout of tslint to time")
    parser.add_argument("--startup", action="store_true")
    parser.add_argument("--no-agreement", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        paths = args.paths or [
            ROOT / "fixtures",
            ROOT / "tests" / "confirm_data" / "proj",
            generate_small_files(Path(scratch) / "small_models"),
        ]
        print(
            "| corpus | files | classes checked | wall time | per file | per class | confirmed / refuted / "
            "unverified | TS000 | agreement |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for path in paths:
            path = path.resolve()
            elapsed, document = time_cli(path, args.tslint_root.resolve(), args.jobs)
            statuses = Counter(d["confirmation"]["status"] for d in document["diagnostics"] if d.get("confirmation"))
            ts000 = sum(1 for d in document["diagnostics"] if d["code"] == "TS000")
            config = load_config([str(path)], None, False, known_codes())
            sources = discover([str(path)], config.root, config.exclude)
            class_jobs, _ = runner._jobs(lint_sources(sources, config), sources, True, config)
            files = len({job.path for job in class_jobs})
            agreed = "-"
            if not args.no_agreement:
                built, disagree = agreement(path, args.jobs)
                agreed = f"{built - len(disagree)} of {built} built"
                for line in disagree:
                    print(f"  disagreement: {line}", file=sys.stderr)
            print(
                f"| {path.name} | {files} | {len(class_jobs)} | {elapsed:.1f} s | {elapsed / max(files, 1):.2f} s "
                f"| {elapsed / max(len(class_jobs), 1):.2f} s | {statuses['confirmed']} / {statuses['refuted']} / "
                f"{statuses['unverified']} | {ts000} | {agreed} |"
            )
    if args.startup:
        spawn, fork = startup()
        print(
            f"\nworker start-up, best of 5: spawn (new interpreter + import torch) {spawn:.2f} s, "
            f"fork of a process with torch imported {fork * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
