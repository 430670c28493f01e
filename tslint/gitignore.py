"""git's ignore rules for the folder walk: the `.gitignore` files of a repository, from its root down
to a file's folder, and `.git/info/exclude`; patterns are matched by pathspec (git's wildmatch).

As git: a deeper `.gitignore` decides before a shallower one, within one file the last matching
pattern decides (so `!keep.py` re-includes), and `.git/info/exclude` decides last. Outside a git
repository `.gitignore` files mean nothing, as for git. A folder that is ignored is not entered (the
caller prunes it), which gives git's rule that a file cannot be re-included below an ignored folder.
The global `core.excludesFile` is not read (it needs git's configuration).
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple

# A .gitignore larger than this is not read (a generated one could be anything).
MAX_IGNORE_BYTES = 1_000_000

_Patterns = Tuple[object, ...]  # pathspec patterns that include or exclude (no comments, no blanks)


def _read_patterns(path: str) -> _Patterns:
    import pathspec

    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_IGNORE_BYTES + 1)
    except OSError:
        return ()
    if len(data) > MAX_IGNORE_BYTES:
        return ()
    lines = data.decode("utf-8", "replace").splitlines()
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # a pattern pathspec cannot compile: git would skip it; skip the file
        return ()
    return tuple(p for p in spec.patterns if getattr(p, "include", None) is not None)


def _verdict(patterns: _Patterns, relative: str) -> Optional[bool]:
    """True: ignored, False: re-included by a negation, None: no pattern matches."""
    result = None
    for pattern in patterns:
        if pattern.match_file(relative) is not None:  # type: ignore[attr-defined]
            result = pattern.include  # type: ignore[attr-defined]
    return result


class GitIgnore:
    """Answers `ignored(path, is_folder)` for paths under any git repository; caches what it reads."""

    def __init__(self) -> None:
        self._roots: Dict[str, Optional[str]] = {}
        self._patterns: Dict[str, List[Tuple[str, _Patterns]]] = {}

    def _root(self, folder: str) -> Optional[str]:
        """The repository root holding `folder` (the nearest folder with a `.git` entry), or None."""
        visited = []
        current = folder
        while current not in self._roots:
            visited.append(current)
            if os.path.lexists(os.path.join(current, ".git")):
                self._roots[current] = current
                break
            parent = os.path.dirname(current)
            if parent == current:
                self._roots[current] = None
                break
            current = parent
        root = self._roots[current]
        for seen in visited:
            self._roots[seen] = root
        return root

    def _folder_patterns(self, folder: str, root: str) -> Sequence[Tuple[str, _Patterns]]:
        """(base folder, patterns) that `folder` contributes, in the order they decide."""
        found = self._patterns.get(folder)
        if found is None:
            found = [(folder, _read_patterns(os.path.join(folder, ".gitignore")))]
            if folder == root:
                found.append((folder, _read_patterns(os.path.join(root, ".git", "info", "exclude"))))
            found = [(base, patterns) for base, patterns in found if patterns]
            self._patterns[folder] = found
        return found

    def ignored(self, path: str, is_folder: bool) -> bool:
        absolute = os.path.abspath(path)
        folder = os.path.dirname(absolute)
        root = self._root(folder)
        if root is None:
            return False
        suffix = "/" if is_folder else ""
        while True:
            for base, patterns in self._folder_patterns(folder, root):
                relative = os.path.relpath(absolute, base).replace(os.sep, "/") + suffix
                verdict = _verdict(patterns, relative)
                if verdict is not None:
                    return verdict
            if folder == root:
                return False
            folder = os.path.dirname(folder)
