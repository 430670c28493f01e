"""The import table and the project index: names resolve to what they are, across files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import libcst as cst
import pytest

from conftest import FIXTURES, ROOT
from tslint.analysis.imports import build_import_table, class_nodes, module_bindings, resolve_relative
from tslint.compiled_scope import CompiledScope
from tslint.files import SourceFile, module_name
from tslint.index.indexer import function_trees, index_file
from tslint.index.model import is_torch_module_class
from tslint.index.project import ProjectIndex


def table(source: str, module: str = "pkg.models.net", is_package: bool = False):
    return build_import_table(cst.parse_module(source), module, is_package, [])


@pytest.mark.parametrize(
    "source, expression, expected",
    [
        ("import torch", "torch.nn.Module", "torch.nn.Module"),
        ("import torch.nn", "torch.nn.Module", "torch.nn.Module"),
        ("import torch.nn as nn", "nn.Module", "torch.nn.Module"),
        ("from torch import nn", "nn.Linear", "torch.nn.Linear"),
        ("from torch.nn import Module as M", "M", "torch.nn.Module"),
        ("from torch import jit", "jit.ignore", "torch.jit.ignore"),
        ("from .base import Base", "Base", "pkg.models.base.Base"),
        ("from .. import layers", "layers.Block", "pkg.layers.Block"),
        ("from ..layers import Block as B", "B", "pkg.layers.Block"),
        ("try:\n    from torch import nn\nexcept ImportError:\n    nn = None", "nn.Module", "torch.nn.Module"),
        ("", "property", "property"),
        ("from typing import *", "Callable", "typing.Callable"),
        ("from typing import *\nfrom mylib import Callable", "Callable", "mylib.Callable"),
        ("from mylib import *", "Callable", "Callable"),
    ],
)
def test_qualify(source: str, expression: str, expected: str) -> None:
    assert table(source).qualify(cst.parse_expression(expression)) == expected


def test_relative_import_from_a_package_init() -> None:
    assert resolve_relative("pkg.models", True, 1, "net") == "pkg.models.net"
    assert resolve_relative("pkg.models.net", False, 2, None) == "pkg"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("torch.nn.Module", True),
        ("torch.nn.Sequential", True),
        ("torch.nn.modules.conv.Conv2d", True),
        ("torch.ao.nn.quantized.Linear", True),
        ("torch.nn.Parameter", False),
        ("torch.nn.functional.relu", False),
        ("torch.Tensor", False),
        ("torch.nn.utils.rnn.PackedSequence", False),
    ],
)
def test_torch_module_classes(name: str, expected: bool) -> None:
    assert is_torch_module_class(name) is expected


def _project(paths):
    files = []
    for path in paths:
        name, is_package = module_name(path)
        files.append(index_file(str(path), cst.parse_module(path.read_text()), name, is_package)[0])
    return ProjectIndex(files)


def test_module_names_follow_packages() -> None:
    assert module_name(FIXTURES / "pkg" / "models" / "net.py") == ("pkg.models.net", False)
    assert module_name(FIXTURES / "pkg" / "__init__.py") == ("pkg", True)
    assert module_name(FIXTURES / "signatures.py") == ("signatures", False)


def test_subclass_chain_across_files_and_reexports() -> None:
    index = _project(sorted((FIXTURES / "pkg").rglob("*.py")))
    assert index.resolve("pkg.GoodBlock") == "pkg.layers.GoodBlock"
    assert {
        "pkg.layers.GoodBlock",
        "pkg.models.net._Base",
        "pkg.models.net.BadNet",
        "pkg.models.net.GoodNet",
    } <= index.module_classes
    assert [c.name for c in index.mro(index.classes["pkg.models.net.BadNet"])] == ["BadNet", "_Base", "GoodBlock"]


def test_plain_classes_are_not_modules() -> None:
    index = _project([FIXTURES / "import_styles" / "class_import.py"])
    assert "class_import.NotAModule" not in index.module_classes
    assert "class_import.BadLinearSubclass" in index.module_classes


def test_attributes_assigned_in_init(tmp_path: Path) -> None:
    path = tmp_path / "net.py"
    path.write_text(
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.proj = None\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])\n"
        "        self.w = nn.Parameter(torch.ones(2))\n        self.register_buffer('scale', torch.ones(1))\n"
        "        self.n = 3\n        self.sizes = []\n"
    )
    info = _project([path]).classes["net.Net"]
    kinds = {name: [a.kind.value for a in found] for name, found in info.attributes.items()}
    assert kinds == {
        "proj": ["none"],
        "layers": ["module-container"],
        "w": ["parameter"],
        "scale": ["buffer"],
        "n": ["constant"],
        "sizes": ["container"],
    }
    assert info.attributes["layers"][0].elements == ("torch.nn.Linear",)


@pytest.mark.slow
def test_wheel_ships_the_rule_pages(tmp_path: Path) -> None:
    """`tslint --explain` must work from a plain `pip install`, not only from a checkout."""
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {completed.stderr[-300:]}")
    (wheel,) = tmp_path.glob("torchscript_lint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    pages = sorted(p.stem for p in (ROOT / "docs" / "rules").glob("*.md"))
    assert sorted(Path(n).stem for n in names if n.startswith("tslint/docs/rules/")) == pages
    assert not any(n.startswith("docs/") for n in names)


def test_a_module_name_two_files_claim_resolves_the_same_in_any_order(tmp_path: Path) -> None:
    """Scripts in two folders that are not packages are both module `models`: workers index files
    in any order, and the same file must win every time (here, the first by path)."""
    for folder, body in (("a", "class Base(nn.Module):\n    pass\n"), ("b", "class Base:\n    pass\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "models.py").write_text("import torch.nn as nn\n\n\n" + body)
    paths = [tmp_path / "a" / "models.py", tmp_path / "b" / "models.py"]
    forward, backward = _project(paths), _project(paths[::-1])
    assert forward.modules["models"].path == backward.modules["models"].path == str(paths[0])
    assert forward.classes["models.Base"].bases == backward.classes["models.Base"].bases == ("torch.nn.Module",)


def test_private_module_bases_are_torch_2_13s() -> None:
    """`is_torch_module_class` knows torch's underscore base classes (`_Loss`, `_ConvNd`): the set is
    every nn.Module subclass defined in a torch.nn.modules module under an underscore name."""
    import importlib
    import inspect
    import pkgutil

    torch = pytest.importorskip("torch")
    from tslint.index.model import PRIVATE_MODULE_BASES

    found = set()
    for info in pkgutil.iter_modules(torch.nn.modules.__path__, "torch.nn.modules."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                name.startswith("_")
                and inspect.isclass(value)
                and value.__module__ == module.__name__
                and issubclass(value, torch.nn.Module)
            ):
                found.add(f"{module.__name__}.{name}")
    assert found == PRIVATE_MODULE_BASES
    assert all(is_torch_module_class(name) for name in found)
    assert not is_torch_module_class("torch.nn.modules.module._IncompatibleKeys")


def test_torch_builtin_functions_are_torch_2_13s() -> None:
    """The compiled scope does not compile torch's own Python functions that TorchScript maps to a
    builtin op (`F._no_grad_embedding_renorm_`, whose body has no return): the set is every such
    function of `torch.jit._builtins._builtin_ops`, plus `_ntuple`'s four instances by their names."""
    import inspect

    pytest.importorskip("torch")
    from torch.jit import _builtins

    from tslint.index.model import TORCH_BUILTIN_FUNCTIONS

    found = {
        f"{function.__module__}.{function.__qualname__}"
        for function, _ in _builtins._builtin_ops
        if inspect.isfunction(function)
        and function.__module__.startswith("torch")
        and "<locals>" not in function.__qualname__
    }
    ntuples = {f"torch.nn.modules.utils._{name}" for name in ("single", "pair", "triple", "quadruple")}
    assert found | ntuples == TORCH_BUILTIN_FUNCTIONS


