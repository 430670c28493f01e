"""Bytes a worker keeps for later but rarely reads, kept in an unnamed temporary file, not in memory.

A worker of a large run keeps each file's pickled summary until phase 2 says which files it needs
(tslint/engine/workers.py): across all of site-packages that was ~55 MB in each worker, held through
the whole index phase (and counted in each worker's peak while it parsed its largest files), for the
~16% of the summaries phase 2 then asks for. Written to a temporary file instead, they cost the
process nothing; the file is unlinked from the start, so nothing is left behind however the worker
ends. (Where the temporary folder is a tmpfs, the bytes are in memory again, though not the
process's, and can be swapped out.)
"""

from __future__ import annotations

import tempfile
from typing import Dict, Iterator, Optional, Tuple


class SpilledBytes:
    """A write-once mapping of names to byte strings, kept in a temporary file."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="tslint-")
        self._where: Dict[str, Tuple[int, int]] = {}  # name -> (offset, length)
        self._end = 0

    def __setitem__(self, name: str, data: bytes) -> None:
        self._file.seek(self._end)
        self._file.write(data)
        self._where[name] = (self._end, len(data))
        self._end += len(data)

    def get(self, name: str) -> Optional[bytes]:
        where = self._where.get(name)
        if where is None:
            return None
        self._file.seek(where[0])
        return self._file.read(where[1])

    def __contains__(self, name: object) -> bool:
        return name in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def close(self) -> None:
        self._where.clear()
        self._file.close()
