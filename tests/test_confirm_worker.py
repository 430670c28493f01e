"""--confirm's zygote and workers: torch imported once, each file still in a process of its own;
masking of each method kind; the confirm scopes, the exit code and the summary line."""

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
from tslint import api, cli  # noqa: E402
from tslint.findings import Diagnostic, Mode, Position, Severity  # noqa: E402

DATA = ROOT / "tests" / "confirm_data"
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="subreapers and /proc are Linux")
COMMAND = [sys.executable, "-m", "tslint", "--no-cache", "--format", "json", "--confirm"]


def run(args, cwd: Path):
    completed = subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, timeout=300)
    assert b"Traceback" not in completed.stderr, completed.stderr.decode()
    return completed.returncode, json.loads(completed.stdout)


def test_each_method_kind_is_masked_and_the_error_behind_it_found() -> None:
    """A classmethod (it crashed the masking), a staticmethod (it gave a bogus TS000), a property and
    an overloaded method (their second errors stayed unverified) that torch fails in first; and a
    class and a static method whose error hides one in `forward` itself (masking `forward` instead
    of the method, the fallback, would leave it unverified)."""
    code, document = run(["kinds.py"], DATA / "kinds")
    found = {(d["location"]["row"], d["code"]): d["confirmation"]["status"] for d in document["diagnostics"]}
    assert code == 1
    assert found == {
        (12, "TS317"): "confirmed",
        (15, "TS201"): "confirmed",  # classmethod, then `second`
        (24, "TS201"): "confirmed",
        (27, "TS201"): "confirmed",  # staticmethod
        (36, "TS201"): "confirmed",
        (39, "TS201"): "confirmed",  # property
        (55, "TS201"): "confirmed",
        (58, "TS201"): "confirmed",  # overloaded method
        (72, "TS317"): "confirmed",
        (78, "TS319"): "confirmed",  # classmethod, then forward itself
        (85, "TS201"): "confirmed",
        (91, "TS319"): "confirmed",  # staticmethod, then forward itself
    }


