"""Reading torch.jit's error messages: where torch points. Pure text; never imports torch."""

from __future__ import annotations

import linecache
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

FRAME = re.compile(r'File "([^"]+)", line (\d+)')


@dataclass(frozen=True)
class TorchSpan:
    """The rows torch underlines with `~` in the first frame of its message."""

    path: str  # resolved
    first_row: int
    last_row: int
    text: str = ""  # the first highlighted line as torch shows it, stripped

    def contains(self, path: str, row: int) -> bool:
        return str(Path(path).resolve()) == self.path and self.first_row <= row <= self.last_row


def first_span(message: str, within: Optional[str] = None) -> Optional[TorchSpan]:
    """torch prints context lines before the highlighted ones; the frame's `line N` is the first
    highlighted line. None when the message names no source location (internal errors).

    `within`: take the first frame under this folder instead — when torch fails inside its own
    code, a later frame is the user's call site."""
    lines = message.splitlines()
    for index, line in enumerate(lines):
        match = FRAME.search(line)
        if match is None:
            continue
        if within is not None and not str(Path(match.group(1)).resolve()).startswith(within):
            continue
        shown: List[bool] = []  # one entry per displayed source line: is it underlined?
        texts: List[str] = []
        position = index + 1
        while position < len(lines) and lines[position].startswith(" ") and not FRAME.search(lines[position]):
            marker = lines[position + 1] if position + 1 < len(lines) else ""
            underlined = bool(marker.strip()) and set(marker.replace("<--- HERE", "").strip()) <= {"~"}
            shown.append(underlined)
            texts.append(lines[position].strip())
            position += 2 if underlined else 1
        row = int(match.group(2))
        marked = [offset for offset, flag in enumerate(shown) if flag]
        last = row + marked[-1] - marked[0] if marked else row
        return TorchSpan(str(Path(match.group(1)).resolve()), row, last, texts[marked[0]] if marked else "")
    return None


def headline(message: str) -> str:
    """The first non-empty line of torch's message."""
    for line in message.splitlines():
        if line.strip():
            return line.strip()
    return ""


def refuses_torchscript(message: str) -> bool:
    """Whether torch's message says this torch no longer does TorchScript. Only its headline counts:
    the rest quotes user source, where a comment may say anything."""
    text = headline(message).lower()
    return "torchscript" in text and ("no longer supported" in text or "has been removed" in text)


def in_wrapper_module(finding, span: TorchSpan) -> bool:
    """Under a project decorator's `functools.wraps` wrapper from another module, torch compiles the
    function's source but names the wrapper's file, with the function's own rows (TS343, TS347): the
    finding names that module ("wrapper from `pkg.deco`"), torch's file is it, and its rows are the
    finding's; or, for any finding, the line torch shows is the finding's file's, not its own."""
    if not span.first_row <= finding.location.row <= span.last_row:
        return False
    if _shows_source_of(finding.filename, span):
        return True
    named = re.search(r"wrapper from `([\w.]+)`", finding.message)
    if named is None:
        return False
    stem = os.path.splitext(span.path)[0].replace(os.sep, ".")
    return stem.endswith("." + named.group(1)) or stem.endswith("." + named.group(1) + ".__init__")


def _shows_source_of(path: str, span: TorchSpan) -> bool:
    """Whether torch names `span.path` but shows `path`'s source at the same rows: the line it
    highlights is not `span.path`'s own but is `path`'s (torch compiles a `functools.wraps`
    wrapper's function from its own source, under the wrapper's file; any rule's finding there)."""
    resolved = str(Path(path).resolve())
    if not span.text or resolved == span.path:
        return False
    own = linecache.getline(span.path, span.first_row).strip()
    return own != span.text and linecache.getline(resolved, span.first_row).strip() == span.text


def located_findings(
    findings: Sequence,
    held: Sequence,
    failures: Sequence[Tuple[str, Optional[TorchSpan]]],
    said: Dict[str, Tuple[str, ...]],
) -> List:
    """The `findings` not `held` by a class that torch's failures in scripting it point at: a line
    torch highlighted, with the message the finding's rule says torch gives (`said`, by code). Torch
    compiled that function for the class even where tslint's scope of the class missed it (a submodule
    built in a way the index does not follow, as `self.blocks.append(Block(...))` through a local)."""
    found = []
    for finding in findings:
        if finding in held or finding in found:
            continue
        fragments = said.get(finding.code, ())
        row = finding.location.row
        for message, span in failures:
            if span is None or not span.first_row <= row <= span.last_row:
                continue  # checked first: `contains` resolves the path
            if any(fragment in message for fragment in fragments) and (
                span.contains(finding.filename, row) or in_wrapper_module(finding, span)
            ):
                found.append(finding)
                break
    return found
