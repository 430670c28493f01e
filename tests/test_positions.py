"""Positions from per-statement code generation equal libcst's whole-module PositionProvider."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import fixture_files
from tslint.analysis.traversal import children
from tslint.engine.positions import resolve_positions, spans_lines

TRICKY = [
    (
        "# header comment\n\n\nimport torch\nx = 1; y = 2\n\n\n# about Net\n@decorator  # why\n\n@other(\n    "
        "1)\nclass Net:\n    def f(self, a, *b):\n        return a\n"
    ),
    (
        "class C:\n\n    # a comment\n    @staticmethod\n    @other(\n        1)\n    def f(a,\n          *b):\n     "
        "   x = 1; y = 2\n        return (a +\n                1)\n    z = 3; w = 4\n\n    def g(self):  # c\n       "
        " return '''x\ny'''.strip()\n"
    ),
    "if True:\n\tdef f(a,\n\t      *b):\n\t\treturn (a +\n\t\t        1)\nelse:\n\tpass\n",
    "import os\r\n\r\nclass A:\r\n    def f(self, *a):\r\n        return '''x\r\ny'''\r\n",
    (
        "try:\n    import torch\nexcept ImportError:\n    torch = None\nfinally:\n    pass\n\n\n"
        "def g(*args): return args\n"
    ),
    (
        '"""Doc."""\nfrom __future__ import annotations\n\n\nclass B:\n  x: int = 1\n  def f(self, y=[\n      1, '
        '2]):\n    return f"{y!r:>3}"\n'
    ),
    # Python's and libcst's statement indexes differ after `a = 1; b = 2`: the rows are keyed by line.
    "a = 1; b = 2\nclass A:\n    def f(self):\n        return 1\nclass B:\n    def g(self):\n\n\n        return 2\n",
    # Statements of function bodies generated alone: nested decorated definitions, compound
    # statements, comments, semicolons, continuation lines, tabs, one-line bodies.
    "import torch\n\n\n@torch.jit.script\ndef f(x,\n      y):\n    '''doc'''\n    # c\n    a = 1; b = (x +\n          "
    "     y)\n"
    "    if a:\n        return b\n    elif b:\n        pass\n    else:\n        for i in range(3):\n            b = b "
    "+ i\n"
    "    @decorator(\n        1)\n    def g(z): return z\n    with open(x) as h:  # w\n        return [\n  a, b]\n"
    "async def h():\n\tasync with a as b:\n\t\treturn b\n\tawait c\n\n\ndef one(x): return x\n",
    "class C(object):\n    x = 1; y = 2\n\n    @property\n    def p(self):\n        try:\n            return self.x\n"
    "        except (AttributeError,\n                KeyError):\n            raise\n        finally:\n            "
    "pass\n"
    "    async def q(self): await self.p\n\n    def r(self, *, k=lambda: (\n            1)):\n\n        # two\n\n"
    "        while k:\n            k = None\n        else:\n            class D:\n                def e(self):\n"
    "                    return 1\n        return k\n",
    # Nested blocks generated alone: elif chains (comments before `elif`/`else`), try with every
    # clause, for/while with `else`, match, with, nested decorated definitions, backslash and
    # bracket continuations, one-line suites, tabs inside spaces.
    "import torch\n\n\nclass M(torch.nn.Module):\n    def forward(self, x, y):\n        if x:\n            a = 1\n"
    "        # before elif\n        elif y:  # c\n            if a:\n"
    "                b = (x +\n                     y)\n"
    "            elif b: pass\n\n            # before else\n            else:\n                for i in x:\n"
    "                    c = i + \\\n                        1\n                else:\n                    while c:\n"
    "                        c -= 1; d = c\n                    else:\n                        pass\n        else:\n"
    "            try:\n                e = 1\n            except (ValueError,\n                    KeyError) as err:\n"
    "                raise\n            except Exception:\n                f = 2\n            else:\n"
    "                g = 3\n            finally:\n                with open(x) as h, open(y):\n"
    "                    @decorator\n                    # between\n                    @other(1,\n"
    "                        2)\n                    def inner(z):\n                        return z\n"
    "        return x\n",
    "def f(x):\n    match x:\n        case [a, b]:\n            return a\n        case {'k': v}:\n"
    "            if v:\n                return v\n        case _:\n            pass\n    for i in x: y = i\n"
    "    while x:\n      x = x - 1\n    try:\n        pass\n    finally:\n        class Inner:\n"
    "            def g(self):\n                if self:\n                    return [\n    1,\n  2]\n",
    # Headers alone (`starts`): one-line and multi-line headers, decorated, nested, async, elif.
    "import torch\n\n\nclass N(torch.nn.Module):\n    @torch.jit.export\n    # c\n    @other(\n        1)\n"
    "    async def f(self, x): return x\n\n    def forward(self, x,\n                y):\n"
    "        async def g(a): pass\n        class L: pass\n        @decorator\n        def h(\n            a):\n"
    "            async for i in a:\n                pass\n            async with a as b, c:\n                return b\n"
    "        if x: return y\n        elif y:\n            while x: pass\n        elif x: pass\n"
    "        else:\n            for i in (1,\n                      2): x = i\n        try: pass\n"
    "        except Exception: pass\n        with x: y = 1\n        return x\n",
]


def _nodes(module: cst.Module):
    stack = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Name, cst.Param, cst.Call, cst.BaseCompoundStatement, cst.SimpleStatementLine)):
            yield node
        stack.extend(children(node))


def _methods(module: cst.Module):
    """Each node inside a top-level function or a method of a top-level class, mapped to that
    function (what the engine passes for findings in compiled functions)."""
    found = {}
    functions = [statement for statement in module.body if isinstance(statement, cst.FunctionDef)]
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            functions += [member for member in statement.body.body if isinstance(member, cst.FunctionDef)]
    for function in functions:
        stack = [function]
        while stack:
            node = stack.pop()
            found[node] = function
            stack.extend(children(node))
    return found


def _check(text: str) -> None:
    from tslint.engine.parsing import _python_parse

    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = list(_nodes(module))
    rows = _python_parse(text)[0]
    want = {node: expected[node] for node in nodes}
    assert resolve_positions(module, rows, nodes, {}, {}) == want  # whole top-level statements
    assert resolve_positions(module, rows, nodes, {}, _methods(module)) == want  # one method at a time


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_layouts(text: str) -> None:
    _check(text)


@pytest.mark.parametrize("text", TRICKY)
def test_one_node_at_a_time(text: str) -> None:
    """The code generation stops once the wanted nodes have their ranges: each node alone."""
    from tslint.engine.parsing import _python_parse

    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    rows = _python_parse(text)[0]
    functions = _methods(module)
    for node in _nodes(module):
        assert resolve_positions(module, rows, [node], {}, {}) == {node: expected[node]}
        assert resolve_positions(module, rows, [node], {}, functions) == {node: expected[node]}
        assert resolve_positions(module, None, [node], {}, {}) == {node: expected[node]}


@pytest.mark.parametrize("text", TRICKY)
def test_without_python_rows_falls_back_to_the_whole_module(text: str) -> None:
    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = list(_nodes(module))
    assert resolve_positions(module, None, nodes, {}, {}) == {node: expected[node] for node in nodes}


def _at(position) -> tuple:
    return position.line, position.column


def _starts_agree(text: str) -> int:
    """Each compound statement whose header alone is wanted (`starts`), alone and along with the
    nodes after it: its start is libcst's, and `spans_lines` holds of it only if its range does span
    lines. Returns how many headers were checked."""
    from tslint.engine.parsing import _python_parse

    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    rows = _python_parse(text)[0]
    functions = _methods(module)
    nodes = list(_nodes(module))
    headers = [node for node in nodes if isinstance(node, cst.BaseCompoundStatement)]
    for node in headers:
        span = expected[node]
        assert spans_lines(node) <= (span.end.line > span.start.line)
        after = [other for other in nodes if _at(expected[other].start) > _at(span.start)]
        others = sorted(after, key=lambda other: _at(expected[other].start))[:3]
        for python_rows, by_function in ((rows, {}), (rows, functions), (None, {})):
            found = resolve_positions(module, python_rows, [node, *others], {}, by_function, {node})
            assert found[node].start == span.start
            assert {other: found[other] for other in others} == {other: expected[other] for other in others}
    return len(headers)


@pytest.mark.parametrize("text", TRICKY)
def test_headers_alone(text: str) -> None:
    _starts_agree(text)


def test_headers_alone_cover_the_layouts() -> None:
    """The header layouts of the last text: one-line suites (which may span lines: `for i in (1,`)
    are not taken as spanning lines."""
    module = cst.parse_module(TRICKY[-1])
    headers = [node for node in _nodes(module) if isinstance(node, cst.BaseCompoundStatement)]
    assert _starts_agree(TRICKY[-1]) == len(headers) == 15
    assert sum(spans_lines(node) for node in headers) == 6


def test_a_state_libcst_asks_more_of_falls_back_to_libcst(monkeypatch) -> None:
    """If libcst's code generation calls a state method PositionState lacks, libcst's own
    PositionProvider answers."""
    from tslint.engine.code_ranges import PositionState

    text = TRICKY[1]
    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    monkeypatch.delattr(PositionState, "increase_indent")
    nodes = list(_nodes(module))
    assert resolve_positions(module, None, nodes, {}, {}) == {node: expected[node] for node in nodes}


@pytest.mark.slow  # libcst's PositionProvider and both ways of resolving on every node of every fixture
@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_files(path) -> None:
    """Every fixture, every node. The static suite keeps the layouts above; the positions of every
    finding on the fixtures are in the snapshots (tests/test_snapshots.py), compared byte for byte."""
    _check(path.read_text(encoding="utf-8"))


def test_torch_sources() -> None:
    torch = pytest.importorskip("torch")
    from pathlib import Path

    folder = Path(torch.__file__).parent / "nn" / "modules"
    for path in sorted(folder.glob("[a-c]*.py")):
        _check(path.read_text(encoding="utf-8"))


# A fix's edits inside the reported node (`mask=None`), elsewhere in the reporting function (the
# whole `print(...)` call of a reported keyword argument) and outside it (the import added at the
# top); header-only reports (`try`, loop `else`, nested `def`) in a method and a top-level function.
PLACED = (
    "import torch\n"
    "from torch import Tensor\n"
    "\n"
    "SCALE = 2\n"
    "\n"
    "\n"
    "class M(torch.nn.Module):\n"
    "    limit = 3\n"
    "\n"
    "    def forward(self, x: Tensor, mask=None):\n"
    '        print(x, sep=" ")\n'
    "        print(x,\n"
    '              end="\\n")\n'
    "        try:\n"
    "            y = x + 1\n"
    "        except Exception:\n"
    "            y = x\n"
    "        for i in range(3):\n"
    "            y = y + i\n"
    "        else:\n"
    "            y = y - 1\n"
    "\n"
    "        def inner(z):\n"
    "            return z\n"
    "\n"
    "        if mask is not None:\n"
    "            y = y * mask\n"
    "        return y\n"
    "\n"
    "\n"
    "@torch.jit.script\n"
    "def f(x, flag=None):\n"
    '    print(x, sep=" ")\n'
    "    while x:\n"
    "        x = x - 1\n"
    "    else:\n"
    "        pass\n"
    "    return x\n"
    "\n"
    "\n"
    "scripted = torch.jit.script(M())\n"
)


def test_findings_placed_as_libcst_places_them(tmp_path, monkeypatch) -> None:
    """Every finding and fix edit of a lint is where libcst's PositionProvider over the whole module
    puts its nodes."""
    from dataclasses import replace

    import tslint.engine.dispatch as dispatch
    from tslint.api import lint_paths
    from tslint.config import Config

    (tmp_path / "m.py").write_text("".join(PLACED), encoding="utf-8")
    config = replace(Config(), respect_gitignore=False)
    found = lint_paths([str(tmp_path)], config, jobs=1).diagnostics

    def by_libcst(module, rows, nodes, anchors, functions, starts=()):
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        return {node: positions[node] for node in nodes if node in positions}

    monkeypatch.setattr(dispatch, "resolve_positions", by_libcst)
    expected = lint_paths([str(tmp_path)], config, jobs=1).diagnostics
    assert found == expected
    codes = sorted(d.code for d in found)
    assert codes == ["TS105", "TS105", "TS202", "TS203", "TS211", "TS211", "TS308", "TS308", "TS308"]
    assert sum(len(d.fix.edits) for d in found if d.fix) == 7
