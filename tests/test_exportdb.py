"""tslint's export mode against ExportDB (torch._export.db.examples, shipped with torch): every case
linted and exported (bench/exportdb.py); the figures the README reports."""

from __future__ import annotations

import sys

from conftest import ROOT
from export_harness import in_child, torch  # noqa: F401 - skips the module without torch

sys.path.insert(0, str(ROOT / "bench"))
import exportdb  # noqa: E402


@in_child  # torch.export changes the process for the tests after it
def test_exportdb_figures_and_findings() -> None:
    """Silent on every case that exports, with the default rules; TS503 on the one case export
    rejects (`round` of a dynamic size) and on `dynamic_shape_if_guard`, whose docstring says export
    fails once its dimension is declared dynamic."""
    results = exportdb.run()
    figures = exportdb.summary(results)
    assert figures == {
        "cases": 36,
        "needs_rewrite": 1,
        "agree_default": 35,
        "agree_opt_in": 35,
        "flagged_default": 0,
        "flagged_opt_in": 1,
        "supported_flagged_default": 0,
        "supported_flagged_opt_in": 1,
    }, figures
    found = {r.name: r.findings for r in results if r.findings}
    assert found == {"dynamic_shape_if_guard": ("TS503:12",), "dynamic_shape_round": ("TS503:13",)}, found
