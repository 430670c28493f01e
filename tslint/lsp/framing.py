"""Reading JSON-RPC frames from the client's byte stream, recovering from a header block that has
no usable Content-Length (see the package doc)."""

from __future__ import annotations

import logging
import os
from typing import IO, Iterator, Optional

logger = logging.getLogger(__name__)

_CONTENT_LENGTH = b"content-length:"


def frames(stream: IO[bytes]) -> Iterator[bytes]:
    """The message bodies of an LSP stream, until its end.

    Header names are read case-insensitively and a line may end in \\n alone. A header block that
    ends without a usable Content-Length cannot be framed (where its body ends is unknown): lines
    are skipped until one holds a Content-Length header, even after other bytes, as the next
    message's header follows a body that has no line break of its own.
    """
    length: Optional[int] = None
    headers = False  # whether the block being read has a header line
    while True:
        line = stream.readline()
        if not line:
            return
        if not line.strip():
            if length is None:
                if headers:
                    logger.warning("tslint: a message without a usable Content-Length header was dropped")
                headers = False
                continue
            body = stream.read(length)
            if len(body) < length:
                return
            yield body
            length, headers = None, False
            continue
        headers = True
        at = line.lower().rfind(_CONTENT_LENGTH)
        if at >= 0:
            value = line[at + len(_CONTENT_LENGTH) :].strip()
            length = int(value) if value.isdigit() else None


class FdReader:
    """readline/read over a file descriptor with os.read: no lock of Python's buffered streams, which
    a daemon thread blocked in sys.stdin would hold when Python exits (a fatal error, exit -6)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()  # appending and deleting from the front are amortised O(1)
        self.ended = False

    def _fill(self) -> bool:
        if self.ended:
            return False
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            self.ended = True
            return False
        self.buffer += chunk
        return True

    def _take(self, size: int) -> bytes:
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def readline(self) -> bytes:
        scanned = 0  # a long line is searched once, not once per chunk
        while True:
            end = self.buffer.find(b"\n", scanned)
            if end >= 0:
                return self._take(end + 1)
            scanned = len(self.buffer)
            if not self._fill():
                return self._take(len(self.buffer))

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size and self._fill():
            pass
        return self._take(size)
