"""Facts that only one rule family reads, computed while a file is indexed by extractors that family
names (`tslint/rules/<family>/_index_facts.py`), so a rule needing a new cross-file fact adds an
extractor beside itself instead of editing the indexer.

An extractor reads one definition's syntax tree (or the whole file's, for a file fact) and returns
plain picklable data (tuples, strings, dicts of them); the result is kept in `FunctionInfo.facts` /
`ClassInfo.facts` / `FileIndex.facts` under the extractor's name and read back by the family's rules
through the project index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Tuple

import libcst as cst

from tslint.analysis.imports import ImportTable

# (the function, its file's imports, the qualified name of the class defining it or None)
FunctionFact = Callable[[cst.FunctionDef, ImportTable, Optional[str]], object]
# (the class, its file's imports)
ClassFact = Callable[[cst.ClassDef, ImportTable], object]
# (the file's module, its imports, its source text)
FileFact = Callable[[cst.Module, ImportTable, str], object]


@dataclass(frozen=True)
class FactExtractors:
    functions: Mapping[str, FunctionFact] = field(default_factory=dict)
    classes: Mapping[str, ClassFact] = field(default_factory=dict)
    files: Mapping[str, FileFact] = field(default_factory=dict)
    # Extractor name -> identifiers one of which the file's source must hold as a whole word for the
    # fact to be non-empty (`script` for the classes built in `torch.jit.script(...)`: the call's
    # name is that token; `description` or `scriptable` do not count): in a file with none of them
    # the extractor is not run. An extractor with no entry here always runs.
    words: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)

    def merged(self, other: FactExtractors) -> FactExtractors:
        clash = (
            (self.functions.keys() & other.functions.keys())
            | (self.classes.keys() & other.classes.keys())
            | (self.files.keys() & other.files.keys())
        )
        if clash:
            raise RuntimeError(f"two rule families extract the same index fact: {', '.join(sorted(clash))}")
        return FactExtractors(
            {**self.functions, **other.functions},
            {**self.classes, **other.classes},
            {**self.files, **other.files},
            {**self.words, **other.words},
        )

    def for_text(self, text: Optional[str]) -> FactExtractors:
        """The extractors that may find something in a file of source `text` (None: all of them)."""
        if text is None or not self.words:
            return self
        absent = {name for name, words in self.words.items() if not any(holds_word(text, word) for word in words)}
        if not absent:
            return self
        return FactExtractors(
            {name: f for name, f in self.functions.items() if name not in absent},
            {name: f for name, f in self.classes.items() if name not in absent},
            {name: f for name, f in self.files.items() if name not in absent},
        )


def holds_word(text: str, word: str) -> bool:
    """Whether `text` holds the identifier `word` as a whole word. A token of the source is bounded
    by characters that cannot continue an identifier (a character `\\w` matches right after one is
    a syntax error), so the token is found wherever the parser could build a name of it."""
    pattern = _WORDS.get(word)
    if pattern is None:
        escaped = re.escape(word)
        # `\bword\b`, written so the search starts from the literal (about 5x faster on long files).
        pattern = _WORDS[word] = re.compile(
            rf"{escaped}(?<!\w{escaped})(?!\w)" if re.fullmatch(r"\w+", word) else rf"\b{escaped}\b"
        )
    return word in text and pattern.search(text) is not None


_WORDS: dict = {}

NO_FACTS = FactExtractors()
