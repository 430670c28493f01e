"""The code digest (the result cache's key for tslint's own code) is remembered by file state, and the
walk's string-based exclusion agrees with is_excluded (tslint/code_digest.py, tslint/files.py)."""

from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pytest

import tslint.cache
import tslint.code_digest
from tslint.files import DEFAULT_EXCLUDES, _excluder, is_excluded

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of tslint's package whose files are older than the racy window, and a key folder of its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    folder = tmp_path / "tslint"
    shutil.copytree(ROOT / "tslint", folder, ignore=shutil.ignore_patterns("__pycache__"))
    old = time.time() - 60
    for path in folder.rglob("*"):
        os.utime(path, (old, old))
    return folder


def _memo() -> Path:
    folder = tslint.cache.key_path()
    assert folder is not None
    return folder.parent / tslint.code_digest.MEMO_NAME


def _hashing_forbidden(monkeypatch) -> None:
    def fail(*args):
        raise AssertionError("the files were hashed again")

    monkeypatch.setattr(tslint.code_digest, "_content_digest", fail)


def test_the_digest_is_remembered_while_no_file_changes(copy: Path, monkeypatch) -> None:
    first = tslint.cache.code_digest(copy)
    assert _memo().stat().st_mode & 0o077 == 0
    hashed = tslint.code_digest._content_digest
    _hashing_forbidden(monkeypatch)
    assert tslint.cache.code_digest(copy) == first
    monkeypatch.setattr(tslint.code_digest, "_content_digest", hashed)
    data = copy / "analysis" / "torch_signatures.json.gz"
    status = data.stat()
    data.write_bytes(data.read_bytes()[:-1] + bytes([data.read_bytes()[-1] ^ 1]))  # same size
    os.utime(data, ns=(status.st_atime_ns, status.st_mtime_ns))  # same mtime: the ctime tells
    assert tslint.cache.code_digest(copy) != first


def test_a_file_changed_within_the_racy_window_is_not_remembered(copy: Path) -> None:
    (copy / "rule.py").write_text((copy / "rule.py").read_text() + "\n")
    tslint.cache.code_digest(copy)
    assert not _memo().exists()


def test_a_memo_others_can_write_is_not_read(copy: Path, monkeypatch) -> None:
    digest = tslint.cache.code_digest(copy)
    state = _memo().read_text().split(" ")[0]
    _memo().write_text(f"{state} {'0' * 32} {copy}\n")
    _memo().chmod(0o644)
    assert tslint.cache.code_digest(copy) == digest
    _memo().write_text(f"{state} {'0' * 32} {copy}\n")
    _memo().chmod(0o600)
    _hashing_forbidden(monkeypatch)
    assert tslint.cache.code_digest(copy) == "0" * 32  # the key folder is trusted as the key is


def test_string_exclusion_agrees_with_is_excluded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(0)
    parts = ["build", "a", "pkg", "sub", "tests", "data", "abc", "xz", "m.py", "gen", "q.gen.py", "venv", ".git"]
    pattern_sets = [DEFAULT_EXCLUDES, (*DEFAULT_EXCLUDES, "tests/data", "*.gen.py", "docs/", "a?c", "[xy]z"), ("x/",)]
    for patterns in pattern_sets:
        for root in (None, tmp_path, tmp_path / "pkg", Path("/")):
            excluded = _excluder(root, patterns)
            for _ in range(400):
                path = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 4)))
                path = rng.choice(["", "./", f"{tmp_path}/", "/elsewhere/"]) + path
                assert excluded(path) == is_excluded(Path(path), root, patterns), (patterns, root, path)