def test_function_trees_match_the_indexer() -> None:
    """A file parsed again in phase 2 finds its functions without being indexed again: the same
    nodes under the same ordinals and anchors as the indexer gave (methods of classes in `if`
    blocks, overloads, nested functions left out)."""
    sources = [path.read_text() for path in sorted(FIXTURES.glob("*.py"))]
    sources.append(
        "import typing\n"
        "if typing.TYPE_CHECKING:\n"
        "    class A:\n"
        "        @typing.overload\n"
        "        def f(self, x: int) -> int: ...\n"
        "        def f(self, x): return x\n"
        "        class Inner:\n"
        "            def g(self): pass\n"
        "def h():\n"
        "    def nested(): pass\n"
        "x = 1; y = lambda: 2\n"
        "class B: pass\n"
    )
    for text in sources:
        module = cst.parse_module(text)
        _, trees = index_file("x.py", module, "x", False)
        fast = function_trees(module)
        assert list(fast.nodes) == list(trees.nodes)
        assert all(fast.nodes[ordinal] is node for ordinal, node in trees.nodes.items())
        assert dict(fast.anchors) == dict(trees.anchors)


@pytest.mark.parametrize(
    "source, expected",
    [
        # Sequential definitions: Python binds the last one (torch scripts what the module holds).
        ("class X: a = 1\nclass X: a = 2\n", 2),
        ("def X(): pass\nclass X: a = 2\n", 2),
        ("class X: a = 1\ndef X(): return 2\n", "def"),
        ("if c:\n    class X: a = 1\nclass X: a = 2\n", 2),
        ("if c:\n    class X: a = 1\nelse:\n    class X: a = 2\nclass X: a = 3\n", 3),
        ("with m:\n    class X: a = 1\nclass X: a = 2\n", 2),
        ("with m:\n    class X: a = 1\n    class X: a = 2\n", 2),
        ("try:\n    import y\nexcept ImportError:\n    pass\nclass X: a = 1\nclass X: a = 2\n", 2),
        ("try:\n    class X: a = 1\nfinally:\n    class X: a = 2\n", 2),
        ("if c:\n    class X: a = 1\n    class X: a = 2\n", 2),  # defined once either way it goes
        ("if TYPE_CHECKING:\n    class X: a = 1\nelse:\n    class X: a = 2\n", 2),  # never runs
        ("class X: a = 1\nif typing.TYPE_CHECKING:\n    class X: a = 2\n", 1),
        # Which one binds depends on the branch Python takes: unknown.
        ("if c:\n    class X: a = 1\nelse:\n    class X: a = 2\n", None),
        ("if c:\n    class X: a = 1\nelif d:\n    class X: a = 2\n", None),
        ("class X: a = 1\nif c:\n    class X: a = 2\n", None),
        ("try:\n    class X: a = 1\nexcept ImportError:\n    class X: a = 2\n", None),
        ("try:\n    import y\n    class X: a = 1\nexcept ImportError:\n    class X: a = 2\n", None),
        ("class X: a = 1\ntry:\n    import y\nexcept ImportError:\n    class X: a = 2\n", None),
        ("try:\n    class X: a = 1\nexcept E:\n    pass\nelse:\n    class X: a = 2\n", None),
        # Defined once: that definition, conditional or not (what tslint did before).
        ("try:\n    from y import X\nexcept ImportError:\n    class X: a = 2\n", 2),
    ],
)
def test_module_bindings_follow_python(source: str, expected) -> None:
    module = cst.parse_module(source)
    bound = module_bindings(module).get("X")
    if expected is None:
        assert bound is None and "X" not in class_nodes(module)
    elif expected == "def":
        assert type(bound) is cst.FunctionDef and "X" not in class_nodes(module)
    else:
        assert class_nodes(module)["X"] is bound
        assert f"a = {expected}" in cst.Module([bound]).code


