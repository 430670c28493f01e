"""One file's or one chain's problem costs only that file (a TS001 finding), never the run; no file
may cost more than a file may (tslint/limits.py); workers get only the summaries phase 2 needs."""

from __future__ import annotations

import io
import json
import sys
import time
import tokenize
from pathlib import Path

import pytest

import cli_runner
import tslint.engine.workers
import tslint.limits
from conftest import ROOT
from tslint.api import lint_sources, lint_text
from tslint.config import Config
from tslint.engine.phases import index_source
from tslint.files import SourceFile, discover
from tslint.index.model import MAX_HIERARCHY
from tslint.index.project import ProjectIndex, compiled_code_files
from tslint.limits import MAX_TOKENS, estimated_tokens, too_many_tokens

LAMBDA = (
    "import torch\n\n\nclass Other(torch.nn.Module):\n    def forward(self, x):\n        f = lambda y: y\n        "
    "return f(x)\n"
)


def chain(length: int) -> str:
    """A module class, then `length - 1` subclasses each of the one before; the first one's forward
    has a TS201 finding."""
    lines = [
        "import torch",
        "",
        "",
        "class C0(torch.nn.Module):",
        "    def forward(self, x):",
        "        g = lambda y: y",
        "        return g(x)",
        "",
    ]
    for i in range(1, length):
        lines += [f"class C{i}(C{i - 1}):", "    pass", ""]
    return "\n".join(lines)


def run_cli(*args, cwd):
    completed = cli_runner.run_cli("--no-cache", "--isolated", "--format", "json", *args, cwd=cwd)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed.returncode, json.loads(completed.stdout)


# --- item 4: deep class hierarchies and deep folders ------------------------------------------------


def test_a_thousand_class_chain_costs_only_its_file(tmp_path) -> None:
    (tmp_path / "chain.py").write_text(chain(1000))
    (tmp_path / "other.py").write_text(LAMBDA)
    code, report = run_cli(".", cwd=tmp_path)
    found = sorted((d["filename"], d["code"], d["location"]["row"]) for d in report["diagnostics"])
    assert code == 1 and report["errors"] == []
    # C0's forward is checked for the classes within the bound; the file says the rest is not.
    assert found == [("chain.py", "TS001", 1), ("chain.py", "TS201", 6), ("other.py", "TS201", 6)]
    message = next(d["message"] for d in report["diagnostics"] if d["code"] == "TS001")
    assert f"class `C{MAX_HIERARCHY}` and {1000 - MAX_HIERARCHY - 1} more classes" in message and "too deep" in message


def test_classes_past_the_bound_are_truly_unchecked(tmp_path) -> None:
    """A class whose hierarchy is too deep to follow gets no finding of its own, even one its own
    body would earn (its bases are unknown to tslint): the file's TS001 says it is not checked, and
    that is then true. Within the bound, C0's forward is still checked."""
    source = chain(MAX_HIERARCHY + 50) + f"\n\nclass Last(C{MAX_HIERARCHY + 49}):\n    def forward(self, x, *args):\n"
    source += "        g = lambda y: y\n        return g(x)\n"
    (tmp_path / "deep.py").write_text(source)
    result = lint_sources([SourceFile(tmp_path / "deep.py", "deep.py")], Config())
    assert result.errors == ()
    assert [(d.code, d.location.row) for d in result.diagnostics] == [("TS001", 1), ("TS201", 6)]
    assert f"class `C{MAX_HIERARCHY}` and 50 more classes" in result.diagnostics[0].message
    assert "not checked" in result.diagnostics[0].message


def test_the_editor_path_reports_the_other_files_beside_a_thousand_class_chain(tmp_path) -> None:
    """lint_text is what the language server calls on every change: the buffer's findings come back."""
    (tmp_path / "chain.py").write_text(chain(1000))
    (tmp_path / "other.py").write_text(LAMBDA)
    result = lint_text(LAMBDA, str(tmp_path / "other.py"), Config(), [str(tmp_path)])
    assert result.errors == () and [d.code for d in result.diagnostics] == ["TS201"]
    result = lint_text(chain(1000), str(tmp_path / "chain.py"), Config(), [str(tmp_path)])
    assert result.errors == () and sorted(d.code for d in result.diagnostics) == ["TS001", "TS201"]


