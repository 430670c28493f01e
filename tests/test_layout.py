"""The package's shape: imports flow one way (no cycle, the per-file machinery below the run-level
API), and no module or function grows past what a reader takes in at once."""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import Dict, Iterator, List, Set

PACKAGE = Path(__file__).resolve().parent.parent / "tslint"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _statements(path: Path, type_checking: bool = True) -> Iterator[ast.stmt]:
    """Every statement of the module at `path`, at any depth (an import or a function definition is
    a statement, and statements hold statements only in their bodies: a block's, an `else`'s, a
    `finally`'s, an `except` handler's, a `case`'s), leaving out the body of an `if TYPE_CHECKING:`
    unless `type_checking`. Expressions are not walked: no statement is inside one."""
    stack: List[ast.stmt] = list(_tree(path).body)
    while stack:
        node = stack.pop()
        yield node
        skip_body = not type_checking and isinstance(node, ast.If) and _is_type_checking(node)
        for field in ("orelse", "finalbody", "handlers", "cases") if skip_body else _BLOCKS:
            for child in getattr(node, field, ()):
                stack.extend([child] if isinstance(child, ast.stmt) else child.body)


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _imports(path: Path, modules: Set[str]) -> Set[str]:
    """The tslint modules `path` imports at run time, at any depth (a function-level import is an
    edge too: it runs), leaving out `if TYPE_CHECKING:` blocks."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: Set[str] = set()
    for node in _statements(path, type_checking=False):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m in modules and m != name}


@functools.cache  # parsed once for the tests below (none of them changes it)
def _graph() -> Dict[str, Set[str]]:
    paths = {(_module_name(p)): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports(path, set(paths)) for name, path in paths.items()}


def test_no_import_cycle() -> None:
    graph = _graph()
    # Rules import what they use; the catalogue package imports every rule: a cycle through the
    # catalogue's __init__ (which only discovers modules) is not an edge of the design.
    state: Dict[str, int] = {}
    cycles: List[List[str]] = []

    def visit(name: str, path: List[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_the_engine_never_imports_the_api_above_it() -> None:
    graph = _graph()
    below = [name for name in graph if name.startswith(("tslint.engine", "tslint.analysis", "tslint.rules"))]
    above = {"tslint.api", "tslint.cli", "tslint.lsp", "tslint.confirm", "tslint.formatters"}
    offenders = {name: sorted(graph[name] & above) for name in below if graph[name] & above}
    assert not offenders, offenders


def test_the_analysis_layer_does_not_import_rules() -> None:
    graph = _graph()
    offenders = {
        name: sorted(t for t in graph[name] if t.startswith("tslint.rules"))
        for name in graph
        if name.startswith("tslint.analysis")
    }
    assert not any(offenders.values()), offenders


def test_the_index_reads_no_rule_and_no_engine() -> None:
    """The index holds what files define; rule families add their own facts through extractors they
    hand to the indexer (tslint/index/facts.py), so the index never imports a rule."""
    graph = _graph()
    offenders = {
        name: sorted(t for t in graph[name] if t.startswith(("tslint.rules", "tslint.engine", "tslint.api")))
        for name in graph
        if name.startswith("tslint.index")
    }
    assert not any(offenders.values()), offenders


MAX_MODULE_LINES = 520
MAX_FUNCTION_LINES = 80


def test_no_module_grows_past_a_reading() -> None:
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_grows_past_a_screen() -> None:
    long = {}
    for path in PACKAGE.rglob("*.py"):
        for node in _statements(path):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines >= MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(PACKAGE.parent)}:{node.name}"] = lines
    assert not long, f"functions of {MAX_FUNCTION_LINES} lines or more: {long}"
