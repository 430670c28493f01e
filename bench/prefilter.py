"""What a pre-filter before libcst could skip without changing a finding (bench/speed.py, issue 19).

Built in the engine first (run_phases skipping the files below, every finding compared with and
without it on three corpora: identical) and measured: it skipped 1 of 658 files of model-library
code and 1 of 389 of torch's sources, for 0.14 to 0.29 s of CPU to decide, against a few
milliseconds of parsing saved. So it is not in the engine; this module keeps its decision so that
bench/speed.py reports, for any corpus, what it would skip and what deciding costs.

A file may be skipped (checked, no finding, no parse) when nothing in it can reach torch's compiler
and nothing in it can change what the analyses find in other files:
- its source holds neither the word `class` nor the word `torch` (no class, no torch import, no
  `torch.jit` decorator), nor `tslint` or `noqa` in any case (no suppression comment, whose use the
  engine checks), and it is not a package's `__init__.py` (siblings import its names with
  `from . import name`, naming no module);
- Python's own parser accepts it (else a parse reports TS001) and it imports no module of the run's
  packages: it calls, builds or names nothing the run defines, so it carries none of the project-wide
  facts (tslint/analysis/project_wide.py: constructor arguments, external callers, referenced and
  subclassed classes);
- no other file of the run names it in an import statement (an import of `a.b.c` names `c`, whatever
  its form), so no compiled function calls one of its functions or reads one of its names.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import FrozenSet, Iterable, Mapping, Optional, Sequence, Set

from tslint.engine.reading import MAX_FILE_BYTES, FileChanged, decode
from tslint.files import SourceFile, module_names
from tslint.limits import MAX_TOKENS, too_many_tokens

# Words that keep a file from the pre-filter: `class` and `torch` as Python reads them; `tslint` and
# `noqa` anywhere, in any case, as the suppression comments are read (tslint/engine/suppression.py).
_WORDS = re.compile(rb"\b(?:class|torch)\b")
_DIRECTIVES = (b"tslint", b"noqa")
# An import statement, `import ...` or `from ... import ...`, to the end of its line, its lines
# joined by `\\` and its bracketed list of names: an import of module `a.b.c` names `c` in it.
_IMPORT = re.compile(rb"^[ \t]*(?:from|import)\b(?:[^\n(\\]|\\\r?\n|\\)*(?:\([^)]*\))?", re.MULTILINE)
_WORD = re.compile(rb"[A-Za-z_]\w*")


def skipped_files(
    to_index: Sequence[SourceFile], all_sources: Sequence[SourceFile], contents: Mapping[str, bytes]
) -> FrozenSet[str]:
    """The display names of the files of `to_index` a pre-filter could skip (see the module's text).
    `all_sources`: every file of the run, those the cache answers for too."""
    candidates = [s for s in to_index if s.path.name != "__init__.py" and _passes_word_test(_data(contents, s))]
    if not candidates:
        return frozenset()
    packages = {name.split(".", 1)[0] for name, _ in module_names([source.path for source in all_sources])}
    candidates = [source for source in candidates if _self_contained(_data(contents, source), packages)]
    if not candidates:
        return frozenset()
    named = {source.display for source in candidates}
    imported = _imported_words(contents, [source for source in all_sources if source.display not in named])
    if imported is None:
        return frozenset()
    return frozenset(source.display for source in candidates if source.path.stem.encode() not in imported)


def _data(contents: Mapping[str, bytes], source: SourceFile) -> Optional[bytes]:
    try:
        return contents[source.display]
    except (KeyError, FileChanged):
        return None


def _passes_word_test(data: Optional[bytes]) -> bool:
    """No `class`, no `torch`, no directive; and within the limits a parse reports on (TS001)."""
    if data is None or len(data) > MAX_FILE_BYTES or b"\x00" in data or too_many_tokens(data, MAX_TOKENS):
        return False
    if _WORDS.search(data) is not None:
        return False
    lowered = data.lower()
    return not any(word in lowered for word in _DIRECTIVES)


def _self_contained(data: Optional[bytes], packages: Set[str]) -> bool:
    """Whether Python parses the source and it imports no module of the run's `packages`."""
    tree = _python_tree(data) if data is not None else None
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):  # the word test keeps these: only as a safeguard
            return False
        if isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").split(".", 1)[0] in packages:
                return False
        elif isinstance(node, ast.Import):
            if any(alias.name.split(".", 1)[0] in packages for alias in node.names):
                return False
    return True


def _python_tree(data: bytes) -> Optional[ast.Module]:
    try:
        text = decode(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are not ours to print
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def _imported_words(contents: Mapping[str, bytes], sources: Iterable[SourceFile]) -> Optional[Set[bytes]]:
    """The words of the import statements of `sources` (None: one could not be read, so no file is
    known not to be imported by it)."""
    words: Set[bytes] = set()
    for source in sources:
        data = _data(contents, source)
        if data is None:
            return None
        words.update(words_of_imports(data))
    return words


def words_of_imports(data: bytes) -> Set[bytes]:
    """The words of the import statements of one file's source (see _IMPORT)."""
    return {word for statement in _IMPORT.findall(data) for word in _WORD.findall(statement)}


def main() -> None:
    """`python bench/prefilter.py PATH ...`: what the pre-filter would skip in PATHS, and the check
    that skipping it changes nothing: the lint of every file equals the lint without the skipped
    files, and the skipped files have no finding and no error in the former."""
    import sys
    import time
    from dataclasses import replace

    from tslint.api import lint_sources
    from tslint.config import Config
    from tslint.files import discover

    config = replace(Config(), respect_gitignore=False)
    sources = discover(sys.argv[1:], None, ())
    contents = {source.display: source.path.read_bytes() for source in sources}
    start = time.process_time()
    skipped = skipped_files(sources, sources, contents)
    deciding = time.process_time() - start
    every = lint_sources(sources, config)
    kept = lint_sources([source for source in sources if source.display not in skipped], config)
    named = [d.filename for d in every.diagnostics] + [e.filename for e in every.errors]
    in_skipped = [name for name in named if name in skipped]
    same = every.diagnostics == kept.diagnostics and every.errors == kept.errors and not in_skipped
    print(f"{len(sources)} files, {len(skipped)} skipped, deciding {deciding:.3f} s of CPU")
    for display in sorted(skipped):
        print(f"  {display}")
    print(f"{len(every.diagnostics)} findings; without the skipped files: {'identical' if same else 'DIFFERENT'}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
