"""The type model (tslint/analysis/inference.py) against torch's own graphs, differentially.

A corpus of functions and modules (tests/type_corpus.py, the fixtures' `Good*` classes, and torch.nn's
own modules and functions) is typed twice: by tslint, statically, and by `torch.jit.script`, whose
graph gives every value the type torch chose, named after the variable it is assigned to, with the
line it comes from. Every value tslint claims a type for (anything but Unknown) must have torch's
type. Unknown is always allowed. The counts are printed (`pytest -s`).
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from tslint.analysis.inference import FunctionTypes
from tslint.analysis.project_types import project_types
from tslint.analysis.schema_types import JitType
from tslint.compiled_scope import CompiledScope
from tslint.index.indexer import index_file
from tslint.index.project import ProjectIndex

torch = pytest.importorskip("torch")
warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parent.parent
FRAME = re.compile(r'File "([^"]+)", line (\d+)')
NN = Path(torch.nn.__file__).resolve().parent


# --- tslint's side ---------------------------------------------------------------------------------


class Model:
    """tslint's types for the files: bindings by (path, line), parameters by (path, function
    qualname, name), attributes by (path, class name, attribute)."""

    def __init__(self, files: List[Tuple[Path, str]]) -> None:
        indexed = []
        for path, module_name in files:
            module = cst.parse_module(path.read_text(encoding="utf-8"))
            index, trees = index_file(str(path), module, module_name, path.name == "__init__.py")
            indexed.append((path, module, index, trees))
        project = ProjectIndex(index for _, _, index, _ in indexed)
        self.project = project_types(CompiledScope(project))
        self.bindings: Dict[Tuple[str, str], List[Tuple[int, int, JitType]]] = defaultdict(list)
        self.parameters: Dict[Tuple[str, str, str], JitType] = {}
        self.classes: Dict[Tuple[str, str], str] = {}
        for path, _module, _index, trees in indexed:
            self.project.nodes[str(path)] = trees.nodes
        for path, module, index, trees in indexed:
            self._read(str(path), module, index, trees)

    def _read(self, path: str, module: cst.Module, index, trees) -> None:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        functions = list(index.functions.values())
        for klass in index.classes:
            self.classes[(path, klass.name)] = klass.qualname
            functions.extend(klass.methods.values())
        for info in functions:
            node = trees.nodes[info.ordinal]
            classes = [info.owner] if info.owner else []
            try:
                types = FunctionTypes(node, index.imports.qualify, info.self_name, self.project, classes)
            except RecursionError:
                continue
            for name, found in types.parameters.items():
                self.parameters[(path, info.qualname.rsplit(".", 2)[-1] if info.owner else info.name, name)] = found
            for statement, name, found in types.bindings:
                where = positions[statement]
                compound = isinstance(statement, (cst.If, cst.For, cst.While))
                last = where.start.line if compound else where.end.line
                self.bindings[(path, name)].append((where.start.line, last, found))

    def attribute(self, path: str, klass: str, name: str) -> Optional[JitType]:
        qualname = self.classes.get((path, klass))
        return None if qualname is None else self.project.attribute_type(qualname, name)


# --- torch's side ----------------------------------------------------------------------------------


def _graph_values(graph, found: List[Tuple[str, int, str, str]]) -> None:
    """(path, line, variable, type) of every value torch named after a variable."""

    def walk(block) -> None:
        for node in block.nodes():
            match = FRAME.search(node.sourceRange())
            if match and node.kind() not in ("prim::Constant", "prim::GetAttr"):
                for output in node.outputs():
                    base = output.debugName().split(".")[0]
                    if base.isidentifier():
                        found.append((match.group(1), int(match.group(2)), base, str(output.type())))
            for inner in node.blocks():
                walk(inner)

    walk(graph)


def _attributes(graph, found: List[Tuple[str, str, str]]) -> None:
    """(class type name, attribute, type) of every `self.x` read."""

    self_value = next(iter(graph.inputs())).debugName()

    def walk(block) -> None:
        for node in block.nodes():
            if node.kind() == "prim::GetAttr" and node.inputsAt(0).debugName() == self_value:
                found.append((str(node.inputsAt(0).type()), node.s("name"), str(node.output().type())))
            for inner in node.blocks():
                walk(inner)

    walk(graph)


def _normal(text: str) -> str:
    text = re.sub(r"___torch_mangle_\d+\.", "", text.replace("__torch__.", ""))
    return re.sub(r"(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", text)


def agrees(model: JitType, torch_type: str) -> bool:
    """Whether tslint's type is torch's, Unknown parts matching anything."""
    pattern = re.escape(_normal(str(model))).replace("Unknown", ".+?")
    theirs = _normal(torch_type)
    if re.fullmatch(pattern, theirs) is not None:
        return True
    # torch orders a union's members its own way
    if model.kind != "Union" or not theirs.startswith("Union["):
        return False
    from tslint.analysis.schema_types import parse_type

    other = parse_type(theirs)
    return sorted(map(str, model.items)) == sorted(map(str, other.items))


class Comparison:
    def __init__(self) -> None:
        self.compared = 0
        self.unknown = 0
        self.disagreements: List[str] = []
        self.unknowns: List[str] = []

    def check(self, what: str, model: Optional[JitType], torch_types: Set[str]) -> None:
        if model is None or not torch_types:
            return
        if model.kind == "Unknown":
            self.unknown += 1
            self.unknowns.append(f"{what}: torch {sorted(torch_types)}")
            return
        self.compared += 1
        if not any(agrees(model, t) for t in torch_types):
            self.disagreements.append(f"{what}: tslint {model}, torch {sorted(torch_types)}")


def compare_graph(model: Model, comparison: Comparison, graph, function: str, path: str, self_class=None) -> None:
    values: List[Tuple[str, int, str, str]] = []
    _graph_values(graph, values)
    by_name: Dict[Tuple[str, str], List[Tuple[int, str]]] = defaultdict(list)
    for value_path, line, name, jit in values:
        by_name[(str(Path(value_path).resolve()), name)].append((line, jit))
    for (value_path, name), seen in by_name.items():
        for first, last, found in model.bindings.get((value_path, name), ()):
            torch_types = {jit for line, jit in seen if first <= line <= last}
            comparison.check(f"{Path(value_path).name}:{first} {name}", found, torch_types)
    inputs = list(graph.inputs())[1:] if self_class is not None else list(graph.inputs())
    for value in inputs:
        name = value.debugName().split(".")[0]
        comparison.check(
            f"{Path(path).name} {function}({name})", model.parameters.get((path, function, name)), {str(value.type())}
        )


def compare_module(model: Model, comparison: Comparison, module: torch.nn.Module) -> None:
    scripted = torch.jit.script(module)
    originals = dict(module.named_modules())
    for name, submodule in scripted.named_modules():
        cls = type(originals[name])
        for method_name in submodule._c._method_names():
            method = submodule._c._get_method(method_name)
            python = getattr(cls, method.name, None)
            if python is None or not inspect.isfunction(python):
                continue
            path = str(Path(inspect.getsourcefile(python)).resolve())
            function = python.__qualname__.rsplit(".", 2)[-2:]
            compare_graph(model, comparison, method.graph, ".".join(function), path, cls)
            attributes: List[Tuple[str, str, str]] = []
            _attributes(method.graph, attributes)
            for _, attribute, jit in attributes:
                owner = _defining_class(cls, method.name)
                found = model.attribute(path, owner, attribute) if owner else None
                comparison.check(f"{owner}.{attribute}", found, {jit})


def _defining_class(cls: type, method: str) -> Optional[str]:
    for klass in cls.__mro__:
        if method in vars(klass):
            return klass.__name__
    return None


# --- the corpus ----------------------------------------------------------------------------------

NN_MODULES = [
    "Linear(4, 4)",
    "Conv1d(3, 3, 3)",
    "Conv2d(3, 3, 3, padding=1)",
    "ConvTranspose2d(3, 3, 3)",
    "BatchNorm2d(3)",
    "LayerNorm(4)",
    "GroupNorm(2, 4)",
    "InstanceNorm2d(3)",
    "Embedding(10, 4)",
    "EmbeddingBag(10, 4)",
    "MultiheadAttention(8, 2)",
    "TransformerEncoderLayer(8, 2)",
    "TransformerDecoderLayer(8, 2)",
    "LSTM(4, 4)",
    "GRU(4, 4)",
    "RNN(4, 4)",
    "LSTMCell(4, 4)",
    "Upsample(scale_factor=2.0)",
    "PixelShuffle(2)",
    "Dropout(0.1)",
    "ReLU()",
    "GELU()",
    "Softmax(dim=1)",
    "MaxPool2d(2)",
    "AvgPool2d(2)",
    "AdaptiveAvgPool2d(1)",
    "Flatten()",
    "Unflatten(1, (2, 2))",
    "Bilinear(4, 4, 4)",
    "Identity()",
    "PReLU()",
    "Hardtanh()",
    "CrossEntropyLoss()",
    "MSELoss()",
    "CTCLoss()",
    "Fold((4, 4), (2, 2))",
    "Unfold((2, 2))",
    "CosineSimilarity()",
    "PairwiseDistance()",
    "Transformer(8, 2, 1, 1, 16)",
    "LocalResponseNorm(2)",
    "ChannelShuffle(2)",
    "ZeroPad2d(1)",
    "ReflectionPad2d(1)",
    "Sequential(nn.Linear(4, 4), nn.ReLU())",
    "TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 2)",
]


def _torch_files() -> List[Tuple[Path, str]]:
    files = [(NN / "functional.py", "torch.nn.functional")]
    for path in sorted((NN / "modules").glob("*.py")):
        files.append((path, "torch.nn.modules." + path.stem if path.stem != "__init__" else "torch.nn.modules"))
    return files


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    """The comparison, made in a forked child: scripting torch.nn's modules registers their classes
    with torch for the rest of the process, which would change what later tests see torch do."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        compared, unknown, disagreements, unknowns = pool.apply(_comparison_in_child)
    result = Comparison()
    result.compared, result.unknown, result.disagreements, result.unknowns = compared, unknown, disagreements, unknowns
    return result


