"""Workers and the result cache never change results: the same JSON, byte for byte."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from conftest import FIXTURES, FixturesCli
from tslint.cache import ResultCache
from tslint.cli import main
from tslint.engine.plans import IndexQueue
from tslint.engine.reading import FileChanged, SourceContents, content_size
from tslint.files import SourceFile

BASE = (
    "import torch.nn as nn\n\n\nclass Base(nn.Module):\n    def forward(self, x):\n        return self.helper(x)\n\n "
    "   def helper(self, x):\n        return x\n"
)
CHILD = (
    "from base import Base\n\n\nclass Child(Base):\n    def helper(self, x, *rest):\n        return x\n\n    def "
    "unused(self, x, *rest):\n        return x\n"
)


def lint(capsys, *args, cwd: Path) -> str:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        main(["--format", "json", "--exit-zero", *map(str, args)])
    finally:
        os.chdir(old)
    return capsys.readouterr().out


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    return tmp_path


class Reference(NamedTuple):
    folder: Path  # where the run was made: it holds the copy of the fixtures and nothing it wrote
    output: str


@pytest.fixture()
def no_cache_reference(fixtures_cli: FixturesCli) -> Reference:
    """`tslint --no-cache -j 1 fixtures` in JSON, run once per session from a copy of the fixtures
    (conftest's `fixtures_cli`): the JSON names files relative to the working folder, so it is the
    same from every copy; the tests comparing with it (workers, warm and cold caches, trees parsed
    again) share that run."""
    completed = fixtures_cli.json
    assert completed.args == ["--isolated", "-j", "1", "--no-cache", "--format", "json", "fixtures"]
    assert completed.returncode == 1 and completed.stderr == "", completed.stderr
    return Reference(fixtures_cli.folder, completed.stdout)


@pytest.mark.slow  # the whole fixtures tree linted again, 2 or 3 times
def test_dropping_trees_phase_two_does_not_read_changes_nothing(
    tree: Path, capsys, monkeypatch, no_cache_reference: Reference
) -> None:
    """Once the scope is known, trees of files no rule reads are dropped (`tree_needed`); keeping
    them all, or dropping them all (each compiled file is then parsed again), gives the same JSON."""
    import tslint.engine.shard as shard

    for needed in (True, False):
        monkeypatch.setattr(shard, "tree_needed", lambda item, scope, rules, needed=needed: needed)
        assert lint(capsys, "--no-cache", "-j", "1", "fixtures", cwd=tree) == no_cache_reference.output


def test_cache_sees_changes_in_other_files(tmp_path: Path, capsys) -> None:
    """Child.helper is compiled only because Base.forward calls it: editing base.py must re-lint child.py."""
    (tmp_path / "base.py").write_text(BASE)
    (tmp_path / "child.py").write_text(CHILD)
    first = json.loads(lint(capsys, ".", cwd=tmp_path))["diagnostics"]
    assert [(d["filename"], d["location"]["row"]) for d in first] == [("child.py", 5)]
    (tmp_path / "base.py").write_text(BASE.replace("return self.helper(x)", "return self.unused(x)"))
    second = json.loads(lint(capsys, ".", cwd=tmp_path))["diagnostics"]
    assert [(d["filename"], d["location"]["row"]) for d in second] == [("child.py", 8)]
    assert lint(capsys, ".", cwd=tmp_path) == lint(capsys, "--no-cache", ".", cwd=tmp_path)


def test_cache_sees_a_new_package_init(tmp_path: Path, capsys) -> None:
    """Module names come from __init__.py files, not from content: a new one changes resolution."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "base.py").write_text(BASE)
    (tmp_path / "pkg" / "child.py").write_text(CHILD.replace("from base import", "from .base import"))
    before = lint(capsys, "pkg", cwd=tmp_path)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    after = lint(capsys, "pkg", cwd=tmp_path)
    assert after == lint(capsys, "--no-cache", "pkg", cwd=tmp_path) and after != before


def test_workers_and_cache_give_identical_json_and_a_corrupt_cache_is_ignored(
    capsys, monkeypatch, fixtures_cli: FixturesCli, no_cache_reference: Reference
) -> None:
    """The session's run of the fixtures with workers on a cold cache (conftest's `fixtures_cli`)
    filled the cache of its folder (entries are bound to the folder: a copy would not read them);
    this test alone uses that folder afterwards: one process, then workers, read it warm; then it
    spoils the cache, which one process ignores and rewrites.

    That one process lints every file again, and does it with no tree kept from phase 1: each file
    is parsed again for its rules (not indexed again), and the JSON is still the reference (`-j 1`
    with every tree kept). The sibling `slow` test keeps or drops trees by `tree_needed` instead."""
    import tslint.engine.shard as shard

    reference = no_cache_reference.output  # `--no-cache -j 1`
    assert json.loads(reference)["diagnostics"]
    tree = fixtures_cli.cached_folder
    assert fixtures_cli.cached_json.args == ["--isolated", "-j", "2", "--format", "json", "fixtures"]
    assert fixtures_cli.cached_json.stdout == reference  # cold cache, workers
    assert (tree / ".tslint_cache").is_dir()
    # Every file's entry reads back, with its outcome: one index fact of a class the unpickler does
    # not build made a file's whole entry unreadable, so warm runs indexed and linted it again.
    entries = ResultCache(tree / ".tslint_cache").entries
    linted = {path.relative_to(tree).as_posix() for path in (tree / "fixtures").rglob("*.py")}
    assert sorted(name for name in linted if not entries.get(name, {}).get("outcomes")) == []
    assert lint(capsys, "-j", "1", "fixtures", cwd=tree) == reference  # warm cache
    assert lint(capsys, "-j", "2", "fixtures", cwd=tree) == reference  # warm cache, workers
    # Both files: with the file of whole runs intact, the run would be answered from it, unread.
    spoiled = sorted(p.name.split("-")[0] for p in (tree / ".tslint_cache").glob("*-*.pickle"))
    assert spoiled == ["results", "runs"], spoiled
    spoiled = list((tree / ".tslint_cache").glob("*-*.pickle"))
    for path in spoiled:
        path.write_bytes(b"\x80\x04garbage")
    with monkeypatch.context() as patched:
        patched.setattr(shard, "_may_compile", lambda index: False)  # phase 1 keeps no tree
        assert lint(capsys, "-j", "1", "fixtures", cwd=tree) == reference
    assert lint(capsys, "fixtures", cwd=tree) == reference  # and it was rewritten


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_cache_is_ignored(tree: Path, capsys) -> None:
    (tree / ".tslint_cache").mkdir()
    (tree / ".tslint_cache").chmod(0o500)
    try:
        assert json.loads(lint(capsys, "fixtures", cwd=tree))["diagnostics"]
    finally:
        (tree / ".tslint_cache").chmod(0o700)


def test_cache_folder_that_is_a_file_is_ignored(tmp_path: Path, capsys) -> None:
    """Works for root too: a file where the cache folder should be cannot be written into."""
    (tmp_path / "base.py").write_text(BASE)
    (tmp_path / "child.py").write_text(CHILD)
    (tmp_path / ".tslint_cache").write_text("not a folder")
    output = lint(capsys, ".", cwd=tmp_path)
    assert json.loads(output)["diagnostics"] and output == lint(capsys, "--no-cache", ".", cwd=tmp_path)
    assert (tmp_path / ".tslint_cache").read_text() == "not a folder"


def test_no_cache_writes_nothing(no_cache_reference: Reference) -> None:
    assert json.loads(no_cache_reference.output)["diagnostics"]  # the run linted the fixtures
    assert sorted(p.name for p in no_cache_reference.folder.iterdir()) == ["fixtures"]


def test_jobs_must_be_positive(capsys) -> None:
    assert main(["-j", "0", str(FIXTURES)]) == 2


def test_cache_from_other_tslint_code_is_ignored(tmp_path: Path, capsys, monkeypatch) -> None:
    """Same version, other code (a pre-commit hook pinned to a newer commit, an edited rule in an
    editable install): the cached results are not reused."""
    import tslint.cache

    (tmp_path / "base.py").write_text(BASE)
    (tmp_path / "child.py").write_text(CHILD)
    lint(capsys, ".", cwd=tmp_path)
    folder = tmp_path / ".tslint_cache"
    assert tslint.cache.ResultCache(folder).entries  # reused by the same code
    monkeypatch.setattr(tslint.cache, "code_digest", lambda: "other code")
    assert tslint.cache.ResultCache(folder).entries == {}


UTILS = "def timed(fn):\n    def wrapper(*args, **kwargs):\n        return fn(*args, **kwargs)\n\n    return wrapper\n"
TIMED = (
    "import torch.nn as nn\nfrom utils import timed\n\n\nclass Net(nn.Module):\n    @timed\n    def forward(self, "
    "x):\n        return x\n"
)


def test_cache_sees_changes_in_imported_files(tmp_path: Path, capsys) -> None:
    """Rules read facts of imported files (a decorator's wrapper, a logger): editing utils.py must
    re-lint model.py, though no class or compiled function of model.py changed."""
    (tmp_path / "utils.py").write_text(UTILS)
    (tmp_path / "model.py").write_text(TIMED)
    first = json.loads(lint(capsys, ".", cwd=tmp_path))["diagnostics"]
    assert [d["code"] for d in first] == ["TS329"]
    (tmp_path / "utils.py").write_text(
        "import functools\n\n\n" + UTILS.replace("    def wrapper", "    @functools.wraps(fn)\n    def wrapper")
    )
    assert json.loads(lint(capsys, ".", cwd=tmp_path))["diagnostics"] == []


def test_cache_sees_a_class_become_a_submodule(tmp_path: Path, capsys) -> None:
    """Trace rules treat a class no other class uses as the traced model: a new user elsewhere changes that."""
    (tmp_path / "block.py").write_text(
        "import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def forward(self, x, scale: float):\n        "
        "return x * scale\n"
    )
    first = lint(capsys, "--mode", "trace", ".", cwd=tmp_path)
    (tmp_path / "net.py").write_text(
        "import torch.nn as nn\nfrom block import Block\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.block = Block()\n\n    def forward(self, x):\n        return "
        "self.block(x, 2.0)\n"
    )
    second = lint(capsys, "--mode", "trace", ".", cwd=tmp_path)
    assert second == lint(capsys, "--no-cache", "--mode", "trace", ".", cwd=tmp_path)
    assert second != first


HELPERS = (
    "import torch.nn as nn\n\n\ndef grow(n):\n    if n > 2:\n        return n * 2\n    return n\n\n\n"
    "class Net(nn.Module):\n    def forward(self, x):\n        return x.view(grow(4), -1)\n"
)
OTHER = (
    "import torch.nn as nn\nfrom helpers import grow\n\n\nclass Other(nn.Module):\n    def forward(self, x):\n       "
    " return x * 2\n"
)


def test_cache_sees_a_new_caller_in_another_file(tmp_path: Path, capsys) -> None:
    """The trace provenance gives `grow`'s parameter what the file's own callers pass (a constant):
    a caller in another file (which helpers.py does not import) changes that, so helpers.py's
    cached trace findings must not be reused."""
    (tmp_path / "helpers.py").write_text(HELPERS)
    (tmp_path / "other.py").write_text(OTHER)
    assert json.loads(lint(capsys, "--mode", "trace", ".", cwd=tmp_path))["diagnostics"] == []
    (tmp_path / "other.py").write_text(OTHER.replace("return x * 2", "return x * grow(x.shape[0])"))
    second = lint(capsys, "--mode", "trace", ".", cwd=tmp_path)
    assert second == lint(capsys, "--no-cache", "--mode", "trace", ".", cwd=tmp_path)
    assert [(d["filename"], d["location"]["row"], d["code"]) for d in json.loads(second)["diagnostics"]] == [
        ("helpers.py", 5, "TS401")
    ]


def test_lint_plan_keeps_files_with_their_trees_and_balances_the_end() -> None:
    """Phase 2: a worker lints the files whose trees it holds, largest first; then files no worker
    holds; then the smallest files of the worker with the most left, while that one has at least
    four times as much left (the thief parses the file a second time)."""
    from types import SimpleNamespace

    from tslint.engine.plans import LintPlan
    from tslint.files import SourceFile

    sizes = {"big.py": 9000, "mid.py": 2000, "small.py": 1000, "tiny.py": 500, "shared.py": 100}
    files = {name: SourceFile(Path(name), name) for name in sizes}
    contents = {name: b"x" * size for name, size in sizes.items()}
    first = SimpleNamespace(indexed=[files["big.py"], files["mid.py"], files["small.py"], files["tiny.py"]])
    second = SimpleNamespace(indexed=[])
    plan = LintPlan([first, second], list(files.values()), contents)
    assert plan.next_for(first).display == "big.py"
    assert plan.next_for(second).display == "shared.py"  # held by no worker
    assert plan.next_for(second).display == "tiny.py"  # 3500 left >= 4 * 500
    assert plan.next_for(second) is None  # 3000 left < 4 * 1000: cheaper where the tree is
    assert [plan.next_for(first).display for _ in range(2)] == ["mid.py", "small.py"]
    assert plan.next_for(first) is None
    assert plan.left() == []


def test_lint_plan_hands_out_what_a_dead_worker_held() -> None:
    from types import SimpleNamespace

    from tslint.engine.plans import LintPlan
    from tslint.files import SourceFile

    files = [SourceFile(Path(name), name) for name in ("a.py", "b.py", "c.py")]
    first, second = SimpleNamespace(indexed=files[:2]), SimpleNamespace(indexed=files[2:])
    plan = LintPlan([first, second], files, {s.display: b"x" * 100 for s in files})
    assert plan.next_for(first).display == "a.py"
    plan.give_back(first, [])  # died while linting a.py: b.py was never started
    assert [plan.next_for(second).display for _ in range(2)] == ["c.py", "b.py"]
    assert plan.next_for(second) is None and plan.left() == []


def test_default_jobs_stay_in_one_process_for_small_inputs() -> None:
    from tslint.engine.workers import PARALLEL_MIN_BYTES, PARALLEL_MIN_FILES, choose_jobs
    from tslint.processes import max_jobs

    cores = os.cpu_count() or 1
    assert choose_jobs(None, PARALLEL_MIN_BYTES - 1, 100) == 1
    assert choose_jobs(None, 10 * PARALLEL_MIN_BYTES, PARALLEL_MIN_FILES - 1) == 1
    assert choose_jobs(None, 10 * PARALLEL_MIN_BYTES, 100) == cores
    assert choose_jobs(2, 10, 100) == 2  # asked for: always honoured
    assert choose_jobs(4, 10 * PARALLEL_MIN_BYTES, 3) == min(3, max_jobs())  # never more workers than files
    assert choose_jobs(1000, 10, 10_000) == max_jobs() >= 2  # never more than the cores (two on one)


def test_jobs_past_the_cores_start_no_more_workers(tmp_path: Path, capsys, monkeypatch) -> None:
    import tslint.engine.workers as workers

    started = []
    original = workers.WorkerProcess
    monkeypatch.setattr(workers, "max_jobs", lambda: 2)
    monkeypatch.setattr(workers, "WorkerProcess", lambda *args: started.append(args) or original(*args))
    for name, text in CROSS_FILE_PROJECT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    options = ["--isolated", "--no-cache", "."]
    assert lint(capsys, *options, "-j", "1000", cwd=tmp_path) == lint(capsys, *options, "-j", "1", cwd=tmp_path)
    assert len(started) == 2


def test_cache_forgets_files_that_no_longer_exist(tmp_path: Path, capsys) -> None:
    """A renamed or deleted file's entry is dropped on the next save; an entry of a file that still
    exists but was not linted this run stays (another file set of the same project)."""
    from tslint.cache import CACHE_FOLDER, ResultCache

    (tmp_path / "base.py").write_text(BASE)
    (tmp_path / "a0.py").write_text(CHILD)
    lint(capsys, ".", cwd=tmp_path)
    for step in range(1, 4):
        (tmp_path / f"a{step - 1}.py").rename(tmp_path / f"a{step}.py")
        lint(capsys, f"a{step}.py", cwd=tmp_path)
    assert sorted(ResultCache(tmp_path / CACHE_FOLDER).entries) == ["a3.py", "base.py"]


def test_one_process_indexes_largest_first_and_gives_freed_memory_back(tmp_path: Path, monkeypatch) -> None:
    """-j 1 parses the largest file first (its parse peaks while few trees are kept), keeps the
    project index in the files' order, and hands the C heap's free pages back as source is parsed."""
    import tslint.engine.shard as shard
    import tslint.engine.workers as workers
    import tslint.processes as processes
    from tslint.config import Config
    from tslint.files import SourceFile

    sizes = {"a.py": 10, "b.py": 300, "c.py": 50}
    sources = []
    for name, lines in sizes.items():
        (tmp_path / name).write_text("".join(f"v{i} = {i}\n" for i in range(lines)))
        sources.append(SourceFile(tmp_path / name, name))
    contents = {s.display: s.path.read_bytes() for s in sources}
    parsed, trims = [], []
    index = shard.index_source
    monkeypatch.setattr(
        shard, "index_source", lambda source, data: parsed.append(source.display) or index(source, data)
    )
    monkeypatch.setattr(shard, "TRIM_AFTER_BYTES", 1000)
    monkeypatch.setattr(processes, "release_free_memory", lambda: trims.append(len(parsed)) or True)
    summaries: dict = {}
    workers.run_phases(sources, sources, summaries, contents, Config(), (), "key", None, 1)
    assert parsed == ["b.py", "c.py", "a.py"]
    assert list(summaries) == ["a.py", "b.py", "c.py"]
    assert trims and trims[0] == 1  # after b.py's 2.7 kB


def test_release_free_memory_is_available_with_glibc() -> None:
    import platform
    import sys

    from tslint.processes import release_free_memory

    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert release_free_memory() is glibc


@pytest.mark.slow  # the whole fixtures tree linted again, with workers
def test_a_large_run_gives_identical_json(tree: Path, capsys, monkeypatch, no_cache_reference: Reference) -> None:
    """Past the large-run sizes (lowered here): the parent holds no sources, only the first worker
    gets the largest files, workers keep the summaries of dropped trees pickled and exchange only
    those phase 2 needs; with no tree kept, every compiled file is parsed again in phase 2."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the fork start method carries the patches into the workers")
    import tslint.api
    import tslint.engine.workers as workers

    monkeypatch.setattr(tslint.api, "LARGE_RUN_BYTES", 0)
    monkeypatch.setattr(workers, "OUTLINE_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "LARGE_RUN_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "HEAVY_FILE_BYTES", 20_000)
    monkeypatch.setattr(workers, "HEAVY_COUNT_FROM_BYTES", 5_000)
    monkeypatch.setattr(workers, "HEAVY_TOKENS", 3_000)
    monkeypatch.setattr(workers, "LARGE_RUN_KEPT_BUDGET", 0)
    assert lint(capsys, "--no-cache", "-j", "2", "fixtures", cwd=tree) == no_cache_reference.output


def test_index_queue_gives_heavy_files_to_one_worker() -> None:
    files = [SourceFile(Path(f"{n}.py"), f"{n}.py") for n in range(6)]
    sizes = {s.display: b"x" * size for s, size in zip(files, (50, 300, 10, 500, 40, 200))}
    asked = []

    def is_heavy(source):
        asked.append(source.display)
        return len(sizes[source.display]) >= 200

    heavy, light = object(), object()
    queue = IndexQueue(files, sizes, (heavy, is_heavy))
    assert queue.next_for(heavy) is files[3]  # the largest, untested: any file may go to it
    assert [queue.next_for(light).display for _ in range(3)] == ["0.py", "4.py", "2.py"]  # largest first
    assert asked == ["1.py", "5.py", "0.py", "4.py", "2.py"]  # each file tested once, as it comes up
    assert queue.next_for(light) is None  # only heavy files are left: not for it
    assert [queue.next_for(heavy).display for _ in range(2)] == ["1.py", "5.py"]
    assert queue.next_for(heavy) is None and queue.left() == []
    queue.give_back(heavy, [files[3]])  # its worker died: any worker takes it
    assert queue.next_for(light) is files[3]


def test_source_contents_reads_files_again_and_holds_buffers(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"a = 1\n")
    (tmp_path / "b.py").write_bytes(b"b = 22\n")
    sources = [SourceFile(tmp_path / name, name) for name in ("a.py", "b.py")]
    contents = SourceContents(sources, {"b.py": b"edited\n"}, {"a.py": 6, "b.py": 7})
    assert contents["a.py"] == b"a = 1\n" and contents["b.py"] == b"edited\n"
    assert sorted(contents) == ["a.py", "b.py"] and "c.py" not in contents and contents.get("c.py") is None
    assert content_size(contents, "a.py") == 6 and content_size({"x": b"123"}, "x") == 3
    (tmp_path / "a.py").write_bytes(b"a = 12\n")
    with pytest.raises(FileChanged):  # another size than the run first read
        contents["a.py"]
    (tmp_path / "a.py").unlink()
    with pytest.raises(FileChanged):  # unreadable since
        contents["a.py"]


def test_a_file_that_changes_during_a_large_run_is_an_error_not_another_text(tmp_path: Path) -> None:
    """A large run reads files again when it needs them (SourceContents). One that disappeared
    before phase 1, or changed before phase 2, is reported as an error of that file — not indexed
    as an empty file, nor linted as a text its index was not built from — and the others are linted."""
    from tslint.api import enabled_rules
    from tslint.config import Config
    from tslint.engine.reading import CHANGED_DURING_RUN
    from tslint.engine.shard import Shard
    from tslint.engine.workers import _scope

    text = "import torch.nn as nn\n\n\nclass M(nn.Module):\n    def forward(self, x, *rest):\n        return x\n"
    names = ["gone.py", "edited.py", "kept.py"]
    for name in names:
        (tmp_path / name).write_text(text)
    sources = [SourceFile(tmp_path / name, name) for name in names]
    contents = SourceContents(sources, {}, {name: len(text) for name in names})
    (tmp_path / "gone.py").unlink()
    told = []
    shard = Shard(contents, lambda stage, count: told.append((stage, count)))
    summaries = {s.display: s for s in shard.index(sources)}
    assert summaries["gone.py"].error == CHANGED_DURING_RUN
    assert told == [("indexing", 1)] * 3  # the progress line counts it done too
    assert summaries["edited.py"].error is None and summaries["kept.py"].error is None
    (tmp_path / "edited.py").write_text(text + "# edited\n")
    rules = enabled_rules(Config())
    outcomes = shard.lint([(s, summaries[s.display]) for s in sources[1:]], _scope(summaries, rules), rules, Config())
    assert [e.message for e in outcomes["edited.py"].errors] == [CHANGED_DURING_RUN]
    assert not outcomes["kept.py"].errors and [d.code for d in outcomes["kept.py"].diagnostics] == ["TS101"]


def test_spilled_bytes_keep_what_was_written_in_an_unlinked_file(tmp_path, monkeypatch) -> None:
    """A large run's workers keep their pickled summaries on disk until phase 2 (tslint.engine.spill):
    each name gives back its bytes, in any order, and the file has no name to leave behind."""
    import tempfile

    from tslint.engine.spill import SpilledBytes

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    spilled = SpilledBytes()
    spilled["a.py"] = b"first"
    spilled["b.py"] = b""
    spilled["c.py"] = bytes(range(256)) * 100
    assert list(tmp_path.iterdir()) == []
    assert spilled.get("c.py") == bytes(range(256)) * 100
    assert spilled.get("a.py") == b"first" and spilled.get("b.py") == b""
    assert spilled.get("d.py") is None and "a.py" in spilled and "d.py" not in spilled
    assert list(spilled) == ["a.py", "b.py", "c.py"]
    spilled.close()
    assert spilled.get("a.py") is None


# A project whose findings read files without compiled code: `scripts.py` has no module class, but
# it traces `Net` in training mode (TS412 at its call), scripts `Holder.exit` in place before tracing
# (no TS401 in `Exit`) and traces `Scaled` on its own (TS409 at `Scaled.forward`); `factory.py`
# passes the class `Holder.__init__` stores (`RAFT(corr_block=CorrBlock())`-like); `uses.py` calls
# `padding.helper`, traced from `Padded`, with a tensor (TS401 at its `if`).
CROSS_FILE_PROJECT = {
    "layers.py": (
        "import torch\nimport torch.nn as nn\n\n\nclass Exit(nn.Module):\n    def forward(self, x):\n"
        "        if x.sum() > 0:\n            return x * 2\n        return x\n\n\nclass Scaled(nn.Module):\n"
        "    def forward(self, x, scale: float):\n        return x * scale\n\n\nclass Holder(nn.Module):\n"
        "    def __init__(self, block=None):\n        super().__init__()\n        self.exit = Exit()\n"
        "        self.scaled = Scaled()\n        self.block = block\n\n    def forward(self, x):\n"
        "        return self.block.run(self.scaled(self.exit(x), 2.0))\n\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.bn = nn.BatchNorm1d(4)\n\n"
        "    def forward(self, x):\n        if x.sum() > 0:\n            return self.bn(x)\n"
        "        return x.tolist()\n"
    ),
    "blocks.py": (
        "class Block:\n    def run(self, x):\n        if x.max() > 1:\n            return x\n        return x + 1\n"
    ),
    "factory.py": (
        "from blocks import Block\nfrom layers import Holder\n\n\ndef make():\n    return Holder(block=Block())\n"
    ),
    "scripts.py": (
        "import torch\n\nfrom layers import Holder, Net, Scaled\n\n\ndef traced_holder(x):\n"
        "    model = Holder().eval()\n    model.exit = torch.jit.script(model.exit)\n"
        "    return torch.jit.trace(model, (x,))\n\n\ndef traced_scaled(x):\n"
        "    return torch.jit.trace(Scaled().eval(), (x, 2.0))\n\n\ndef traced_net():\n    model = Net()\n"
        "    return torch.jit.trace(model, torch.ones(2, 4))\n"
    ),
    "padding.py": (
        "import torch.nn as nn\n\n\ndef helper(x, n):\n    if n > 0:\n        return x\n    return x * 2\n\n\n"
        "class Padded(nn.Module):\n    def forward(self, x):\n        return helper(x, 3)\n"
    ),
    "uses.py": "from padding import helper\n\n\ndef use(x):\n    return helper(x, x)\n",
    **{f"util{n}.py": f"def helper{n}(x):\n    return x + {n}\n" for n in range(6)},
}


@pytest.mark.parametrize("mode", ["both", "export"])
def test_a_large_run_reads_the_files_without_compiled_code(tmp_path: Path, capsys, monkeypatch, mode: str) -> None:
    """What the rules read of a file without compiled code (its trace calls, the classes it scripts,
    traces or passes to constructors) is the same in a large run, whose parent keeps only outlines
    of the files, as in one process: the same JSON, in every mode."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the fork start method carries the patches into the workers")
    import tslint.api
    import tslint.engine.workers as workers

    for name, text in CROSS_FILE_PROJECT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    options = ["--isolated", "--no-cache", "--mode", mode, "--select", "TS"]
    reference = lint(capsys, *options, "-j", "1", ".", cwd=tmp_path)
    codes = {d["code"] for d in json.loads(reference)["diagnostics"]}
    assert {"TS412", "TS409", "TS401"} <= codes if mode == "both" else codes
    monkeypatch.setattr(tslint.api, "LARGE_RUN_BYTES", 0)
    monkeypatch.setattr(workers, "OUTLINE_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "LARGE_RUN_MIN_BYTES", 0)
    assert lint(capsys, *options, "-j", "2", ".", cwd=tmp_path) == reference


def test_a_large_run_sends_callers_and_subclasses_of_compiled_code_to_the_workers(tmp_path: Path) -> None:
    """Files without compiled code that project-wide analyses read: a call of a traced helper, a
    module class used as a value, a subclass of a class of the compiled code; not a mere import, nor
    a constructor call."""
    from tslint.analysis.project_wide import outside_names, reaching_files
    from tslint.engine.phases import index_source
    from tslint.index.project import ProjectIndex, compiled_code_files

    files = {
        **{name: CROSS_FILE_PROJECT[name] for name in ("padding.py", "uses.py", "blocks.py", "layers.py")},
        "named.py": "from padding import Padded\n\n\ndef config():\n    block = Padded\n    return block\n",
        "plain.py": (
            "import torch.nn as nn\n\n\nclass Plain:\n    def run(self, x):\n        return x\n\n\n"
            "class User(nn.Module):\n    def forward(self, x):\n        return Plain().run(x)\n"
        ),
        "subclass.py": "from plain import Plain\n\n\nclass SubPlain(Plain):\n    pass\n",
        "built.py": "from padding import Padded, helper\n\n\ndef make():\n    return Padded()\n",
    }
    indexes = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        indexes.append(index_source(SourceFile(tmp_path / name, name), text.encode()).index)
    index = ProjectIndex(indexes)
    compiled = compiled_code_files(index)
    assert compiled == {"padding.py", "plain.py", "layers.py"}
    names = {file.path: outside_names(file) for file in indexes}
    assert reaching_files(index, names, compiled) == {"uses.py", "named.py", "subclass.py"}


def test_a_large_run_sends_what_facts_concern_in_full_and_what_their_readers_import_as_outlines(
    tmp_path: Path,
) -> None:
    """The parent keeps each file's project-wide facts: a file goes to the workers in full when one
    of its facts concerns their code (a model traced, a class handed to one of its constructors,
    which goes in full too); what such a file imports only to name things goes as an outline; a
    constructor call of classes without compiled code is not sent at all."""
    from tslint.api import enabled_rules
    from tslint.config import Config
    from tslint.engine.outlines import Outlines
    from tslint.engine.phases import index_source

    files = {
        **CROSS_FILE_PROJECT,
        "runner.py": (
            "import torch\n\nfrom prepare import inputs\nfrom layers import Net\n\n\n"
            "def run(x):\n    return torch.jit.trace(Net().eval(), inputs(x))\n"
        ),
        "prepare.py": "def inputs(x):\n    return (x,)\n",
        "unrelated.py": "from other import Baz, Foo\n\n\ndef make():\n    return Foo(bar=Baz())\n",
        "other.py": "class Foo:\n    def __init__(self, bar):\n        self.bar = bar\n\n\nclass Baz:\n    pass\n",
    }
    sources, contents = [], {}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        sources.append(SourceFile(tmp_path / name, name))
        contents[name] = text.encode()
    outlines = Outlines(index_source(source, contents[source.display]).summary() for source in sources)
    full, outlined = outlines.phase_two_files(enabled_rules(Config()), sources, contents)
    assert {"layers.py", "padding.py", "blocks.py", "factory.py", "scripts.py", "uses.py", "runner.py"} <= full
    assert outlined == {"prepare.py"}
    assert not {"unrelated.py", "other.py"} & (full | outlined)


CONTEXT_MODEL = """import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.BatchNorm1d(4)

    def forward(self, x):
        return self.norm(x)
"""
TRACING_SCRIPT = """import torch
from net import Net


def main():
    model = Net()
    return torch.jit.trace(model, torch.rand(2, 4))
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_context_files_keep_no_tree_and_a_rule_reading_one_gets_it_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Files given as context only (not reported on) keep no tree between the phases, in one process
    or in workers: the CLI given torch/nn indexes all of torch as context, and those trees were most of
    its peak memory. A rule that reads a context file's function (TS412 reads the traced model's
    class) gets it parsed again, and reports what it reports when both files are linted."""
    from tslint.api import lint_sources
    from tslint.config import Config
    from tslint.engine import shard as shard_module
    from tslint.engine import syntax

    (tmp_path / "net.py").write_text(CONTEXT_MODEL)
    (tmp_path / "run.py").write_text(TRACING_SCRIPT)
    sources = [SourceFile(tmp_path / name, name) for name in ("net.py", "run.py")]
    kept, parsed_again = [], []
    index_one, parse = shard_module.Shard._index_one, syntax.ProjectSyntax._parse

    def index_recording(self, source, data):
        summary = index_one(self, source, data)
        kept.append((source.display, self.items[source.display].trees is not None))
        return summary

    def parse_recording(self, path, expected):
        parsed_again.append(Path(path).name)
        return parse(self, path, expected)

    monkeypatch.setattr(shard_module.Shard, "_index_one", index_recording)
    monkeypatch.setattr(syntax.ProjectSyntax, "_parse", parse_recording)
    config = Config(select=("TS412",))
    alone = lint_sources(sources, config, only=["run.py"], jobs=jobs)
    if jobs == 1:  # workers record in their own processes
        assert sorted(kept) == [("net.py", False), ("run.py", True)]
        assert parsed_again == ["net.py"]
    both = lint_sources(sources, config, jobs=1)
    assert [(d.filename, d.code, d.location.row) for d in alone.diagnostics] == [("run.py", "TS412", 7)]
    assert alone.diagnostics == tuple(d for d in both.diagnostics if d.filename == "run.py")


def test_cache_sees_a_subclass_change_its_constant_value(tmp_path: Path, capsys) -> None:
    """TS372 reports base.py's read of a constant whose value a subclass in sub.py gives (base.py
    does not import sub.py): making the value valid must re-lint base.py."""
    (tmp_path / "base.py").write_text(
        "import torch.nn as nn\n\n\nclass Base(nn.Module):\n    def helper(self, x):\n        "
        "return x * self.table[0]\n"
    )
    sub = (
        "from typing import Final\n\nfrom base import Base\n\n\nclass Sub(Base):\n    table: Final = {0: 1}\n\n    def "
        "forward(self, x):\n        return self.helper(x)\n"
    )
    (tmp_path / "sub.py").write_text(sub)
    first = json.loads(lint(capsys, ".", cwd=tmp_path))["diagnostics"]
    assert [(d["filename"], d["code"]) for d in first] == [("base.py", "TS372")]
    (tmp_path / "sub.py").write_text(sub.replace("{0: 1}", "(1,)"))
    assert json.loads(lint(capsys, ".", cwd=tmp_path))["diagnostics"] == []


def test_cache_sees_a_sibling_subclass_change_its_constant_value(tmp_path: Path, capsys) -> None:
    """base.py's `helper` reads `self.table` for Sub1 and Sub2, each a dict constant: TS372 reports
    the read there. Once sub2.py makes its `table` valid, the read holds for Sub2, so Sub1's dict is
    reported where sub1.py binds it; sub1.py imports neither sub2.py nor anything that changed, so
    its cache key must hold what that decision read (the classes base.py's code is compiled for)."""
    (tmp_path / "base.py").write_text(
        "import torch.nn as nn\n\n\nclass Base(nn.Module):\n    def helper(self, x):\n        "
        "return x * self.table[0]\n"
    )
    sub = (
        "from typing import Final\n\nfrom base import Base\n\n\nclass Sub1(Base):\n    table: Final = {0: 1}\n\n"
        "    def forward(self, x):\n        return self.helper(x)\n"
    )
    (tmp_path / "sub1.py").write_text(sub)
    (tmp_path / "sub2.py").write_text(sub.replace("Sub1", "Sub2"))
    first = json.loads(lint(capsys, ".", cwd=tmp_path))["diagnostics"]
    assert [(d["filename"], d["code"], d["location"]["row"]) for d in first] == [("base.py", "TS372", 6)]
    (tmp_path / "sub2.py").write_text(sub.replace("Sub1", "Sub2").replace("{0: 1}", "(1,)"))
    cached = lint(capsys, ".", cwd=tmp_path)
    assert cached == lint(capsys, "--no-cache", ".", cwd=tmp_path)
    assert [(d["filename"], d["code"], d["location"]["row"]) for d in json.loads(cached)["diagnostics"]] == [
        ("sub1.py", "TS372", 7)
    ]


def test_cache_sees_a_redefinition_in_an_imported_file(tmp_path: Path, capsys) -> None:
    """torch scripts the class a module holds: the last `class Block` of blocks.py. A redefinition
    appended there changes the `forward` model.py's call of its submodule is checked against (TS350
    in model.py, though nothing of model.py changed); moved above the first, it no longer binds the name."""
    taking = (
        "class Block(nn.Module):\n    def forward(self, x: torch.Tensor, k: int) -> torch.Tensor:\n"
        "        return x * k\n"
    )
    plain = "class Block(nn.Module):\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        return x\n"
    header = "import torch\nimport torch.nn as nn\n\n\n"
    (tmp_path / "blocks.py").write_text(header + taking)
    (tmp_path / "model.py").write_text(
        header.replace("\n\n\n", "\nfrom blocks import Block\n\n\n") + "class Net(nn.Module):\n"
        "    def __init__(self) -> None:\n        super().__init__()\n        self.block = Block()\n\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        return self.block(x, 2)\n"
    )

    def found() -> list:
        report = lint(capsys, ".", cwd=tmp_path)
        assert report == lint(capsys, "--no-cache", ".", cwd=tmp_path)
        return [(d["filename"], d["location"]["row"], d["code"]) for d in json.loads(report)["diagnostics"]]

    assert found() == []
    (tmp_path / "blocks.py").write_text(header + taking + "\n\n" + plain)
    assert found() == [("model.py", 12, "TS350")]
    (tmp_path / "blocks.py").write_text(header + plain + "\n\n" + taking)
    assert found() == []
