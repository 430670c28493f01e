"""Hostile or odd inputs (issue #15): each has a defined outcome through the real command — a
finding, an error entry or exit code 2 — never a hang, an unbounded read, a silent skip, a false
"syntax error", raw terminal escapes, or an import of the linted project's code."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys

import pytest

from cli_runner import run_cli, run_forked, run_process

BAD = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, *args):\n        return x\n"
# A FIFO or /dev/zero that is read hangs or grows without end: give up long before the suite would.
TIMEOUT = 60


def tslint(*args, cwd, stdin=b"", preexec_fn=None, process=False, entry_point=False):
    """`tslint ARGS` in this process (tests/cli_runner.py); in a child process forked from this one
    when `process` is set (a read that could hang needs the timeout, a dropped capability needs
    `preexec_fn`); in a fresh `python -m tslint` with this checkout's tslint for the entry point."""
    env = dict(os.environ)  # PYTHONPATH names this checkout (conftest)
    env.pop("TSLINT_DEBUG", None)
    if entry_point:
        completed = run_process("--no-cache", *args, input=stdin, cwd=cwd, env=env, timeout=TIMEOUT)
    elif process or preexec_fn is not None:
        completed = run_forked(
            "--no-cache", *args, stdin=stdin, cwd=cwd, env=env, timeout=TIMEOUT, preexec_fn=preexec_fn
        )
    else:
        completed = run_cli("--no-cache", *args, cwd=cwd, stdin=stdin, text=False)
    assert b"Traceback" not in completed.stderr, completed.stderr.decode()
    return completed.returncode, completed.stdout.decode(), completed.stderr.decode()


def lint_json(*args, cwd, **kwargs):
    code, out, err = tslint("--format", "json", *args, cwd=cwd, **kwargs)
    return code, json.loads(out), err


def only(found):
    assert len(found) == 1, found
    return found[0]


# --- item 3: only regular files are read, never more than the size limit -----------------------


@pytest.mark.process
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_fifo_in_a_folder_is_ts001_not_a_hang(tmp_path) -> None:
    os.mkfifo(tmp_path / "x.py")
    (tmp_path / "net.py").write_text(BAD)
    code, document, _ = lint_json(".", cwd=tmp_path, process=True)
    found = {d["filename"]: d for d in document["diagnostics"]}
    assert code == 1 and sorted(found) == ["net.py", "x.py"]
    assert found["x.py"]["code"] == "TS001" and "not a regular file (a named pipe)" in found["x.py"]["message"]


@pytest.mark.process
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
@pytest.mark.parametrize("output_format", ["json", "text", "sarif"])
def test_a_fifo_given_explicitly_is_ts001_not_a_hang(tmp_path, output_format) -> None:
    """The text and SARIF reports read the file again for the excerpt: that read must not wait either."""
    os.mkfifo(tmp_path / "x.py")
    code, out, _ = tslint("--format", output_format, "x.py", cwd=tmp_path, process=True)
    assert code == 1 and "not a regular file (a named pipe)" in out


@pytest.mark.process
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_symlink_to_dev_zero_is_ts001_not_an_endless_read(tmp_path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "z.py").symlink_to("/dev/zero")
    code, document, _ = lint_json("pkg", cwd=tmp_path, process=True)
    d = only(document["diagnostics"])
    assert code == 1 and d["code"] == "TS001" and "not a regular file (a character device)" in d["message"]


@pytest.mark.process
def test_stdin_that_never_ends_is_ts001_too_large(tmp_path) -> None:
    """stdin is a stream: only the limit plus one byte is read."""
    with open("/dev/zero", "rb") as zero:
        completed = run_forked("--no-cache", "--format", "json", "-", stdin=zero, cwd=tmp_path, timeout=TIMEOUT)
    d = only(json.loads(completed.stdout)["diagnostics"])
    assert completed.returncode == 1 and d["filename"] == "-"
    assert d["code"] == "TS001" and "too large to lint (more than 2 MB" in d["message"]


