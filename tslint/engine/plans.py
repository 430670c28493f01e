"""Which file each worker gets next, in each phase of a parallel run (tslint/engine/workers.py).
A worker is anything with an `indexed` list of the files whose trees it holds."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Deque, Dict, List, Optional, Sequence

from tslint.files import SourceFile

if TYPE_CHECKING:
    from tslint.engine.pool import WorkerProcess as Worker


class IndexQueue:
    """Phase 1: the files to index, largest first (see workers.run_phases)."""

    def __init__(self, files: Sequence[SourceFile], contents: Dict[str, bytes]) -> None:
        self.files = sorted(files, key=lambda s: len(contents[s.display]))  # popped from the end

    def next_for(self, worker: Worker) -> Optional[SourceFile]:
        return self.files.pop() if self.files else None

    def give_back(self, worker: Worker, files: Sequence[SourceFile]) -> None:
        self.files.extend(files)


class LintPlan:
    """Phase 2: which file each worker lints next (see workers.run_phases)."""

    def __init__(self, workers: Sequence[Worker], work: Sequence[SourceFile], contents: Dict[str, bytes]) -> None:
        self.size = {s.display: len(contents[s.display]) for s in work}
        holder = {s.display: id(worker) for worker in workers for s in worker.indexed}
        self.own: Dict[int, Deque[SourceFile]] = {id(worker): deque() for worker in workers}
        self.unheld: Deque[SourceFile] = deque()  # held by no worker: any worker parses it again
        for source in sorted(work, key=lambda s: -self.size[s.display]):
            held_by = holder.get(source.display)
            (self.own[held_by] if held_by is not None else self.unheld).append(source)

    def next_for(self, worker: Worker) -> Optional[SourceFile]:
        own = self.own.get(id(worker))
        if own:
            return own.popleft()
        if self.unheld:
            return self.unheld.popleft()
        others = [files for files in self.own.values() if files]
        if not others:
            return None
        most = max(others, key=lambda files: sum(self.size[s.display] for s in files))
        # Parsing a file again costs about three times linting it (when it has compiled code).
        if sum(self.size[s.display] for s in most) >= 4 * self.size[most[-1].display]:
            return most.pop()
        return None

    def give_back(self, worker: Worker, files: Sequence[SourceFile]) -> None:
        """`worker` died: what it held or had not started goes to whichever worker is free."""
        self.unheld.extend(files)
        self.unheld.extend(self.own.pop(id(worker), ()))

    def left(self) -> List[SourceFile]:
        return [*self.unheld, *(source for files in self.own.values() for source in files)]