def test_the_index_keeps_the_binding_definition(tmp_path: Path) -> None:
    """The project index, like Python, holds a repeated class or function's last definition in
    sequence (its methods are the ones compiled). When a branch decides which: no function, and
    the first class that may bind the name, `undecided` (its bases known, so subclasses are checked
    as before; every method it defines unknown code, compiled for no class)."""
    source = (
        "import torch.nn as nn\n"
        "class A(nn.Module):\n    def forward(self, x): return x\n"
        "class A(nn.Module):\n    def forward(self, x): return x + 1\n    def helper(self): pass\n"
        "def f(): return 1\n"
        "def f(): return 2\n"
        "if c:\n    class B(nn.Module): pass\n    def g(): pass\n"
        "else:\n    class B(nn.Module): pass\n    def g(): pass\n"
        "try:\n    import x\n    class C(nn.Module):\n        def forward(self, x): return x\n"
        "except ImportError:\n    class C(nn.Module):\n        def forward(self, x): return x + 1\n"
        "class D(C):\n    def forward(self, x): return x\n"
        "class E(C):\n    pass\n"
    )
    module = cst.parse_module(source)
    file, trees = index_file("m.py", module, "m", False)
    index = ProjectIndex([file])
    assert [(info.name, info.undecided) for info in file.classes] == [
        ("A", False),
        ("B", True),
        ("C", True),
        ("D", False),
        ("E", False),
    ]
    assert set(index.classes["m.A"].methods) == {"forward", "helper"}
    assert trees.nodes[index.functions["m.f"].ordinal].body.body[0].value.value == "2"
    assert "m.g" not in index.functions
    assert trees.nodes[index.classes["m.C"].methods["forward"].ordinal].body.body[0].value.value == "x"
    assert index.module_classes == {"m.A", "m.B", "m.C", "m.D", "m.E"}
    scope = CompiledScope(index)
    compiled = {(c.info.qualname, c.classes) for c in scope.functions()}
    assert compiled == {("m.A.forward", ("m.A",)), ("m.D.forward", ("m.D",))}  # none of C's, for C or E


