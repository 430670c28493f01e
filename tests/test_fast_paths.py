"""The shortcuts of the hot paths give what the slow paths give, on every fixture: `code_of`'s
dotted-name fast path, `walk`'s skipped leaves, and the index facts skipped by word."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Iterator, Optional

import libcst as cst
import pytest

from tslint.analysis.traversal import _EMPTY_MODULE, LEAF_TYPES, code_of, walk
from tslint.index.indexer import index_file
from tslint.rules import fact_extractors

FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").rglob("*.py"))


@cache
def _parsed(path: Path) -> Optional[cst.Module]:
    """Each fixture parsed once per process for the four tests below (libcst trees are immutable)."""
    try:
        return cst.parse_module(path.read_bytes())
    except cst.ParserSyntaxError:
        return None


def _module(path: Path) -> cst.Module:
    module = _parsed(path)
    if module is None:
        pytest.skip("not parsable")
    return module


@cache
def _indexed(path: Path):
    """Each fixture's index as tslint makes it (every fact, no source text), once per process for
    the three tests below that compare another way of indexing with it."""
    return index_file(str(path), _module(path), path.stem, False, fact_extractors())[0]


@pytest.fixture(scope="module", params=FIXTURES, ids=lambda p: p.name)
def path(request: pytest.FixtureRequest) -> Iterator[Path]:
    """Each fixture, for the five sweeps of this module. A module-scoped parameter: pytest runs the
    sweeps of one fixture one after another, so under xdist's work stealing (conftest) they share a
    worker, and its parse and index of the fixture (`_parsed`, `_indexed`). They are dropped after
    its sweeps: kept, the trees of every fixture would be walked by each full collection of the
    garbage collector for the rest of the session."""
    yield request.param
    _parsed.cache_clear()
    _indexed.cache_clear()


def test_fast_paths_agree(path: Path) -> None:
    module = _module(path)
    every: list = []
    walk(module, lambda node: every.append(node) or True)
    for node in every:
        if type(node) in (cst.Name, cst.Attribute):
            assert code_of(node) == _EMPTY_MODULE.code_for_node(node)
    skipped = frozenset({cst.Integer, cst.Add, cst.Comma, cst.Name}) & LEAF_TYPES
    marked: list = []
    walk(module, lambda node: marked.append(node) or True, None, skipped)
    assert sorted(map(id, marked)) == sorted(id(node) for node in every if type(node) not in skipped)


def test_facts_skipped_by_word_are_empty(path: Path) -> None:
    module = _module(path)
    text = path.read_text()
    with_text = index_file(str(path), module, path.stem, False, fact_extractors(), text)[0]
    assert with_text == _indexed(path)


def test_index_walk_without_leaves_is_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The indexer's function walk skips leaf nodes: the index is the one a walk of every node gives."""
    import tslint.index.indexer as indexer

    module = _module(path)
    skipping = _indexed(path)
    monkeypatch.setattr(indexer, "LEAF_TYPES", frozenset())
    assert index_file(str(path), module, path.stem, False, fact_extractors())[0] == skipping


class _Every(set):
    def __contains__(self, item: object) -> bool:
        return True


