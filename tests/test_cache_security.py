"""A repository can commit `.tslint_cache/`: nothing read from it may run code or hide findings.

The cache is authenticated with a per-user key kept outside the project (tslint/cache.py); these tests
play the hostile repository: a pickle whose `__reduce__` creates a marker file, a forged "clean"
cache, a cache signed with someone else's key, FIFOs and symlinks where the cache should be.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
import typing
from pathlib import Path

import pytest

import cli_runner
import tslint.cache
from tslint import __version__
from tslint.cache import CACHE_FOLDER, ResultCache
from tslint.cli import main
from tslint.engine.phases import FileOutcome, FileSummary

ROOT = Path(__file__).resolve().parent.parent
BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"
CACHE_NAMES = [
    f"results-{__version__}.pickle",
    "results-0.0.1.pickle",
    f"runs-{__version__}.pickle",
    "runs-0.0.1.pickle",
]


class Evil:
    """Unpickling this creates `marker`: what a hostile cache would do with os.system."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture(autouse=True)
def private_key_home(tmp_path: Path, monkeypatch) -> Path:
    """Every test gets its own key folder (and so its own key), in this process and in subprocesses."""
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    if hasattr(tslint.cache, "_KEYS"):
        monkeypatch.setattr(tslint.cache, "_KEYS", {})
    return home


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "net.py").write_text(BAD)
    return folder


def run_cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    """`tslint .` as pre-commit or CI runs it in the project, with a fresh process's state: no key
    read yet (tests/cli_runner.py empties tslint.cache's key cache), the environment of the test."""
    return cli_runner.run_cli("--format", "json", *args, ".", cwd=project)


def codes(completed: subprocess.CompletedProcess) -> list:
    return [d["code"] for d in json.loads(completed.stdout)["diagnostics"]]


def hostile_files(project: Path, marker: Path) -> None:
    """A committed cache of every name tslint uses, in the old format (a bare pickle) and in the
    signed format with a MAC the attacker had to guess."""
    folder = project / CACHE_FOLDER
    folder.mkdir(exist_ok=True)
    evil = pickle.dumps({"code": tslint.cache.code_digest(), "entries": Evil(marker)})
    magic = getattr(tslint.cache, "MAGIC", b"")
    for name in CACHE_NAMES:
        (folder / name).write_bytes(evil)
    (folder / ".results-left-behind").write_bytes(magic + bytes(32) + pickle.dumps(Evil(marker)))


def test_malicious_pickle_in_the_project_never_runs(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    reference = run_cli(project, "--no-cache")
    assert reference.returncode == 1 and codes(reference) == ["TS101"]
    hostile_files(project, marker)
    first = run_cli(project)
    assert not marker.exists()
    assert (first.returncode, codes(first)) == (1, ["TS101"]), first.stderr
    # The forgery was overwritten with a signed cache, which is then reused.
    assert ResultCache(project / CACHE_FOLDER).entries
    second = run_cli(project)
    assert (second.returncode, codes(second)) == (1, ["TS101"]) and not marker.exists()
    # The other version's file was pruned; a signed file with a guessed MAC is still there only as data.
    assert not (project / CACHE_FOLDER / "results-0.0.1.pickle").exists()


def test_malicious_pickle_with_a_valid_mac_still_cannot_build_code(project: Path, tmp_path: Path) -> None:
    """Defence in depth: even a payload signed with the user's own key (a leaked key) is unpickled by
    an unpickler that only builds tslint's data classes."""
    marker = tmp_path / "pwned"
    folder = project / CACHE_FOLDER
    folder.mkdir()
    payload = pickle.dumps({"entries": {"net.py": Evil(marker)}})
    key = tslint.cache.secret_key()
    mac = tslint.cache._mac(key, folder.resolve(), tslint.cache.code_digest(), payload)
    (folder / CACHE_NAMES[0]).write_bytes(tslint.cache.MAGIC + mac + payload)
    assert ResultCache(folder).entries == {}
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):
        tslint.cache.restricted_loads(pickle.dumps(Evil(marker)))
    assert not marker.exists()


def _forged_clean(project: Path) -> dict:
    """The real cache of the project with every outcome replaced by "no findings"."""
    assert codes(run_cli(project)) == ["TS101"]
    entries = ResultCache(project / CACHE_FOLDER).entries
    assert entries
    for entry in entries.values():
        entry["outcomes"] = {key: FileOutcome((), ()) for key in entry["outcomes"]}
    return entries


