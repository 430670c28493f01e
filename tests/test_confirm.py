"""--confirm against real torch: statuses, TS000, and user code that misbehaves in every way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("torch")

from conftest import ROOT  # noqa: E402
from subreaper import run_contained  # noqa: E402
from tslint.api import known_codes, lint_sources  # noqa: E402
from tslint.config import load_config  # noqa: E402
from tslint.confirm.runner import confirm  # noqa: E402
from tslint.files import discover  # noqa: E402
from tslint.findings import Diagnostic, Mode, Position, Severity  # noqa: E402

DATA = ROOT / "tests" / "confirm_data"
LINUX = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="subreapers, PR_SET_DUMPABLE and capabilities are Linux"
)


COMMAND = [sys.executable, "-m", "tslint", "--no-cache", "--format", "json", "--confirm"]


def run(*args, cwd: Path, timeout: int = 300, flag: str = "--confirm"):
    completed = subprocess.run(
        [sys.executable, "-m", "tslint", "--no-cache", "--format", "json", flag, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        timeout=timeout,
    )
    assert b"Traceback" not in completed.stderr, completed.stderr.decode()
    return completed.returncode, json.loads(completed.stdout)


def by_line(document, filename):
    return {
        (d["location"]["row"], d["code"]): d["confirmation"]
        for d in document["diagnostics"]
        if d["filename"] == filename
    }


@pytest.fixture(scope="module")
def project():
    return run(".", cwd=DATA / "proj", flag="--confirm=all")


def test_confirmed_findings_in_a_package_with_relative_imports(project) -> None:
    code, document = project
    assert code == 1 and document["tool"]["torch"].startswith("2.")
    found = by_line(document, "models/net.py")
    # Two independent errors in one class: torch stops at the first, the second is found after
    # the first function is masked.
    assert found[(9, "TS101")]["status"] == "confirmed"
    assert found[(12, "TS103")]["status"] == "confirmed"


def test_factory_and_missing_factory(project) -> None:
    found = by_line(project[1], "models/net.py")
    assert found[(21, "TS101")]["status"] == "confirmed"  # built by the configured factory
    detail = found[(33, "TS101")]
    assert detail["status"] == "unverified" and "needs a factory" in detail["detail"] and "width" in detail["detail"]


def test_unpredicted_failure_becomes_ts000(project) -> None:
    found = by_line(project[1], "models/net.py")
    ts000 = found[(44, "TS000")]
    assert ts000["status"] == "confirmed"
    (diagnostic,) = [d for d in project[1]["diagnostics"] if d["code"] == "TS000"]
    assert "no_such_method" in diagnostic["message"]


def test_a_static_false_positive_is_refuted() -> None:
    """A finding forced onto a class torch compiles (as a buggy rule would report it)."""
    config = load_config([str(DATA / "proj")], None, False, known_codes())
    sources = discover([str(DATA / "proj")], config.root, config.exclude)
    result = lint_sources(sources, config)
    path = next(s.display for s in sources if s.display.endswith("net.py"))
    forced = Diagnostic(
        "TS201",
        "lambda-in-compiled-code",
        Severity.ERROR,
        Mode.SCRIPT,
        "forced",
        path,
        Position(39, 9),
        Position(39, 21),
        symbol="Clean.forward",
    )
    confirmed, version = confirm(replace(result, diagnostics=(*result.diagnostics, forced)), sources, config, False)
    (verdict,) = [d for d in confirmed.diagnostics if d.message == "forced"]
    assert verdict.confirmation.status == "refuted" and "compiled this code" in verdict.confirmation.detail
    assert version is not None


def test_confirm_checks_classes_without_findings_unless_asked_for_findings_only(tmp_path) -> None:
    (tmp_path / "net.py").write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x * sum([1, "
        "2]).no_such_method()\n"
    )
    for flag in ("--confirm", "--confirm=all"):
        code, document = run(".", cwd=tmp_path, flag=flag)
        assert code == 1 and [d["code"] for d in document["diagnostics"]] == ["TS000"], flag
    code, document = run(".", cwd=tmp_path, flag="--confirm=findings")
    assert code == 0 and document["diagnostics"] == []  # nothing to confirm: no finding


@pytest.mark.parametrize(
    "name, expected",
    [
        ("exits.py", "importing the module failed: SystemExit: 3"),
        ("hard_exit.py", "user code ended the child process (exit code 9)"),
        ("loops.py", "timed out after 20 s"),
        ("allocates.py", "MemoryError"),  # 100 MB at a time up to the 4 GB cap, no page touched (calloc)
        ("segfault.py", "crashed (SIGSEGV)"),
    ],
)
@LINUX
def test_hostile_user_code(name, expected, tmp_path) -> None:
    """Each ends as one unverified finding, and no process of this run is left (the processes are
    found from tslint's, under a subreaper: never by name across the machine)."""
    start = time.monotonic()
    answer = run_contained([*COMMAND, name], DATA / "hostile", tmp_path, timeout=300, settle=10)
    (finding,) = json.loads(answer["report"])["diagnostics"]
    assert answer["returncode"] == 1 and finding["code"] == "TS101"
    assert finding["confirmation"]["status"] == "unverified" and expected in finding["confirmation"]["detail"]
    assert time.monotonic() - start < 120
    assert answer["left"] == {}, f"left behind: {answer['left']}"


def test_user_output_never_reaches_tslint_output() -> None:
    code, document = run("spam.py", cwd=DATA / "hostile")  # json.loads in run() proves it stayed valid
    (finding,) = document["diagnostics"]
    assert code == 1 and finding["confirmation"]["status"] == "confirmed"


def test_text_output_shows_statuses() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tslint", "--no-cache", "--confirm", "models/net.py"],
        cwd=DATA / "proj",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "[confirmed]" in completed.stdout and "[unverified: " in completed.stdout


def test_missing_torch_exits_2(tmp_path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    program = (
        "import sys\nimport importlib.util\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'torch' else real(name, *a)\n"
        "from tslint.cli import main\nsys.exit(main(['--confirm', 'a.py']))\n"
    )
    completed = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True)
    assert completed.returncode == 2 and "--confirm needs torch: pip install torch" in completed.stderr


def test_trace_findings_with_example_inputs() -> None:
    code, document = run("traced.py", cwd=DATA / "traced")
    found = {d["location"]["row"]: d["confirmation"] for d in document["diagnostics"] if d["code"].startswith("TS4")}
    assert code == 1
    assert found[16]["status"] == "confirmed" and "TracerWarning" in found[16]["detail"]  # ValueBranch
    assert found[24]["status"] == "confirmed" and "input set 2" in found[24]["detail"]  # SilentLoop, silent
    assert found[32]["status"] == "unverified" and "second input set" in found[32]["detail"]
    assert found[39]["status"] == "unverified" and 'example-inputs = {"traced:NoInputs"' in found[39]["detail"]
    assert found[49]["status"] == "confirmed" and "cannot be traced" in found[49]["detail"]  # TS409, a float input


def test_a_torch_that_refuses_torchscript_is_one_clear_error(tmp_path) -> None:
    """Later torch releases may refuse TorchScript outright: one error line, exit 2, no findings.
    The child finds it out on a function of tslint's own, before any user code runs."""
    fake = tmp_path / "fake" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "__version__ = '9.0.0'\n\n\nclass jit:\n    @staticmethod\n    def script(value):\n"
        "        raise RuntimeError('TorchScript is no longer supported in this release; use torch.export')\n"
    )
    (tmp_path / "net.py").write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "fake"), str(ROOT)])}
    completed = subprocess.run(
        [*COMMAND, "net.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=environment
    )
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.strip() == (
        "tslint: error: --confirm: this torch refuses TorchScript: RuntimeError: TorchScript is no longer "
        "supported in this release; use torch.export"
    )


def test_a_comment_quoting_a_refusal_does_not_end_the_run() -> None:
    """torch quotes the flagged line, comment included: only what torch says of itself can end a run."""
    code, document = run("refusal_comment.py", cwd=DATA / "hostile")
    (finding,) = document["diagnostics"]
    assert code == 1 and finding["confirmation"]["status"] == "confirmed"


@LINUX
def test_user_code_cannot_write_into_the_report_or_forge_a_verdict(tmp_path) -> None:
    """forge.py writes into every pipe and the stdout of the supervisor and of tslint through
    /proc/<pid>/fd, writes forged records (a compiled class, a fatal error, another torch) to its
    own pipes, and replaces json.dumps and JSONEncoder.encode to turn its failure into a success.
    Root passes /proc's ptrace check with CAP_SYS_PTRACE, which the worker drops; any other user is
    stopped by tslint being non-dumpable (test_processes checks both as another user)."""
    import torch

    report = tmp_path / "report.json"
    report.touch()
    report.chmod(0o666)
    for output in ("pipe", "file"):
        args = [*COMMAND, "forge.py"] + (["--output-file", str(report)] if output == "file" else [])
        completed = subprocess.run(args, cwd=DATA / "hostile", capture_output=True, timeout=300)
        text = report.read_bytes() if output == "file" else completed.stdout
        assert b"INJECTED" not in text + completed.stderr and b"forged" not in text + completed.stderr
        document = json.loads(text)  # only tslint's report, nothing before or after it
        (finding,) = document["diagnostics"]
        assert completed.returncode == 1 and document["tool"]["torch"] == torch.__version__
        assert finding["confirmation"]["status"] == "confirmed", finding


def test_failures_away_from_the_flagged_line_are_confirmed() -> None:
    """TS329 (torch points into the wrapper), TS327 (an internal assert, no location), TS216 (a file
    and line, no highlight): each finding is confirmed by torch's message, and no TS000 appears."""
    code, document = run("models.py", cwd=DATA / "elsewhere")
    found = {(d["location"]["row"], d["code"]): d["confirmation"]["status"] for d in document["diagnostics"]}
    assert found == {
        (15, "TS329"): "confirmed",
        (28, "TS327"): "confirmed",
        (35, "TS216"): "confirmed",
        (41, "TS331"): "confirmed",
    }


def test_the_supervisor_passes_on_only_the_workers_own_records_in_order() -> None:
    """The Gate: lines without the token are dropped; `torch` and `fatal` never come from a worker
    (the zygote says them before any user code exists); only the job's classes, and differing
    records for one class make it unverified."""
    from tslint.confirm.child import MAX_LINE, Gate

    job = {"classes": [{"qualname": "m.A"}, {"qualname": "m.B", "trace": True}]}
    gate = Gate(b"t0k", job)

    def line(record, token=b"t0k"):
        return token + b" " + json.dumps(record).encode() + b"\n"

    done = {"qualname": "m.A", "kind": "script", "status": "done", "compiled": False}
    gate.feed(line({"torch": "2.13.0"}) + line({"torch": "6.6.6"}, token=b"bad") + line({"importing": True}))
    gate.feed(line({"fatal": "forged"}) + line({"qualname": "m.C", "kind": "script"}))
    gate.feed(line(done)[:10])  # a record in two reads
    gate.feed(line(done)[10:] + line({**done, "qualname": "m.B"}) + b"t0k " + b"x" * (MAX_LINE + 10))
    gate.feed(b"tail of the overlong line\n" + line({"qualname": "m.B", "kind": "trace", "status": "traced"}))
    gate.feed(line({"qualname": "m.B", "kind": "trace", "status": "unverified"}))
    assert gate.records() == [
        done,
        {
            "qualname": "m.B",
            "kind": "trace",
            "status": "unverified",
            "detail": "the child process sent conflicting results for this class",
        },
    ]


def test_a_malformed_record_makes_its_class_unverified() -> None:
    from tslint.confirm.results import _class_result

    good = {
        "qualname": "m.A",
        "status": "done",
        "line": 3,
        "compiled": False,
        "masked": [],
        "exported": [],
        "failures": [{"message": 'NotSupportedError: no\n  File "/x/m.py", line 7\n    x = 1\n    ~~~~~ <--- HERE'}],
    }
    result = _class_result(good)
    assert result.unverified is None and result.failures[0][1].first_row == 7  # the span found here again
    for broken in (
        {"compiled": "yes"},
        {"failures": [{"message": 3}]},
        {"masked": [None]},
        {"line": "1"},
        {"failures": None},
    ):
        assert _class_result({**good, **broken}).unverified == "the child process sent a malformed result"
    assert _class_result({"qualname": "m.A", "status": "unverified", "detail": "x" * 5000}).unverified == "x" * 500


def test_masking_a_method_with_string_annotations_adds_no_failure(tmp_path) -> None:
    """Masking makes a method ignored; torch 2.13 cannot resolve an ignored function's string
    annotations (`from __future__ import annotations`): "Unknown type annotation: 'torch.Tensor'",
    a failure of confirm's own making. The masked copy gets them evaluated, a wrapper's too."""
    import importlib.util

    torch = pytest.importorskip("torch")
    from tslint.confirm.checks import _skipped

    path = tmp_path / "masked_strings.py"
    path.write_text(
        "from __future__ import annotations\n"
        "import torch\n"
        "class Plain(torch.nn.Module):\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        return self.h(x, True)\n"
        "    def h(self, x: torch.Tensor, flag: bool) -> torch.Tensor:\n"
        "        return x\n"
        "class Wrapped(Plain):\n"
        "    @torch.no_grad()\n"
        "    def h(self, x: torch.Tensor, flag: bool) -> torch.Tensor:\n"
        "        return x\n"
    )
    spec = importlib.util.spec_from_file_location("masked_strings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for cls in (module.Plain, module.Wrapped):
        masked = type(cls.__name__, (cls,), {"h": _skipped(torch, vars(cls)["h"]), "__module__": cls.__module__})
        torch.jit.script(masked())
        with pytest.raises(Exception, match="Unknown type annotation"):
            plain = type(cls.__name__, (cls,), {"h": torch.jit.ignore(vars(cls)["h"]), "__module__": cls.__module__})
            torch.jit.script(plain())


def test_a_masked_function_s_unresolvable_annotation_adds_no_failure(tmp_path) -> None:
    """A helper annotated `torch.Size` fails at its annotation (TS111's line); masked, it is ignored,
    and torch then fails at the call, typing the ignored helper's signature ("Unknown type
    annotation: '<class 'torch.Size'>'"): masking's effect, not a failure of the user's code that
    would become a TS000 (kornia's OtsuThreshold, seen by the real-world bench)."""
    import importlib.util

    torch = pytest.importorskip("torch")
    from tslint.confirm.checks import confirm_class

    path = tmp_path / "masked_size.py"
    path.write_text(
        "from typing import Optional, Tuple\n"
        "import torch\n"
        "class Sized(torch.nn.Module):\n"
        "    def forward(self, x: torch.Tensor) -> int:\n"
        "        return self.h(x.shape)\n"
        "    def h(self, shape: torch.Size) -> int:\n"
        "        return shape[0]\n"
        "class OptionalSized(torch.nn.Module):\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        y, s = self.h(x)\n"
        "        return y\n"
        "    def h(self, x: torch.Tensor, s: Optional[torch.Size] = None) -> Tuple[torch.Tensor, int]:\n"
        "        return x, 0\n"
    )
    spec = importlib.util.spec_from_file_location("masked_size", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("Sized", "OptionalSized"):
        entry = {"name": name, "qualname": f"masked_size.{name}", "methods": []}
        result = confirm_class(torch, module, entry)
        assert [f["span"][1] for f in result["failures"]] == [6 if name == "Sized" else 12], result
        assert f"{name}.h" in result["masked"]


def test_names_under_a_wrapper_from_another_module_are_confirmed(tmp_path) -> None:
    """torch compiles a method under a project decorator's `functools.wraps` wrapper from its own
    source, but names the wrapper's file, with the method's rows: TS343's finding there is
    confirmed, and no TS000 appears in the wrapper's file."""
    (tmp_path / "deco.py").write_text(
        "import functools\n\n\ndef renamed(fn):\n    @functools.wraps(fn)\n"
        "    def wrapper(*args, **kwargs):\n        return fn(*args, **kwargs)\n\n    return wrapper\n"
    )
    (tmp_path / "models.py").write_text(
        "import torch\nfrom deco import renamed\n\n\nclass Net(torch.nn.Module):\n    @renamed\n"
        "    def forward(self, x):\n        return torch.relu(x)\n"
    )
    code, document = run("models.py", "deco.py", cwd=tmp_path, flag="--confirm=all")
    found = {
        (d["filename"], d["location"]["row"], d["code"]): d["confirmation"]["status"] for d in document["diagnostics"]
    }
    assert found == {("models.py", 8, "TS343"): "confirmed"}


def test_a_finding_in_a_submodule_the_scope_misses_is_confirmed(tmp_path) -> None:
    """A submodule built by `self.blocks.append(block)` through a local is outside tslint's scope of
    the holder, but torch compiles it: the failure torch reports there, at a line a finding flags
    with its rule's message, confirms that finding instead of making a TS000. (`Block` needs
    arguments, so it is scripted only inside `Encoder`.)"""
    (tmp_path / "models.py").write_text(
        "import torch\n\n\nclass Block(torch.nn.Module):\n"
        "    def __init__(self, window: int):\n        super().__init__()\n        self.window = window\n\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        if self.window > 0:\n            pad = x + 1\n"
        "        if self.window > 0:\n            x = x + pad\n        return x\n\n\n"
        "class Encoder(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.blocks = torch.nn.ModuleList()\n        for i in range(2):\n"
        "            block = Block(window=i)\n            self.blocks.append(block)\n\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        for blk in self.blocks:\n            x = blk(x)\n        return x\n"
    )
    code, document = run("models.py", cwd=tmp_path, flag="--confirm=all")
    found = {(d["location"]["row"], d["code"]): d["confirmation"]["status"] for d in document["diagnostics"]}
    assert found == {(10, "TS344"): "confirmed"}


def test_a_warning_in_a_submodule_the_scope_misses_is_confirmed(tmp_path) -> None:
    """The same for a warning: TS330's attribute created on one path only, in a block appended
    through a local and built down the other path. torch's "Module 'Block' has no attribute 'bias'"
    at the flagged line is TS330's torch message, so it confirms the warning (no TS000)."""
    (tmp_path / "models.py").write_text(
        "import torch\n\n\nclass Block(torch.nn.Module):\n"
        "    def __init__(self, use_bias: bool):\n        super().__init__()\n        self.use_bias = use_bias\n"
        "        if use_bias:\n            self.bias = torch.nn.Parameter(torch.zeros(3))\n\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        if self.use_bias:\n            x = x + self.bias\n        return x\n\n\n"
        "class Encoder(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.blocks = torch.nn.ModuleList()\n        for i in range(2):\n"
        "            block = Block(use_bias=i > 5)\n            self.blocks.append(block)\n\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        for blk in self.blocks:\n            x = blk(x)\n        return x\n"
    )
    code, document = run("models.py", cwd=tmp_path, flag="--confirm=all")
    found = {(d["location"]["row"], d["code"]): d["confirmation"]["status"] for d in document["diagnostics"]}
    assert found == {(13, "TS330"): "confirmed"}


def test_any_finding_under_a_wrapper_from_another_module_is_confirmed(tmp_path) -> None:
    """Under a `functools.wraps` wrapper from another module torch names the wrapper's file with the
    method's rows, whatever it fails on: the line it shows is the method's (deco.py's row 9 is
    blank), so TS201's lambda there is confirmed and no TS000 lands in deco.py."""
    (tmp_path / "deco.py").write_text(
        "import functools\n\nimport torch\n\n\ndef keep_shape(fn):\n    @functools.wraps(fn)\n"
        "    def wrapper(*args, **kwargs):\n        return fn(*args, **kwargs)\n\n    return wrapper\n"
    )
    (tmp_path / "models.py").write_text(
        "import torch\nfrom deco import keep_shape\n\n\nclass Net(torch.nn.Module):\n    @keep_shape\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        f = torch.relu\n"
        "        g = lambda t: t + 1\n        return g(f(x))\n"
    )
    code, document = run("models.py", "deco.py", cwd=tmp_path, flag="--confirm=all")
    found = {
        (d["filename"], d["location"]["row"], d["code"]): d["confirmation"]["status"] for d in document["diagnostics"]
    }
    assert found == {("models.py", 9, "TS201"): "confirmed"}


def test_an_unread_invalid_constant_is_confirmed_at_its_assignment(tmp_path: Path) -> None:
    # TS372 reports a constant compiled code never reads where the class gives it its value (its
    # `__init__`, its body): torch's failure names no line, and the class's job takes the finding.
    (tmp_path / "model.py").write_text(
        "from typing import Final\n"
        "import torch\n"
        "from torch import nn\n"
        "\n"
        "class Listed(nn.Module):\n"
        '    __constants__ = ["table"]\n'
        "\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        '        self.table = {"a": 1}\n'
        "\n"
        "    def forward(self, x):\n"
        "        return x\n"
        "\n"
        "class Annotated(nn.Module):\n"
        '    names: Final = {"a", "b"}\n'
        "\n"
        "    def forward(self, x):\n"
        "        return x\n"
    )
    code, document = run("model.py", cwd=tmp_path)
    found = {(row, c): status["status"] for (row, c), status in by_line(document, "model.py").items()}
    assert code == 1 and found == {(10, "TS372"): "confirmed", (16, "TS372"): "confirmed"}, document


def test_an_unread_invalid_constant_of_a_submodule_is_no_unpredicted_failure_of_its_holder(tmp_path: Path) -> None:
    # torch fails scripting `Parent` because its submodule's class `Sub` holds an invalid constant:
    # TS372 reports it in `Sub.__init__`, which `Parent`'s job must take too, or its failure is a TS000.
    (tmp_path / "model.py").write_text(
        "import torch\n"
        "from torch import nn\n"
        "\n"
        "class Sub(nn.Module):\n"
        '    __constants__ = ["table"]\n'
        "\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        '        self.table = {"a": 1}\n'
        "\n"
        "    def forward(self, x):\n"
        "        return x\n"
        "\n"
        "class Parent(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.sub = Sub()\n"
        "\n"
        "    def forward(self, x):\n"
        "        return self.sub(x)\n"
    )
    code, document = run("model.py", cwd=tmp_path)
    found = {(row, c): status["status"] for (row, c), status in by_line(document, "model.py").items()}
    assert code == 1 and found == {(9, "TS372"): "confirmed"}, document


def test_a_class_that_compiles_after_others_of_its_file_is_judged_alone(tmp_path) -> None:
    """torch compiles `isinstance(x, nn.LayerNorm)` once a module holding an nn.LayerNorm was scripted
    in the process, and fails on it in a new one (what the user's export script is): the worker that
    scripted `AHolder` first must not refute `ZBad`'s TS304."""
    (tmp_path / "m.py").write_text(
        "import torch.nn as nn\n\n\nclass AHolder(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.norm = nn.LayerNorm(4)\n\n    def forward(self, x):\n        return self.norm(x)\n\n\n"
        "class ZBad(nn.Module):\n    def forward(self, x):\n        if isinstance(x, nn.LayerNorm):\n"
        "            return x\n        return x * 2\n"
    )
    code, document = run(".", cwd=tmp_path)
    assert code == 1
    assert [(d["code"], d["confirmation"]["status"]) for d in document["diagnostics"]] == [("TS304", "confirmed")]
