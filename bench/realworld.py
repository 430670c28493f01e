"""Real-world agreement: tslint against torch.jit.script on model libraries nobody here wrote.

    python bench/realworld.py [--libs torchani,e3nn] [--json] [--confirm] [--rescript]

Installs pinned versions of the libraries in LIBRARIES into a virtual environment of its own
(venv under ~/.cache/tslint-bench, or under $TSLINT_BENCH_CACHE; a library listed in ENVIRONMENTS in
a folder of its own beside it), reusing this Python's torch 2.13.0 (pip is held to it by a constraints file),
then for each library:
  1. a worker in that environment imports every module of the library and lists its nn.Module classes;
  2. builds each one (a factory from FACTORIES, no arguments, or a small configuration chosen by the
     arguments' names and annotations; on the meta device first, so default configurations of large
     models allocate nothing) and scripts it with torch.jit.script, each class under a timeout: a
     class that hangs or crashes the worker is recorded and the worker restarted after it;
  3. lints the library's source folder with tslint (static, as one project, all rules).
It reports classes built / scripted OK / failing; failures torch locates in the library's code; the
share of those with an error finding on torch's highlighted lines; distinct failure sites flagged;
classes that script fine but have an error finding in the code compiled for them (false positives).
`--confirm` also runs `tslint --confirm=all` on each library, a second oracle whose TS000 findings
are misses. torch's verdicts are cached per library pin (`--rescript` redoes them): a re-run after a
change to tslint only lints again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from shared_lines import sharing_classes  # noqa: E402

from tslint.api import lint_sources, project_index  # noqa: E402
from tslint.compiled_scope import scripted_symbols  # noqa: E402
from tslint.config import Config  # noqa: E402
from tslint.confirm.torch_errors import TorchSpan, first_span, headline  # noqa: E402
from tslint.files import discover  # noqa: E402
from tslint.findings import Mode, Severity  # noqa: E402

TORCH = "torch==2.13.0"
# name: (pip requirements, import package). Pinned; each installs with its dependencies, torch held
# to TORCH. Not here: speechbrain (imports torchaudio at start-up, and no torchaudio build loads
# beside torch 2.13.0), torchcrepe 0.0.24 and encodec 0.1.1 (both require torchaudio), anything that
# needs torchvision (PyPI's does not load beside this torch).
LIBRARIES: Dict[str, Tuple[Tuple[str, ...], str]] = {
    "efficientnet_pytorch": (("efficientnet-pytorch==0.7.1",), "efficientnet_pytorch"),
    "torchani": (("torchani==2.9.0",), "torchani"),
    "e3nn": (("e3nn==0.6.0",), "e3nn"),
    "x_transformers": (("x-transformers==2.31.10",), "x_transformers"),
    "kornia": (("kornia==0.9.0",), "kornia"),
    "monai": (("monai==1.6.1",), "monai"),
    "torch_geometric": (("torch-geometric==2.8.1",), "torch_geometric"),
    "diffusers": (("diffusers==0.42.1",), "diffusers"),
    "julius": (("julius==0.2.8",), "julius"),
    "pytorch_metric_learning": (("pytorch-metric-learning==2.9.0",), "pytorch_metric_learning"),
    "torchmetrics": (("torchmetrics==1.9.0",), "torchmetrics"),
    "vector_quantize_pytorch": (("vector-quantize-pytorch==1.32.0",), "vector_quantize_pytorch"),
    "rotary_embedding_torch": (("rotary-embedding-torch==0.9.1",), "rotary_embedding_torch"),
    "gpytorch": (("gpytorch==1.15.2",), "gpytorch"),
    # Science codes that deploy through TorchScript (interatomic potentials), each in its own
    # environment (ENVIRONMENTS). Not here: schnetpack 2.2.0 requires Python >= 3.12, and
    # schnetpack 2.1.1 pins sympy<=1.12 where torch 2.13.0 requires sympy>=1.13.3.
    "nequip": (("nequip==0.19.1",), "nequip"),
    "mace": (("mace-torch==0.3.16",), "mace"),
    "sevenn": (("sevenn==0.13.0",), "sevenn"),
    "torchmd_net": (("torchmd-net==3.1.0",), "torchmdnet"),
}
# Libraries that install in a virtual environment of their own (a folder under CACHE), apart from the
# shared one ("venv"): their pins conflict with another library's (mace-torch pins e3nn==0.4.4, the
# bench's e3nn is 0.6.0), or their dependencies (lightning, ase, warp-lang, a newer setuptools)
# would change the environment the other libraries were measured in.
ENVIRONMENTS: Dict[str, str] = {
    "nequip": "venv-nequip",
    "mace": "venv-mace",
    "sevenn": "venv-sevenn",
    "torchmd_net": "venv-torchmd_net",
}
# Library factories and small configurations for classes whose constructors need more than names
# can tell: class qualname -> [("module:callable", args, kwargs)]; {"call": [...]} nests a call.
FACTORIES: Dict[str, List[list]] = {
    "efficientnet_pytorch.model.EfficientNet": [
        ["efficientnet_pytorch.model:EfficientNet.from_name", ["efficientnet-b0"], {}]
    ],
    "torchani.arch.ANI": [["torchani.arch:simple_ani", [["H", "C", "N", "O"], "wb97x-631gd"], {}]],
    "x_transformers.x_transformers.TransformerWrapper": [
        [
            "x_transformers.x_transformers:TransformerWrapper",
            [],
            {
                "num_tokens": 256,
                "max_seq_len": 64,
                "attn_layers": {
                    "call": ["x_transformers.x_transformers:Decoder", [], {"dim": 32, "depth": 1, "heads": 2}]
                },
            },
        ]
    ],
}
# The science codes' flagship models, each built the way its users build the model they deploy.
FACTORIES.update(
    {
        "mace.modules.models.MACE": [
            [
                "mace.modules.models:MACE",
                [],
                {
                    "r_max": 5.0,
                    "num_bessel": 8,
                    "num_polynomial_cutoff": 5,
                    "max_ell": 2,
                    "interaction_cls": {"object": "mace.modules.blocks:RealAgnosticResidualInteractionBlock"},
                    "interaction_cls_first": {"object": "mace.modules.blocks:RealAgnosticResidualInteractionBlock"},
                    "num_interactions": 2,
                    "num_elements": 2,
                    "hidden_irreps": {"call": ["e3nn.o3:Irreps", ["16x0e + 16x1o"], {}]},
                    "MLP_irreps": {"call": ["e3nn.o3:Irreps", ["16x0e"], {}]},
                    "atomic_energies": [-1.0, -2.0],
                    "avg_num_neighbors": 8.0,
                    "atomic_numbers": [1, 8],
                    "correlation": 3,
                    "gate": {"object": "torch.nn.functional:silu"},
                },
            ]
        ],
        # SevenNet-0 as the package ships it (its checkpoint is in the wheel)
        "sevenn.nn.sequential.AtomGraphSequential": [
            [
                "sevenn.checkpoint:SevenNetCheckpoint.build_model",
                [{"call": ["sevenn.util:load_checkpoint", ["7net-0"], {}]}],
                {},
            ]
        ],
        "torchmdnet.models.model.TorchMD_Net": [
            [
                "torchmdnet.models.model:create_model",
                [
                    {
                        "model": "tensornet",
                        "precision": 32,
                        "embedding_dimension": 16,
                        "num_layers": 2,
                        "num_rbf": 8,
                        "rbf_type": "expnorm",
                        "trainable_rbf": False,
                        "activation": "silu",
                        "cutoff_lower": 0.0,
                        "cutoff_upper": 5.0,
                        "max_z": 10,
                        "max_num_neighbors": 32,
                        "aggr": "add",
                        "neighbor_embedding": True,
                        "attn_activation": "silu",
                        "num_heads": 2,
                        "distance_influence": "both",
                        "equivariance_invariance_group": "O(3)",
                        "output_model": "Scalar",
                        "reduce_op": "add",
                        "derivative": False,
                        "atom_filter": -1,
                        "prior_model": None,
                        "remove_ref_energy": False,
                    }
                ],
                {},
            ]
        ],
    }
)
CACHE = Path(os.environ.get("TSLINT_BENCH_CACHE", Path.home() / ".cache" / "tslint-bench"))
WORKER = Path(__file__).resolve().parent / "realworld_worker.py"
# Part of the key of the cached torch verdicts: raise it with any change to the worker that can
# change a verdict (how classes are found, built or scripted).
WORKER_VERSION = "1"


# --- pure helpers (tests/test_bench_realworld.py) ---------------------------------------------------


def locate(error: str, library: str, home: Union[str, Sequence[str], None] = None) -> Optional[TorchSpan]:
    """Where torch's message points in the library's code: its first highlighted frame when that lies
    in the library, else the first frame that does (torch failed in its own or another package's code
    called from the library: the call site is the line); None when no frame is in the library.

    `home`: the file of the class scripted, or several files, that one first (the files of the
    methods torch compiles for it: an inherited `forward` lives in a base class's file). A method
    under a decorator that wraps it (`functools.wraps`) is compiled from the wrapped function's
    source, but torch names the wrapper's file with the method's line numbers: when that file's line
    is not the source torch quotes and a home file's line is, the line is the first such file's. The
    wrapper's file may be outside the library (torch's own torch/utils/_contextlib.py for a method
    under `@torch.no_grad()`): a home file's line that is the source torch quotes wins over the call
    site then too."""
    library = str(Path(library).resolve())
    homes = [home] if isinstance(home, str) else list(home or ())
    homes = [str(Path(h).resolve()) for h in homes]
    span = first_span(error)
    if span is not None and not _inside(span.path, library):
        moved = _moved_to_home(error, span, homes)
        span = moved if moved is not span else first_span(error, within=library + os.sep)
    elif span is None:
        span = first_span(error, within=library + os.sep)
    if span is None or not homes or span.path in homes:
        return span
    return _moved_to_home(error, span, homes)


def _moved_to_home(error: str, span: TorchSpan, homes: Sequence[str]) -> TorchSpan:
    """`span` at the same row of the first home file that holds the source torch quotes there, when
    the file torch names does not; else `span` itself."""
    quoted = _quoted_line(error, span)
    if quoted is None or span.path in homes or _line(span.path, span.first_row) == quoted:
        return span
    for path in homes:
        if _line(path, span.first_row) == quoted:
            return TorchSpan(path, span.first_row, span.last_row)
    return span


def _quoted_line(error: str, span: TorchSpan) -> Optional[str]:
    """The first source line torch underlines in the frame `span` was read from, stripped."""
    lines = error.splitlines()
    for index, line in enumerate(lines):
        match = re.search(r'File "([^"]+)", line (\d+)', line)
        if match is None or int(match.group(2)) != span.first_row:
            continue
        if str(Path(match.group(1)).resolve()) != span.path:
            continue
        for source, marker in zip(lines[index + 1 :], lines[index + 2 :]):
            if marker.strip() and set(marker.replace("<--- HERE", "").strip()) <= {"~"}:
                return source.strip()
        return None
    return None


def _line(path: str, row: int) -> Optional[str]:
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return lines[row - 1].strip() if 0 < row <= len(lines) else None


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)


def read_records(text: str) -> Tuple[List[dict], Optional[str], bool]:
    """The worker's result records, the class it started last without a result (the one that hung
    or crashed), and whether it reached its end."""
    records, pending, ended = [], None, False
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        if "start" in record:
            pending = record["start"]
        elif "qualname" in record:
            records.append(record)
            if record["qualname"] == pending:
                pending = None
        elif record.get("end"):
            ended = True
    return records, pending, ended


# --- the environment ------------------------------------------------------------------------------


def requirements(names: Iterable[str]) -> List[str]:
    return sorted({r for name in names for r in LIBRARIES[name][0]})


def environment_of(name: str) -> str:
    """The folder under CACHE of the virtual environment `name` installs in."""
    return ENVIRONMENTS.get(name, "venv")


def environments(names: Sequence[str], quiet: bool) -> Dict[str, Path]:
    """Each library's Python (its environment's, installing the pinned libraries on first use)."""
    groups: Dict[str, List[str]] = {}
    for name in names:
        groups.setdefault(environment_of(name), []).append(name)
    pythons = {}
    for folder, members in groups.items():
        python = environment(members, quiet, folder)
        pythons.update({name: python for name in members})
    return pythons


def environment(names: Sequence[str], quiet: bool, folder: Optional[str] = None) -> Path:
    """The bench's Python for libraries that share one environment (`folder`, by default theirs),
    installing the pinned libraries on first use (a stamp file per set)."""
    folders = {environment_of(name) for name in names}
    if folder is None:
        if len(folders) > 1:
            raise ValueError(f"these libraries install in separate environments: {', '.join(names)}")
        folder = folders.pop() if folders else "venv"
    venv = CACHE / folder
    python = venv / "bin" / "python"
    wanted = requirements(names)
    stamp = venv / "tslint-bench-installed.json"
    installed = set(json.loads(stamp.read_text())) if stamp.is_file() else set()
    if python.is_file() and set(wanted) <= installed:
        return python
    started = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    constraints = CACHE / "constraints.txt"
    constraints.write_text(TORCH + "\n")
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"] + (["-q"] if quiet else [])
    torch_version = subprocess.run(
        [str(python), "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True
    )
    if not torch_version.stdout.startswith("2.13.0"):
        subprocess.run(pip + [TORCH], check=True)
    subprocess.run(pip + ["-c", str(constraints)] + [r for r in wanted if r not in installed], check=True)
    stamp.write_text(json.dumps(sorted(installed | set(wanted))))
    print(f"installed {', '.join(wanted)} in {venv} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return python


def package_folder(python: Path, package: str) -> Path:
    code = f"import importlib.util; print(list(importlib.util.find_spec({package!r}).submodule_search_locations)[0])"
    return Path(
        subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    ).resolve()


# --- torch's side: the worker ---------------------------------------------------------------------


def discover_classes(python: Path, package: str) -> Tuple[List[str], List[dict]]:
    """The module classes the worker found (abstract ones left out), and the modules it could not import."""
    done = subprocess.run([str(python), str(WORKER), "discover", package], capture_output=True, text=True, timeout=1200)
    classes, failed = [], []
    for line in done.stdout.splitlines():
        record = json.loads(line)
        if "class" in record and not record["abstract"]:
            classes.append(record["class"])
        elif "import_error" in record:
            failed.append(record)
    return classes, failed


def script_classes(
    python: Path,
    classes: Sequence[str],
    timeout: float,
    progress: bool,
    command: str = "script",
    options: Optional[dict] = None,
    sink: Optional[Callable[[dict], None]] = None,
) -> List[dict]:
    """One record per class, from a worker restarted after any class that hangs or crashes it
    (`command`: the worker's `script`, or `export`; `options`: more fields of the worker's request).
    `sink`, when given, receives each record as soon as the worker writes it."""
    results: List[dict] = []
    remaining = list(classes)

    def on_line(line: str) -> None:
        try:
            record = json.loads(line)
        except ValueError:
            return
        if isinstance(record, dict) and "qualname" in record:
            sink(record)

    while remaining:
        request = json.dumps({"classes": remaining, "factories": FACTORIES, "timeout": timeout, **(options or {})})
        process = subprocess.Popen(
            [str(python), str(WORKER), command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        process.stdin.write(request.encode())
        process.stdin.close()
        # the worker times each class itself
        output, stuck = _read_with_timeout(process, 2 * timeout + 60, progress, on_line if sink else None)
        records, pending, _ = read_records(output)
        results.extend(records)
        done = {r["qualname"] for r in records}
        if pending is not None:
            why = f"timed out after {timeout:g} s" if stuck else f"the worker died (exit code {process.returncode})"
            results.append({"qualname": pending, "built": "?", "error": None, "crash": why})
            if sink:
                sink(results[-1])
            done.add(pending)
        elif not records and remaining:  # died before its first class: nothing more to learn
            results.extend({"qualname": q, "built": None, "detail": "the worker did not start"} for q in remaining)
            break
        remaining = [q for q in remaining if q not in done]
    return results


def _read_with_timeout(
    process: subprocess.Popen, timeout: float, progress: bool, on_line: Optional[Callable[[str], None]] = None
) -> Tuple[str, bool]:
    """Everything the worker writes; kills it when one class takes longer than `timeout`. `on_line`
    receives each complete line as it arrives."""
    chunks: List[bytes] = []
    pending = b""
    last = time.monotonic()
    stuck = False
    fd = process.stdout.fileno()
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            if on_line is not None:
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    on_line(line.decode("utf-8", "replace"))
            if b'"start"' in chunk:
                last = time.monotonic()
                started = sum(c.count(b'"start"') for c in chunks)
                if progress and started % 100 < chunk.count(b'"start"'):
                    print(f"  ... class {started}", file=sys.stderr)
        elif time.monotonic() - last > timeout:
            stuck = True
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    return b"".join(chunks).decode("utf-8", "replace"), stuck


def factories_of(name: str) -> Dict[str, List[list]]:
    """The entries of FACTORIES for the classes of library `name` (part of its verdicts' key: a
    factory added for one library leaves the others' cached verdicts valid)."""
    prefix = LIBRARIES[name][1] + "."
    return {qualname: calls for qualname, calls in FACTORIES.items() if qualname.startswith(prefix)}


def torch_verdicts(python: Path, name: str, timeout: float, rescript: bool) -> dict:
    """Discovery and scripting results for one library, cached per pin, torch and worker version."""
    digest = hashlib.sha256(
        json.dumps([LIBRARIES[name], factories_of(name), TORCH, WORKER_VERSION]).encode()
    ).hexdigest()[:12]
    cached = CACHE / "verdicts" / f"{name}-{digest}.json"
    if cached.is_file() and not rescript:
        return json.loads(cached.read_text())
    started = time.monotonic()
    classes, import_errors = discover_classes(python, LIBRARIES[name][1])
    print(f"{name}: {len(classes)} module classes; scripting each", file=sys.stderr)
    records = script_classes(python, classes, timeout, progress=True)
    verdicts = {
        "classes": len(classes),
        "import_errors": import_errors,
        "records": records,
        "seconds": round(time.monotonic() - started),
    }
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(verdicts))
    return verdicts


