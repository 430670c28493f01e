"""SARIF 2.1.0 output, as GitHub code scanning reads it. Like every formatter, it only presents."""

from __future__ import annotations

import json
from collections import Counter
from typing import Dict, List, Mapping, Optional, Sequence

from tslint import __version__
from tslint.findings import Diagnostic, LintResult, RuleInfo
from tslint.formatters import refuted, source_lines


def _sarif_uri(filename: str) -> Dict[str, str]:
    """Relative paths stay relative to the checkout (GitHub resolves them); others become file URIs."""
    from pathlib import Path
    from urllib.parse import quote

    path = Path(filename)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def _line_hash(line: str) -> str:
    import hashlib

    return hashlib.sha256(" ".join(line.split()).encode("utf-8")).hexdigest()[:16]


def _sarif_rules(codes: Sequence[str], catalogue: Mapping[str, RuleInfo], pages: Mapping[str, str]) -> List[dict]:
    """SARIF's `tool.driver.rules`: one descriptor per code, with its page as help."""
    rules = []
    for code in codes:
        info = catalogue[code]
        page = pages.get(code, "")
        rules.append(
            {
                "id": code,
                "name": info.name,
                "shortDescription": {"text": info.summary or info.message},
                "fullDescription": {"text": info.summary or info.message},
                "help": {"text": page or info.fix_hint, "markdown": page or info.fix_hint},
                # SARIF's `enabled` (true when absent): false for a rule only its full code turns on.
                "defaultConfiguration": {"level": info.severity.value, "enabled": info.default_enabled},
                "properties": {"tags": [info.mode.value, "torchscript"]},
            }
        )
    return rules


def _sarif_results(
    result: LintResult, sources: Mapping[str, str], catalogue: Mapping[str, RuleInfo], codes: Sequence[str]
) -> List[dict]:
    """SARIF's `results`: one per finding, fingerprinted by its line's hash and occurrence."""
    results = []
    occurrences: Counter = Counter()
    lines_cache: Dict[str, List[str]] = {}
    for d in result.diagnostics:
        if d.filename not in lines_cache:
            lines_cache[d.filename] = source_lines(sources.get(d.filename, ""))
        lines = lines_cache[d.filename]
        line = lines[d.location.row - 1] if 0 < d.location.row <= len(lines) else ""
        digest = _line_hash(line)
        occurrences[(d.filename, digest)] += 1
        results.append(
            {
                "ruleId": d.code,
                "ruleIndex": codes.index(d.code) if d.code in catalogue else -1,
                "level": d.severity.value,
                "message": {"text": d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _sarif_uri(d.filename),
                            "region": {
                                "startLine": d.location.row,
                                "startColumn": d.location.column,
                                "endLine": d.end_location.row,
                                "endColumn": d.end_location.column,
                            },
                        },
                        **({"logicalLocations": [{"fullyQualifiedName": d.symbol}]} if d.symbol else {}),
                    }
                ],
                "partialFingerprints": {"primaryLocationLineHash": f"{digest}:{occurrences[(d.filename, digest)]}"},
                **({"fixes": [_sarif_fix(d)]} if d.fix is not None and d.fix.edits else {}),
                # torch compiled the code (--confirm): SARIF's way to say a result does not stand.
                **({"suppressions": [_refutation(d)]} if refuted(d) else {}),
            }
        )
    return results


def _refutation(d: Diagnostic) -> dict:
    assert d.confirmation is not None
    return {"kind": "external", "justification": f"refuted by torch: {d.confirmation.detail}"}


def _sarif_fix(d: Diagnostic) -> dict:
    """SARIF 2.1.0 `fix`: one artifact change of the finding's file, a replacement per edit."""
    assert d.fix is not None
    replacements = [
        {
            "deletedRegion": {
                "startLine": e.start.row,
                "startColumn": e.start.column,
                "endLine": e.end.row,
                "endColumn": e.end.column,
            },
            "insertedContent": {"text": e.content},
        }
        for e in d.fix.edits
    ]
    return {
        "description": {"text": f"{d.fix.message} ({d.fix.applicability.value} fix)"},
        "artifactChanges": [{"artifactLocation": _sarif_uri(d.filename), "replacements": replacements}],
    }


def format_sarif(
    result: LintResult,
    sources: Mapping[str, str],
    catalogue: Mapping[str, RuleInfo],
    pages: Mapping[str, str],
    tool_extra: Optional[Mapping[str, str]] = None,
    statistics: Optional[Sequence[Mapping[str, object]]] = None,
) -> str:
    """SARIF 2.1.0 as GitHub code scanning reads it; with `statistics` (--statistics), the run's
    properties also hold the count per code and the total."""
    codes = sorted(catalogue)
    rules = _sarif_rules(codes, catalogue, pages)
    results = _sarif_results(result, sources, catalogue, codes)
    notifications = [
        {
            "level": "error",
            "message": {"text": error.message},
            "locations": [{"physicalLocation": {"artifactLocation": _sarif_uri(error.filename)}}],
        }
        for error in result.errors
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tslint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                        **({"properties": dict(tool_extra)} if tool_extra else {}),
                    }
                },
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The folder tslint ran in."}}},
                "invocations": [
                    {"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}
                ],
                "results": results,
                **(
                    {"properties": {"statistics": list(statistics), "total": len(result.diagnostics)}}
                    if statistics is not None
                    else {}
                ),
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
