"""The processes tslint starts: none may outlive it, and none that runs user code may reach it.

Linux gives each guarantee through prctl(2); elsewhere these helpers do nothing and say so by
returning False (the process-group kills in confirm.py still apply there).

- `die_with_parent`: a child gets a signal when the process that started it dies, even by SIGKILL
  (PR_SET_PDEATHSIG); the -j workers and the --confirm supervisor set it first thing.
- `become_subreaper` / `kill_descendants`: the --confirm supervisor adopts every orphan below it
  (PR_SET_CHILD_SUBREAPER), so a grandchild that calls setsid() or double-forks still cannot leave
  its tree, and the supervisor kills the whole tree on every way out.
- `stop_children_on_sigterm`: SIGTERM unwinds tslint through its `finally` clauses, which stop
  its children, before it ends by SIGTERM as it would have (everywhere, not only on Linux).
- `adopting_orphans`: tslint itself adopts and kills what is left below it when a --confirm
  zygote ends, should user code have killed it first (sparing the other zygotes), and at the end.
- `hidden_from_children` / `drop_ptrace`: /proc/<pid>/fd/N of another process opens that process's
  files (its stdout pipe: tslint's report) only with ptrace-read access. A non-dumpable process
  denies that to other processes of its user; root needs CAP_SYS_PTRACE for it, which the process
  running user code drops, with the bounding set, so no program it executes gets it back.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import sys
import threading
import time
from typing import Callable, Collection, Dict, Iterable, Iterator, List, Optional, Set, Tuple, TypeVar

LINUX = sys.platform.startswith("linux")

PR_SET_PDEATHSIG = 1
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
CAP_SYS_PTRACE = 19
_CAPABILITY_VERSION_3 = 0x20080522

T = TypeVar("T")


@functools.cache
def max_jobs() -> int:
    """The most worker processes a run starts, whatever `-j` asks for: one per core (two on one core,
    so that workers can still be asked for). Linting is CPU-bound, so more workers than cores give
    no speed, and each holds its own trees and summaries (~100-250 MB on a large project): `-j 1000`
    would start a thousand processes (pytest-xdist honours any `-n`; make's `-j` too)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, cores or 1)


def _libc() -> Optional[ctypes.CDLL]:
    if not LINUX:
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def release_free_memory() -> bool:
    """Give the C heap's free pages back to the system (glibc's malloc_trim), or False where there
    is no glibc. libcst's parser allocates through malloc, and a freed tree leaves its pages with
    the process: over the model libraries of bench/speed.py, parsing each file and dropping its tree
    grew the process by 60-70 MB, and by 10 MB with a trim after each file."""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is None:
        return False
    trim(0)
    return True


def _prctl(option: int, value: int = 0) -> int:
    """prctl's result, or -1 when there is no prctl (not Linux)."""
    libc = _libc()
    if libc is None:
        return -1
    return libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> bool:
    """Have `sig` sent to this process when `parent` (the process that started it) dies.

    Call it first thing in the child. The parent may have died before the call, and then no signal
    comes: this process has been re-parented already, so it sends itself the signal."""
    if _prctl(PR_SET_PDEATHSIG, sig) != 0:
        return False
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)
    return True


def run_as_child(parent: int, function: Callable[..., T], *args) -> T:
    """A multiprocessing target that dies with `parent`, then runs function(*args). Module-level, so
    that it pickles for the spawn start method."""
    die_with_parent(parent)
    return function(*args)


def become_subreaper() -> bool:
    """Adopt the orphans of this process's descendants (instead of init), so kill_descendants finds
    them all."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1) == 0


def _stat(pid: str) -> Optional[List[str]]:
    """The fields of /proc/<pid>/stat after the command name (field 3, the state, first)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()  # the command name may hold spaces and parentheses


def _tree() -> Tuple[Dict[int, List[int]], Set[int]]:
    """The children of each process, and the live (not zombie) processes, from /proc."""
    children: Dict[int, List[int]] = {}
    alive = set()
    try:
        names = os.listdir("/proc")
    except OSError:
        return {}, set()
    for name in names:
        if not name.isdigit():
            continue
        fields = _stat(name)
        if fields is None or len(fields) < 2:
            continue
        children.setdefault(int(fields[1]), []).append(int(name))
        if fields[0] not in ("Z", "X"):
            alive.add(int(name))
    return children, alive