def _comparison_in_child():
    found = _comparison()
    return found.compared, found.unknown, found.disagreements, found.unknowns


def _comparison() -> Comparison:
    import sys

    if str(ROOT / "fixtures") not in sys.path:
        sys.path.insert(0, str(ROOT / "fixtures"))
    fixtures = [(path, path.stem) for path in sorted((ROOT / "fixtures").glob("*.py"))]
    try:
        result = _compare_all(fixtures)
    finally:
        sys.path.remove(str(ROOT / "fixtures"))
    return result


def _compare_all(fixtures: List[Tuple[Path, str]]) -> Comparison:
    corpus = importlib.import_module("type_corpus")
    files = [(ROOT / "tests" / "type_corpus.py", "type_corpus"), *fixtures, *_torch_files()]
    model = Model([(path.resolve(), name) for path, name in files])
    result = Comparison()
    corpus_path = str((ROOT / "tests" / "type_corpus.py").resolve())
    for name, value in vars(corpus).items():
        if inspect.isfunction(value) and value.__module__ == corpus.__name__:
            compare_graph(model, result, torch.jit.script(value).graph, name, corpus_path)
        elif inspect.isclass(value) and issubclass(value, torch.nn.Module) and value.__module__ == corpus.__name__:
            compare_module(model, result, value())
    from torch_harness import load_module, module_classes

    for path, module_name in fixtures:
        try:
            module = load_module(path, "fixture_types_" + module_name)
        except Exception:  # noqa: BLE001 - a fixture file that needs what this test does not set up
            continue
        for cls in module_classes(module):
            if cls.__name__.startswith("Good"):
                try:
                    compare_module(model, result, cls())
                except Exception:  # noqa: BLE001 - a Good fixture that needs arguments or only traces
                    continue
    nn = torch.nn  # noqa: F841 - the constructors below name it
    for text in NN_MODULES:
        compare_module(model, result, eval("nn." + text))
    return result