# --- tslint's side and the comparison ------------------------------------------------------------


@dataclass
class Outcome:
    qualname: str
    status: str  # ok | failed | crashed | not built
    built: Optional[str] = None
    message: str = ""
    where: Optional[str] = None  # path:first_row of torch's line in the library
    flagged_at_line: bool = False  # an error finding on torch's highlighted lines
    warned_at_line: bool = False  # only a warning there (TS330: an attribute created on some paths)
    flagged_in_class: bool = False
    findings: List[str] = field(default_factory=list)  # code path:row of error findings in compiled code
    known: bool = True  # tslint's index sees the class as a module class (else no compiled scope)
    # Missed at torch's line: how many classes that script compile that line too (shared_lines.py).
    shared_with: int = 0


def compare(folder: Path, verdicts: dict, jobs: Optional[int]) -> Tuple[List[Outcome], float]:
    """Lint the library's folder and set each class's torch verdict beside tslint's findings."""
    started = time.monotonic()
    sources = discover([str(folder)], None, ())
    result = lint_sources(sources, Config(), jobs=jobs)
    lint_seconds = time.monotonic() - started
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR and d.code != "TS001"]
    script_findings = [d for d in result.diagnostics if d.mode is Mode.SCRIPT and d.code != "TS001"]
    index = project_index(sources)
    by_line: Dict[Tuple[str, int], List] = {}
    warned: Dict[Tuple[str, int], List] = {}
    for d in script_findings:
        key = (str(Path(d.filename).resolve()), d.location.row)
        (by_line if d.severity is Severity.ERROR else warned).setdefault(key, []).append(d)
    outcomes = []
    scripting: Dict[str, set] = {}  # each class that scripts: the functions compiled for it
    spans: Dict[int, TorchSpan] = {}  # torch's span of each located failure, by outcome
    for record in verdicts["records"]:
        qualname = record["qualname"]
        if not record.get("built"):
            outcomes.append(Outcome(qualname, "not built", message=record.get("detail", "")))
            continue
        if record.get("crash"):
            outcomes.append(Outcome(qualname, "crashed", record["built"], record["crash"]))
            continue
        if record.get("meta_only") and "meta" in (record["error"] or ""):
            # It failed on the meta device because of the meta device, and could not be built on
            # the CPU (6 GB): torch's verdict on real tensors is unknown.
            outcomes.append(
                Outcome(qualname, "not built", message="meta device only: " + headline(record["error"])[:200])
            )
            continue
        scripted = record.get("scripted_class", qualname)
        compiled = set()
        if scripted in index.classes:
            compiled = scripted_symbols(index, scripted)  # as --confirm counts a class's findings
        mine = [d for d in errors if (d.filename, d.symbol) in compiled]
        outcome = Outcome(
            qualname,
            "ok" if record["error"] is None else "failed",
            record["built"],
            findings=[f"{d.code} {_short(d.filename, folder)}:{d.location.row}" for d in mine],
            known=scripted in index.module_classes,
        )
        if record["error"] is not None:
            outcome.message = headline(record["error"].split(": ", 1)[-1])[:300]
            homes = [index.classes[scripted].path] if scripted in index.classes else []
            homes += sorted({path for path, _ in compiled} - set(homes))
            span = locate(record["error"], str(folder), homes)
            outcome.flagged_in_class = any((d.filename, d.symbol) in compiled for d in script_findings)
            if span is not None:
                spans[id(outcome)] = span
                outcome.where = f"{_short(span.path, folder)}:{span.first_row}"
                rows = range(span.first_row, span.last_row + 1)
                outcome.flagged_at_line = any(by_line.get((span.path, row)) for row in rows)
                outcome.warned_at_line = not outcome.flagged_at_line and any(
                    warned.get((span.path, row)) for row in rows
                )
        elif compiled:
            scripting[qualname] = compiled
        outcomes.append(outcome)
    for outcome in outcomes:
        if id(outcome) in spans and not outcome.flagged_at_line:
            outcome.shared_with = len(sharing_classes(spans[id(outcome)], scripting))
    return outcomes, lint_seconds


