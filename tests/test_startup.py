"""A run the cache answers whole (the file of runs, tslint/cache.py) reads the files and nothing more:
it parses nothing and imports neither libcst nor any rule; and it can never answer another run.

Imports are observed with `-X importtime` in a fresh process, as pre-commit or an editor runs tslint
(`run`, the tests marked `process`); what a run answers is observed in this process (`lint`, tests/
cli_runner.py), which reads the file of runs from disk as a fresh process does.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

import tslint.cache
from cli_runner import run_cli
from tslint import __version__
from tslint.cache import CACHE_FOLDER, ResultCache

ROOT = Path(__file__).resolve().parent.parent
BASE = (
    "import torch.nn as nn\n\n\nclass Base(nn.Module):\n    def forward(self, x):\n        return self.helper(x)\n\n "
    "   def helper(self, x):\n        return x\n"
)
CHILD = "from .base import Base\n\n\nclass Child(Base):\n    def helper(self, x, *rest):\n        return x\n"


@pytest.fixture(autouse=True)
def private_key_home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.setattr(tslint.cache, "_KEYS", {})
    return home


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "base.py").write_text(BASE)
    (folder / "pkg" / "child.py").write_text(CHILD)
    return folder


def run(project: Path, *args: str, stdin: Optional[str] = None):
    """(exit code, findings as (file, code, row), modules imported) of `tslint --format json ARGS`."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tslint", "--format", "json", *args],
        cwd=project,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )
    modules = {line.split("|")[-1].strip() for line in completed.stderr.splitlines() if line.startswith("import time:")}
    findings = [(d["filename"], d["code"], d["location"]["row"]) for d in json.loads(completed.stdout)["diagnostics"]]
    return completed.returncode, findings, modules


def lint(project: Path, *args: str, stdin: str = ""):
    """(exit code, findings as (file, code, row)) of `tslint --format json ARGS`, in this process."""
    completed = run_cli("--format", "json", *args, cwd=project, stdin=stdin)
    findings = [(d["filename"], d["code"], d["location"]["row"]) for d in json.loads(completed.stdout)["diagnostics"]]
    return completed.returncode, findings


def imports_rules_or_libcst(modules: set) -> List[str]:
    return sorted(m for m in modules if m == "libcst" or m.startswith(("tslint.rules.", "tslint.engine.phases")))


@pytest.mark.process  # imports are observed in a fresh process
def test_a_warm_run_of_unchanged_files_imports_no_libcst_and_no_rule(project: Path) -> None:
    cold = run(project, "pkg/child.py")
    assert cold[:2] == (1, [("pkg/child.py", "TS101", 5)]) and "libcst" in cold[2]
    warm = run(project, "pkg/child.py")
    assert warm[:2] == cold[:2]
    assert imports_rules_or_libcst(warm[2]) == []


@pytest.mark.process  # imports are observed in a fresh process
def test_a_warm_run_with_codes_in_the_config_checks_them_against_the_cached_catalogue(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.tslint]\nignore = ["TS330"]\n')
    cold = lint(project, "pkg/child.py", "--select", "TS101")  # fills the cache; its imports are not observed
    warm = run(project, "pkg/child.py", "--select", "TS101")
    assert cold[:2] == warm[:2] == (1, [("pkg/child.py", "TS101", 5)])
    assert imports_rules_or_libcst(warm[2]) == []
    (project / "pyproject.toml").write_text('[tool.tslint]\nignore = ["TS999"]\n')
    completed = run_cli("pkg/child.py", cwd=project)
    assert completed.returncode == 2 and "names unknown rule 'TS999'" in completed.stderr


def test_a_changed_context_file_is_never_answered_by_the_earlier_run(project: Path) -> None:
    assert lint(project, "pkg/child.py")[1] == [("pkg/child.py", "TS101", 5)]
    (project / "pkg" / "base.py").write_text(BASE.replace("return self.helper(x)", "return x"))
    changed = lint(project, "pkg/child.py")
    assert changed[:2] == (0, [])  # Child.helper is no longer compiled
    assert lint(project, "--no-cache", "pkg/child.py")[:2] == changed[:2]