def test_tslint_types_agree_with_torch(comparison: Comparison) -> None:
    print(
        f"\ntype inference vs torch: {comparison.compared} values compared, "
        f"{len(comparison.disagreements)} disagreements, {comparison.unknown} left Unknown"
    )
    assert comparison.compared > 300
    assert comparison.disagreements == [], "\n".join(comparison.disagreements)


def test_agreement_treats_unknown_as_a_wildcard() -> None:
    from tslint.analysis.schema_types import parse_type

    assert agrees(parse_type("Tuple[Tensor, Unknown]"), "Tuple[Tensor, int]")
    assert not agrees(parse_type("Tuple[Tensor, float]"), "Tuple[Tensor, int]")
    assert agrees(JitType("Class", name="torch.nn.Conv2d"), "__torch__.torch.nn.modules.conv.___torch_mangle_3.Conv2d")


def _torch_modules_forward_hints():
    """(name, class, type hints of its forward) for each torch.nn module class whose forward's
    annotations resolve (the others are in no table)."""
    import typing

    for name in dir(torch.nn):
        cls = getattr(torch.nn, name)
        if inspect.isclass(cls) and issubclass(cls, torch.nn.Module) and cls is not torch.nn.Module:
            try:
                hints = typing.get_type_hints(cls.forward)
            except Exception:  # noqa: BLE001 - annotations that do not resolve: not in the table
                continue
            yield name, cls, hints


