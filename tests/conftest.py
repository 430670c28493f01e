from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

import pytest

from tslint.config import Config
from tslint.api import lint_paths

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
EXPECTATION = re.compile(r"#\s*((?:TS\d{3}[\s,]*)+)$")


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
    match = re.search(r"tslint-fixture: mode=(script|trace)", first)
    return match.group(1) if match else "both"


def fixture_files() -> List[Path]:
    return sorted(FIXTURES.rglob("*.py"))


@pytest.fixture(scope="session")
def fixture_result():
    """One lint of the whole fixtures tree (cross-file facts need all of it)."""
    return lint_paths([str(FIXTURES)], Config())
