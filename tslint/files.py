"""Finding the files to lint, and the dotted module name each one is imported as."""

from __future__ import annotations

import errno
import fnmatch
import functools
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

# Folders no one wants linted; `exclude` in the config adds to these.
DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".eggs",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tslint_cache",
    "node_modules",
    "site-packages",
    "build",
    "dist",
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


def _excluder(root: Optional[Path], patterns: Sequence[str]) -> Callable[[str], bool]:
    """is_excluded for the paths of one walk, as strings: the base folder and the current folder are
    looked up once, and a path that pathlib would write the same way (no `.` or empty part: the walk's
    are) is made absolute without pathlib, which costs more than the matching itself."""
    if not patterns:
        return lambda path: False
    if os.sep != "/" or os.altsep:  # Windows: pathlib's rules for drives and separators
        return lambda path: is_excluded(Path(path), root, patterns)
    # Names without wildcards (all of DEFAULT_EXCLUDES) are compared as strings: compiling their
    # regex cost a one-file run more than the matching.
    literal = frozenset(p.rstrip("/") for p in patterns if p.rstrip("/") and not any(c in p for c in "*?["))
    globs = tuple(p for p in patterns if p.rstrip("/") not in literal)
    name_matches, relative_matches = _pattern_matchers(globs) if globs else (lambda text: None, lambda text: None)
    cwd = os.getcwd()
    base = str(root.absolute()) if root is not None else cwd
    prefix = base if base.endswith("/") else base + "/"

    def excluded(path: str) -> bool:
        while path.startswith("./"):
            path = path[2:]
        if not path or path == "." or "//" in path or "/./" in path or path.endswith(("/", "/.")):
            return is_excluded(Path(path), root, patterns)
        absolute = path if path.startswith("/") else (cwd if cwd.endswith("/") else cwd + "/") + path
        relative = "." if absolute == base else absolute[len(prefix) :] if absolute.startswith(prefix) else absolute
        name = absolute.rsplit("/", 1)[-1]
        if name in literal or relative in literal:
            return True
        if literal and any(relative.startswith(p + "/") or relative.endswith("/" + p) for p in literal):
            return True
        return bool(name_matches(name) or relative_matches(relative))

    return excluded


@dataclass(frozen=True)
class Discovery:
    sources: Tuple[SourceFile, ...]
    # (folder as reached from the paths given, why it could not be listed): its files are unknown,
    # so the run reports them instead of passing with a part of the project unchecked.
    unlisted: Tuple[Tuple[str, str], ...] = ()


def _is_dir(path: Path) -> bool:
    """Path.is_dir raises PermissionError in a folder that can be listed but not entered."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def find_sources(
    paths: Iterable[str], root: Optional[Path], exclude: Sequence[str], respect_gitignore: bool = False
) -> Discovery:
    """Python files under `paths`, sorted and unique, and the folders that could not be listed.
    A file named explicitly is always linted (engine.read_source reports one that cannot be read);
    in folders, what `exclude` (and git, with `respect_gitignore`) ignores is skipped.

    Symlinked folders are not followed, so symlink loops cannot trap the walk.
    """
    unlisted: List[Tuple[str, str]] = []
    found = _find_sources(paths, root, exclude, respect_gitignore, unlisted)
    return Discovery(tuple(source for source, _ in found), tuple(sorted(unlisted)))


def _find_sources(
    paths: Iterable[str],
    root: Optional[Path],
    exclude: Sequence[str],
    respect_gitignore: bool,
    unlisted: List[Tuple[str, str]],
) -> List[Tuple[SourceFile, str]]:
    """find_sources' files, each with its real path, sorted; the folders that could not be listed
    are added to `unlisted`."""
    patterns = (*DEFAULT_EXCLUDES, *exclude)
    skipped = _skipper(root, patterns, respect_gitignore)
    found: List[Tuple[SourceFile, str]] = []
    seen = set()
    real_folders: Dict[str, str] = {}

    def add(path: str, display: str, key: str) -> None:
        if key not in seen:
            seen.add(key)
            found.append((SourceFile(Path(path), display), key))

    def report(error: OSError) -> None:
        folder = os.path.normpath(error.filename) if error.filename is not None else "."
        unlisted.append((folder, f"cannot list folder ({error.strerror or error})"))

    for given in paths:
        path = Path(given)
        try:
            is_folder = stat.S_ISDIR(os.stat(path).st_mode)
        except OSError as error:
            # A dangling symlink, a symlink loop or a file in a folder that cannot be entered is
            # linted, to become a TS001 finding; only a name that is not there is a usage error.
            if error.errno in (errno.ENOENT, errno.ENOTDIR) and not os.path.islink(path):
                raise MissingPath(given) from None
            is_folder = False
        except ValueError:  # a NUL byte in the name
            raise MissingPath(given) from None
        if not is_folder:
            add(str(path), given, os.path.realpath(path))
            continue
        for directory, folders, files in _walk(str(path), onerror=report):
            folders[:] = sorted(name for name in folders if not skipped(os.path.join(directory, name), True))
            for name in sorted(files):
                file = os.path.join(directory, name)
                if not name.endswith(".py") or skipped(file, False):
                    continue
                key = _real_file(file, directory, name, real_folders)
                if key is not None:
                    add(file, os.path.normpath(file), key)
    found.sort(key=lambda pair: pair[0].display)
    return found


def _real_file(file: str, directory: str, name: str, real_folders: Dict[str, str]) -> Optional[str]:
    """The real path of a file the walk found, or None for a folder (a symlink to one, or a folder
    the walk could not tell): os.path.realpath, with the folder's resolved once for all its files."""
    try:
        mode = os.lstat(file).st_mode
    except (OSError, ValueError):
        mode = 0
    if stat.S_ISLNK(mode) or not mode:
        return None if _is_dir(Path(file)) else os.path.realpath(file)
    if stat.S_ISDIR(mode):
        return None
    if directory not in real_folders:
        real_folders[directory] = os.path.realpath(directory)
    return os.path.join(real_folders[directory], name)


