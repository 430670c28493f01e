"""Every fixture's inline expectations equal what tslint reports, line by line."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conftest import FIXTURES, expectations, fixture_files, fixture_mode, mode_covered


@pytest.fixture(scope="session")
def findings_by_file(fixture_result) -> Dict[Path, List[Tuple[int, str, str]]]:
    """The session's findings on the fixtures, (row, code, mode) by resolved file: grouped once, not
    searched through for each of the fixtures."""
    grouped: Dict[Path, List[Tuple[int, str, str]]] = defaultdict(list)
    for d in fixture_result.diagnostics:
        grouped[Path(d.filename).resolve()].append((d.location.row, d.code, d.mode.value))
    return grouped


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_expectations(path: Path, findings_by_file) -> None:
    mode = fixture_mode(path)
    found = findings_by_file.get(path.resolve(), [])
    reported = sorted((row, code) for row, code, found_mode in found if mode_covered(mode, found_mode))
    assert reported == sorted(expectations(path))


def test_fixtures_cover_every_rule(fixture_result) -> None:
    from tslint.rules import find_rules

    reported = {d.code for d in fixture_result.diagnostics}
    assert {rule.code for rule in find_rules()} <= reported


def test_no_internal_errors(fixture_result) -> None:
    assert fixture_result.errors == ()
    assert fixture_result.internal_errors == 0