def test_forged_clean_cache_does_not_hide_findings(project: Path) -> None:
    entries = _forged_clean(project)
    path = project / CACHE_FOLDER / CACHE_NAMES[0]
    code = tslint.cache.code_digest()
    magic = getattr(tslint.cache, "MAGIC", b"")
    payload = pickle.dumps({"entries": entries})
    forgeries = {
        "bare pickle": pickle.dumps({"code": code, "entries": entries}),
        "guessed MAC": magic + bytes(32) + payload,
        "another user's key": magic + tslint.cache._mac(os.urandom(32), path.parent.resolve(), code, payload) + payload
        if hasattr(tslint.cache, "_mac")
        else b"",
    }
    for name, forged in forgeries.items():
        path.write_bytes(forged)
        result = run_cli(project)
        assert (result.returncode, codes(result)) == (1, ["TS101"]), name


def test_signed_cache_of_another_project_is_not_reused(project: Path, tmp_path: Path) -> None:
    """The MAC binds the cache to its folder: a copy elsewhere is ignored."""
    run_cli(project)
    other = tmp_path / "other"
    shutil.copytree(project, other)
    assert ResultCache(project / CACHE_FOLDER).entries
    assert ResultCache(other / CACHE_FOLDER).entries == {}


def test_valid_cache_is_reused(project: Path, monkeypatch, capsys) -> None:
    for index in range(30):
        (project / f"m{index}.py").write_text(BAD.replace("Net", f"Net{index}"))
    hits = []
    original = ResultCache.outcome

    def counting(self, source, digest, key):
        found = original(self, source, digest, key)
        hits.append(found is not None)
        return found

    monkeypatch.setattr(ResultCache, "outcome", counting)
    monkeypatch.chdir(project)
    assert main(["--format", "json", "--exit-zero", "."]) == 0
    cold = capsys.readouterr().out
    assert hits and not any(hits)
    hits.clear()
    start = time.perf_counter()
    loaded = ResultCache(project / CACHE_FOLDER)
    elapsed = time.perf_counter() - start
    assert len(loaded.entries) == 31 and elapsed < 1.0
    assert main(["--format", "json", "--exit-zero", "."]) == 0
    assert capsys.readouterr().out == cold
    assert hits == []  # the same run again: answered whole by the file of runs
    (project / CACHE_FOLDER / f"runs-{__version__}.pickle").unlink()
    assert main(["--format", "json", "--exit-zero", "."]) == 0
    assert capsys.readouterr().out == cold
    assert len(hits) == 31 and all(hits)  # without it, by each file's outcome


def test_key_and_cache_files_are_private(project: Path, private_key_home: Path) -> None:
    run_cli(project)
    key = private_key_home / "tslint" / "key"
    assert key.stat().st_size == 32
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.parent.stat().st_mode & 0o777 == 0o700
    (cache_file,) = (project / CACHE_FOLDER).glob("results-*.pickle")
    assert cache_file.stat().st_mode & 0o777 == 0o600
    assert not [p for p in (project / CACHE_FOLDER).iterdir() if p.name.startswith(".results-")]
    before = key.read_bytes()
    run_cli(project)
    assert key.read_bytes() == before  # one key, kept


@pytest.mark.parametrize("problem", ["readable by others", "symlink", "wrong size"])
def test_a_key_that_is_not_private_means_no_cache(
    project: Path, private_key_home: Path, tmp_path: Path, problem
) -> None:
    key = private_key_home / "tslint" / "key"
    key.parent.mkdir(parents=True)
    if problem == "symlink":
        target = tmp_path / "planted"
        target.write_bytes(bytes(32))
        target.chmod(0o600)
        key.symlink_to(target)
    else:
        key.write_bytes(bytes(32 if problem != "wrong size" else 8))
        key.chmod(0o644 if problem == "readable by others" else 0o600)
    result = run_cli(project)
    assert (result.returncode, codes(result)) == (1, ["TS101"]), result.stderr
    assert not list((project / CACHE_FOLDER).glob("results-*"))