def _short(path: str, folder: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(folder.parent))
    except ValueError:
        return path


def summarise(outcomes: Sequence[Outcome]) -> Dict[str, int]:
    statuses = Counter(o.status for o in outcomes)
    failed = [o for o in outcomes if o.status == "failed"]
    located = [o for o in failed if o.where]
    sites: Dict[str, bool] = {}
    for o in located:
        sites[o.where] = sites.get(o.where, False) or o.flagged_at_line
    scripted = [o for o in outcomes if o.status == "ok"]
    return {
        "classes": len(outcomes),
        "built": len(outcomes) - statuses["not built"],
        "scripted_ok": len(scripted),
        "failed": len(failed),
        "crashed_or_timed_out": statuses["crashed"],
        "located": len(located),
        "located_flagged_at_line": sum(o.flagged_at_line for o in located),
        "distinct_sites": len(sites),
        "distinct_sites_flagged": sum(sites.values()),
        "unlocated": len(failed) - len(located),
        "unlocated_flagged_in_class": sum(o.flagged_in_class for o in failed if not o.where),
        "false_positives": sum(bool(o.findings) for o in scripted),
        "located_warned_at_line": sum(o.warned_at_line for o in located),
        "located_missed_unknown_class": sum(not o.known for o in located if not o.flagged_at_line),
        "located_missed_shared": sum(bool(o.shared_with) for o in located),
    }


