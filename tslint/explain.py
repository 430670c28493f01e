"""The rule pages behind `tslint --explain` (docs/rules/*.md): inside the wheel as
tslint/docs/rules, or in a source checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Optional


def pages_folder() -> Optional[Path]:
    package = Path(__file__).parent
    for candidate in (package / "docs" / "rules", package.parent / "docs" / "rules"):
        if candidate.is_dir():
            return candidate
    return None


def page(code: str) -> Optional[str]:
    folder = pages_folder()
    if folder is None:
        return None
    path = folder / f"{code.upper()}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None
