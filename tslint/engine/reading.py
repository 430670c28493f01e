"""Reading a file's bytes and decoding them as Python does, and TS001 when that fails: what a run
needs before it parses anything (a warm run answered by the cache reads and never parses), kept
apart from libcst so that importing it stays cheap."""

from __future__ import annotations

import codecs
import io
import tokenize
from typing import Dict, Iterable, Iterator, Mapping, Optional, Tuple

from tslint.files import NotRegularFile, SourceFile, TooLarge, read_regular_file
from tslint.findings import Diagnostic, Mode, Position, RuleInfo, Severity

UNPARSABLE = RuleInfo(
    code="TS001",
    name="unparsable-file",
    severity=Severity.ERROR,
    mode=Mode.SCRIPT,
    message="File cannot be read or parsed: {reason}.",
    fix_hint="Fix what the message names (syntax, encoding), or exclude the file.",
    summary="A file tslint cannot read, decode or parse.",
)


def unparsable(source: SourceFile, reason: str, row: int = 1, column: int = 1) -> Diagnostic:
    return Diagnostic(
        code=UNPARSABLE.code,
        name=UNPARSABLE.name,
        severity=UNPARSABLE.severity,
        mode=UNPARSABLE.mode,
        message=UNPARSABLE.message.format(reason=reason),
        filename=source.display,
        location=Position(row, column),
        end_location=Position(row, column + 1),
    )


def decode(data: bytes) -> str:
    """Decode like Python does: BOM, then coding cookie, then UTF-8. Raises ValueError."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        try:  # tokenize says "invalid or missing encoding declaration" for a bad byte in the first lines
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise ValueError(_bad_byte(data, "utf-8", bad)) from None
        raise ValueError(str(error)) from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ValueError(_bad_byte(data, encoding, error)) from None
    except LookupError as error:
        raise ValueError(f"cannot decode as {encoding}: {error}") from None


def _bad_byte(data: bytes, encoding: str, error: UnicodeDecodeError) -> str:
    """Where the first undecodable byte is, as a reader finds it (not the codec's byte offset)."""
    line = data.count(b"\n", 0, error.start) + 1
    offset = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
    if line == 1 and data.startswith(codecs.BOM_UTF8):
        offset -= len(codecs.BOM_UTF8)
    return (
        f"not valid {encoding}: byte 0x{data[error.start]:02x} at line {line}, byte {offset} of the line "
        "(save the file as UTF-8, or declare its encoding: `# -*- coding: latin-1 -*-`)"
    )


# libcst parses about 200 kB/s and holds ~40 bytes of tree per byte of source: a 10 MB file took
# 50 s to parse and 4.7 GB of memory. Real source stays below this (the largest file in this
# machine's site-packages that is code, not data, is 1.4 MB); larger files are reported, not parsed.
MAX_FILE_BYTES = 2_000_000


def too_large(source: SourceFile, size: int) -> Diagnostic:
    """`size` is the file's size, or MAX_FILE_BYTES + 1 when only that much was read (a stream)."""
    limit = f"the limit is {MAX_FILE_BYTES // 1_000_000} MB"
    shown = (
        f"more than {MAX_FILE_BYTES // 1_000_000} MB" if size == MAX_FILE_BYTES + 1 else f"{size / 1_000_000:.1f} MB"
    )
    return unparsable(source, f"the file is too large to lint ({shown}; {limit})")


def read_source(source: SourceFile) -> Tuple[Optional[bytes], Optional[Diagnostic]]:
    """The file's bytes, or a TS001 finding. Only a regular file is read (a FIFO named `x.py` hung
    the run, `z.py -> /dev/zero` read until memory ran out), never more than MAX_FILE_BYTES + 1."""
    try:
        return read_regular_file(source.path, MAX_FILE_BYTES), None
    except OSError as error:
        return None, unparsable(source, f"cannot read file ({error.strerror or error})")
    except NotRegularFile as error:
        return None, unparsable(source, str(error))
    except TooLarge as error:
        return None, too_large(source, error.size)


# From this much source, a run with worker processes does not hold every file's bytes (see
# SourceContents): on all of site-packages (bench/crashfree.py) they were 214 MB of the parent's
# peak, and of each forked worker's.
LARGE_RUN_BYTES = 20_000_000


CHANGED_DURING_RUN = "the file changed or disappeared while it was being linted; lint it again"


class FileChanged(Exception):
    """A file of a large run that cannot be read again, or reads with another size, since the run
    first read it (SourceContents): its findings would belong to no version of it."""


class SourceContents(Mapping[str, bytes]):
    """The run's file contents by display path, as a large run's parent holds them: each file read
    from disk again when asked for (a buffer that replaces a file is held), its size known from the
    first read. A file that became unreadable since, or changed size, raises FileChanged."""

    def __init__(self, sources: Iterable[SourceFile], held: Dict[str, bytes], sizes: Dict[str, int]) -> None:
        self.sources = {source.display: source for source in sources if source.display in sizes}
        self.held = held
        self.sizes = sizes

    def __getitem__(self, display: str) -> bytes:
        data = self.held.get(display)
        if data is None:
            data = read_source(self.sources[display])[0]  # KeyError: not a file of the run
            if data is None or len(data) != self.sizes[display]:
                raise FileChanged(display)
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self.sizes)

    def __len__(self) -> int:
        return len(self.sizes)

    def __contains__(self, display: object) -> bool:
        return display in self.sizes

    def size(self, display: str) -> int:
        return self.sizes[display]


def content_size(contents: Mapping[str, bytes], display: str) -> int:
    """The size of a file of the run, without reading it again when `contents` does not hold it."""
    return contents.size(display) if isinstance(contents, SourceContents) else len(contents[display])
