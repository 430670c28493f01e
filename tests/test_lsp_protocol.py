"""The language server's JSON-RPC layer, with raw bytes over its stdin: malformed input gets an
error reply (or, unframeable, is dropped), and never wedges the server. Every wait is bounded."""

from __future__ import annotations

import io
import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

pytest.importorskip("pygls")

from lsp_inprocess import InProcessServer  # noqa: E402
from tslint import lsp  # noqa: E402,F401  (needs pygls, skipped above without it)
from tslint.lsp import framing as lsp_framing  # noqa: E402

WAIT = 60  # seconds


def frame(message: Any) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(msg_id: Any, method: str, params: Any = None) -> bytes:
    return frame({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})


def notification(method: str, params: Any = None) -> bytes:
    return frame({"jsonrpc": "2.0", "method": method, "params": params})


INITIALIZE = request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
SHUTDOWN_ID = 90


class Server:
    """A fresh server in this process (tests/lsp_inprocess.py), or `tslint --lsp` in a child
    process (`child`: what only a process shows, its exit); its replies (not notifications) in a
    queue."""

    def __init__(self, cwd: Path, child: bool = False, command: Optional[List[str]] = None) -> None:
        self.process: Optional[subprocess.Popen] = None
        self.in_process: Optional[InProcessServer] = None
        if child:
            self.process = subprocess.Popen(
                command or [sys.executable, "-m", "tslint", "--lsp"],
                cwd=str(cwd),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            self.input, output = self.process.stdin, self.process.stdout
        else:
            self.in_process = InProcessServer()
            self.input, output = self.in_process.input, self.in_process.output
        self.replies: queue.Queue[Dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, args=(output,), daemon=True).start()

    def _read(self, output: Any) -> None:
        with output:
            for body in lsp_framing.frames(output):
                message = json.loads(body)
                if "method" not in message:
                    self.replies.put(message)

    def send(self, data: bytes) -> None:
        assert self.input is not None
        self.input.write(data)
        self.input.flush()

    def reply(self) -> Dict[str, Any]:
        return self.replies.get(timeout=WAIT)

    def initialize(self) -> None:
        self.send(INITIALIZE)
        assert "capabilities" in self.reply()["result"]
        self.send(notification("initialized", {}))

    def wait(self) -> Optional[int]:
        """The exit code, within WAIT seconds (None: still serving)."""
        if self.in_process is not None:
            return self.in_process.finish(WAIT)
        assert self.process is not None
        return self.process.wait(timeout=WAIT)

    def finish(self, close_input: bool = False) -> Optional[int]:
        """Shut down and exit (or just close the input); the exit code, within WAIT seconds."""
        try:
            if close_input:
                assert self.input is not None
                self.input.close()
            else:
                self.send(request(SHUTDOWN_ID, "shutdown"))
                assert self.reply() == {"jsonrpc": "2.0", "id": SHUTDOWN_ID, "result": None}
                self.send(notification("exit"))
            return self.wait()
        finally:
            self.kill()

    def kill(self) -> None:
        if self.in_process is not None:
            self.in_process.finish(WAIT)  # closing its input ends it
        elif self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def server(tmp_path: Path):
    running = Server(tmp_path)
    yield running
    running.kill()


@pytest.fixture
def child_server(tmp_path: Path):
    running = Server(tmp_path, child=True)
    yield running
    running.kill()


def _error_code(reply: Dict[str, Any]) -> Optional[int]:
    return reply.get("error", {}).get("code")


def test_invalid_params_get_an_invalid_params_reply(server: Server) -> None:
    server.initialize()
    server.send(request(2, "textDocument/hover", {"textDocument": 5, "position": "here"}))
    reply = server.reply()
    assert (reply["id"], _error_code(reply)) == (2, -32602)
    assert server.finish() == 0  # and the server goes on


def test_requests_after_shutdown_get_an_invalid_request_reply(server: Server) -> None:
    server.initialize()
    server.send(request(2, "shutdown"))
    assert server.reply() == {"jsonrpc": "2.0", "id": 2, "result": None}
    server.send(
        request(
            3, "textDocument/hover", {"textDocument": {"uri": "file:///a.py"}, "position": {"line": 0, "character": 0}}
        )
    )
    reply = server.reply()
    assert (reply["id"], _error_code(reply)) == (3, -32600)
    server.send(request(4, "shutdown"))
    assert _error_code(server.reply()) == -32600
    server.send(notification("exit"))
    assert server.wait() == 0


def test_request_before_initialize(server: Server) -> None:
    server.send(
        request(
            7, "textDocument/hover", {"textDocument": {"uri": "file:///a.py"}, "position": {"line": 0, "character": 0}}
        )
    )
    reply = server.reply()
    assert (reply["id"], _error_code(reply)) == (7, -32002)
    server.initialize()
    assert server.finish() == 0


def test_header_without_content_length_is_dropped_and_the_server_recovers(server: Server) -> None:
    """A message without Content-Length cannot be framed: it is dropped (no reply), and the next
    well-framed message is served, even though it follows the unframed body on the same line."""
    server.initialize()
    body = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}).encode()
    server.send(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + body)
    server.send(
        request(
            3, "textDocument/hover", {"textDocument": {"uri": "file:///a.py"}, "position": {"line": 0, "character": 0}}
        )
    )
    assert server.reply() == {"jsonrpc": "2.0", "id": 3, "result": None}
    assert server.finish() == 0


