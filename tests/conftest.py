from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple, TypeVar

import pytest

from torch_marks import deselects_torch, torch_modules, torch_needs
from tslint.api import lint_paths
from tslint.config import Config
from tslint.findings import LintResult

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "fixtures"
T = TypeVar("T")
EXPECTATION = re.compile(r"#\s*((?:TS\d{3}[\s,]*)+)$")

# Every `python -m tslint` a test starts must run this checkout, not whatever tslint is installed
# (an editable install of another checkout, or a release): the checkout goes first on PYTHONPATH
# for the whole session, before any existing entries. Set at import, before any test spawns a child.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


def expectations(path: Path) -> List[Tuple[int, str]]:
    """Inline expectations, bugbear style: `code  # TS101` means TS101 is reported on that line."""
    found = []
    for row, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECTATION.search(line)
        if match:
            found.extend((row, code) for code in re.findall(r"TS\d{3}", match.group(1)))
    return found


def fixture_mode(path: Path) -> str:
    """`# tslint-fixture: mode=script` on a fixture's first line: the mode its expectations cover."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    match = re.search(r"tslint-fixture: mode=(script|trace|export)", first)
    return match.group(1) if match else "both"


def mode_covered(fixture: str, diagnostic_mode: str) -> bool:
    """Whether a fixture's expectations cover findings of this mode: `both` (the default) covers
    script and trace, the modes of a default run; export findings only in `mode=export` fixtures."""
    return fixture == diagnostic_mode or (fixture == "both" and diagnostic_mode in ("script", "trace"))


def fixture_files() -> List[Path]:
    return sorted(FIXTURES.rglob("*.py"))


# The rules of the default modes (script and trace) that only their full code turns on; TS002, the
# unused suppressions, is not a rule of the fixtures.
OFF_BY_DEFAULT = ("TS404",)


def _lint_fixtures_apart(only: Tuple[str, ...] = ()) -> Tuple[LintResult, LintResult]:
    """The whole fixtures tree (cross-file facts need all of it), every rule enabled, those off by
    default too (or only the codes `only` names): in the default modes (script and trace), and in
    export mode."""
    both = lint_paths([str(FIXTURES)], Config(select=only or ("TS", *OFF_BY_DEFAULT)))
    export = lint_paths([str(FIXTURES)], Config(mode="export", select=only or ("TS", "TS503")))
    return both, export


def _merged(both: LintResult, export: LintResult) -> LintResult:
    """The default modes' findings and export mode's own, in one result."""
    exported = tuple(d for d in export.diagnostics if d.mode.value == "export")
    return replace(
        both,
        diagnostics=tuple(sorted(both.diagnostics + exported, key=lambda d: d.sort_key())),
        errors=both.errors + export.errors,
        internal_errors=both.internal_errors + export.internal_errors,
    )


def _lint_fixtures(only: Tuple[str, ...] = ()) -> LintResult:
    """The two lints of `_lint_fixtures_apart`, merged."""
    return _merged(*_lint_fixtures_apart(only))


def fixtures_digest() -> str:
    """A digest of what the fixtures lint depends on: the fixture files (names and contents) and
    tslint's own code."""
    from tslint.cache import code_digest
    from tslint.digests import hasher

    digest = hasher()
    digest.update(code_digest().encode())
    for path in fixture_files():
        digest.update(str(path.relative_to(FIXTURES)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def shared_between_workers(folder: Path, name: str, compute, wait: bool = True):
    """`compute()`, made once per test session: the first xdist worker to ask computes and pickles it
    into `folder` (the session's temporary folder, which every worker of the session shares) under
    `name`, holding a lock; the others wait for it and read it. Without fcntl (Windows), each computes.

    With `wait` false (the warm-up, `shared_values_made`): the value is made only if no other worker
    holds the lock and it is not made yet, and nothing is returned (nor read back)."""
    try:
        import fcntl
    except ImportError:
        return compute() if wait else None
    import pickle

    path = folder / f"{name}.pickle"
    with open(folder / f"{name}.lock", "wb") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another worker is making it
            return None
        try:
            if path.is_file():
                return pickle.loads(path.read_bytes()) if wait else None
            value = compute()
            partial = path.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            partial.replace(path)
            return value if wait else None
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session", autouse=True)
def children_bytecode(tmp_path_factory, pytestconfig: pytest.Config) -> None:
    """Where PYTHONDONTWRITEBYTECODE is set (a container image's habit), each child process a test
    starts (`python -m tslint`, about thirty in the static suite) would compile tslint from source
    again: about half a second of CPU each. The children write and read their bytecode under the
    session's temporary folder instead (PYTHONPYCACHEPREFIX), shared by the xdist workers: nothing
    is written into the checkout, and a PYTHONPYCACHEPREFIX already set is left alone. This process
    (and each xdist worker) keeps the interpreter's own setting.

    Under a prefix a child reads no bytecode beside the sources, not even the installed packages'
    own: the first child compiles what it imports (the standard library's share, libcst, tslint:
    a few seconds, once). Only in the static suite (torch not installed, or deselected by `-m`):
    a child importing torch would compile all of torch so."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    markexpr = pytestconfig.getoption("markexpr", "") or ""
    if importlib.util.find_spec("torch") is not None and not (markexpr and deselects_torch(markexpr)):
        return
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    os.environ["PYTHONPYCACHEPREFIX"] = str(shared / "children-bytecode")
    del os.environ["PYTHONDONTWRITEBYTECODE"]


# The export snapshot's command line (tests/test_snapshots.py), run from the repository root so the
# output names `fixtures/...`: `--isolated` so no pyproject.toml above changes the result, `--no-cache`
# so a stale .tslint_cache/ cannot answer for the current code, `-j 1` as the other snapshots' runs.
EXPORT_SNAPSHOT_RUN = ["--isolated", "--no-cache", "-j", "1"]
EXPORT_SNAPSHOT_ARGUMENTS = ["--mode", "export", "--select", "TS,TS503", "--output-format", "concise", "fixtures"]


class ExportCli(NamedTuple):
    """`tslint EXPORT_SNAPSHOT_RUN EXPORT_SNAPSHOT_ARGUMENTS` from the repository root, in this process
    (tests/cli_runner.py): `completed` is its output (the export snapshot's), `result` the LintResult
    it printed, as `tslint.api.lint_sources` returned it to the command line, with each file named as
    `lint_paths([str(FIXTURES)], ...)` names it (the root joined to the relative name). It is the
    export lint of `_lint_fixtures_apart` (the same files and Config: mode export, select TS and
    TS503, one process), made once for both."""

    completed: subprocess.CompletedProcess
    result: LintResult


def _rooted(result: LintResult) -> LintResult:
    def name(filename: str) -> str:
        return str(ROOT / filename)

    return replace(
        result,
        diagnostics=tuple(replace(d, filename=name(d.filename)) for d in result.diagnostics),
        errors=tuple(replace(e, filename=name(e.filename)) for e in result.errors),
    )


def _run_export_cli(_folder: Path) -> ExportCli:
    import tslint.api as api
    from cli_runner import run_cli

    linted: List[LintResult] = []
    original = api.lint_sources

    def recording(*arguments, **keywords) -> LintResult:
        linted.append(original(*arguments, **keywords))
        return linted[-1]

    api.lint_sources = recording
    try:
        completed = run_cli(*EXPORT_SNAPSHOT_RUN, *EXPORT_SNAPSHOT_ARGUMENTS, cwd=ROOT, extra_env={"NO_COLOR": "1"})
    finally:
        api.lint_sources = original
    assert len(linted) == 1, f"the command line linted {len(linted)} times"
    return ExportCli(completed, _rooted(linted[0]))


def word_rules() -> Tuple[str, ...]:
    """The codes of the rules of the default modes with `words` (a rule that does not run on a file
    whose source holds none of them: tslint/engine/dispatch.py `may_report`)."""
    from tslint.findings import Mode
    from tslint.rules import find_rules

    return tuple(sorted(rule.code for rule in find_rules() if rule.words and rule.mode is not Mode.EXPORT))


def _lint_off_by_default_and_word_rules(_folder: Path) -> LintResult:
    """The fixtures tree in the default modes with only the rules off by default (OFF_BY_DEFAULT) and
    the rules with words (`word_rules`), each of these run on every file whatever its words
    (`may_report` answering yes): the first for `fixture_lints`, the others for test_fast_paths'
    word check, one lint for both. The rules off by default have no words (checked), so for them
    this is their plain lint; and a rule reports what it reports whichever others run."""
    import tslint.engine.dispatch as dispatch
    from tslint.rules import find_rules

    assert not [rule.code for rule in find_rules() if rule.words and rule.code in OFF_BY_DEFAULT]
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(dispatch, "may_report", lambda rule, text: True)
        return lint_paths([str(FIXTURES)], Config(select=(*OFF_BY_DEFAULT, *word_rules())))


def _only(result: LintResult, codes: Tuple[str, ...]) -> LintResult:
    return replace(result, diagnostics=tuple(d for d in result.diagnostics if d.code in codes))


def _with_rules_off_by_default(default: LintResult, off: LintResult) -> LintResult:
    """The lint of the fixtures tree in the default modes with every rule (`_lint_fixtures_apart`'s
    first), from the default selection's lint (`default`, the torch-free child's) and that of the
    rules off by default alone (`off`): each rule reports what it reports whichever others run (a
    finding depends on its own rule's analysis; suppressions are per code), so the findings are the
    two lints' together, in the order a lint gives them. Both lints read the same files: the same
    errors (a file that does not parse) in each."""
    assert off.errors == default.errors and off.files == default.files, (off.errors, default.errors)
    assert not {d.code for d in default.diagnostics} & set(OFF_BY_DEFAULT)
    return replace(
        default,
        diagnostics=tuple(sorted(default.diagnostics + off.diagnostics, key=lambda d: d.sort_key())),
        internal_errors=default.internal_errors + off.internal_errors,
    )


@pytest.fixture(scope="session")
def export_cli(tmp_path_factory) -> ExportCli:
    """The export snapshot's run and the lint it printed (ExportCli), once per test session, shared
    by the xdist workers (`per_session`)."""
    return per_session(tmp_path_factory, *SHARED_VALUES["export_cli"][0])


def off_by_default_and_word_rules_lint(tmp_path_factory: pytest.TempPathFactory) -> LintResult:
    """`_lint_off_by_default_and_word_rules`, once per test session (`per_session`)."""
    return per_session(tmp_path_factory, *FIXTURE_LINT_OFF_BY_DEFAULT)


@pytest.fixture(scope="session")
def word_rules_everywhere(tmp_path_factory) -> LintResult:
    """The findings of the rules with words (`word_rules`) on the fixtures tree, each run on every
    file whatever its words (`_lint_off_by_default_and_word_rules`)."""
    return _only(off_by_default_and_word_rules_lint(tmp_path_factory), word_rules())


@pytest.fixture(scope="session")
def fixture_lints(tmp_path_factory, export_cli: ExportCli) -> Tuple[LintResult, LintResult]:
    """The two lints of the fixtures tree (default modes, export mode: `_lint_fixtures_apart`), once
    per test session, shared by the xdist workers (`per_session`). The default modes' lint is the
    torch-free child's of `fixtures_cli` (the default selection: the LintResult it printed, its files
    named as `lint_paths` names them) with the rules off by default added from a lint of those alone
    (`_with_rules_off_by_default`); the export lint is the export snapshot's (`export_cli`)."""
    default = per_session(tmp_path_factory, *FIXTURES_CLI_JSON).result
    off = _only(off_by_default_and_word_rules_lint(tmp_path_factory), OFF_BY_DEFAULT)
    return _with_rules_off_by_default(default, off), export_cli.result


@pytest.fixture(scope="session")
def fixture_result(fixture_lints) -> LintResult:
    """The session's lint of the fixtures tree, both lints merged (`_lint_fixtures`)."""
    return _merged(*fixture_lints)


class FixturesCli(NamedTuple):
    """`tslint fixtures` on the command line, each run from a folder holding a copy of the fixtures
    and nothing else, so the output names `fixtures/...`:
    - `json`: `--isolated --no-cache -j 1 --format json`, run in `folder` (nothing written there)
      by a child process whose imports of torch fail (`_without_torch`; the others run in this
      process, tests/cli_runner.py);
    - `cached_json`: the same lint with two workers (`-j 2`) on a cold result cache, in
      `cached_folder` (which it fills): a second, independent lint of the tree, in other processes;
    - `text`, `sarif`: `--isolated -j 1` in `cached_folder`, in text and SARIF: the cache the cold
      run wrote answers them (test_parallel_and_cache proves a warm cache gives the no-cache
      output, byte for byte), so the formats cost no lint of their own."""

    folder: Path
    json: subprocess.CompletedProcess
    cached_folder: Path
    cached_json: subprocess.CompletedProcess
    text: subprocess.CompletedProcess
    sarif: subprocess.CompletedProcess


# `tslint ARGS` in a fresh interpreter where importing torch fails: the static path must never need it.
# With RECORDED_RESULT set, the LintResult `tslint.api.lint_sources` returned to the command line is
# pickled into the file it names (the program fails if the command line linted other than once).
RECORDED_RESULT = "TSLINT_TEST_RECORDED_RESULT"
WITHOUT_TORCH = """
import sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked in this test")
sys.meta_path.insert(0, NoTorch())
import os
import pickle
import tslint.api as api
from tslint.cli import main
linted = []
original = api.lint_sources
def recording(*arguments, **keywords):
    linted.append(original(*arguments, **keywords))
    return linted[-1]
api.lint_sources = recording
code = main(sys.argv[1:])
record = os.environ.get("TSLINT_TEST_RECORDED_RESULT")
if record:
    assert len(linted) == 1, f"the command line linted {len(linted)} times"
    with open(record, "wb") as file:
        pickle.dump(linted[0], file, protocol=pickle.HIGHEST_PROTOCOL)
sys.exit(3 if "torch" in sys.modules else code)
"""


def _without_torch(
    arguments: List[str], cwd: Path, extra_env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:
    """`tslint ARGUMENTS` in a child process whose imports of torch fail (WITHOUT_TORCH), without
    the variables that change tslint's output (colour, debug); `args` are tslint's arguments."""
    from cli_runner import ISOLATED_VARIABLES

    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_VARIABLES and k != RECORDED_RESULT}
    env.update(extra_env or {})
    program = [sys.executable, "-c", WITHOUT_TORCH, *arguments]
    completed = subprocess.run(program, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    return subprocess.CompletedProcess(arguments, completed.returncode, completed.stdout, completed.stderr)


class NoCacheRun(NamedTuple):
    """FixturesCli's `folder` and `json`, and `result`: the LintResult that run printed, with each
    file named as `lint_paths([str(FIXTURES)], ...)` names it (the root joined to the relative name)."""

    folder: Path
    json: subprocess.CompletedProcess
    result: LintResult


def _run_fixtures_cli_json(base: Path) -> NoCacheRun:
    """The torch-free child's lint of a copy of the fixtures (FixturesCli's `json`); its LintResult
    is pickled beside the copy, not in its folder (a `--no-cache` run writes nothing there)."""
    import pickle

    folder, recorded = base / "no-cache", base / "no-cache-result.pickle"
    shutil.copytree(FIXTURES, folder / "fixtures")
    arguments = ["--isolated", "-j", "1", "--no-cache", "--format", "json", "fixtures"]
    completed = _without_torch(arguments, folder, {RECORDED_RESULT: str(recorded)})
    assert recorded.is_file(), completed.stderr
    return NoCacheRun(folder, completed, _rooted(pickle.loads(recorded.read_bytes())))


def _run_fixtures_cli_cached(base: Path) -> Tuple[Path, subprocess.CompletedProcess, ...]:
    """FixturesCli's `cached_folder`, `cached_json`, `text` and `sarif`."""
    from cli_runner import run_cli

    folder = base / "cached"
    shutil.copytree(FIXTURES, folder / "fixtures")

    def cli(*arguments: str, jobs: str = "1") -> subprocess.CompletedProcess:
        return run_cli("--isolated", "-j", jobs, *arguments, "fixtures", cwd=folder, extra_env={"NO_COLOR": "1"})

    return folder, cli("--format", "json", jobs="2"), cli(), cli("--format", "sarif")


def per_session(
    tmp_path_factory: pytest.TempPathFactory, name: str, compute: Callable[[Path], T], wait: bool = True
) -> T:
    """`compute(folder)` once per test session, in a new folder it may fill (that stays for the
    session), shared by the xdist workers through `shared_between_workers` (the value is pickled),
    keyed by the digest of the fixtures and tslint. With `wait` false, see `shared_between_workers`."""
    key = f"{name}-{fixtures_digest()[:16]}"
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return compute(tmp_path_factory.mktemp(key)) if wait else None
    shared = tmp_path_factory.getbasetemp().parent

    def in_folder() -> T:
        folder = shared / key
        shutil.rmtree(folder, ignore_errors=True)  # a worker that died half-way through
        folder.mkdir()
        return compute(folder)

    return shared_between_workers(shared, key, in_folder, wait)


@pytest.fixture(scope="session")
def fixtures_cli(tmp_path_factory) -> FixturesCli:
    """The fixtures tree through the command line, linted twice per test session (see FixturesCli),
    shared by the xdist workers like `fixture_result`: the snapshots, the JSON schema, SARIF and the
    equality of workers and caches all compare with these runs instead of linting the tree again."""
    cached, no_cache = (per_session(tmp_path_factory, *value) for value in SHARED_VALUES["fixtures_cli"])
    return FixturesCli(no_cache.folder, no_cache.json, *cached)


# What the session fixtures above share between the xdist workers, by fixture: (name, compute) each,
# the slowest first.
FIXTURES_CLI_JSON: Tuple[str, Callable[[Path], NoCacheRun]] = ("fixtures-cli", _run_fixtures_cli_json)
FIXTURE_LINT_OFF_BY_DEFAULT: Tuple[str, Callable[[Path], LintResult]] = (
    "fixture-lint-off-and-words",
    _lint_off_by_default_and_word_rules,
)
SHARED_VALUES: Dict[str, Tuple[Tuple[str, Callable[[Path], object]], ...]] = {
    "fixtures_cli": (("fixtures-cli-cached", _run_fixtures_cli_cached), FIXTURES_CLI_JSON),
    "fixture_lints": (FIXTURES_CLI_JSON, FIXTURE_LINT_OFF_BY_DEFAULT),
    "word_rules_everywhere": (FIXTURE_LINT_OFF_BY_DEFAULT,),
    "export_cli": (("export-cli", _run_export_cli),),
}


@pytest.fixture(scope="session", autouse=True)
def shared_values_made(request: pytest.FixtureRequest, tmp_path_factory, children_bytecode) -> None:
    """Under xdist, each worker's first test first makes, in order, each of SHARED_VALUES that the
    session's tests use and that no other worker is making or has made, waiting for none. Otherwise
    a worker that needs a value another one is making waits for it, idle: with work stealing
    (`pytest_xdist_make_scheduler`) the tests using `fixtures_cli` sit in both halves of the suite."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    used = set().union(*(getattr(item, "fixturenames", ()) for item in request.session.items))
    for fixture, values in SHARED_VALUES.items():
        if fixture in used:
            for name, compute in values:
                per_session(tmp_path_factory, name, compute, wait=False)


# --- the `torch` marker -------------------------------------------------------------------------------
# `pytest -m "not torch"` is the static suite: it must collect and pass where torch is not installed.
# Which tests need torch is read from the test modules' own code rather than kept in a list that
# drifts: a module that imports torch (or the torch harness) at its top level needs it for every test,
# a test function needs it when it, a fixture it requests or a module-level helper it calls imports
# or `importorskip`s torch (tests/torch_marks.py).


def _needs_torch(item: pytest.Item) -> bool:
    if item.get_closest_marker("torch") is not None:
        return True
    whole_module, functions = torch_needs(item.path)
    requested = set(getattr(item, "fixturenames", ())) | {getattr(item, "originalname", item.name)}
    return whole_module or bool(requested & functions)


def leaves_slow_out(markexpr: str) -> bool:
    """Whether a run with `-m markexpr` leaves the `slow` tests out: it does when the expression is
    given and does not name `slow`. The plain command (no `-m`: the whole suite, CI's) runs them, and
    so does any expression naming them (`-m slow`, `-m "not torch and slow"`); `-m "not torch"`, the
    static suite, does not."""
    return bool(markexpr.strip()) and "slow" not in re.findall(r"[A-Za-z_]\w*", markexpr)


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by `-m`
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    for item in items:
        if _needs_torch(item):
            item.add_marker(pytest.mark.torch)
    if leaves_slow_out(config.getoption("markexpr", "") or ""):
        slow = [item for item in items if item.get_closest_marker("slow") is not None]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if item.get_closest_marker("slow") is None]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> Optional[bool]:
    """With `-m "not torch"`, a test module whose top level imports torch is not even imported: all
    its tests would be deselected, and importing torch is most of what collecting them costs."""
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    markexpr = config.getoption("markexpr", "")
    if markexpr and deselects_torch(markexpr) and torch_needs(collection_path)[0]:
        return True
    return None


def _dist_chosen(config: pytest.Config) -> bool:
    """Whether the run names a distribution mode itself (`--dist`, `-d`), on the command line, in
    PYTEST_ADDOPTS or in the ini file's addopts."""
    words = [*config.invocation_params.args, *os.environ.get("PYTEST_ADDOPTS", "").split(), *config.getini("addopts")]
    return bool(config.getoption("distload", False)) or any(w == "--dist" or w.startswith("--dist=") for w in words)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: without xdist, never called
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`-n N` without `--dist` hands the tests out by work stealing (`--dist worksteal`): each worker
    starts with a contiguous share of the suite and takes from another's when it runs out. xdist's
    default (`load`) deals the first quarter out one test at a time, alternately, so the tests of one
    module, and of one fixture file, are split between the workers and each worker builds what they
    share (a module's cached parses and indexes, test_fast_paths' 44 fixtures) for itself. A mode
    given explicitly is kept."""
    if config.getoption("dist") != "load" or _dist_chosen(config):
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """A test skipped for want of torch that is not marked `torch` is a failure: `-m "not torch"` would
    otherwise silently skip it instead of deselecting it, and with torch installed would run it."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and call.excinfo is not None and item.get_closest_marker("torch") is None:
        reason = str(call.excinfo.value)
        if any(f"could not import '{name}'" in reason for name in torch_modules()):
            report.outcome = "failed"
            report.longrepr = f"{item.nodeid} needs torch ({reason}) but is not marked `torch`: mark it."


# --- snapshots ----------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--snapshot-update",
        action="store_true",
        default=False,
        help="rewrite tests/snapshots/ from the current output instead of comparing with it",
    )