# --- the second oracle --------------------------------------------------------------------------


def confirm_all(python: Path, folder: Path, timeout: float) -> dict:
    """`tslint --confirm=all` on the library, run by the bench's Python (it has the library's
    dependencies); TS000 findings are failures no rule predicted."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [
        str(python),
        "-m",
        "tslint",
        "--confirm=all",
        "--mode",
        "script",
        "--format",
        "json",
        "--no-cache",
        "--exit-zero",
        str(folder),
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, cwd=str(folder.parent))
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s"}
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    diagnostics = report["diagnostics"] if isinstance(report, dict) else report
    statuses = Counter((d.get("confirmation") or {}).get("status", "none") for d in diagnostics if d["code"] != "TS000")
    ts000 = [d for d in diagnostics if d["code"] == "TS000"]
    return {
        "seconds": round(time.monotonic() - started),
        "TS000": len(ts000),
        "confirmed": statuses["confirmed"],
        "refuted": statuses["refuted"],
        "unverified": statuses["unverified"],
        "TS000_messages": Counter(d["message"][:160] for d in ts000).most_common(),
        # where each one is, so a miss can be found again without re-running torch
        "TS000_sites": [
            [os.path.relpath(d["filename"], folder.parent), d["location"]["row"], d["message"][:240]] for d in ts000
        ],
        # a refuted finding is a false positive torch showed: where, which rule, and torch's word
        "refuted_sites": [
            [
                os.path.relpath(d["filename"], folder.parent),
                d["location"]["row"],
                d["code"],
                d["confirmation"]["detail"][:200],
            ]
            for d in diagnostics
            if d["code"] != "TS000" and (d.get("confirmation") or {}).get("status") == "refuted"
        ],
    }


# --- output -------------------------------------------------------------------------------------

COLUMNS = (
    ("classes", "classes"),
    ("built", "built"),
    ("scripted_ok", "script OK"),
    ("failed", "fail"),
    ("crashed_or_timed_out", "hang/crash"),
    ("located", "located"),
    ("located_flagged_at_line", "at line"),
    ("distinct_sites", "sites"),
    ("distinct_sites_flagged", "sites flagged"),
    ("false_positives", "false +"),
)


def table(rows: Dict[str, Dict[str, int]]) -> str:
    lines = ["| library | " + " | ".join(title for _, title in COLUMNS) + " |", "|" + " --- |" * (len(COLUMNS) + 1)]
    for name, figures in rows.items():
        lines.append(f"| {name} | " + " | ".join(str(figures[key]) for key, _ in COLUMNS) + " |")
    total = rows.get("total")
    if total:
        lines.append("")
        lines.append(
            f"located failures flagged at torch's line: {_share(total['located_flagged_at_line'], total['located'])}; "
            f"distinct sites flagged: {_share(total['distinct_sites_flagged'], total['distinct_sites'])}; "
            f"scripting classes with an error finding: {_share(total['false_positives'], total['scripted_ok'])}"
        )
        lines.append(
            f"located failures with only a warning at torch's line: {total['located_warned_at_line']}; "
            f"misses in classes tslint does not see as module classes: {total['located_missed_unknown_class']}; "
            f"failures torch does not locate in the library: {total['unlocated']} "
            f"({total['unlocated_flagged_in_class']} with a script finding in the class)"
        )
    return "\n".join(lines)


def message_kind(message: str) -> str:
    """torch's headline with the names and numbers taken out, to group failures by kind."""
    text = re.sub(r"'[^']*'", "'…'", message)
    text = re.sub(r'"[^"]*"', '"…"', text)
    text = re.sub(r"0x[0-9a-f]+|\d+", "N", text)
    return text.split(" (This ")[0].rstrip(" :")[:100]


