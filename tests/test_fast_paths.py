"""The shortcuts of the hot paths give what the slow paths give, on every fixture: `code_of`'s
dotted-name fast path, `walk`'s skipped leaves, and the index facts skipped by word."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from tslint.analysis.traversal import _EMPTY_MODULE, LEAF_TYPES, code_of, walk
from tslint.index.indexer import index_file
from tslint.rules import fact_extractors

FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").rglob("*.py"))


def _module(path: Path) -> cst.Module:
    try:
        return cst.parse_module(path.read_bytes())
    except cst.ParserSyntaxError:
        pytest.skip("not parsable")


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
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


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_facts_skipped_by_word_are_empty(path: Path) -> None:
    module = _module(path)
    text = path.read_text()
    with_text = index_file(str(path), module, path.stem, False, fact_extractors(), text)[0]
    every = index_file(str(path), module, path.stem, False, fact_extractors())[0]
    assert with_text == every


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_index_walk_without_leaves_is_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The indexer's function walk skips leaf nodes: the index is the one a walk of every node gives."""
    import tslint.index.indexer as indexer

    module = _module(path)
    skipping = index_file(str(path), module, path.stem, False, fact_extractors())[0]
    monkeypatch.setattr(indexer, "LEAF_TYPES", frozenset())
    assert index_file(str(path), module, path.stem, False, fact_extractors())[0] == skipping
