"""Which file each worker gets next, in each phase of a parallel run (tslint/engine/workers.py).
A worker is anything with an `indexed` list of the files whose trees it holds."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Callable, Deque, Dict, List, Mapping, Optional, Sequence, Tuple

from tslint.engine.reading import content_size
from tslint.files import SourceFile

if TYPE_CHECKING:
    from tslint.engine.pool import WorkerProcess as Worker


class IndexQueue:
    """Phase 1: the files to index, largest first (see workers.run_phases). With `heavy`, a worker
    and a test of a file: only that worker gets the files the test finds heavy (asked lazily, of the
    largest file left each time another worker asks; see workers.HEAVY_TOKENS)."""

    def __init__(
        self,
        files: Sequence[SourceFile],
        contents: Mapping[str, bytes],
        heavy: Optional[Tuple[Worker, Callable[[SourceFile], bool]]] = None,
    ) -> None:
        size = {s.display: content_size(contents, s.display) for s in files}
        self.files = sorted(files, key=lambda s: size[s.display])  # popped from the end
        self.heavy_worker, self.is_heavy = heavy if heavy is not None else (None, None)
        self.heavy: Deque[SourceFile] = deque()  # found heavy, largest first

    def next_for(self, worker: Worker) -> Optional[SourceFile]:
        if self.heavy_worker is None:
            return self.files.pop() if self.files else None
        if worker is self.heavy_worker:
            return self.heavy.popleft() if self.heavy else self.files.pop() if self.files else None
        assert self.is_heavy is not None
        while self.files:
            source = self.files.pop()
            if not self.is_heavy(source):
                return source
            self.heavy.append(source)
        return None

    def left(self) -> List[SourceFile]:
        """What no worker took (all died, or only heavy files were left and their worker died)."""
        return [*self.files, *self.heavy]

    def give_back(self, worker: Worker, files: Sequence[SourceFile]) -> None:
        self.files.extend(files)
        if worker is self.heavy_worker:  # any worker may take them now
            self.files.extend(self.heavy)
            self.heavy.clear()
            self.heavy_worker = None


class LintPlan:
    """Phase 2: which file each worker lints next (see workers.run_phases)."""

    def __init__(self, workers: Sequence[Worker], work: Sequence[SourceFile], contents: Mapping[str, bytes]) -> None:
        self.size = {s.display: content_size(contents, s.display) for s in work}
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