def test_a_chain_within_the_bound_is_analysed_through_its_whole_length(tmp_path) -> None:
    sources = [SourceFile(tmp_path / "chain.py", "chain.py")]
    sources[0].path.write_text(chain(MAX_HIERARCHY))
    result = lint_sources(sources, Config())
    assert result.errors == () and [(d.code, d.location.row) for d in result.diagnostics] == [("TS201", 6)]


def test_mro_order_is_depth_first_left_to_right(tmp_path) -> None:
    path = tmp_path / "m.py"
    path.write_text("class A: pass\nclass B(A): pass\nclass C(A): pass\nclass D(B, C): pass\n")
    item = index_source(SourceFile(path, "m.py"), path.read_bytes())
    index = ProjectIndex([item.index])
    assert [c.name for c in index.mro(index.classes["m.D"])] == ["D", "B", "A", "C"]
    assert not index.hierarchy_too_deep(index.classes["m.D"])


@pytest.mark.slow
def test_a_folder_nested_eleven_hundred_deep_is_walked(tmp_path) -> None:
    (tmp_path / "top.py").write_text(LAMBDA)
    folders = [tmp_path / "d"]
    for _ in range(1099):
        folders.append(folders[-1] / "d")
    for folder in folders:  # one at a time: os.makedirs, like shutil.rmtree, recurses per level
        folder.mkdir()
    leaf = folders[-1] / "leaf.py"
    leaf.write_text(LAMBDA)
    try:
        assert sorted(s.path for s in discover([str(tmp_path)], tmp_path, [])) == sorted([leaf, tmp_path / "top.py"])
        code, report = run_cli(".", cwd=tmp_path)
        assert code == 1 and report["errors"] == []
        assert sorted(Path(d["filename"]).name for d in report["diagnostics"]) == ["leaf.py", "top.py"]
    finally:  # pytest's clean-up of old temporary folders would recurse as deep
        leaf.unlink()
        for folder in reversed(folders):
            folder.rmdir()


# --- item 7: what one file may cost -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x = 1\n",
        'def f(a, b=2):\n    """Doc "quoted" \'\'\' text."""\n    return a + b  # comment\n',
        "s = r'a\\'b' + b\"c\" + f'{x!r}' + '''multi\nline'''\n",
        "if x:\n    y = [1, 2,\n         3]\nelse:\n    pass\n",
        (ROOT / "tslint" / "engine" / "workers.py").read_text(),
    ],
    ids=["assignment", "docstring-and-comment", "prefixed-strings", "brackets-and-blocks", "workers.py"],
)
def test_the_token_estimate_is_close_to_pythons_tokenizer(text) -> None:
    structure = (tokenize.ENCODING, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)  # no text of their own
    python = sum(
        1
        for t in _one_token_per_fstring(tokenize.tokenize(io.BytesIO(text.encode()).readline))
        if t.type not in structure
    )
    assert abs(estimated_tokens(text.encode()) - python) <= python // 50


def _one_token_per_fstring(tokens):
    """Python's tokens as before 3.12, where an f-string is one STRING token, as the estimate counts
    it: 3.12 (PEP 701) splits it into FSTRING_START, its fields' tokens, FSTRING_MIDDLE and FSTRING_END."""
    start, end = getattr(tokenize, "FSTRING_START", None), getattr(tokenize, "FSTRING_END", None)
    depth = 0
    for token in tokens:
        if token.type == start:
            depth += 1
        elif token.type == end:
            depth -= 1
            if depth == 0:
                yield token
        elif depth == 0:
            yield token


def test_only_files_longer_than_the_limit_are_counted() -> None:
    assert too_many_tokens(b"v=1\n" * 30, limit=100) == 120
    assert too_many_tokens(b"v=1\n" * 20, limit=100) == 0
    assert too_many_tokens(b'"""' + b"word " * 1000 + b'"""\n', limit=100) == 0  # one string: two tokens
    assert too_many_tokens(b"x" * (MAX_TOKENS + 1)) == 0  # one long name