CALLER_FAILS_FIRST = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    EPS = 1e-6

    @classmethod
    def safe_div(cls, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a / (b + cls.EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (lambda z: z)(self.safe_div(x, x))
"""


def test_a_finding_in_a_function_torch_never_reached_says_so(tmp_path) -> None:
    """torch's parser stops at the lambda in forward first; masking forward hides safe_div (a class
    method cannot be exported), so its finding stays unverified, and not "in the same function"."""
    (tmp_path / "caller.py").write_text(CALLER_FAILS_FIRST)
    code, document = run(["caller.py"], tmp_path)
    found = {d["code"]: d["confirmation"] for d in document["diagnostics"]}
    assert code == 1 and found["TS201"]["status"] == "confirmed"
    assert found["TS317"] == {
        "status": "unverified",
        "detail": "not reached: torch stopped at an earlier error in another function and never compiled this one",
    }


INHERITED_HELPER = """\
import functools
import inspect
import types

import torch
import torch.nn as nn


class Base(nn.Module):
    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        forward = inspect.getattr_static(cls, "forward")
        if "forward" not in vars(cls):  # a copy of forward in each subclass's own dict
            clone = types.FunctionType(forward.__code__, forward.__globals__, "forward", forward.__defaults__)
            cls.forward = functools.update_wrapper(clone, forward)

    def helper(
        self,
        x: torch.Tensor,
        *,
        scale: float = 1.0,
        shift: float = 0.0,
    ) -> torch.Tensor:
        return x * scale + shift

    def forward(self, x: torch.Tensor, *args) -> torch.Tensor:
        y = (lambda z: z)(x)
        return self.helper(y)


class Child(Base):
    pass
"""


def test_a_method_torch_failed_in_after_its_export_is_never_refuted(tmp_path) -> None:
    """Child's job masks forward, exports the inherited helper (on a copy of Child, named Child),
    then torch fails at helper's first keyword-only default and masks it. The mask once named the
    copy's class (`Child.helper`), the export the defining one (`Base.helper`): helper counted as
    exported and compiled, and its second finding was refuted. Likewise forward, which each
    subclass holds a copy of: its lambda was "not reached" though torch failed in forward."""
    (tmp_path / "inherited.py").write_text(INHERITED_HELPER)
    code, document = run(["--confirm=all", "inherited.py"], tmp_path)
    found = {(d["location"]["row"], d["code"]): d["confirmation"] for d in document["diagnostics"]}
    assert code == 1 and found[(21, "TS102")]["status"] == "confirmed" and found[(26, "TS101")]["status"] == "confirmed"
    masked = {"status": "unverified", "detail": "masked by an earlier error torch reported in the same function"}
    assert found[(22, "TS102")] == masked
    assert found[(27, "TS201")] == masked


HOSTILE_PATCH = """\
import torch
import torch.nn as nn

torch.jit.script = lambda module, *args, **kwargs: module  # every class "compiles" from here on


class Patched(nn.Module):
    def forward(self, x, *args):
        return x
"""

VARARGS = """\
import torch.nn as nn


class Real(nn.Module):
    def forward(self, x, *args):
        return x
"""


def test_a_file_cannot_change_what_torch_says_about_the_next_one(tmp_path) -> None:
    """Both files go to one zygote (-j 1): the first replaces torch.jit.script in its worker, which
    then cannot say anything of its own class (the worker took torch's entry points before the
    import), nor of the next file's, which a fresh worker forked from the untouched zygote checks."""
    (tmp_path / "a_patch.py").write_text(HOSTILE_PATCH)
    (tmp_path / "b_real.py").write_text(VARARGS)
    code, document = run(["-j", "1", "."], tmp_path)
    status = {d["filename"]: d["confirmation"] for d in document["diagnostics"]}
    assert status["b_real.py"]["status"] == "confirmed"
    assert status["a_patch.py"] == {
        "status": "unverified",
        "detail": "user code replaced torch.jit.script: torch's answer cannot be trusted",
    }
    assert code == 1  # the patched file's finding still stands


PATCHED_LATER = """import torch
import torch.jit._recursive
import torch.nn as nn


def _pretend(nn_module, stubs_fn, share_types=True, is_tracing=False):
    return nn_module


class First(nn.Module):
    def forward(self, x, *args):
        return x


class Second(nn.Module):
    def __init__(self):
        super().__init__()
        torch.jit._recursive.create_script_module = _pretend  # while tslint builds the instance

    def forward(self, x, *args):
        return x


class Third(nn.Module):
    def forward(self, x, *args):
        return x
"""


def test_a_class_that_patches_torch_internals_is_unverified_and_so_is_what_follows(tmp_path) -> None:
    """The entry points are compared after each class too (checked here in the order of their
    names): the class whose constructor replaced torch's internals, and every class checked after
    it in that worker, are unverified; the one checked before is confirmed."""
    (tmp_path / "patched.py").write_text(PATCHED_LATER)
    code, document = run(["-j", "1", "patched.py"], tmp_path)
    found = {d["symbol"].split(".")[0]: d["confirmation"] for d in document["diagnostics"]}
    assert found["First"]["status"] == "confirmed"
    detail = "user code replaced torch.jit._recursive.create_script_module: torch's answer cannot be trusted"
    assert found["Second"] == found["Third"] == {"status": "unverified", "detail": detail}
    assert code == 1


KILLS_ZYGOTE = """\
import os
import signal
import time
from dataclasses import replace

import torch.nn as nn

if os.fork() == 0:
    os.setsid()
    time.sleep(120)
    os._exit(0)
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(60)


class Net(nn.Module):
    def forward(self, x, *args):
        return x
"""


@LINUX
def test_files_after_one_that_kills_its_zygote_are_still_checked(tmp_path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "a_kills.py").write_text(KILLS_ZYGOTE)
    (project / "b_real.py").write_text(VARARGS)
    answer = run_contained([*COMMAND, "-j", "1", "."], project, tmp_path, settle=3.0)
    status = {d["filename"]: d["confirmation"] for d in json.loads(answer["report"])["diagnostics"]}
    assert status["a_kills.py"] == {
        "status": "unverified",
        "detail": "the child process ended unexpectedly (exit code -9)",
    }
    assert status["b_real.py"]["status"] == "confirmed"
    assert answer["left"] == {}, f"left behind: {answer['left']}"


@LINUX
def test_the_zygote_has_one_thread_when_it_forks() -> None:
    """Forking a process with threads can leave a lock held in the child: the zygote has imported
    torch and probed it with no thread but its own."""
    from tslint.confirm.pool import _Zygote

    zygote = _Zygote(timeout=20)
    try:
        deadline = time.monotonic() + 180
        setup = []
        while not setup and time.monotonic() < deadline:
            setup = zygote.read() or []
            time.sleep(0.05)
        assert setup and "torch" in setup[0], setup
        assert len(os.listdir(f"/proc/{zygote.process.pid}/task")) == 1
    finally:
        zygote.stop(gently=True)


CLEAN = "import torch.nn as nn\n\n\nclass Clean(nn.Module):\n    def forward(self, x):\n        return x + 1\n"


def test_refuted_findings_do_not_fail_the_run(tmp_path, monkeypatch, capsys) -> None:
    """A finding torch compiles (as a buggy rule would report it) is refuted: exit 0, and the
    summary counts it."""
    (tmp_path / "clean.py").write_text(CLEAN)
    lint = api.lint_sources

    def with_a_false_positive(sources, config, **options):
        result = lint(sources, config, **options)
        forced = Diagnostic(
            "TS201",
            "lambda-in-compiled-code",
            Severity.ERROR,
            Mode.SCRIPT,
            "forced",
            "clean.py",
            Position(6, 9),
            Position(6, 14),
            symbol="Clean.forward",
        )
        return replace(result, diagnostics=(*result.diagnostics, forced))

    monkeypatch.setattr(api, "lint_sources", with_a_false_positive)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--no-cache", "--confirm", "clean.py"]) == 0
    output = capsys.readouterr().out
    assert "[refuted by torch]" in output and "torch: 0 confirmed, 1 refuted, 0 unverified." in output
    assert "All checks passed! (1 file checked; 1 refuted by torch)" in output


def test_a_bad_confirm_value_is_a_usage_error(tmp_path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tslint", "--confirm=everything", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2 and "--confirm=all or --confirm=findings" in completed.stderr


def test_every_class_with_example_inputs_is_traced() -> None:
    """ShapeAsData has no trace finding: torch's TracerWarning becomes a TS000 (a trace warning);
    Clean, also traced, gives none."""
    code, document = run(["traced.py"], DATA / "traced")
    trace_ts000 = [d for d in document["diagnostics"] if d["code"] == "TS000" and d["mode"] == "trace"]
    assert [(d["location"]["row"], d["severity"], d["confirmation"]["status"]) for d in trace_ts000] == [
        (57, "warning", "confirmed")
    ]
    assert "Converting a tensor to a Python float" in trace_ts000[0]["message"]
    findings_only = subprocess.run(
        [*COMMAND[:-1], "--confirm=findings", "traced.py"], cwd=DATA / "traced", capture_output=True, timeout=300
    )
    assert not [d for d in json.loads(findings_only.stdout)["diagnostics"] if d["code"] == "TS000"]


STOPS_ZYGOTE = """\
import os
import signal

import torch.nn as nn

os.kill(os.getppid(), signal.SIGSTOP)


class Net(nn.Module):
    def forward(self, x, *args):
        return x
"""


@LINUX
def test_a_zygote_stopped_by_user_code_is_replaced_after_the_timeout(tmp_path) -> None:
    """User code that SIGSTOPs its zygote: the zygote cannot answer, so tslint stops it once the
    file's timeout (and a margin) has passed, gives the file the timeout, and checks the next
    file in a new zygote."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.tslint.confirm]\ntimeout = 3\n")
    (project / "a_stops.py").write_text(STOPS_ZYGOTE)
    (project / "b_real.py").write_text(VARARGS)
    start = time.monotonic()
    answer = run_contained([*COMMAND, "-j", "1", "."], project, tmp_path, settle=3.0)
    status = {d["filename"]: d["confirmation"] for d in json.loads(answer["report"])["diagnostics"]}
    assert status["a_stops.py"] == {"status": "unverified", "detail": "timed out after 3 s"}
    assert status["b_real.py"]["status"] == "confirmed"
    assert answer["left"] == {}, f"left behind: {answer['left']}"
    assert time.monotonic() - start < 120


def test_classes_it_cannot_build_stay_silent_without_a_finding(tmp_path) -> None:
    (tmp_path / "net.py").write_text(
        "import torch.nn as nn\n\n\nclass NeedsWidth(nn.Module):\n    def __init__(self, width):\n"
        "        super().__init__()\n        self.width = width\n\n    def forward(self, x):\n        return x * "
        "sum([1, 2]).no_such_method()\n"
    )
    code, document = run(["net.py"], tmp_path)
    assert code == 0 and document["diagnostics"] == []


def test_progress_names_the_classes_checked_and_the_current_file(capsys, monkeypatch) -> None:
    import tslint.progress
    from tslint.config import load_config
    from tslint.confirm.runner import confirm
    from tslint.files import discover

    monkeypatch.setattr(tslint.progress, "DELAY", 0.0)  # drawn at once: a short run otherwise prints nothing
    monkeypatch.setattr(tslint.progress, "INTERVAL", 0.0)  # every step drawn, the last one included
    folder = DATA / "proj"
    config = load_config([str(folder)], None, False, api.known_codes())
    sources = discover([str(folder)], config.root, config.exclude)
    confirm(api.lint_sources(sources, config), sources, config, progress=True, workers=1)
    errors = capsys.readouterr().err
    assert "tslint: confirming [" in errors and "] 6/6 (net.py)" in errors and errors.endswith("\r\x1b[K")
    assert errors.endswith("\r\x1b[K")  # the line is cleared at the end