def test_star_reexports_resolve_to_the_definition(tmp_path: Path) -> None:
    """`from .conv import *` in a package `__init__` (torch_geometric's `nn` does this): a class
    imported through the package resolves to its definition, through stars of stars and cycles."""
    package = tmp_path / "gnn"
    (package / "conv").mkdir(parents=True)
    (package / "__init__.py").write_text("from .conv import *\nfrom .models import *\n")
    (package / "conv" / "__init__.py").write_text("from .base import *\nfrom .. import *\n")
    (package / "conv" / "base.py").write_text(
        "import torch.nn as nn\n\n\nclass Passing(nn.Module):\n    pass\n\n\nclass _Hidden(nn.Module):\n    pass\n"
    )
    (package / "models.py").write_text("from gnn import Passing\n\n\nclass Conv(Passing):\n    pass\n")
    index = _project(sorted(package.rglob("*.py")))
    assert index.resolve("gnn.Passing") == "gnn.conv.base.Passing"
    assert "gnn.models.Conv" in index.module_classes
    assert index.resolve("gnn.Missing") == "gnn.Missing"  # not found: left as it was, unknown
    assert index.resolve("gnn._Hidden") == "gnn._Hidden"  # a star import skips private names
    assert {f.module_name for f in index.imported_files(index.modules["gnn"])} == {"gnn.conv", "gnn.models"}


def test_compactor_shares_equal_names_and_call_sites_and_changes_no_value(tmp_path) -> None:
    """A large run's worker makes equal values of many files' summaries one object (tslint.index.
    compact): the summaries stay equal to what they were, and values equal only across types (a
    bool and an int, a tuple and a named tuple) are never merged."""
    import pickle

    from tslint.engine.phases import index_source
    from tslint.index.compact import Compactor
    from tslint.index.model import CallSite

    text = (
        "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n"
        "    def forward(self, x, scale: float = 1.0):\n"
        "        return torch.cat([x, x]) * scale\n"
    )
    summaries = []
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(text, encoding="utf-8")
        summary = index_source(SourceFile(tmp_path / name, name), text.encode()).summary()
        summaries.append(pickle.loads(pickle.dumps(summary)))  # as a worker receives it: copies of everything
    expected = pickle.dumps(summaries)
    compactor = Compactor()
    first, second = (compactor.compact(s) for s in summaries)
    assert [first, second] == pickle.loads(expected)
    one, other = (s.index.classes[0].methods["forward"] for s in (first, second))
    assert one.calls == other.calls and one.calls[0] is other.calls[0]
    assert one.parameters == other.parameters
    assert first.index.imports.aliases["nn"] is second.index.imports.aliases["nn"]
    values = [compactor.compact(v) for v in ((1,), (True,), ("a", 1), ("a", True), ("x", "y"), CallSite(*"xy"))]
    assert [type(v[-1]) for v in values[:4]] == [int, bool, int, bool]
    assert type(values[4]) is tuple and type(values[5]) is CallSite
