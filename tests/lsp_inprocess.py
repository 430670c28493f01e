"""The language server in the test process: a fresh TslintServer with the features `tslint --lsp`
registers, serving its real `start_io` over two pipes in a thread. A `tslint --lsp` child costs
about 0.9 s CPU before it answers anything; this costs a few milliseconds. What needs the process
itself (its exit, stdio of a real child) stays in a child: the tests marked `process`."""

from __future__ import annotations

import os
import threading
from typing import Any, BinaryIO, List, Optional

from lsprotocol import types

from tslint.lsp import server as lsp_server

# Every feature of the module's server, with the function it registered (the decorator returns it).
HANDLERS = {
    types.INITIALIZE: lsp_server.initialize,
    types.WORKSPACE_DID_CHANGE_CONFIGURATION: lsp_server.did_change_configuration,
    types.TEXT_DOCUMENT_DID_OPEN: lsp_server.did_open,
    types.TEXT_DOCUMENT_DID_SAVE: lsp_server.did_save,
    types.TEXT_DOCUMENT_DID_CHANGE: lsp_server.did_change,
    types.TEXT_DOCUMENT_DID_CLOSE: lsp_server.did_close,
    types.TEXT_DOCUMENT_HOVER: lsp_server.hover,
    types.TEXT_DOCUMENT_CODE_ACTION: lsp_server.code_action,
}


def fresh_server() -> lsp_server.TslintServer:
    """A new server with the same features and options as `tslint --lsp`'s."""
    registered = lsp_server.server.protocol.fm
    assert set(registered.features) == set(HANDLERS), "a feature of tslint.lsp.server is missing in HANDLERS"
    server = lsp_server.TslintServer()
    for name, handler in HANDLERS.items():
        server.feature(name, registered.feature_options.get(name))(handler)
    return server


class _Fd:
    """A bare descriptor for the server's input: it reads `fileno()` (FdReader), and no file object
    closes it behind the reading thread's back."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def fileno(self) -> int:
        return self.fd


class InProcessServer:
    """A fresh server in a thread; write requests to `input`, read its messages from `output`."""

    def __init__(self) -> None:
        self.server = fresh_server()
        server_input, client_output = os.pipe()
        client_input, server_output = os.pipe()
        self.input: BinaryIO = os.fdopen(client_output, "wb", buffering=0)
        self.output: BinaryIO = os.fdopen(client_input, "rb", buffering=0)
        self._server_input = server_input
        self._before = set(threading.enumerate())
        self.code: Optional[int] = None
        writer = os.fdopen(server_output, "wb", buffering=0)

        def serve() -> None:
            try:
                self.code = self.server.start_io(_Fd(server_input), writer)  # type: ignore[arg-type]
            finally:
                if not writer.closed:  # `exit` closes it; the end of input does not
                    writer.close()

        self.thread = threading.Thread(target=serve, name="tslint-test-server", daemon=True)
        self.thread.start()

    def finish(self, timeout: float) -> Optional[int]:
        """Close the input, wait for the server; its exit code (None if it did not end in time)."""
        if not self.input.closed:
            self.input.close()
        self.thread.join(timeout)
        readers: List[Any] = [t for t in threading.enumerate() if t not in self._before and t.name == "tslint-stdin"]
        for reader in readers:
            reader.join(timeout)
        if self._server_input >= 0 and not self.thread.is_alive() and not any(r.is_alive() for r in readers):
            os.close(self._server_input)  # nothing reads it any more
            self._server_input = -1
        return None if self.thread.is_alive() else self.code
