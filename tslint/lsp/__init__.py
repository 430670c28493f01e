"""`tslint --lsp`: a language server over stdio (pygls, the optional extra `tslint[lsp]`).

Publishes diagnostics on open, on save and, debounced, on change; each carries its code, severity,
range (in the position encoding negotiated with the client, UTF-16 by default), source `tslint` and
a link to its rule page; hovering over findings shows each one and its rule page.

Only Python documents are linted (languageId `python` and a `.py`/`.pyi` path, or an untitled
Python buffer); anything else the editor opens is ignored.

Context (base classes and helpers in other files) is bounded: the largest enclosing package of the
file within CONTEXT_MAX_FILES / CONTEXT_MAX_BYTES, or, for a file in no package, its folder's own
`.py` files within the same caps. A context is indexed once, in a background thread, and kept in
memory with each file's stat stamp; a save re-reads only the files whose stamp changed. The buffer
itself is linted at once with whatever context is ready, and published again when its context
arrives; a keystroke re-indexes only the buffer. The on-disk result cache is used only under a
project root (a folder holding pyproject.toml or .git, or a workspace folder): tslint never creates
`.tslint_cache` next to an arbitrary file.

The JSON-RPC layer answers what pygls leaves unanswered: a body that is not JSON (ParseError), a
message that is not a request (InvalidRequest), params that do not fit the method (InvalidParams),
a request before `initialize` (ServerNotInitialized) or after `shutdown` (InvalidRequest). A header
block without a usable Content-Length cannot be framed: the server drops it and whatever follows up
to the next Content-Length header, and serves on from there (it recovers; it never waits forever on
a length it does not know).
"""

from __future__ import annotations


def main() -> int:
    """Serve over stdio until the client exits (pygls is imported only here: `tslint[lsp]`)."""
    from tslint.lsp.server import main as serve

    return serve()
