"""Which classes that script compile the line torch points at (bench/agreement.py, bench/realworld.py).

A finding belongs to a line of a function, and a function of a base class is compiled for every
class that inherits it: where torch fails on a line for one class and the same line compiles for
another (an abstract base whose `forward` reads an attribute only its subclasses set), an error
finding there is a false positive for the other.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple


def sharing_classes(span, scripting: Dict[str, Iterable[Tuple[str, str]]]) -> List[str]:
    """The classes that script whose compiled code holds torch's line: the function around the line
    is compiled for them too. An error finding on that line would be a false positive for each."""
    if span is None:
        return []
    symbol = enclosing_symbol(span.path, span.first_row)
    path = str(Path(span.path).resolve())
    return sorted(
        name
        for name, compiled in scripting.items()
        if any(s == symbol and str(Path(p).resolve()) == path for p, s in compiled)
    )


def enclosing_symbol(path: str, row: int) -> Optional[str]:
    """`Class.method` (or `function`) of the innermost function around line `row` of `path`."""
    found = None

    def visit(node, prefix):
        nonlocal found
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                if isinstance(child, ast.ClassDef):
                    visit(child, f"{name}.")
                elif child.lineno <= row <= child.end_lineno:
                    found = name
                    visit(child, f"{name}.")

    visit(ast.parse(Path(path).read_text(encoding="utf-8")), "")
    return found