def _below(roots: Iterable[int], children: Dict[int, List[int]]) -> List[int]:
    found: List[int] = []
    stack = [child for root in roots for child in children.get(root, ())]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def descendants(root: int) -> List[int]:
    """The live (not zombie) processes below `root`, from /proc. Empty where there is no /proc."""
    children, alive = _tree()
    return [pid for pid in _below([root], children) if pid in alive]


def kill_descendants(within: float = 10.0, keep: Optional[Collection[int]] = None) -> bool:
    """SIGKILL every process below this one, again and again until none is left (one may fork while
    it is being killed), reaping the children. For a subreaper that owns all its children: it reaps
    any child. `keep`: children of this process to spare, with everything below them; then only the
    killed processes are reaped (the kept ones' exit status stays for their owner, e.g. a Popen).
    False if some were still alive after `within` seconds."""
    deadline = time.monotonic() + within
    me = os.getpid()
    while True:
        children, alive = _tree()
        spared = set(keep or ()) | set(_below(keep or (), children))
        left = [pid for pid in _below([me], children) if pid in alive and pid not in spared]
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if keep is not None:
            _reap_only([pid for pid in children.get(me, ()) if pid not in spared])
        else:
            _reap()
        if not left:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


@contextlib.contextmanager
def adopting_orphans() -> Iterator[Callable[..., bool]]:
    """While the block runs, this process is a subreaper; yields a function that kills every
    process below it (kill_descendants, with its `keep`), also called at the end. Only where all of
    them are ours to kill: in the main thread of a process that has no child yet (the CLI; other threads of a
    program embedding tslint could start processes of their own). Elsewhere the function does
    nothing."""
    if threading.current_thread() is not threading.main_thread() or descendants(os.getpid()) or not become_subreaper():
        yield lambda keep=None: True
        return
    try:
        yield kill_descendants
    finally:
        kill_descendants()
        _prctl(PR_SET_CHILD_SUBREAPER, 0)


def _reap_only(pids: Iterable[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


@contextlib.contextmanager
def hidden_from_children() -> Iterator[bool]:
    """Make this process non-dumpable while the block runs: other processes of the same user (the
    user code --confirm runs) cannot open its /proc/<pid>/fd/N (its stdout: the report), read its
    memory or ptrace it. Yields whether that took effect."""
    previous = _prctl(PR_GET_DUMPABLE)
    hidden = previous >= 0 and _prctl(PR_SET_DUMPABLE, 0) == 0
    try:
        yield hidden
    finally:
        if hidden and previous != 0:
            _prctl(PR_SET_DUMPABLE, 1)


def drop_ptrace() -> bool:
    """Give up CAP_SYS_PTRACE for good (bounding, permitted, effective and inheritable sets), so
    that even as root this process and what it runs cannot get past hidden_from_children. True
    when the process does not have it any more."""
    libc = _libc()
    if libc is None:
        return False

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    _prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE)  # fails without CAP_SETPCAP: then execve cannot grant it either
    header = Header(_CAPABILITY_VERSION_3, 0)
    data = (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        return False
    bit = 1 << CAP_SYS_PTRACE  # capabilities 0-31 are in data[0]
    if not (data[0].permitted | data[0].effective | data[0].inheritable) & bit:
        return True
    data[0].effective &= ~bit
    data[0].permitted &= ~bit
    data[0].inheritable &= ~bit
    return libc.capset(ctypes.byref(header), data) == 0


class Terminated(BaseException):
    """SIGTERM arrived inside stop_children_on_sigterm."""


@contextlib.contextmanager
def stop_children_on_sigterm() -> Iterator[None]:
    """While the block runs, SIGTERM raises Terminated, so that the `finally` clauses that stop
    child processes run; then this process ends by SIGTERM with its previous handling of it. Does
    nothing outside the main thread (only it can handle signals) or where SIGTERM is ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_IGN or previous is None:
        yield
        return

    def terminate(signum, frame) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one unwinding only
        raise Terminated()

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except Terminated:
        signal.signal(signal.SIGTERM, previous)
        os.kill(os.getpid(), signal.SIGTERM)
        raise  # when the previous handler did not end the process
    finally:
        signal.signal(signal.SIGTERM, previous)