def _skipper(root: Optional[Path], patterns: Sequence[str], respect_gitignore: bool) -> Callable[[str, bool], bool]:
    """Whether the walk skips a path (is_folder tells git's folder-only patterns `name/`)."""
    excluded = _excluder(root, patterns)
    if not respect_gitignore:
        return lambda path, is_folder: excluded(path)
    from tslint.gitignore import GitIgnore

    ignore = GitIgnore()
    return lambda path, is_folder: excluded(path) or ignore.ignored(path, is_folder)


def discover(
    paths: Iterable[str], root: Optional[Path], exclude: Sequence[str], respect_gitignore: bool = False
) -> List[SourceFile]:
    """The files of find_sources, for callers that only need context (the CLI reports the rest)."""
    return list(find_sources(paths, root, exclude, respect_gitignore).sources)


def package_top(path: Path) -> Optional[Path]:
    """The topmost folder of the `__init__.py` chain holding `path` (a file or a folder; absolute),
    or None when `path` is in no package."""
    folder = path if _is_dir(path) else path.parent
    top = None
    while _is_file(folder / "__init__.py") and folder.parent != folder:
        top, folder = folder, folder.parent
    return top


def context_folders(given: str) -> List[Tuple[str, bool]]:
    """The folders whose files give a path on the command line its context, as (folder as reached
    from `given`, recursive): the whole top package holding it, or, for a file in no package, its
    own folder's files (the scripts beside it that it can import) and the packages beside it that
    it imports (`from models.net import Net` next to `models/`: Python puts a script's folder first
    on its path). Empty for a folder in no package: its walk already holds its files."""
    absolute = Path(os.path.abspath(given))
    is_folder = _is_dir(absolute)
    top = package_top(absolute)
    if top is None:
        if is_folder:
            return []
        folder = os.path.dirname(given) or "."
        packages = [(os.path.join(folder, name), True) for name in _packages_imported(absolute)]
        return [(folder, False), *packages]
    start = absolute if is_folder else absolute.parent
    base = given if is_folder else (os.path.dirname(given) or ".")
    return [(os.path.normpath(os.path.join(base, os.path.relpath(top, start))), True)]


# `import name` / `from name... import` at the start of a line: the first name of what it imports.
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)[\w.]*[ \t]+import\b|import[ \t]+([A-Za-z_]\w*))", re.M)
_IMPORT_SCAN_BYTES = 1 << 20


def _packages_imported(script: Path) -> List[str]:
    """The packages in the folder of `script` (a file in no package) that its import lines name. A
    text scan, not a parse: a name it misses only leaves that package out of the context."""
    if not _is_file(script):
        return []
    try:
        with open(script, "rb") as handle:
            head = handle.read(_IMPORT_SCAN_BYTES)
    except OSError:
        return []
    names = {(first or second).decode("ascii", "replace") for first, second in _IMPORT_LINE.findall(head)}
    return sorted(name for name in names if _is_file(script.parent / name / "__init__.py"))


def find_context(
    given: Iterable[str],
    reported: Sequence[SourceFile],
    root: Optional[Path],
    exclude: Sequence[str],
    respect_gitignore: bool = False,
) -> List[SourceFile]:
    """The files that give the paths `given` their context (see context_folders), less those in
    `reported`: they are indexed (base classes, helpers, callees) but not reported, so a file's
    findings do not depend on which other files were named with it (a pre-commit hook names only
    the changed ones)."""
    patterns = (*DEFAULT_EXCLUDES, *exclude)
    seen = {os.path.realpath(source.path) for source in reported}
    found: List[SourceFile] = []
    folders = sorted({folder for path in given for folder in context_folders(path)})
    recursive = [folder for folder, deep in folders if deep]
    candidates = _find_sources(recursive, root, exclude, respect_gitignore, []) if recursive else []
    skipped = _skipper(root, patterns, respect_gitignore) if len(recursive) < len(folders) else None
    for folder, deep in folders:
        if deep or skipped is None:
            continue
        try:
            names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(".py"))
        except OSError:
            continue
        for name in names:
            path = Path(folder) / name
            if _is_file(path) and not skipped(str(path), False):
                source = SourceFile(path, os.path.normpath(os.path.join(folder, name)))
                candidates.append((source, os.path.realpath(path)))
    for source, key in candidates:
        if key not in seen:
            seen.add(key)
            found.append(source)
    return sorted(found, key=lambda source: source.display)


