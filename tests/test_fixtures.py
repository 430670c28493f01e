"""Every fixture's inline expectations equal what tslint reports, line by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, expectations, fixture_files, fixture_mode, mode_covered


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_expectations(path: Path, fixture_result) -> None:
    mode = fixture_mode(path)
    reported = sorted(
        (d.location.row, d.code)
        for d in fixture_result.diagnostics
        if Path(d.filename).resolve() == path.resolve() and mode_covered(mode, d.mode.value)
    )
    assert reported == sorted(expectations(path))


def test_fixtures_cover_every_rule(fixture_result) -> None:
    from tslint.rules import find_rules

    reported = {d.code for d in fixture_result.diagnostics}
    assert {rule.code for rule in find_rules()} <= reported


def test_no_internal_errors(fixture_result) -> None:
    assert fixture_result.errors == ()
    assert fixture_result.internal_errors == 0
