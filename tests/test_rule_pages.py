"""Every rule has a page whose bad example triggers it and whose good example does not; for error
rules torch must reject the bad example and compile the good one."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT
from tslint.api import catalogue, lint_text
from tslint.config import Config
from tslint.findings import Severity

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## How to fix")
CODES = [info.code for info in catalogue()]


def page(code: str) -> str:
    return (ROOT / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8")


def example(code: str, section: str) -> str:
    text = page(code)
    after = text[text.index(section) :]
    match = re.search(r"```python\n(?!# file: )(.*?)```", after, re.S)
    assert match, f"{code}: no python block under {section}"
    return match.group(1)


# A block that starts with `# file: name.py` is another module of the example's project (a decorator
# defined elsewhere, TS371): written beside the example, linted as its context, not reported.
OTHER_FILE = re.compile(r"```python\n# file: (\w+\.py)\n(.*?)```", re.S)


def codes_reported(source: str, mode: str = "both", code: str = "") -> set:
    selection = ("TS", "TS404", "TS503", "TS002")  # rules off by default too
    others = OTHER_FILE.findall(page(code)) if code else []
    with tempfile.TemporaryDirectory() as folder:
        for name, text in others:
            (Path(folder) / name).write_text(text, encoding="utf-8")
        extra = [folder] if others else []
        result = lint_text(source, "example.py", Config(mode=mode, select=selection), extra_paths=extra)
    return {d.code for d in result.diagnostics}


MODES = {info.code: info.mode.value for info in catalogue()}


@pytest.mark.parametrize("code", CODES)
def test_page_has_the_fixed_sections(code: str) -> None:
    text = page(code)
    info = {i.code: i for i in catalogue()}[code]
    assert text.startswith(f"# {code} {info.name}\n")
    default = "on" if info.default_enabled else "off"
    header = f"**Severity:** {info.severity.value} · **Mode:** {info.mode.value} · **Default:** {default}"
    assert text.split("\n")[2].startswith(header), f"{code}: line 3 should start {header!r}"
    for section in SECTIONS:
        assert section in text, f"{code}: missing {section}"


FIX_LINE = re.compile(r"^\*\*Fix:\*\* (safe|unsafe|safe or unsafe|none) — \S.*$", re.M)
# What each kind of Fix line allows the rule's fixes (seen on the fixtures and the page's example) to be.
FIX_KINDS = {"none": set(), "safe": {"safe"}, "unsafe": {"unsafe"}, "safe or unsafe": {"safe", "unsafe"}}


@pytest.mark.parametrize("code", CODES)
def test_page_says_whether_the_rule_fixes(code: str, fixture_result) -> None:
    """One "**Fix:** safe|unsafe|safe or unsafe|none — why" line, under "How to fix", that matches the
    fixes the rule offers on the fixtures and on the page's bad example."""
    text = page(code)
    lines = FIX_LINE.findall(text)
    assert len(lines) == 1, f"{code}: expected one **Fix:** line under ## How to fix"
    section = text[text.index("## How to fix") :]
    section = section[: section.find("\n## ", 5)] if "\n## " in section[5:] else section
    assert FIX_LINE.search(section), f"{code}: the **Fix:** line is not under ## How to fix"
    kind = lines[0]
    seen = {d.fix.applicability.value for d in fixture_result.diagnostics if d.code == code and d.fix is not None}
    if code != "TS000":
        result = lint_text(example(code, "## Example"), "example.py", Config(select=("TS", "TS404", "TS002")))
        seen |= {d.fix.applicability.value for d in result.diagnostics if d.code == code and d.fix is not None}
    allowed = FIX_KINDS[kind]
    assert seen <= allowed and (bool(seen) == bool(allowed)), (
        f"{code}: the page says {kind!r}, the rule's fixes are {seen}"
    )


def test_every_page_belongs_to_a_rule() -> None:
    assert sorted(p.stem for p in (ROOT / "docs" / "rules").glob("*.md")) == sorted(CODES)


@pytest.mark.parametrize("code", [c for c in CODES if c != "TS000"])  # TS000 only comes from --confirm
def test_bad_example_triggers_and_good_does_not(code: str) -> None:
    mode = "export" if MODES[code] == "export" else "both"
    assert code in codes_reported(example(code, "## Example"), mode, code)
    assert code not in codes_reported(example(code, "## Use instead"), mode, code)


# torch.jit.script must reject these pages' bad examples (the export rules' pages are exported by
# tests/test_export_rules.py instead). TS000 included.
ERROR_RULES = [
    i.code for i in catalogue() if i.severity is Severity.ERROR and i.code != "TS001" and i.mode.value != "export"
]


@pytest.mark.parametrize("code", ERROR_RULES)
def test_error_examples_against_torch(code: str) -> None:
    harness = pytest.importorskip("torch_harness")
    with tempfile.TemporaryDirectory() as folder:
        for section, must_fail in (("## Example", True), ("## Use instead", False)):
            path = Path(folder) / f"page_{code}_{must_fail}.py"
            path.write_text(example(code, section), encoding="utf-8")
            module = harness.load_module(path, path.stem)
            classes = harness.module_classes(module)
            assert classes, f"{code} {section}: the example defines no nn.Module"
            errors = [harness.script(cls)[1] for cls in classes]
            if must_fail:
                assert any(errors), f"{code}: torch compiled the bad example"
            else:
                assert not any(errors), f"{code}: torch rejected the good example: {errors}"


def _scripted_page_example(code: str, section: str, folder: str):
    harness = pytest.importorskip("torch_harness")
    path = Path(folder) / f"page_{code}_{section[3:7].strip()}.py"
    path.write_text(example(code, section), encoding="utf-8")
    (cls,) = harness.module_classes(harness.load_module(path, path.stem))
    scripted, error = harness.script(cls)
    assert error is None, error
    return scripted, harness.torch


def test_ts104_examples_at_run_time() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bad, torch = _scripted_page_example("TS104", "## Example", folder)
        good, _ = _scripted_page_example("TS104", "## Use instead", folder)
        with pytest.raises(RuntimeError, match="Expected a value of type 'Tensor"):
            bad(torch.ones(2), True)
        assert torch.equal(good(torch.ones(2), True), torch.full((2,), 2.0))


def test_ts105_examples_at_run_time() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bad, torch = _scripted_page_example("TS105", "## Example", folder)
        good, _ = _scripted_page_example("TS105", "## Use instead", folder)
        with pytest.raises(RuntimeError, match="Expected a proper Tensor but got None"):
            bad(torch.ones(2))
        assert torch.equal(good(torch.ones(2)), torch.ones(2))
