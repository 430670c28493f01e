"""Finding the files to lint, and the dotted module name each one is imported as."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

# Folders no one wants linted; `exclude` in the config adds to these.
DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".eggs", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".tslint_cache", "node_modules", "site-packages", "build", "dist",
)


@dataclass(frozen=True)
class SourceFile:
    path: Path  # where to read it
    display: str  # how to name it in reports: as reached from the paths the user gave


class MissingPath(Exception):
    pass


@functools.lru_cache(maxsize=8)
def _pattern_matchers(patterns: Tuple[str, ...]):
    """Two compiled matchers for `patterns`: of a name, and of a path relative to the root, which
    matches a pattern also as a folder above it (`build` excludes `build/x.py`) or below the root
    (`*/build`). One regex each, not four fnmatch calls per pattern per path."""
    names, relatives = [], []
    for pattern in patterns:
        stripped = pattern.rstrip("/")
        names.append(fnmatch.translate(os.path.normcase(stripped)))
        for variant in (stripped, stripped + "/*", "*/" + stripped):
            relatives.append(fnmatch.translate(os.path.normcase(variant)))
    return re.compile("|".join(names)).match, re.compile("|".join(relatives)).match


def is_excluded(path: Path, root: Optional[Path], patterns: Sequence[str]) -> bool:
    """Whether `path` (or a folder above it, up to `root`) matches an exclude pattern."""
    if not patterns:
        return False
    absolute = path.absolute()
    base = root.absolute() if root is not None else Path.cwd()
    try:
        relative = absolute.relative_to(base).as_posix()
    except ValueError:
        relative = absolute.as_posix()
    name_matches, relative_matches = _pattern_matchers(tuple(patterns))
    return bool(name_matches(os.path.normcase(absolute.name)) or relative_matches(os.path.normcase(relative)))


def discover(paths: Iterable[str], root: Optional[Path], exclude: Sequence[str]) -> List[SourceFile]:
    """Python files under `paths`, sorted and unique. A file named explicitly is always linted.

    Symlinked folders are not followed, so symlink loops cannot trap the walk.
    """
    patterns = (*DEFAULT_EXCLUDES, *exclude)
    found: List[SourceFile] = []
    seen = set()

    def add(path: Path, display: str) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.append(SourceFile(path, display))

    for given in paths:
        path = Path(given)
        if path.is_file() or (path.exists() or path.is_symlink()) and not path.is_dir():
            # An explicit file is always linted; one that cannot be read (a dangling symlink, no
            # permission) becomes a TS001 finding.
            add(path, given)
            continue
        if not path.is_dir():
            raise MissingPath(given)
        for directory, folders, files in os.walk(path, followlinks=False):
            current = Path(directory)
            folders[:] = sorted(
                name for name in folders if not is_excluded(current / name, root, patterns)
            )
            for name in sorted(files):
                file = current / name
                if name.endswith(".py") and not is_excluded(file, root, patterns) and not file.is_dir():
                    add(file, os.path.normpath(os.path.join(directory, name)))
    found.sort(key=lambda source: source.display)
    return found


def module_name(path: Path) -> Tuple[str, bool]:
    """(dotted module name, is a package `__init__`), walking up while `__init__.py` files exist."""
    absolute = path.absolute()
    is_package = absolute.name == "__init__.py"
    parts = [] if is_package else [absolute.stem]
    directory = absolute.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    if is_package and not parts:
        parts = [absolute.parent.name]
    return ".".join(parts), is_package
