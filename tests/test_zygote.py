"""tests/zygote.py, which runs each export test in a child process: through the warmed-up zygote,
through a plain fork when the zygote cannot start, and in a fresh interpreter without fork(); a
failure, a skip and a crash of the child reach the parent; no process outlives the test process."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

import zygote
from zygote import Isolation

HERE = Path(__file__).resolve().parent
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="subreapers and PR_SET_PDEATHSIG are Linux")

WARMED = None  # the pid of the process that ran _warm, in the processes forked after it
MARK = "imported"  # set to "parent" by the tests: a fresh interpreter still says "imported"
CHANGED = False


def _warm() -> None:
    global WARMED
    WARMED = os.getpid()


def _record(path: Path) -> None:
    global CHANGED
    CHANGED = True  # stays in the child
    path.write_text(json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "warmed": WARMED, "mark": MARK}))


def _fails() -> None:
    assert 1 + 1 == 3, "arithmetic"


def _skips() -> None:
    pytest.skip("nothing to see")


def _dies() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _prints() -> None:
    print("from the child", flush=True)


@pytest.fixture(params=["zygote", "fork", "interpreter"])
def way(request, monkeypatch):
    global MARK
    monkeypatch.setattr(zygote, "USE_ZYGOTE", request.param == "zygote")
    monkeypatch.setattr(zygote, "CAN_FORK", request.param != "interpreter")
    if request.param != "interpreter" and not hasattr(os, "fork"):
        pytest.skip("no fork() here")
    monkeypatch.setattr(sys.modules[__name__], "MARK", "parent")
    runner = Isolation(warm=_warm)
    yield request.param, runner
    runner.close()


def test_runs_each_test_in_a_child_of_the_way_chosen(way, tmp_path: Path) -> None:
    name, runner = way
    record = runner(_record)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    record(first)
    record(second)
    one, two = json.loads(first.read_text()), json.loads(second.read_text())
    assert not CHANGED and WARMED is None  # neither the test nor the warm-up ran here
    assert {one["pid"], two["pid"]}.isdisjoint({os.getpid()}) and one["pid"] != two["pid"]
    if name == "zygote":  # two children of one zygote, which warmed up before forking them
        assert one["ppid"] == two["ppid"] == one["warmed"] != os.getpid()
        assert one["mark"] == "parent"
        zygote_pid = one["ppid"]
        runner.close()
        with pytest.raises(ProcessLookupError):
            os.kill(zygote_pid, 0)  # gone and waited for
    else:  # children of this process: forked (with this process's state) or a fresh interpreter
        assert one["ppid"] == two["ppid"] == os.getpid() and one["warmed"] is None
        assert one["mark"] == ("parent" if name == "fork" else "imported")


def test_failure_skip_and_crash_reach_the_parent(way, capfd) -> None:
    _, runner = way
    with pytest.raises(pytest.fail.Exception, match=r"AssertionError: arithmetic"):
        runner(_fails)()
    with pytest.raises(pytest.skip.Exception, match="nothing to see"):
        runner(_skips)()
    with pytest.raises(pytest.fail.Exception, match=r"(died|without a report).*(signal 9|status -9)"):
        runner(_dies)()
    runner(_prints)()
    assert "from the child" in capfd.readouterr().out


SCRIPT = """\
import os, sys, threading, time
sys.path[:0] = [{tests!r}]
import zygote

MARKER = {marker!r}


def sleeper():
    open(MARKER, "w").close()
    time.sleep(60)


def quick():
    pass


runner = zygote.Isolation()
if {dies!r}:  # leave abruptly, without atexit, while the zygote's child sleeps
    def leave():
        while not os.path.exists(MARKER):
            time.sleep(0.01)
        os._exit(0)

    threading.Thread(target=leave, daemon=True).start()
    runner(sleeper)()
runner(quick)()
"""


@LINUX
@pytest.mark.parametrize("dies", [False, True], ids=["exits", "dies_mid_test"])
def test_no_process_outlives_the_test_process(dies: bool, tmp_path: Path) -> None:
    from subreaper import run_contained

    script = tmp_path / "script.py"
    script.write_text(SCRIPT.format(tests=str(HERE), marker=str(tmp_path / "sleeping"), dies=dies), encoding="utf-8")
    answer = run_contained([sys.executable, str(script)], tmp_path, tmp_path, timeout=60, settle=10.0)
    assert answer["returncode"] == 0, answer["errors"]
    assert answer["left"] == {}, answer
    assert (tmp_path / "sleeping").exists() is dies
