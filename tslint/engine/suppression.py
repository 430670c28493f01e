"""Inline suppressions: `# tslint: ignore[TS101]`, bare `# tslint: ignore`, `# noqa: TS101`,
and `# tslint: skip-file` in the file's leading comments or docstring."""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional

_IGNORE = re.compile(r"#\s*tslint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_SKIP_FILE = re.compile(r"#\s*tslint:\s*skip-file\b", re.IGNORECASE)

ALL = frozenset({"*"})


def _codes(text: Optional[str]) -> FrozenSet[str]:
    if text is None:
        return ALL
    codes = frozenset(code.upper() for code in re.split(r"[\s,]+", text.strip()) if code)
    return codes or ALL


def line_suppressions(source: str) -> Dict[int, FrozenSet[str]]:
    """1-based row -> codes suppressed on that row (`{"*"}` for all). Cheap: only rows with a `#`."""
    found: Dict[int, FrozenSet[str]] = {}
    if "tslint" not in source and "noqa" not in source.lower():
        return found
    for row, line in enumerate(source.splitlines(), start=1):
        if "#" not in line:
            continue
        codes: FrozenSet[str] = frozenset()
        for pattern in (_IGNORE, _NOQA):
            for match in pattern.finditer(line):
                codes |= _codes(match.group("codes"))
        if codes:
            found[row] = codes
    return found


def is_suppressed(code: str, suppressions: Dict[int, FrozenSet[str]], row: int) -> bool:
    codes = suppressions.get(row)
    return codes is not None and ("*" in codes or code in codes)


def skips_file(source: str) -> bool:
    """True if `# tslint: skip-file` is in the file's leading area: the comments and blank lines
    before the first statement, the module docstring, and the comments right after it."""
    if "skip-file" not in source.lower():
        return False
    import io
    import tokenize

    in_docstring, docstring_done = False, False
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                if _SKIP_FILE.search(token.string):
                    return True
            elif token.type == tokenize.STRING and not docstring_done:
                in_docstring = True  # "a" "b" is one docstring of two tokens
            elif token.type == tokenize.NEWLINE and in_docstring:
                in_docstring, docstring_done = False, True
            elif token.type not in (tokenize.NL, tokenize.ENCODING):
                return False
    except (tokenize.TokenError, SyntaxError):  # unparsable: engine reports TS001, not skipped
        return False
    return False
