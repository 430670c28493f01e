"""A name from `typing` that a fix writes (`Optional`): how to spell it, and the import edits it needs.

The import goes where isort puts it, so a formatted file stays formatted: the name joins an existing
`from typing import ...` in its sorted place (isort's order: CONSTANTS, Classes, functions, each
case-insensitively); otherwise a new `from typing import X` line joins the standard-library section,
after its plain imports and among its `from` imports by module name; a file with no standard-library
import gets the line as its own section, after the `__future__` imports and before the others.
"""

from __future__ import annotations

import sys
from typing import List, Optional, Tuple

import libcst as cst

from tslint.rule import NodeEdit, insert_after_statement, insert_before_statement

_STANDARD_LIBRARY = frozenset(getattr(sys, "stdlib_module_names", ())) | {"typing"}


def typing_name(module: Optional[cst.Module], aliases, name: str) -> Optional[Tuple[str, Tuple[NodeEdit, ...]]]:
    """(how the fix spells `typing.<name>`, the edits that import it); None when the file binds the
    name to something else, or has nowhere to put the import."""
    if aliases.get(name) in (f"typing.{name}", f"typing_extensions.{name}"):
        return name, ()
    if aliases.get("typing") == "typing":
        return f"typing.{name}", ()
    if name in aliases or module is None:
        return None
    imports = _import_lines(module)
    for _line, statement in imports:
        if isinstance(statement, cst.ImportFrom) and _module(statement) == "typing" and not statement.relative:
            edit = _join(statement, name)
            return (name, (edit,)) if edit is not None else None
    edit = _new_line(module, imports, f"from typing import {name}")
    return (name, (edit,)) if edit is not None else None


def _import_lines(module: cst.Module) -> List[Tuple[cst.SimpleStatementLine, cst.BaseSmallStatement]]:
    """The top-level one-import lines before the first definition (isort's import block)."""
    found = []
    for statement in module.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            break
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                found.append((statement, small))
    return found


def _module(statement) -> str:
    if isinstance(statement, cst.Import):
        return _dotted(statement.names[0].name)
    return _dotted(statement.module) if statement.module is not None else ""


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _name_key(name: str) -> Tuple[int, str]:
    """isort's `order_by_type`: constants, then classes, then the rest; case-insensitive within."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _join(statement: cst.ImportFrom, name: str) -> Optional[NodeEdit]:
    """The edit adding `name` to `from typing import ...` in its sorted place."""
    if isinstance(statement.names, cst.ImportStar):
        return None
    aliases = list(statement.names)
    if any(not isinstance(alias.name, cst.Name) for alias in aliases):
        return None
    multiline = isinstance(statement.lpar, cst.LeftParen) and isinstance(
        statement.lpar.whitespace_after, cst.ParenthesizedWhitespace
    )
    indent = statement.lpar.whitespace_after.last_line.value if multiline else ""
    for alias in aliases:
        if _name_key(alias.name.value) > _name_key(name):
            separator = f",\n{indent}" if multiline else ", "
            return NodeEdit(alias, alias, name + separator, insert=True)
    last = aliases[-1]
    if multiline:
        # `    Tuple,\n)`: a line after the last name's, when it ends with its comma.
        if not isinstance(last.comma, cst.Comma) or not isinstance(
            last.comma.whitespace_after, cst.ParenthesizedWhitespace
        ):
            return None
        return NodeEdit(last, last, f"{indent}{name},\n", next_row=True)
    end = last.asname.name if last.asname is not None else last.name
    if not isinstance(end, cst.Name):
        return None
    written = f"{last.name.value} as {end.value}" if end is not last.name else last.name.value
    return NodeEdit(last.name, end, f"{written}, {name}")


def _new_line(module: cst.Module, imports, line: str) -> Optional[NodeEdit]:
    """The edit adding the import line `line` (of a standard-library module) in isort's place."""
    if not imports:
        return None
    future = [s for s, small in imports if isinstance(small, cst.ImportFrom) and _module(small) == "__future__"]
    standard = [
        (s, small)
        for s, small in imports
        if _module(small).split(".")[0] in _STANDARD_LIBRARY and _module(small) != "__future__"
    ]
    target = line.split()[1]
    if standard:
        plain = [s for s, small in standard if isinstance(small, cst.Import)]
        froms = [(s, _module(small).lower()) for s, small in standard if isinstance(small, cst.ImportFrom)]
        before = [s for s, module_name in froms if module_name < target]
        after = [s for s, module_name in froms if module_name > target]
        if before:
            return insert_after_statement(before[-1], line + "\n")
        if plain:
            return insert_after_statement(plain[-1], line + "\n")
        if after and not after[0].leading_lines:
            return insert_before_statement(after[0], line)
        return None
    following = [s for s, small in imports if s not in future]
    if future:
        blank = "" if following and following[0].leading_lines else "\n"
        return insert_after_statement(future[-1], "\n" + line + "\n" + blank)
    first = following[0]
    if any(leading.comment is not None for leading in first.leading_lines):
        return None  # a comment heads the first import: the new section's place is not known
    return NodeEdit(first, first, line + "\n\n", insert=True)