def misses_and_false_positives(report: Dict[str, dict]) -> str:
    """Located failures without a finding at torch's line, grouped by kind of message (classes,
    sites, an example site), and the false positives' codes."""
    groups: Dict[str, List[dict]] = {}
    codes: Counter = Counter()
    for library in report.values():
        for outcome in library["classes"]:
            if outcome["status"] == "failed" and outcome["where"] and not outcome["flagged_at_line"]:
                groups.setdefault(message_kind(outcome["message"]), []).append(outcome)
            elif outcome["status"] == "ok" and outcome["findings"]:
                codes.update({finding.split()[0] for finding in outcome["findings"]})
    lines = ["missed (located, no error finding at torch's line): classes, sites, torch's message, e.g."]
    for kind, outcomes in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        sites = sorted({o["where"] for o in outcomes})
        lines.append(f"  {len(outcomes):4} {len(sites):4}  {kind}  ({sites[0]})")
    shared = [o for outcomes in groups.values() for o in outcomes if o.get("shared_with")]
    lines.append(
        f"  of which on a line that classes that script compile too: {len(shared)} classes, "
        f"{len({o['where'] for o in shared})} sites"
    )
    lines.append("false positives, classes by code: " + ", ".join(f"{code} {n}" for code, n in codes.most_common()))
    return "\n".join(lines)


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f} %)" if whole else f"{part}/0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--libs", default=",".join(LIBRARIES), help="comma-separated subset of: " + ", ".join(LIBRARIES)
    )
    parser.add_argument("--json", action="store_true", help="print the figures and every class's outcome as JSON")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one class may take to build and script")
    parser.add_argument("--confirm", action="store_true", help="also run tslint --confirm=all on each library")
    parser.add_argument("--rescript", action="store_true", help="script again instead of reusing cached torch verdicts")
    parser.add_argument(
        "--misses", action="store_true", help="also list the misses by kind of message, and the false positives' codes"
    )
    parser.add_argument("-j", "--jobs", type=int, default=None, help="tslint worker processes")
    args = parser.parse_args()
    names = [n.strip() for n in args.libs.split(",") if n.strip()]
    unknown = [n for n in names if n not in LIBRARIES]
    if unknown:
        parser.error(f"unknown libraries: {', '.join(unknown)}")
    pythons = environments(names, quiet=args.json)
    rows: Dict[str, Dict[str, int]] = {}
    report: Dict[str, dict] = {}
    for name in names:
        python = pythons[name]
        folder = package_folder(python, LIBRARIES[name][1])
        verdicts = torch_verdicts(python, name, args.timeout, args.rescript)
        outcomes, lint_seconds = compare(folder, verdicts, args.jobs)
        rows[name] = summarise(outcomes)
        report[name] = {
            "requirements": list(LIBRARIES[name][0]),
            "figures": rows[name],
            "modules_not_imported": len(verdicts["import_errors"]),
            "script_seconds": verdicts["seconds"],
            "lint_seconds": round(lint_seconds, 1),
            "classes": [asdict(o) for o in outcomes],
        }
        if args.confirm:
            report[name]["confirm_all"] = confirm_all(python, folder, timeout=3600)
    rows["total"] = {key: sum(r[key] for r in rows.values()) for key in next(iter(rows.values()))}
    if args.json:
        print(json.dumps({"torch": TORCH, "figures": rows, "libraries": report}, indent=1))
        return 0
    print(table(rows))
    for name in names:
        extra = report[name]
        line = f"{name}: {extra['modules_not_imported']} modules not importable here; lint {extra['lint_seconds']} s"
        if "confirm_all" in extra:
            verdicts = {k: v for k, v in extra["confirm_all"].items() if k != "TS000_messages"}
            line += f"; --confirm=all: {json.dumps(verdicts)}"
        print(line)
    if args.misses:
        print()
        print(misses_and_false_positives(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
