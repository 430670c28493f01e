"""tslint's export mode against ExportDB, the catalogue of export cases that ships with torch.

    python bench/exportdb.py [--verbose]

Lints every example file of `torch._export.db.examples` (installed with torch) in export mode, then
exports each case's model with its own example inputs and `dynamic_shapes`, non-strict (torch 2.13's
default) and strict, and prints, per case: its support level, what export did, and the TS5xx
findings. A case agrees when it has a TS5xx finding exactly when it needs a rewrite (export fails
with the case's own inputs and dynamic_shapes, or ExportDB marks it not supported); figures with the
default rules and with TS503 (off by default) selected. tests/test_exportdb.py asserts the figures
the README reports.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tslint.api import lint_paths  # noqa: E402
from tslint.config import Config  # noqa: E402


@dataclass(frozen=True)
class CaseResult:
    name: str
    support: str  # ExportDB's support level: SUPPORTED, NOT_SUPPORTED_YET
    non_strict: Optional[str]  # the first line of what non-strict export raised; None: it exported
    strict: Optional[str]
    findings: Tuple[str, ...]  # "TS501:12" of every TS5xx finding (TS503 included)

    @property
    def needs_rewrite(self) -> bool:
        """Export fails with the case's own inputs and dynamic_shapes, or ExportDB says it is not
        supported."""
        return self.non_strict is not None or self.strict is not None or self.support != "SUPPORTED"

    def flagged(self, opt_in: bool) -> bool:
        return any(opt_in or not finding.startswith(OPT_IN) for finding in self.findings)

    def agrees(self, opt_in: bool) -> bool:
        return self.flagged(opt_in) == self.needs_rewrite


OPT_IN = "TS503"


def examples_folder() -> Path:
    import torch._export.db.examples as examples

    return Path(examples.__file__).parent


def lint_examples(folder: Path) -> Dict[str, Tuple[str, ...]]:
    """The findings ("TS501:12") per example file, linted in export mode with TS503 selected."""
    result = lint_paths([str(folder)], Config(mode="export", select=("TS", OPT_IN)))
    found: Dict[str, List[str]] = {}
    for diagnostic in result.diagnostics:
        if diagnostic.mode.value == "export":
            found.setdefault(Path(diagnostic.filename).stem, []).append(f"{diagnostic.code}:{diagnostic.location.row}")
    return {name: tuple(findings) for name, findings in found.items()}


def _export(case, strict: bool) -> Optional[str]:
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.export.export(
                case.model,
                case.example_args,
                case.example_kwargs,
                dynamic_shapes=case.dynamic_shapes,
                strict=strict,
            )
        except Exception as error:  # torch raises many exception types
            text = str(error).strip()
            return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"[:200]
    return None


def run() -> List[CaseResult]:
    from torch._export.db.examples import all_examples

    folder = examples_folder()
    findings = lint_examples(folder)
    results = []
    for name, case in sorted(all_examples().items()):
        module = importlib.import_module(f"torch._export.db.examples.{name}")
        found = findings.get(Path(module.__file__).stem, ())
        results.append(CaseResult(name, case.support_level.name, _export(case, False), _export(case, True), found))
    return results


def summary(results: List[CaseResult]) -> Dict[str, int]:
    rewrite = [r for r in results if r.needs_rewrite]
    return {
        "cases": len(results),
        "needs_rewrite": len(rewrite),
        "agree_default": sum(r.agrees(False) for r in results),
        "agree_opt_in": sum(r.agrees(True) for r in results),
        "flagged_default": sum(r.flagged(False) for r in rewrite),
        "flagged_opt_in": sum(r.flagged(True) for r in rewrite),
        "supported_flagged_default": sum(r.flagged(False) for r in results if not r.needs_rewrite),
        "supported_flagged_opt_in": sum(r.flagged(True) for r in results if not r.needs_rewrite),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every case")
    args = parser.parse_args()
    results = run()
    for result in results:
        if args.verbose or result.findings or result.needs_rewrite:
            verdict = "agree" if result.agrees(True) else "DISAGREE"
            print(
                f"{verdict:8} {result.name:32} {result.support:18} non-strict: {result.non_strict or 'exports'} "
                f"| strict: {result.strict or 'exports'} | findings {list(result.findings)}"
            )
    f = summary(results)
    print(f"ExportDB, {f['cases']} cases, {f['needs_rewrite']} that export rejects or ExportDB marks not supported:")
    print(
        f"  default rules: {f['agree_default']} of {f['cases']} agree; {f['flagged_default']} of "
        f"{f['needs_rewrite']} flagged, {f['supported_flagged_default']} supported cases flagged"
    )
    print(
        f"  with {OPT_IN}: {f['agree_opt_in']} of {f['cases']} agree; {f['flagged_opt_in']} of "
        f"{f['needs_rewrite']} flagged, {f['supported_flagged_opt_in']} supported cases flagged"
    )


if __name__ == "__main__":
    main()