def test_no_key_folder_means_no_cache_and_no_crash(project: Path, tmp_path: Path, monkeypatch) -> None:
    """Works for root too: a file where the key folder should be cannot be created into."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    result = run_cli(project)
    assert (result.returncode, codes(result), result.stderr) == (1, ["TS101"], "")
    assert not (project / CACHE_FOLDER).exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_key_folder_means_no_cache(project: Path, private_key_home: Path) -> None:
    private_key_home.mkdir()
    private_key_home.chmod(0o500)
    try:
        result = run_cli(project)
    finally:
        private_key_home.chmod(0o700)
    assert (result.returncode, codes(result)) == (1, ["TS101"])
    assert not (project / CACHE_FOLDER).exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_or_device_as_the_cache_file_does_not_hang(project: Path) -> None:
    folder = project / CACHE_FOLDER
    folder.mkdir()
    os.mkfifo(folder / CACHE_NAMES[0])
    result = run_cli(project)
    assert (result.returncode, codes(result)) == (1, ["TS101"])
    (folder / CACHE_NAMES[0]).unlink()
    (folder / CACHE_NAMES[0]).symlink_to("/dev/zero")
    result = run_cli(project)
    assert (result.returncode, codes(result)) == (1, ["TS101"])


def test_committed_symlinks_are_not_written_through(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / CACHE_FOLDER).symlink_to(elsewhere)
    assert codes(run_cli(project)) == ["TS101"]
    assert list(elsewhere.iterdir()) == []
    (project / CACHE_FOLDER).unlink()
    (project / CACHE_FOLDER).mkdir()
    (project / CACHE_FOLDER / ".gitignore").symlink_to(tmp_path / "planted-gitignore")
    assert codes(run_cli(project)) == ["TS101"]
    assert not (tmp_path / "planted-gitignore").exists()


def test_cache_key_covers_package_data(tmp_path: Path) -> None:
    """New signature data (tslint/analysis/*.json.gz) must invalidate cached results."""
    copy = tmp_path / "tslint"
    shutil.copytree(ROOT / "tslint", copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = tslint.cache.code_digest(copy)
    data = copy / "analysis" / "torch_signatures.json.gz"
    data.write_bytes(data.read_bytes() + b"\0")
    assert tslint.cache.code_digest(copy) != before


def _classes_reachable_from_the_cache() -> set:
    seen, todo = set(), [FileSummary, FileOutcome]
    while todo:
        cls = todo.pop()
        seen.add((cls.__module__, cls.__name__))
        if not (dataclasses.is_dataclass(cls) or hasattr(cls, "_fields")):
            continue
        stack = list(typing.get_type_hints(cls).values())
        while stack:
            hint = stack.pop()
            if (
                isinstance(hint, type)
                and hint.__module__.startswith("tslint")
                and (hint.__module__, hint.__name__) not in seen
            ):
                todo.append(hint)
            stack.extend(typing.get_args(hint))
    return seen


def test_unpickler_allows_exactly_the_cached_classes() -> None:
    """A new field type in FileSummary/FileOutcome must be added to ALLOWED_CLASSES (else every
    cache would be rejected and tslint silently slow); nothing else may be in it."""
    allowed = {(module, name) for module, names in tslint.cache.ALLOWED_CLASSES.items() for name in names}
    assert allowed == _classes_reachable_from_the_cache()


def test_language_server_never_runs_a_committed_pickle(project: Path, tmp_path: Path) -> None:
    pytest.importorskip("lsprotocol.types")
    pytest.importorskip("pygls.lsp.client")
    sys.path.insert(0, str(Path(__file__).parent))
    from test_lsp import _close, _codes, _open, _run, _session, _until

    (project / ".git").mkdir()  # a project root: the server reads and writes its cache there
    (project / "base.py").write_text(BAD.replace("class Net", "class Base").replace(", *args", ""))
    marker = tmp_path / "pwned"
    hostile_files(project, marker)

    async def scenario():
        client, published, _ = await _session(project)
        try:
            _open(client, (project / "net.py").as_uri(), BAD)
            await _until(published, lambda params: _codes(params) == ["TS101"])
        finally:
            await _close(client)

    _run(scenario)
    assert not marker.exists()


def test_an_edit_pickles_only_the_edited_files_entry(project: Path, monkeypatch, capsys) -> None:
    """Each file's entry is pickled on its own: after one file of 31 changed, the run pickles that
    entry again and writes the 30 others back as the bytes it read, unpickling none of them but
    those it needs."""
    for index in range(30):
        (project / f"m{index}.py").write_text(BAD.replace("Net", f"Net{index}"))
    monkeypatch.chdir(project)
    assert main(["--format", "json", "--exit-zero", "."]) == 0
    (project / "m7.py").write_text(BAD.replace("Net", "Renamed") + "\n# edited\n")
    dumped = []
    original = pickle.dumps

    def counting(value, *args, **kwargs):
        dumped.append(value)
        return original(value, *args, **kwargs)

    monkeypatch.setattr(tslint.cache.pickle, "dumps", counting)
    assert main(["--format", "json", "--exit-zero", "."]) == 0
    assert "Renamed" in capsys.readouterr().out
    entries = [v for v in dumped if isinstance(v, dict) and "summary" in v]
    assert [e["path"] for e in entries] == [str(project / "m7.py")]
    (payload,) = [v for v in dumped if isinstance(v, dict) and "entries" in v]
    assert len(payload["entries"]) == 31 and all(isinstance(raw, bytes) for raw in payload["entries"].values())