def test_the_two_megabyte_v_equals_one_file_is_reported_at_once() -> None:
    """490,000 `v=1` lines took 186 s and 4.4 GB; now the count refuses them in about a second."""
    data = b"v=1\n" * 490_000
    start = time.perf_counter()
    item = index_source(SourceFile(Path("big.py"), "big.py"), data)
    assert time.perf_counter() - start < 15  # generous: the machine is shared; alone it takes ~0.5 s
    assert item.index is None and item.problem is not None
    assert item.problem.code == "TS001" and (item.problem.location.row, item.problem.location.column) == (1, 1)
    assert "too large to analyse (about 1,960,000 tokens" in item.problem.message


def test_a_file_over_a_lowered_limit_gets_ts001_and_the_others_their_findings(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(tslint.limits, "MAX_TOKENS", 1000)
    (tmp_path / "big.py").write_text("v = 1\n" * 400)  # 1,600 tokens
    (tmp_path / "other.py").write_text(LAMBDA)
    sources = [SourceFile(tmp_path / name, name) for name in ("big.py", "other.py")]
    result = lint_sources(sources, Config())
    assert result.errors == ()
    assert [(d.filename, d.code, d.location.row) for d in result.diagnostics] == [
        ("big.py", "TS001", 1),
        ("other.py", "TS201", 6),
    ]
    assert "about 1,600 tokens; the limit is 1,000" in result.diagnostics[0].message


# --- item 7: what each worker receives ------------------------------------------------------------------


PROJECT = {
    "pkg/__init__.py": "",
    "pkg/model.py": (
        "import torch\nfrom pkg.helpers import scale\n\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n   "
        "     return scale(x)\n"
    ),
    "pkg/helpers.py": "from pkg.base import Base\n\n\ndef scale(x):\n    f = lambda y: y\n    return f(x)\n",
    "pkg/base.py": "class Base:\n    pass\n",
    "pkg/holder.py": (
        "from pkg.model import Net\n\n\nclass Holder:\n    def __init__(self):\n        self.net = Net()\n"
    ),
    "pkg/scripted.py": "import torch\n\n\n@torch.jit.script\ndef f(x):\n    return x\n",
    "pkg/user.py": "from pkg.model import Net\n\n\ndef build():\n    return Net()\n",
    "pkg/unrelated.py": "def g(x):\n    h = lambda y: y\n    return h(x)\n",
}


def _project(tmp_path):
    sources = []
    for name, text in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        sources.append(SourceFile(path, name))
    return sources


def test_phase_two_needs_the_files_compiled_code_may_read(tmp_path) -> None:
    sources = _project(tmp_path)
    indexes = [index_source(s, s.path.read_bytes()).index for s in sources]
    needed = compiled_code_files(ProjectIndex(indexes))
    # model (a module class) and what it imports, directly or not; holder (holds one); scripted.
    # Not user.py (it imports the model, nothing compiled reaches it), nor unrelated.py.
    assert needed == {"pkg/model.py", "pkg/helpers.py", "pkg/base.py", "pkg/holder.py", "pkg/scripted.py"}


def test_each_worker_receives_only_the_summaries_phase_two_needs(tmp_path, monkeypatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the fork start method carries the patch into the worker")
    sources = _project(tmp_path)
    log = tmp_path / "scopes.log"
    original = tslint.engine.workers._scope

    def recording(summaries, rules):
        with open(log, "a") as out:  # the workers' phase-2 scopes (this process's would be empty)
            out.write(" ".join(sorted(summaries)) + "\n")
        return original(summaries, rules)

    monkeypatch.setattr(tslint.engine.workers, "_scope", recording)
    monkeypatch.setattr(tslint.engine.workers, "OUTLINE_MIN_BYTES", 0)  # as on a large project
    parallel = lint_sources(sources, Config(), jobs=2)
    received = [set(line.split()) for line in log.read_text().splitlines()]
    assert len(received) == 2
    needed = {"pkg/model.py", "pkg/helpers.py", "pkg/base.py", "pkg/holder.py", "pkg/scripted.py"}
    assert all(files == needed for files in received)
    monkeypatch.setattr(tslint.engine.workers, "_scope", original)
    alone = lint_sources(sources, Config(), jobs=1)
    assert parallel == alone and [d.filename for d in alone.diagnostics] == ["pkg/helpers.py"]
