"""Which tests need torch, read from the test modules' own code (tests/conftest.py marks them `torch`):
a module that imports torch (or a helper module that does) at its top level needs it for every
test; a test function needs it when it, a fixture it requests or a module-level helper it calls
imports or `importorskip`s torch."""

from __future__ import annotations

import ast
import itertools
import re
from functools import cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Set, Tuple

HERE = Path(__file__).resolve().parent


@cache
def torch_modules() -> FrozenSet[str]:
    """`torch` and the helper modules under tests/ whose top level imports it (directly or through
    another such helper, to a fixed point): importing `export_harness` needs torch as much as
    importing torch does. Read on first use: the xdist controller, which collects nothing, never
    reads them."""
    paths = [path for path in HERE.glob("*.py") if not path.name.startswith("test_") and path.stem != "conftest"]
    helpers = {path.stem: ast.parse(path.read_text(encoding="utf-8")) for path in paths}
    needing = {"torch"}
    grew = True
    while grew:
        more = {
            name
            for name, tree in helpers.items()
            if name not in needing and _module_statements_import_torch(tree, frozenset(needing))
        }
        needing |= more
        grew = bool(more)
    return frozenset(needing)


def _imports_torch(node: ast.AST, modules: FrozenSet[str]) -> bool:
    """`import torch...`, `from torch... import`, a torch helper, or `pytest.importorskip("torch...")`."""
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] in modules for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] in modules
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        first = node.args[0] if node.args else None
        return (
            name == "importorskip"
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and first.value.split(".")[0] in modules
        )
    return False


def _module_statements_import_torch(tree: ast.Module, modules: FrozenSet[str]) -> bool:
    """Module-level code (not function bodies) that imports torch, including under `if`/`try`."""
    pending: List[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if _imports_torch(node, modules):
            return True
        if isinstance(node, ast.ClassDef):
            pending.extend(node.body)
        else:
            pending.extend(ast.iter_child_nodes(node))
    return False


def _functions(tree: ast.Module) -> Dict[str, ast.AST]:
    """Module-level functions and methods of module-level classes, by name."""
    found: Dict[str, ast.AST] = {}
    for node in tree.body:
        members = node.body if isinstance(node, ast.ClassDef) else [node]
        for member in members:
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[member.name] = member
    return found


def _torch_functions(functions: Dict[str, ast.AST]) -> FrozenSet[str]:
    """The functions that import torch themselves or call (by name) one that does, to a fixed point."""
    modules = torch_modules()
    calls: Dict[str, Set[str]] = {}
    needing: Set[str] = set()
    for name, function in functions.items():  # one walk each: the names it uses, whether it imports torch
        calls[name] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Name):
                calls[name].add(node.id)
            elif name not in needing and _imports_torch(node, modules):
                needing.add(name)
    grew = True
    while grew:
        more = {name for name, names in calls.items() if name not in needing and names & needing}
        needing |= more
        grew = bool(more)
    return frozenset(needing)


@cache
def torch_needs(path: Path) -> Tuple[bool, FrozenSet[str]]:
    """Whether the whole test module needs torch, and otherwise which of its functions do."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if _module_statements_import_torch(tree, torch_modules()):
        return True, frozenset()
    return False, _torch_functions(_functions(tree))


def deselects_torch(markexpr: str) -> bool:
    """Whether `-m markexpr` deselects every test marked `torch`, whatever its other marks: false for
    each value of the other names in the expression (a handful: tried one by one)."""
    from _pytest.mark.expression import Expression

    names = sorted(set(re.findall(r"[A-Za-z_][\w]*", markexpr)) - {"and", "or", "not", "torch"})
    if len(names) > 8:
        return False
    expression = Expression.compile(markexpr)
    for values in itertools.product((False, True), repeat=len(names)):
        marks = {"torch", *(name for name, value in zip(names, values) if value)}
        if expression.evaluate(lambda name, marks=marks: name in marks):
            return False
    return True
