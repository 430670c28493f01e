"""The parent's side of the shard workers (tslint/engine/workers.py): one worker process and the pipe
to it (`WorkerProcess`), and handing files out to the workers as they answer (`serve`).
"""

from __future__ import annotations

import os
from collections import deque
from typing import Callable, Deque, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from tslint.config import Config
from tslint.engine.phases import FileOutcome
from tslint.files import SourceFile
from tslint.findings import FileError


class WorkerProcess:
    """One shard worker process and the pipe to it."""

    def __init__(
        self, context, target: Callable[..., None], contents: Mapping[str, bytes], config: Config, rules, *options
    ) -> None:
        self.indexed: List[SourceFile] = []  # the files whose trees it holds
        self.answers: List[Tuple[Tuple[str, ...], bytes]] = []  # its pickled summaries of them, with their files
        self.in_flight: Deque[List[SourceFile]] = deque()  # messages it has not answered yet, oldest first
        self.alive = True
        self.connection, child = context.Pipe()
        from tslint.processes import run_as_child  # ctypes: only parallel runs pay for importing it

        # Dies with this process even when it is killed (SIGKILL leaves no chance to stop workers).
        self.process = context.Process(
            target=run_as_child, args=(os.getpid(), target, child, contents, config, rules, *options), daemon=True
        )
        self.process.start()
        child.close()

    def assign(self, source: SourceFile) -> None:
        self.in_flight.append([source])
        self.send([source])

    def send(self, message) -> None:
        try:
            self.connection.send(message)
        except (OSError, EOFError):
            self.alive = False

    def send_bytes(self, message: bytes) -> None:
        """An already pickled message (the worker reads it with recv_bytes)."""
        try:
            self.connection.send_bytes(message)
        except (OSError, EOFError):
            self.alive = False

    def receive(self) -> Optional[Tuple[List[SourceFile], bytes]]:
        """The files of its oldest message and its answer, pickled, or None if it died (a crash in
        native code, the OOM killer, ...)."""
        if not self.alive:
            return None
        try:
            answer = self.connection.recv_bytes()
        except (OSError, EOFError):
            self.alive = False
            return None
        return self.in_flight.popleft(), answer

    def lost(self) -> List[SourceFile]:
        """After it died: the file it was working on (answers come in order), then those it had not started."""
        files = [source for message in self.in_flight for source in message]
        self.in_flight.clear()
        return files

    def failure(self, files: Sequence[SourceFile]) -> Dict[str, FileOutcome]:
        self.process.join(timeout=5)
        code = self.process.exitcode
        message = f"internal error: the worker process linting this file died (exit code {code})"
        return {s.display: FileOutcome((), (FileError(s.display, message),)) for s in files}

    def close(self) -> None:
        self.connection.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


# Messages a worker holds before it answers the first: it starts the next file without waiting for
# the parent (a round trip per file left each worker idle for ~5% of the index phase).
IN_FLIGHT = 2


def serve(
    workers: Sequence[WorkerProcess], plan, dead: Dict[str, FileOutcome]
) -> Iterator[Tuple[WorkerProcess, List[SourceFile], bytes]]:
    """Hand each worker the files `plan.next_for(worker)` names, one at a time and up to IN_FLIGHT
    ahead, and yield (worker, files, pickled answer) as answers come in; tell a worker None when
    the plan has nothing left for it. A worker that dies fails the file it was working on (answers
    come in order); the files it had not started go back to the plan."""
    from multiprocessing.connection import wait

    busy: Dict[object, WorkerProcess] = {}
    for _ in range(IN_FLIGHT):  # a round at a time, so that a few files still reach every worker
        for worker in workers:
            source = plan.next_for(worker) if worker.alive else None
            if source is not None:
                worker.assign(source)
                busy[worker.connection] = worker
    for worker in workers:
        if worker.alive and worker.connection not in busy:
            worker.send(None)
    while busy:
        for connection in wait(list(busy)):
            worker = busy[connection]
            answer = worker.receive()
            if answer is None:
                current, *unstarted = worker.lost()
                dead.update(worker.failure([current]))
                plan.give_back(worker, unstarted)
                del busy[connection]
                continue
            source = plan.next_for(worker)
            if source is not None:
                worker.assign(source)
            elif not worker.in_flight:
                worker.send(None)  # this phase is over for it
                del busy[connection]
            yield (worker, *answer)