def test_the_tensor_returning_torch_modules_are_torch_2_13s() -> None:
    from tslint.analysis.torch_modules import TENSOR_MODULES

    found = {name for name, _, hints in _torch_modules_forward_hints() if hints.get("return") is torch.Tensor}
    assert found == TENSOR_MODULES


def test_the_one_tensor_forward_torch_modules_are_torch_2_13s() -> None:
    """ONE_TENSOR_FORWARD: the torch.nn classes whose forward takes one annotated Tensor without a
    default (and returns a Tensor), by that parameter's name."""
    from tslint.analysis.torch_modules import ONE_TENSOR_FORWARD

    found = {}
    for name, cls, hints in _torch_modules_forward_hints():
        parameters = list(inspect.signature(cls.forward).parameters.values())[1:]
        if len(parameters) != 1 or hints.get("return") is not torch.Tensor:
            continue
        (parameter,) = parameters
        plain = parameter.kind is parameter.POSITIONAL_OR_KEYWORD and parameter.default is parameter.empty
        if plain and hints.get(parameter.name) is torch.Tensor:
            found[name] = parameter.name
    assert found == ONE_TENSOR_FORWARD


def test_missing_return_is_silent_behind_an_isinstance_of_unknown_type() -> None:
    """TS357: `isinstance` of a value whose type tslint does not know (a union alias from an unlinted
    library) may be decided by torch while compiling, pruning the side that falls through (as
    torch_geometric's `Adj` overloads are): whether control reaches the end is unknown, so silent. A
    known type still reports, and so does a type test both of whose sides fall through. A body
    in `try` (which torch rejects outright, another finding) is not analysed for returns: silent."""
    from tslint.api import lint_text
    from tslint.config import Config

    source = textwrap.dedent(
        """\
        from typing import Tuple, Union

        import torch
        from torch import Tensor
        from unlinted_library import Adj, SparseTensor


        class ByUnknownType(torch.nn.Module):
            def forward(self, x: Tensor, edge_index: Adj) -> Union[Tensor, Tuple[Tensor, Tensor]]:
                if isinstance(edge_index, Tensor):
                    return x, edge_index
                elif isinstance(edge_index, SparseTensor):
                    return x


        class ByFlag(torch.nn.Module):
            def forward(self, x: Tensor, flag: bool) -> Tensor:
                if flag:
                    return x * 2


        class TypeTestThatFallsThroughBothWays(torch.nn.Module):
            def forward(self, x: Tensor, edge_index: Adj, flag: bool) -> Tensor:
                if isinstance(edge_index, Tensor):
                    x = x + 1
                if flag:
                    return x * 2


        class ReturnsInsideTry(torch.nn.Module):
            def forward(self, x: Tensor) -> Tensor:
                try:
                    return x * 2
                finally:
                    pass
        """
    )
    result = lint_text(source, "model.py", Config())
    assert sorted(d.location.row for d in result.diagnostics if d.code == "TS357") == [19, 27]


def test_a_dict_annotation_with_a_key_torch_rejects_is_unknown() -> None:
    """torch builds a Dict only of int, float, complex, Tensor, device or str keys and rejects the
    annotation itself otherwise (no line): the type model says nothing of such a dict (a tuple-keyed
    `Dict[EdgeType, Tensor]` had TS351 report its `.items()` as missing, a wrong place and reason)."""
    from tslint.analysis.imports import ImportTable
    from tslint.analysis.types import annotation_type

    def tuple_keyed(d: Dict[Tuple[str, str], torch.Tensor]) -> int:
        return len(d)

    with pytest.raises(RuntimeError, match="Cannot create dict for key type"):
        torch.jit.script(tuple_keyed)
    imports = ImportTable("m", {"Dict": "typing.Dict", "Tuple": "typing.Tuple", "Tensor": "torch.Tensor"})
    assert annotation_type(cst.parse_expression("Dict[Tuple[str, str], Tensor]"), imports.qualify).kind == "Unknown"
    assert annotation_type(cst.parse_expression("Dict[str, Tensor]"), imports.qualify).kind == "Dict"