# --- item 5: what cannot be read is reported, not skipped -----------------------------------------


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_file_permission_override() -> None:
    """In the child (forked, or before exec): root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH
    obeys file modes like any user (keeping uid 0, it can still run this root-owned Python). Dropped
    from the bounding set (what an exec'd program gets) and from this process's own sets (a forked
    child that execs nothing)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    kept = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF
    data[0].effective &= kept
    data[0].permitted &= kept
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


@pytest.fixture
def unprivileged(tmp_path):
    """A preexec_fn under which a chmod 000 folder really cannot be read (tests run as root here)."""
    if not hasattr(os, "geteuid"):
        pytest.skip("file modes do not deny reading on this platform")
    preexec = _drop_file_permission_override if os.geteuid() == 0 else None
    probe = tmp_path / "probe"
    probe.mkdir()
    probe.chmod(0)
    try:
        completed = subprocess.run(
            [sys.executable, "-c", f"import os; os.listdir({str(probe)!r})"],
            preexec_fn=preexec,
            capture_output=True,
            timeout=TIMEOUT,
        )
    except OSError as error:  # prctl refused (no CAP_SETPCAP in this container)
        completed = None
        reason = str(error)
    finally:
        probe.chmod(0o755)
    if completed is None or completed.returncode == 0:
        why = reason if completed is None else "read anyway"
        pytest.skip(f"cannot make a folder unreadable for a child process here ({why})")
    return preexec


@pytest.mark.process
def test_an_unreadable_subfolder_is_an_error_not_all_checks_passed(tmp_path, unprivileged) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "net.py").write_text(BAD)
    (tmp_path / "sub").chmod(0)
    try:
        code, out, err = tslint(".", cwd=tmp_path, preexec_fn=unprivileged)
        json_code, document, _ = lint_json(".", cwd=tmp_path, preexec_fn=unprivileged)
        statistics_code, _, statistics_err = tslint("--statistics", ".", cwd=tmp_path, preexec_fn=unprivileged)
    finally:
        (tmp_path / "sub").chmod(0o755)
    assert code == 2 and "All checks passed" not in out
    assert "sub: error: cannot list folder (Permission denied)" in out and "could not be checked" in out
    assert json_code == 2 and document["errors"] == [
        {"filename": "sub", "message": "cannot list folder (Permission denied)"}
    ]
    assert statistics_code == 2 and "sub: cannot list folder (Permission denied)" in statistics_err


@pytest.mark.process
def test_a_file_in_a_folder_that_cannot_be_entered_is_ts001(tmp_path, unprivileged) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "net.py").write_text(BAD)
    (tmp_path / "sub").chmod(0)
    try:
        code, document, _ = lint_json("sub/net.py", cwd=tmp_path, preexec_fn=unprivileged)
    finally:
        (tmp_path / "sub").chmod(0o755)
    d = only(document["diagnostics"])
    assert code == 1 and d["code"] == "TS001" and "cannot read file (Permission denied)" in d["message"]


@pytest.mark.process
def test_an_unreadable_pyproject_is_a_config_error(tmp_path, unprivileged) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.tslint]\nignore = ['TS101']\n")
    (tmp_path / "pyproject.toml").chmod(0)
    (tmp_path / "a.py").write_text(BAD)
    try:
        code, out, err = tslint("a.py", cwd=tmp_path, preexec_fn=unprivileged)
    finally:
        (tmp_path / "pyproject.toml").chmod(0o644)
    assert code == 2 and out == "" and "pyproject.toml: cannot read config file: Permission denied" in err


def test_a_pyproject_that_is_not_utf8_is_a_config_error(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"# \xe9t\xe9\n[tool.tslint]\nignore = ['TS101']\n")
    (tmp_path / "a.py").write_text(BAD)
    code, out, err = tslint("a.py", cwd=tmp_path)
    assert code == 2 and out == "" and "pyproject.toml: config file is not valid UTF-8" in err


@pytest.mark.process
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_pyproject_fifo_is_a_config_error_not_a_hang(tmp_path) -> None:
    os.mkfifo(tmp_path / "pyproject.toml")
    (tmp_path / "a.py").write_text(BAD)
    code, out, err = tslint("--config", "pyproject.toml", "a.py", cwd=tmp_path, process=True)
    assert code == 2 and "pyproject.toml: cannot read config file: not a regular file" in err


# --- item 6: stdin is read as bytes and decoded exactly like a file -------------------------------

LATIN_1 = ("# -*- coding: latin-1 -*-\n" + BAD.replace("*args):", "*args):  # caf\xe9")).encode("latin-1")


@pytest.mark.parametrize(
    "data",
    [LATIN_1, b'x = "\xff"\n' + BAD.encode(), BAD.encode("utf-16"), BAD.encode("utf-8-sig")],
    ids=["latin-1-cookie", "invalid-utf-8", "utf-16", "utf-8-bom"],
)
def test_stdin_gives_what_the_same_file_on_disk_gives(tmp_path, data) -> None:
    (tmp_path / "a.py").write_bytes(data)
    disk_code, disk, _ = lint_json("a.py", cwd=tmp_path)
    stdin_code, piped, err = lint_json("--stdin-filename", "a.py", cwd=tmp_path, stdin=data)
    assert disk_code == stdin_code == 1 and err == ""
    assert piped["diagnostics"] == disk["diagnostics"] and piped["errors"] == []


def test_latin_1_on_stdin_is_linted_and_shown_decoded(tmp_path) -> None:
    code, out, err = tslint("--stdin-filename", "a.py", cwd=tmp_path, stdin=LATIN_1)
    assert code == 1 and err == "" and "a.py:6:26: TS101" in out
    assert "6 |     def forward(self, x, *args):  # caf\xe9\n" in out


def test_dash_reads_stdin_as_ruff_does(tmp_path) -> None:
    code, document, _ = lint_json("-", cwd=tmp_path, stdin=BAD.encode())
    assert code == 1 and only(document["diagnostics"])["filename"] == "-"
    code, document, _ = lint_json("--stdin-filename", "models/net.py", "-", cwd=tmp_path, stdin=BAD.encode())
    assert code == 1 and only(document["diagnostics"])["filename"] == "models/net.py"


# --- item 11: odd content, odd config, odd surroundings --------------------------------------------


def test_terminal_escape_codes_in_source_are_shown_escaped(tmp_path) -> None:
    """A reported line holding escape codes (clear screen, retitle the window) is shown, not obeyed,
    and the caret still stands under the reported code."""
    line = '    def forward(self, x="\x1b[2J\x1b]0;owned\x07", *args):'
    (tmp_path / "a.py").write_text(BAD.replace("    def forward(self, x, *args):", line))
    code, out, _ = tslint("a.py", cwd=tmp_path)
    assert code == 1 and "\x1b" not in out and "\x07" not in out
    shown = '    def forward(self, x="\\x1b[2J\\x1b]0;owned\\x07", *args):'
    lines = out.splitlines()
    header = next(i for i, text in enumerate(lines) if " TS101 " in text)
    excerpt, caret = lines[header + 2], lines[header + 3]
    assert excerpt.endswith(shown)
    assert caret.index("^") - caret.index("|") == excerpt.index("*args") - excerpt.index("|")
    assert caret.count("^") == len("*args")


def test_a_file_name_with_escape_codes_is_shown_escaped(tmp_path) -> None:
    (tmp_path / "a\x1b[8m.py").write_text(BAD)
    code, out, _ = tslint(".", cwd=tmp_path)
    assert code == 1 and "\x1b" not in out and "a\\x1b[8m.py:5:26: TS101" in out


def test_a_form_feed_does_not_shift_the_excerpt(tmp_path) -> None:
    """Python ends lines only at \\n, \\r\\n and \\r; str.splitlines also at \\f, \\x1c ..."""
    (tmp_path / "a.py").write_text("\x0c\nx = 1  # \x1c here\n" + BAD)
    code, out, _ = tslint("a.py", cwd=tmp_path)
    assert code == 1 and "a.py:7:26: TS101" in out and "7 |     def forward(self, x, *args):" in out


def test_20000_adjacent_string_literals_are_not_called_a_syntax_error(tmp_path) -> None:
    """Valid Python that libcst's parser rejects ("expected STRING" past ~3000 adjacent literals)
    gets an honest TS001, not a false "syntax error"."""
    strings = "".join(f'    "part {i} "\n' for i in range(20_000))
    (tmp_path / "a.py").write_text(f"TEXT = (\n{strings})\n")
    compile((tmp_path / "a.py").read_text(), "a.py", "exec")  # Python accepts it
    code, document, _ = lint_json("a.py", cwd=tmp_path)
    d = only(document["diagnostics"])
    assert code == 1 and d["code"] == "TS001"
    assert "syntax error" not in d["message"] and "valid Python but too large or complex" in d["message"]


def test_deeply_nested_toml_is_a_config_error(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.tslint]\nexclude = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "a.py").write_text(BAD)
    code, out, err = tslint("a.py", cwd=tmp_path)
    assert code == 2 and out == "" and "pyproject.toml: invalid TOML" in err and "internal error" not in err


@pytest.mark.parametrize("value", ["nan", "inf", "+inf", "-1", "0", "-nan"])
def test_a_timeout_that_is_not_a_positive_finite_number_is_a_config_error(tmp_path, value) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.tslint.confirm]\ntimeout = {value}\n")
    (tmp_path / "a.py").write_text(BAD)
    code, out, err = tslint("a.py", cwd=tmp_path)
    assert code == 2 and out == "" and "`confirm.timeout` must be a positive, finite number of seconds" in err


@pytest.mark.process
def test_python_m_tslint_never_imports_the_linted_projects_packages(tmp_path) -> None:
    """`python -m` puts the current folder first on sys.path: a project folder named `libcst/`
    would be imported in place of the real libcst, running the project's code."""
    marker = tmp_path / "imported"
    (tmp_path / "libcst").mkdir()
    (tmp_path / "libcst" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit(9)\n")
    (tmp_path / "a.py").write_text(BAD)
    code, document, _ = lint_json("a.py", cwd=tmp_path, entry_point=True)
    assert code == 1 and only(document["diagnostics"])["code"] == "TS101" and not marker.exists()
