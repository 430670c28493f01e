"""The trace rules against torch.jit.trace on real models (torchvision and timm).

    python bench/trace_realworld.py collect -o /tmp/trace_truth.json   # needs torch, torchvision, timm, pillow
    python bench/trace_realworld.py score /tmp/trace_truth.json         # lints the libraries, scores

`collect` builds each model of a fixed list (random weights, no download), puts it in eval mode, fills
all-zero parameters with small random values (a zero head makes every comparison pass), traces it on
a first input inside `warnings.catch_warnings(record=True)` with `simplefilter("always")`, and keeps
the TracerWarnings' lines in library code; then it compares traced and eager results on a second input
(another batch size, and another image size where eager mode accepts it). Structured outputs (dicts,
lists of dicts) are flattened to a tuple of tensors by a wrapper outside the libraries. Then it moves
the eager model and the trace to another device (`.to("meta")`, the only other device of a CPU
machine) and runs both on the first input moved there: `moved` is "trace ok", "trace fails" (the
trace raises, e.g. a device baked into it: "Tensor on device cpu is not on the expected device
meta!"), "trace stays" (an output not on eager mode's device, or of another shape), or "eager fails"
(eager mode itself does not run there, e.g. an operator without a meta kernel: the check says
nothing). It records, per model: the warned library lines, whether the trace diverges (or raises) on
the second input, the move's outcome, and the source span of every module class the model uses.
`collect --only-move TRUTH` traces every model again for the move check alone and writes TRUTH's
records with the check's outcome added (the second-input comparison stays TRUTH's).

`score` lints the libraries' folders as one project in trace mode and reports: TracerWarning lines
flagged by a TS4xx finding on that line; diverging models — the trace diverges or raises on the
second input, or fails or stays behind after the move while eager mode runs there — with a finding
on one of their warned lines (or, when torch did not warn, in a class they use); and models whose
trace is exact (no warning in library code, same output on the second input, and not failing after
the move) carrying a warning-level TS4xx finding in a class they use. torchvision's compiled
operators are not loadable here (a CUDA build), so `collect` registers `torchvision::nms` and
`torchvision::roi_align` as Python custom operators: they are opaque operators to the tracer, as the
real ones are.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent

TORCHVISION = [
    "alexnet",
    "convnext_tiny",
    "densenet121",
    "efficientnet_b0",
    "efficientnet_v2_s",
    "googlenet",
    "inception_v3",
    "maxvit_t",
    "mnasnet0_5",
    "mobilenet_v2",
    "mobilenet_v3_small",
    "regnet_x_400mf",
    "regnet_y_400mf",
    "resnet18",
    "resnext50_32x4d",
    "shufflenet_v2_x0_5",
    "squeezenet1_1",
    "swin_t",
    "swin_v2_t",
    "vgg11_bn",
    "vit_b_32",
    "wide_resnet50_2",
    "deeplabv3_mobilenet_v3_large",
    "fcn_resnet50",
    "lraspp_mobilenet_v3_large",
    "fasterrcnn_mobilenet_v3_large_320_fpn",
    "fcos_resnet50_fpn",
    "retinanet_resnet50_fpn",
    "ssdlite320_mobilenet_v3_large",
    "maskrcnn_resnet50_fpn",
    "keypointrcnn_resnet50_fpn",
    "ssd300_vgg16",
    "mc3_18",
    "r2plus1d_18",
    "s3d",
    "swin3d_t",
    "mvit_v2_s",
    "raft_small",
]
TIMM = [
    "resnet18",
    "efficientnet_b0",
    "mobilenetv3_small_050",
    "convnext_atto",
    "regnetx_002",
    "dla34",
    "densenet121",
    "vit_tiny_patch16_224",
    "deit_tiny_patch16_224",
    "swin_tiny_patch4_window7_224",
    "swinv2_cr_tiny_ns_224",
    "beit_base_patch16_224",
    "cait_xxs24_224",
    "levit_128s",
    "mvitv2_tiny",
    "crossvit_tiny_240",
    "coat_lite_tiny",
    "twins_svt_small",
    "pvt_v2_b0",
    "poolformer_s12",
    "mixer_s16_224",
    "gmlp_ti16_224",
    "nfnet_l0",
    "hrnet_w18_small",
    "ese_vovnet19b_dw",
    "xcit_nano_12_p16_224",
    "efficientformer_l1",
    "mobilevit_xxs",
    "edgenext_xx_small",
    "maxvit_tiny_tf_224",
    "coatnet_nano_rw_224",
    "davit_tiny",
    "fastvit_t8",
    "tiny_vit_5m_224",
    "repvit_m1",
    "hiera_tiny_224",
    "eva02_tiny_patch14_224",
    "ghostnet_100",
    "rexnet_100",
    "lcnet_050",
    "tresnet_m",
    "focalnet_tiny_srf",
    "visformer_tiny",
    "convmixer_768_32",
    "sequencer2d_s",
    "nest_tiny",
    "pit_ti_224",
    "gcvit_xxtiny",
    "inception_next_tiny",
    "efficientvit_b0",
    "cspresnet50",
    "selecsls42b",
    "res2net50_26w_4s",
    "skresnet18",
    "ghostnetv2_100",
    "hgnetv2_b0",
    "mambaout_femto",
    "starnet_s1",
]


# --- collect (torch, torchvision and timm imported) ---------------------------------------------------


def _import_libraries():
    import torch

    def nms(boxes, scores, iou_threshold):
        order = scores.argsort(descending=True)
        boxes = boxes[order]
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        removed = torch.zeros(len(boxes), dtype=torch.bool)
        keep = []
        for i in range(len(boxes)):
            if removed[i]:
                continue
            keep.append(i)
            lt = torch.max(boxes[i, :2], boxes[i + 1 :, :2])
            rb = torch.min(boxes[i, 2:], boxes[i + 1 :, 2:])
            inter = (rb - lt).clamp(min=0).prod(1)
            removed[i + 1 :] |= inter / (area[i] + area[i + 1 :] - inter) > iou_threshold
        return order[torch.tensor(keep, dtype=torch.long)]

    lib = torch.library.Library("torchvision", "DEF")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define(
        "roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width, "
        "int sampling_ratio, bool aligned) -> Tensor"
    )
    lib.define("_cuda_version() -> int")
    lib.impl("nms", nms, "CPU")
    lib.impl("_cuda_version", lambda: -1, "CompositeExplicitAutograd")
    import types

    for skipped in ("torchvision._meta_registrations", "torchvision._autograd_registrations"):
        sys.modules[skipped] = types.ModuleType(skipped)  # fakes and gradients: not needed to trace
    real_load_library = torch.ops.load_library
    torch.ops.load_library = lambda path: None  # torchvision then takes its operators as present
    try:
        import importlib

        import torchvision

        roi_align_module = importlib.import_module("torchvision.ops.roi_align")
    finally:
        torch.ops.load_library = real_load_library
    lib.impl("roi_align", roi_align_module._roi_align, "CPU")
    import timm

    _import_libraries.keep = lib
    return torch, torchvision, timm


def _flatten(value, torch):
    if isinstance(value, torch.Tensor):
        return (value,)
    if isinstance(value, dict):
        return tuple(t for key in sorted(value) for t in _flatten(value[key], torch))
    if isinstance(value, (list, tuple)):
        return tuple(t for item in value for t in _flatten(item, torch))
    return ()


def _wrapper(torch, model, kind):
    class Flat(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            if kind == "detection":
                inputs = ([image for image in inputs[0]],)
            return _flatten(self.model(*inputs), torch)

    return Flat()


def _inputs(torch, name, kind):
    """(first input, second inputs to try in order)."""
    generator = torch.Generator().manual_seed(0)

    def image(*shape):
        return torch.rand(*shape, generator=generator)

    if kind == "video":
        frames, size = (16, 224) if "mvit" in name else (8, 112)
        return (image(1, 3, frames, size, size),), [(image(2, 3, frames, size, size),)]
    if kind == "flow":
        return (image(1, 3, 128, 128), image(1, 3, 128, 128)), [
            (image(2, 3, 96, 160), image(2, 3, 96, 160)),
            (image(2, 3, 128, 128), image(2, 3, 128, 128)),
        ]
    if kind == "detection":
        return (image(1, 3, 224, 256),), [(image(1, 3, 192, 224),)]  # a list of images: one per trace
    size = 299 if name == "inception_v3" else 240 if "240" in name else 224
    return (image(1, 3, size, size),), [(image(2, 3, size + 32, size + 64),), (image(2, 3, size, size),)]


def _same(a, b, torch):
    if len(a) != len(b):
        return False
    return all(x.shape == y.shape and torch.allclose(x, y, rtol=1e-3, atol=1e-4) for x, y in zip(a, b))


def _classes(model):
    spans = {}
    for module in model.modules():
        cls = type(module)
        for klass in cls.__mro__:
            if klass.__module__.startswith(("torchvision.", "timm.")) and klass.__qualname__ not in spans:
                try:
                    lines, start = inspect.getsourcelines(klass)
                    spans[f"{klass.__module__}.{klass.__qualname__}"] = [
                        os.path.realpath(inspect.getsourcefile(klass)),
                        start,
                        start + len(lines) - 1,
                    ]
                except (OSError, TypeError):
                    pass
    return spans


def build(torch, torchvision, timm, library, name):
    """The model in eval mode (no all-zero parameters), its kind, and its (first input, second inputs)."""
    kind = "classification"
    if library == "timm":
        model = timm.create_model(name, pretrained=False)
    else:
        from torchvision import models

        for module, label in (
            (models.detection, "detection"),
            (models.segmentation, "segmentation"),
            (models.video, "video"),
            (models.optical_flow, "flow"),
        ):
            if name in models.list_models(module=module):
                kind = label
        kwargs = {"weights": None}
        if kind == "classification" and name in ("googlenet", "inception_v3"):
            kwargs["init_weights"] = False
        if kind in ("detection", "segmentation"):
            kwargs["weights_backbone"] = None
        model = models.get_model(name, **kwargs)
    model.eval()
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.numel() and not parameter.any():
                parameter.normal_(0, 0.02)
    return model, kind, _inputs(torch, name, kind)


def _last_line(error):
    """The error's message: a TorchScript error's own (its last `...Error: ` line), else its first line."""
    lines = str(error).strip().splitlines() or [""]
    own = [line for line in lines if line.split(":")[0].endswith("Error") and not line[:1].isspace()]
    return own[-1][:200] if own else f"{type(error).__name__}: {lines[0][:200]}"


def _moved(torch, wrapper, traced, first, device="meta"):
    """Eager model and trace moved to `device` (`.to`) and run on the first input moved there: "trace ok",
    "trace fails" (raises), "trace stays" (an output not on eager mode's device or of another shape),
    or "eager fails" (eager mode itself does not run there: the check says nothing); and a detail."""
    inputs = tuple(x.to(device) for x in first)
    try:
        expected = wrapper.to(device)(*inputs)
    except Exception as error:
        return "eager fails", _last_line(error)
    try:
        got = traced.to(device)(*inputs)
    except Exception as error:
        return "trace fails", _last_line(error)
    pairs = list(zip(got, expected))
    if len(got) != len(expected) or any(x.device != y.device or x.shape != y.shape for x, y in pairs):
        return "trace stays", str(sorted({str(x.device) for x in got}))
    return "trace ok", ""


def _collect_one(torch, torchvision, timm, library, name, roots, only_move=False):
    model, kind, (first, seconds) = build(torch, torchvision, timm, library, name)
    wrapper = _wrapper(torch, model, kind).eval()
    record = {"model": f"{library}:{name}", "kind": kind, "classes": _classes(model)}
    with torch.no_grad():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                traced = torch.jit.trace(wrapper, first, check_trace=False, strict=False)
            except Exception as error:
                traced = None
                record["status"] = "untraceable"
                record["detail"] = f"{type(error).__name__}: {str(error)[:200]}"
        record["warned"] = sorted(
            {
                (os.path.realpath(w.filename), w.lineno)
                for w in caught
                if issubclass(w.category, torch.jit.TracerWarning) and os.path.realpath(w.filename).startswith(roots)
            }
        )
        if traced is None:
            return record
        for second in () if only_move else seconds:
            try:
                expected = wrapper(*second)
            except Exception:
                continue
            try:
                record["status"] = "exact" if _same(traced(*second), expected, torch) else "diverges"
            except Exception as error:
                record["status"] = "raises"
                record["detail"] = f"{type(error).__name__}: {str(error)[:200]}"
            record["second"] = [list(t.shape) for t in second]
            break
        else:
            record["status"] = "no-second-input"
        record["moved"], record["moved_detail"] = _moved(torch, wrapper, traced, first)
    return record


def collect_one(name: str, only_move: bool = False, more: Sequence[str] = ()) -> None:
    """One model, in its own process (bounded memory and time): its record as JSON on stdout. With
    `only_move`, no second input (its status is "no-second-input"), the move check is done; `more`
    models follow in the same process, one line each."""
    torch, torchvision, timm = _import_libraries()
    torch.set_num_threads(1)
    roots = tuple(os.path.realpath(os.path.dirname(m.__file__)) + os.sep for m in (torchvision, timm))
    for each in (name, *more):
        library, _, model = each.partition(":")
        try:
            record = _collect_one(torch, torchvision, timm, library, model, roots, only_move)
        except Exception as error:
            record = {"model": each, "status": "unbuilt", "detail": f"{type(error).__name__}: {error}"[:200]}
        record["roots"] = roots
        print(json.dumps(record), flush=True)


def collect_models(
    script: str, names: Sequence[str], output: str, only, memory_gb: float, seconds: int, describe, keep_others=False
) -> None:
    """Run `script collect-one NAME` for each model in a child process under an address-space and a
    time limit, writing every record to `output` as it comes (`describe(record)`: the progress line).
    With `keep_others`, redoing `only` some models keeps the other models' records from `output`."""
    import resource
    import subprocess

    def limit():
        limit_bytes = int(memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    records, roots = [], None
    kept = {}
    if keep_others and only and Path(output).exists():
        previous = json.loads(Path(output).read_text(encoding="utf-8"))
        roots, kept = previous["roots"], {r["model"]: r for r in previous["models"]}
    for name in names:
        if only and name not in only:
            if name in kept:
                records.append(kept[name])
            continue
        try:
            done = subprocess.run(
                [sys.executable, script, "collect-one", name],
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
            record = {"model": name, "status": "unbuilt", "detail": f"exit {done.returncode}: {done.stderr[-300:]}"}
        print(*describe(record), file=sys.stderr, flush=True)
        records.append(record)
        Path(output).write_text(json.dumps({"roots": roots, "models": records}, indent=1), encoding="utf-8")
    Path(output).write_text(json.dumps({"roots": roots, "models": records}, indent=1), encoding="utf-8")


def _limit(memory_gb):
    import resource

    limit_bytes = int(memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def collect_moves(names, output: str, truth: str, memory_gb: float, seconds: int, chunk: int = 8) -> None:
    """The move check alone for `names`, `chunk` models per child process (one import of the libraries),
    merged into `truth`'s records (which keep their second-input comparison): `moved`, `moved_detail`,
    and `retraced_warned` when the new trace warned at other lines. Written to `output`; models that
    already have a `moved` there are not checked again (a resumed run)."""
    import subprocess

    previous = json.loads(Path(truth).read_text(encoding="utf-8"))
    done = {}
    if Path(output).exists():
        done = {r["model"]: r for r in json.loads(Path(output).read_text(encoding="utf-8"))["models"] if "moved" in r}
    records = {r["model"]: done.get(r["model"], r) for r in previous["models"]}
    todo = [name for name in names if name not in done]

    def write():
        models = [records[r["model"]] for r in previous["models"]]
        Path(output).write_text(json.dumps({"roots": previous["roots"], "models": models}, indent=1), encoding="utf-8")

    def memory_limit():
        _limit(memory_gb)

    for start in range(0, len(todo), chunk):
        group = todo[start : start + chunk]
        command = [sys.executable, __file__, "collect-one", *group, "--only-move"]
        try:
            limit = seconds * len(group)
            child = subprocess.run(command, capture_output=True, text=True, timeout=limit, preexec_fn=memory_limit)
            out = child.stdout
        except subprocess.TimeoutExpired as expired:
            out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout or ""
        got = {r["model"]: r for r in (json.loads(line) for line in out.splitlines() if line.startswith("{"))}
        for name in group:
            record, kept = got.get(name, {}), dict(records[name])
            if "moved" in record:
                kept["moved"], kept["moved_detail"] = record["moved"], record["moved_detail"]
                if record["warned"] != kept.get("warned", []):
                    kept["retraced_warned"] = record["warned"]
            records[name] = kept
            detail = record.get("moved_detail", record.get("detail", "no record"))
            print(name, kept["status"], "/ moved:", kept.get("moved", "-"), detail[:100], file=sys.stderr, flush=True)
        write()
    write()


def collect(output: str, only, memory_gb: float, seconds: int, only_move: str = "") -> None:
    """With `only_move` (a truth file): collect_moves into `output`."""
    names = [f"torchvision:{n}" for n in TORCHVISION] + [f"timm:{n}" for n in TIMM]
    if only_move:
        collect_moves([n for n in names if not only or n in only], output, only_move, memory_gb, seconds)
        return

    def describe(record):
        status = f"{record['status']} / moved: {record.get('moved', '-')}"
        return record["model"], status, len(record.get("warned", ())), record.get("detail", "")[:100]

    collect_models(__file__, names, output, only, memory_gb, seconds, describe)


# --- score (tslint, no torch) --------------------------------------------------------------------------


MOVED_WRONG = ("trace fails", "trace stays")


def verdicts(models):
    """(models traced and compared, diverging ones, exact ones). Diverging: the trace diverges or raises
    on the second input, or fails (or leaves an output behind) once moved where eager mode still runs.
    Exact: none of that, and no TracerWarning in library code."""
    models = [m for m in models if m["status"] in ("exact", "diverges", "raises")]
    wrong = [m for m in models if m["status"] != "exact" or m.get("moved") in MOVED_WRONG]
    exact = [m for m in models if m not in wrong and not m["warned"]]
    return models, wrong, exact


def score(truth_path: str, verbose: bool, tslint_root: str) -> None:
    sys.path.insert(0, tslint_root)
    from tslint.api import lint_sources
    from tslint.config import Config
    from tslint.files import discover
    from tslint.findings import Severity

    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    sources = discover([root for root in truth["roots"]], None, ())
    config = Config(mode="trace")
    result = lint_sources(sources, config, jobs=1)
    findings = [d for d in result.diagnostics if d.code.startswith("TS4") and d.severity is Severity.WARNING]
    flagged = {}
    for d in findings:
        flagged.setdefault((os.path.realpath(d.filename), d.location.row), []).append(d.code)
    by_file = {}
    for d in findings:
        by_file.setdefault(os.path.realpath(d.filename), []).append(d)

    def in_classes(record):
        hits = []
        for path, start, end in record["classes"].values():
            hits.extend(d for d in by_file.get(path, ()) if start <= d.location.row <= end)
        return hits

    models, wrong, exact = verdicts(truth["models"])
    warned = {tuple(line) for m in models for line in m["warned"]}
    covered = {line for line in warned if line in flagged}
    wrong_flagged = [
        m for m in wrong if any(tuple(line) in flagged for line in m["warned"]) or (not m["warned"] and in_classes(m))
    ]
    exact_noisy = [m for m in exact if in_classes(m)]
    codes = {}
    for m in exact_noisy:
        for code in {d.code for d in in_classes(m)}:
            codes[code] = codes.get(code, 0) + 1
    print(f"models traced and compared: {len(models)} (of {len(truth['models'])} listed)")
    print(
        f"TracerWarning lines in library code: {len(warned)}, flagged by a TS4xx finding on the line: {len(covered)}"
        f" ({100 * len(covered) / max(len(warned), 1):.0f} %)"
    )
    moves = {}
    for m in models:
        moves[m.get("moved", "not checked")] = moves.get(m.get("moved", "not checked"), 0) + 1
    print(f"moved to another device: {dict(sorted(moves.items()))}")
    print(
        f"models whose trace diverges or raises on the second input or after a move: {len(wrong)}, flagged at one"
        f" of their lines: {len(wrong_flagged)}"
    )
    print(
        f"models whose trace is exact: {len(exact)}, with a warning-level TS4xx finding in a class they use:"
        f" {len(exact_noisy)} ({100 * len(exact_noisy) / max(len(exact), 1):.0f} %); by code: "
        f"{dict(sorted(codes.items()))}"
    )
    if verbose:
        for path, line in sorted(warned - covered):
            print(f"  missed: {path}:{line}")
        for m in wrong:
            state = f"{m['status']}, moved: {m.get('moved', '-')}"
            if m not in wrong_flagged:
                print(f"  diverging, not flagged: {m['model']} ({state})")
            elif not m["warned"]:
                found = sorted({f"{d.code} {Path(d.filename).name}:{d.location.row}" for d in in_classes(m)})
                print(f"  diverging, flagged in a class it uses: {m['model']} ({state}): " + ", ".join(found))
        for m in exact_noisy:
            print(
                f"  exact, flagged: {m['model']}: "
                + ", ".join(sorted({f"{d.code} {Path(d.filename).name}:{d.location.row}" for d in in_classes(m)}))
            )


def command_line(doc: str, collect, collect_one, score) -> int:
    """The command line of this bench and of script_realworld: collect, collect-one, score."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("collect")
    c.add_argument("-o", "--output", required=True)
    c.add_argument("--only", nargs="*", default=None)
    c.add_argument("--memory-gb", type=float, default=8.0, help="address-space limit of each model's process")
    c.add_argument("--seconds", type=int, default=600, help="time limit of each model's process")
    one = commands.add_parser("collect-one")
    one.add_argument("name")
    if "only_move" in inspect.signature(collect).parameters:
        c.add_argument("--only-move", metavar="TRUTH", default="", help="only the move check, merged into TRUTH")
        one.add_argument("--only-move", action="store_true")
        one.add_argument("more", nargs="*", help="more models, in the same process")
    s = commands.add_parser("score")
    s.add_argument("truth")
    s.add_argument("--verbose", action="store_true")
    s.add_argument(
        "--tslint", default=str(ROOT), help="the tslint source tree to score (another checkout, for before/after)"
    )
    args = parser.parse_args()
    moving = {"only_move": args.only_move} if getattr(args, "only_move", None) else {}
    if args.command == "collect":
        collect(args.output, set(args.only) if args.only else None, args.memory_gb, args.seconds, **moving)
    elif args.command == "collect-one":
        collect_one(args.name, **moving, **({"more": args.more} if getattr(args, "more", None) else {}))
    else:
        score(args.truth, args.verbose, args.tslint)
    return 0


def main() -> int:
    return command_line(__doc__, collect, collect_one, score)


if __name__ == "__main__":
    sys.exit(main())