def test_lower_case_header_and_bare_line_feeds_are_read(server: Server) -> None:
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}},
        }
    ).encode()
    server.send(b"content-length: %d\n\n" % len(body) + body)
    assert "capabilities" in server.reply()["result"]
    assert server.finish() == 0


def test_a_body_that_is_not_json_or_not_a_request(server: Server) -> None:
    server.initialize()
    server.send(b"Content-Length: 9\r\n\r\n{not json")
    reply = server.reply()
    assert reply == {"jsonrpc": "2.0", "id": None, "error": reply["error"]} and _error_code(reply) == -32700
    server.send(frame([1, 2]))  # a batch: LSP has none
    reply = server.reply()
    assert (reply["id"], _error_code(reply)) == (None, -32600)
    server.send(frame({"jsonrpc": "1.0", "id": 5, "method": "shutdown"}))
    reply = server.reply()
    assert (reply["id"], _error_code(reply)) == (5, -32600)
    assert server.finish() == 0


@pytest.mark.process
def test_end_of_input_without_exit_ends_the_server(child_server: Server) -> None:
    server = child_server
    server.initialize()
    assert server.finish(close_input=True) == 1  # the LSP: exit code 1 without a shutdown


def test_frames_resynchronise() -> None:
    stream = io.BytesIO(
        b'Content-Type: x\r\n\r\n{"lost": 1}Content-Length: 2\r\n\r\n{}'
        b"Content-Length: nope\r\n\r\ngarbage\nContent-Length: 3\r\n\r\n[1]"
    )
    assert list(lsp_framing.frames(stream)) == [b"{}", b"[1]"]


def test_fd_reader_reads_lines_and_bodies_across_chunks(tmp_path: Path) -> None:
    import os

    long_line = b"x" * 200_000  # longer than one os.read
    stream = tmp_path / "stream"
    stream.write_bytes(b"Content-Length: 3\r\n\r\n[1]" + long_line + b"\nContent-Length: 2\r\n\r\n{}")
    fd = os.open(stream, os.O_RDONLY)
    try:
        assert list(lsp_framing.frames(lsp_framing.FdReader(fd))) == [b"[1]", b"{}"]
    finally:
        os.close(fd)


# `tslint --lsp` whose buffer lints never end: each touches STARTED, then waits for an event nobody sets.
ENDLESS_LINT = """
import sys, threading
from pathlib import Path
import tslint.lsp.server as server
never = threading.Event()
def lint_buffer(*args, **kwargs):
    Path(sys.argv[1]).touch()
    never.wait()
server.lint_buffer = lint_buffer
sys.exit(server.main())
"""


@pytest.mark.process
def test_exit_does_not_wait_for_a_lint_in_progress(tmp_path: Path) -> None:
    """`exit` ends the process at once, even while the buffer thread lints (Python joins executor
    threads at exit: the process stayed until that lint ended). Here the lint never ends: a server
    that waited for it would still run when `finish` gives up, after WAIT seconds."""
    started = tmp_path / "lint-started"
    server = Server(tmp_path, child=True, command=[sys.executable, "-c", ENDLESS_LINT, str(started)])
    try:
        server.initialize()
        document = {"uri": "untitled:Big", "languageId": "python", "version": 1, "text": "import torch\n"}
        server.send(notification("textDocument/didOpen", {"textDocument": document}))
        for _ in range(WAIT * 20):
            if started.exists():
                break
            time.sleep(0.05)
        assert started.exists(), "the buffer lint never started"
        assert server.finish() == 0
    finally:
        server.kill()