def test_other_files_or_settings_are_other_runs(project: Path) -> None:
    assert lint(project, "pkg/child.py")[1] == [("pkg/child.py", "TS101", 5)]
    assert lint(project, "pkg/base.py")[:2] == (0, [])  # the same files, another one reported
    assert lint(project, "--ignore", "TS101", "pkg/child.py")[:2] == (0, [])
    assert lint(project, "--mode", "trace", "pkg/child.py")[:2] == (0, [])
    assert lint(project, "pkg/child.py")[:2] == (1, [("pkg/child.py", "TS101", 5)])


@pytest.mark.process  # imports are observed in a fresh process
def test_stdin_uses_the_cache_for_its_context_and_a_repeated_buffer(project: Path) -> None:
    """Only the warm run's imports are observed (a fresh process); the others run in this process."""
    text = (project / "pkg" / "child.py").read_text()
    cold = lint(project, "--stdin-filename", "pkg/child.py", stdin=text)
    assert cold[:2] == (1, [("pkg/child.py", "TS101", 5)])
    assert (project / CACHE_FOLDER).is_dir()
    warm = run(project, "--stdin-filename", "pkg/child.py", stdin=text)
    assert warm[:2] == cold[:2] and imports_rules_or_libcst(warm[2]) == []
    edited = lint(project, "--stdin-filename", "pkg/child.py", stdin=text.replace("*rest", "y"))
    assert edited[:2] == (0, [])
    assert lint(project, "--no-cache", "--stdin-filename", "pkg/child.py", stdin=text)[:2] == cold[:2]


def _runs_file(project: Path) -> Path:
    return project / CACHE_FOLDER / f"runs-{__version__}.pickle"


def test_a_forged_clean_run_does_not_hide_findings(project: Path) -> None:
    assert lint(project, "pkg/child.py")[1] == [("pkg/child.py", "TS101", 5)]
    cache = ResultCache(project / CACHE_FOLDER)
    table = cache._run_table()
    assert table["runs"] and table["catalogue"]
    clean = {
        "runs": {
            key: pickle.dumps({name: ((), ()) for name in pickle.loads(outcomes)})
            for key, outcomes in table["runs"].items()
        },
        "catalogue": table["catalogue"],
    }
    payload = pickle.dumps(clean)
    folder = (project / CACHE_FOLDER).resolve()
    forgeries = {
        "bare pickle": payload,
        "guessed MAC": tslint.cache.MAGIC + bytes(32) + payload,
        "another user's key": tslint.cache.MAGIC
        + tslint.cache._mac(os.urandom(32), folder, cache._runs_code, payload)
        + payload,
        "the MAC of the other file": tslint.cache.MAGIC
        + tslint.cache._mac(cache.key, folder, cache.code, payload)
        + payload,
    }
    for name, forged in forgeries.items():
        _runs_file(project).write_bytes(forged)
        assert lint(project, "pkg/child.py")[1] == [("pkg/child.py", "TS101", 5)], name


class Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_signed_run_file_still_cannot_build_code(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    cache = ResultCache(project / CACHE_FOLDER)
    (project / CACHE_FOLDER).mkdir()
    for table in (
        {"runs": {"k": Evil(marker)}, "catalogue": None},
        {"runs": {"k": pickle.dumps(Evil(marker))}, "catalogue": None},
    ):
        payload = pickle.dumps(table)
        mac = tslint.cache._mac(cache.key, (project / CACHE_FOLDER).resolve(), cache._runs_code, payload)
        _runs_file(project).write_bytes(tslint.cache.MAGIC + mac + payload)
        assert ResultCache(project / CACHE_FOLDER).run("k") is None and not marker.exists()
    assert lint(project, "pkg/child.py")[1] == [("pkg/child.py", "TS101", 5)] and not marker.exists()


def test_runs_are_bounded_in_number_and_size(tmp_path: Path, monkeypatch) -> None:
    cache = ResultCache(tmp_path / CACHE_FOLDER)
    for index in range(tslint.cache.MAX_RUNS + 5):
        cache.store_run(f"run{index}", {})
    cache.save()
    again = ResultCache(tmp_path / CACHE_FOLDER)
    assert again.run("run4") is None and again.run("run5") == {} and again.run(f"run{tslint.cache.MAX_RUNS + 4}") == {}
    monkeypatch.setattr(tslint.cache, "MAX_RUNS_BYTES", 3000)
    again.store_run("large", {"a.py": (("x" * 2000,), ())})
    again.store_run("larger", {"a.py": (("x" * 2000,), ())})
    again.store_run("too large", {"a.py": (("x" * 4000,), ())})
    assert again.run("large") is None and again.run("larger") is not None and again.run("too large") is None