class NotRegularFile(Exception):
    """The path is a FIFO, a device, a socket or a folder: reading it could wait or never end."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"not a regular file ({kind})")
        self.kind = kind


class TooLarge(Exception):
    """Larger than the limit; `size` is the file's size, or limit + 1 when only that much was read."""

    def __init__(self, size: int) -> None:
        super().__init__(f"larger than the limit ({size} bytes)")
        self.size = size


# Opening never waits: a FIFO would block `open` until some writer came, and a terminal must not
# become the controlling one. Windows has none of these flags (nor set_blocking for files).
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_OPEN_FLAGS = os.O_RDONLY | _NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def read_limited(fd: int, limit: int) -> bytes:
    """At most `limit` + 1 bytes of `fd`: one byte more than allowed tells a too large input, and a
    stream that never ends is not read until memory runs out."""
    chunks: List[bytes] = []
    total = 0
    while total <= limit:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes. The type is checked with
    fstat on the opened file, so what is checked is what is read; the read stops at `limit` + 1
    bytes, as the file may grow meanwhile. Raises OSError, NotRegularFile or TooLarge."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(file_kind(info.st_mode))
        if info.st_size > limit:
            raise TooLarge(info.st_size)
        if _NONBLOCK:
            os.set_blocking(fd, True)  # a regular file: O_NONBLOCK was only for the open
        data = read_limited(fd, limit)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise TooLarge(len(data))
    return data


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _walk(top: str, onerror: Optional[Callable[[OSError], None]] = None) -> Iterator[Tuple[str, List[str], List[str]]]:
    """`os.walk(top, onerror=onerror, followlinks=False)` (top-down; the caller may prune `folders` in
    place), as a loop: before Python 3.12 os.walk recursed once per level, so a folder nested 1,100
    deep raised RecursionError and cost the whole run. A folder that cannot be listed goes to
    `onerror`, as with os.walk."""
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as scan:
                entries = list(scan)
        except OSError as error:
            if onerror is not None:
                onerror(error)
            continue
        folders: List[str] = []
        files: List[str] = []
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            (folders if is_folder else files).append(entry.name)
        yield directory, folders, files
        for name in reversed(folders):  # popped in order: the same order as os.walk
            child = os.path.join(directory, name)
            if not os.path.islink(child):  # symlinked folders are listed, not entered
                stack.append(child)


def module_name(path: Path) -> Tuple[str, bool]:
    """(dotted module name, is a package `__init__`), walking up while `__init__.py` files exist."""
    absolute = path.absolute()
    is_package = absolute.name == "__init__.py"
    parts = [] if is_package else [absolute.stem]
    directory = absolute.parent
    while _is_file(directory / "__init__.py") and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    if is_package and not parts:
        parts = [absolute.parent.name]
    return ".".join(parts), is_package


def module_names(
    paths: Iterable[Path],
    packages: Optional[Dict[Path, Tuple[str, ...]]] = None,
    folders: Optional[Dict[Path, Tuple[str, ...]]] = None,
) -> List[Tuple[str, bool]]:
    """module_name of each path, each folder's `__init__.py` chain looked up once for all its files
    (a run over a package asks for every file's name). `packages` (folder -> the package names from
    the top down to it) may be kept between calls, by a caller that knows the folders did not change;
    `folders` (a file's folder as given -> the same), likewise, by one that also keeps the current
    folder (relative folders are made absolute)."""
    packages = {} if packages is None else packages
    folders = {} if folders is None else folders

    def chain(directory: Path) -> Tuple[str, ...]:
        pending = []
        while directory not in packages:
            if not (_is_file(directory / "__init__.py") and directory.parent != directory):
                packages[directory] = ()
                break
            pending.append(directory)
            directory = directory.parent
        parts = packages[directory]
        for folder in reversed(pending):
            parts = packages[folder] = (*parts, folder.name)
        return parts

    names = []
    for path in paths:
        if path.parent not in folders:
            folders[path.parent] = chain(path.absolute().parent)
        is_package = path.name == "__init__.py"
        parts = [*folders[path.parent], *([] if is_package else [path.stem])]
        if is_package and not parts:
            parts = [path.absolute().parent.name]
        names.append((".".join(parts), is_package))
    return names