def test_unpacking_shortcut_is_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The indexer looks for `self.x, n = self.method(...)` only in an `__init__` whose walk saw an
    unpacking into a `self` attribute: the index is the one looking in every `__init__` gives."""
    import tslint.index.indexer as indexer

    module = _module(path)
    skipping = _indexed(path)
    original = indexer._FileIndexer.__init__

    def every_init(self, *arguments, **keywords) -> None:
        original(self, *arguments, **keywords)
        self.unpacking = _Every()

    monkeypatch.setattr(indexer._FileIndexer, "__init__", every_init)
    assert index_file(str(path), module, path.stem, False, fact_extractors())[0] == skipping


WORD_SOURCES = {
    "trace_module only": "import torch\n\ndef f():\n    m = Block()\n    return torch.jit.trace_module(m, {})\n",
    "script as alias": "from torch.jit import script as s\n\ndef f(self):\n    return s(Exit())\n",
    "description only": '"""A description, scriptable."""\n\ndef f():\n    return Block()\n',
}


@pytest.mark.parametrize("name", sorted(WORD_SOURCES))
def test_facts_skipped_by_whole_word_are_empty(name: str) -> None:
    """A fact skipped because its word is not in the source as a whole word (`description` holds
    `script`) would have been empty; `trace_module` alone is enough for the traced classes."""
    source = WORD_SOURCES[name]
    module = cst.parse_module(source)
    with_text = index_file("m.py", module, "m", False, fact_extractors(), source)[0]
    assert with_text == index_file("m.py", module, "m", False, fact_extractors())[0]
    if name == "trace_module only":
        assert with_text.functions["f"].fact("trace-traced-classes") == ("Block",)


def test_rules_skipped_by_word_report_nothing(
    fixture_result, word_rules_everywhere, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule with `words` does not run on a file whose source holds none of them: on the fixtures,
    running those rules on every file gives the same findings (a wrong word fails here). Their
    findings in the session's lint of every rule are the ones compared with; the session's lint of
    the rules with words, each on every file (conftest's `word_rules_everywhere`, made with the
    rules off by default), gives those of the default modes."""
    import conftest
    import tslint.engine.dispatch as dispatch
    from tslint.findings import Mode
    from tslint.rules import find_rules

    rules = [rule for rule in find_rules() if rule.words]
    codes = tuple(sorted(rule.code for rule in rules))
    assert codes
    expected = [d for d in fixture_result.diagnostics if d.code in codes]
    assert expected  # the fixtures exercise them
    if any(rule.mode is Mode.EXPORT for rule in rules):
        monkeypatch.setattr(dispatch, "may_report", lambda rule, text: True)
        result = conftest._lint_fixtures(codes)
    else:  # the session's export lint gives only export rules' findings: none of these codes
        assert conftest.word_rules() == codes
        result = word_rules_everywhere
    assert list(result.diagnostics) == expected


def test_slice_bindings_walk_is_libcst_visit(path: Path) -> None:
    """TS359 collects a function's bindings with tslint's walk: what libcst's visitor collects."""
    from tslint.rules.semantics import slice_used_as_value as ts359

    every: list = []
    walk(_module(path), lambda node: every.append(node) or True)
    for function in (node for node in every if type(node) is cst.FunctionDef):
        visited = ts359._Bindings()
        function.visit(visited)
        walked = ts359._bindings(function)
        assert walked.other == visited.other
        # the walk's sibling order is not the source's: the same values of each name, in any order
        assert {name: sorted(map(id, values)) for name, values in walked.values.items()} == {
            name: sorted(map(id, values)) for name, values in visited.values.items()
        }


def test_memo_answers_once_per_node_within_a_file() -> None:
    """analysis/memo: within `per_file()` a node's answer is computed once; outside, every time."""
    from tslint.analysis.memo import memoised, per_file

    calls: list = []

    @memoised
    def names(node):
        calls.append(node)
        return frozenset(node)

    first, second = ["a"], ["b"]
    names(first), names(first)
    assert len(calls) == 2
    with per_file():
        assert names(first) == names(first) == frozenset({"a"})
        assert names(second) == frozenset({"b"})
        assert len(calls) == 4
    names(first)
    assert len(calls) == 5


@pytest.mark.parametrize(
    "text",
    ["x = wraps(f)", "unwraps(f)", "wrapsx", "a.wraps", "wraps", "_wraps", "é wraps", "wrapsé", "1wraps", "wraps1"],
)
def test_holds_word_is_a_whole_word_search(text: str) -> None:
    """The fast pattern of `holds_word` answers as `\\bword\\b` does (Unicode word characters too)."""
    import re

    from tslint.index.facts import holds_word

    assert holds_word(text, "wraps") == (re.search(r"\bwraps\b", text) is not None)
