"""The digest of tslint's own code (its source and data files), which keys the result cache, and the
private files of the per-user cache folder it is remembered in.

Hashing the package's files (1.4 MB) costs a one-file run a tenth of its time, for a value that changes
only when tslint is edited or upgraded. As ruff and git check a file's state before its content, the
digest is remembered beside the cache key (`code-digests`, this user's and private, as the key; one
line of text per package)
with the state of each file (path, size, mtime, ctime, inode): a run whose files all have the state
remembered reuses the digest; any other hashes the files again. A file changed within the last
seconds is not remembered (git's "racy" case: an edit within the clock's tick would keep its state).
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from tslint.digests import hasher

MEMO_NAME = "code-digests"
MEMO_BYTES = 64_000  # larger: not one this code wrote, ignored unread
MEMO_PACKAGES = 8  # the checkouts and installs remembered, the latest ones
RACY_SECONDS = 2.0
DIGEST_CHARS = 32  # tslint.digests: 128 bits in hex


def _private_file(status: os.stat_result) -> bool:
    if not stat.S_ISREG(status.st_mode):
        return False
    if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o077):
        return False  # someone else's, or readable by others: not a secret
    return True


def read_regular(path: Path, limit: int, private: bool = False) -> Optional[bytes]:
    """The bytes of a regular file (not a symlink, FIFO or device) of at most `limit` bytes, else None;
    with `private`, only a file of this user that others cannot read (`_private_file`)."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit or (private and not _private_file(status)):
            return None
        with os.fdopen(os.dup(handle), "rb") as stream:
            data = stream.read(limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(handle)


def _code_files(package: Path) -> List[Tuple[str, os.stat_result]]:
    """(path relative to `package`, stat) of each file the digest covers, in the order it covers them:
    every regular file below, bytecode (`__pycache__`, .pyc, .pyo) aside; symlinked folders are not
    entered, as with Path.rglob."""
    found = []
    stack = [("", str(package))]
    while stack:
        prefix, folder = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError:
            continue
        for entry in entries:
            relative = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append((relative + os.sep, entry.path))
                    continue
                if entry.name.endswith((".pyc", ".pyo")):
                    continue
                status = entry.stat()
            except OSError:
                continue
            if stat.S_ISREG(status.st_mode):
                found.append((relative, status))
    found.sort(key=lambda item: item[0].split(os.sep))  # as Path objects sort: part by part
    return found


def _content_digest(package: Path, files: List[Tuple[str, os.stat_result]]) -> str:
    digest = hasher()
    for relative, _ in files:
        digest.update(relative.encode())
        digest.update((package / relative).read_bytes())
    return digest.hexdigest()


def _state_digest(files: List[Tuple[str, os.stat_result]]) -> str:
    digest = hasher()
    for relative, status in files:
        digest.update(repr((relative, status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)).encode())
    return digest.hexdigest()


def _read_memo(memo: Path) -> Dict[str, Tuple[str, str]]:
    """package folder -> (state digest, content digest), from lines `STATE CONTENT FOLDER`."""
    data = read_regular(memo, MEMO_BYTES, private=True)
    remembered = {}
    for line in (data or b"").decode("utf-8", "replace").split("\n"):
        parts = line.split(" ", 2)
        if len(parts) == 3 and all(len(part) == DIGEST_CHARS and part.isalnum() for part in parts[:2]):
            remembered[parts[2]] = (parts[0], parts[1])
    return remembered


def _write_memo(memo: Path, remembered: Dict[str, Tuple[str, str]]) -> None:
    lines = [f"{state} {content} {folder}\n" for folder, (state, content) in list(remembered.items())[-MEMO_PACKAGES:]]
    try:
        memo.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=memo.parent, prefix=".code-digests-")  # mode 0600
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write("".join(lines))
        os.replace(temporary, memo)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def package_digest(package: Path, memo: Optional[Path] = None) -> str:
    """The digest of `package`'s files (names and contents); with `memo` (a file in the user's cache
    folder), read from there when no file changed since it was remembered."""
    files = _code_files(package)
    if memo is None:
        return _content_digest(package, files)
    state = _state_digest(files)
    remembered = _read_memo(memo)
    found = remembered.get(str(package))
    if found is not None and found[0] == state:
        return found[1]
    content = _content_digest(package, files)
    racy = time.time() - RACY_SECONDS
    if "\n" not in str(package) and all(status.st_mtime < racy for _, status in files):
        remembered.pop(str(package), None)
        remembered[str(package)] = (state, content)  # the latest last
        _write_memo(memo, remembered)
    return content
