"""torch's signatures as data (tslint/analysis/signatures.py) and the schema matcher, against torch."""

from __future__ import annotations

import dataclasses
import importlib.util
import math  # noqa: F401  (the probes' compiled code resolves `math` from this module)
import pickle
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from tslint.analysis.schema_matching import Match, is_subtype, resolve, unify
from tslint.analysis.schema_types import TENSOR, fake, parse_type, schema_text
from tslint.analysis.signatures import NO_DEFAULT, format_schema, parse_schema, signatures

ROOT = Path(__file__).resolve().parent.parent
torch = pytest.importorskip("torch")
F = torch.nn.functional  # resolved by the probes' compiled code
warnings.filterwarnings("ignore", category=DeprecationWarning)


# --- the data ------------------------------------------------------------------------------------


def test_the_committed_data_is_what_the_installed_torch_generates():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "generate_signatures.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, f"regenerate with tools/generate_signatures.py:\n{done.stdout}{done.stderr}"


def test_loading_the_data_never_imports_torch():
    script = textwrap.dedent(
        """
        import sys, time
        start = time.perf_counter()
        from tslint.analysis.signatures import signatures
        data = signatures()
        data.operator("aten::add"); data.function("torch.nn.functional.relu"); data.tensor_method("view")
        print(time.perf_counter() - start)
        assert "torch" not in sys.modules, sorted(m for m in sys.modules if m.startswith("torch"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr


def test_every_operator_of_torch_is_in_the_data():
    data = signatures()
    assert data.torch_version == torch.__version__.split("+")[0]
    # The operators a plain `import torch` registers, read in a fresh process: the suite's other tests
    # import torch.export and torch.distributed, which register more (`_c10d_functional::*`).
    listed = subprocess.run(
        [sys.executable, "-c", "import torch\nfor s in torch._C._jit_get_all_schemas(): print(s.name)"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    names = set(listed.stdout.split())
    assert "aten::add" in names
    assert names <= set(data.operator_names())
    for name in ("aten::add", "aten::view", "aten::max_pool2d", "prim::Print"):
        theirs = [str(schema) for schema in torch._C._jit_get_schemas_for_operator(name)]
        mine = [format_schema(schema) for schema in data.operator(name) if not schema.from_source]
        assert [parse_schema(text) for text in theirs] == [parse_schema(text) for text in mine]


@pytest.mark.parametrize(
    "text, annotation, schema",
    [
        ("Tensor(a!)", "Tensor", "Tensor(a!)"),
        ("Tensor?", "Optional[Tensor]", "Tensor?"),
        ("int[]", "List[int]", "int[]"),
        ("int[2]", "List[int]", "int[2]"),
        ("SymInt[1]?", "Optional[List[int]]", "SymInt[1]?"),
        ("Scalar", "number", "Scalar"),
        ("ScalarType?", "Optional[int]", "ScalarType?"),
        ("Tensor(a)[]", "List[Tensor]", "Tensor(a)[]"),
        ("Tensor?[]", "List[Optional[Tensor]]", "Tensor?[]"),
        ("t[](a!)", "List[t]", "t[](a!)"),
        ("t(*)?", "Optional[t]", "t(*)?"),
        ("Tensor(a -> *)", "Tensor", "Tensor(a -> *)"),
        ("Dict(str, t)", "Dict[str, t]", "Dict(str, t)"),
        ("(Tensor, Tensor?)", "Tuple[Tensor, Optional[Tensor]]", "(Tensor, Tensor?)"),
        ("Tuple[int, float]", "Tuple[int, float]", "(int, float)"),
        ("Optional[List[int]]", "Optional[List[int]]", "int[]?"),
        ("Future(t)", "Future[t]", "Future(t)"),
        ("__torch__.torch.classes.c10d.Work", "__torch__.torch.classes.c10d.Work", "__torch__.torch.classes.c10d.Work"),
    ],
)
def test_type_strings_parse_in_both_spellings(text, annotation, schema):
    parsed = parse_type(text)
    assert str(fake(parsed)) == annotation
    assert schema_text(parsed) == schema


def test_a_schema_parses_with_defaults_keywords_and_aliases():
    schema = parse_schema("aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)")
    assert (schema.name, schema.overload) == ("aten::add_", "Tensor")
    self_argument, other, alpha = schema.arguments
    assert self_argument.is_write and not other.is_write
    assert other.default is NO_DEFAULT and alpha.default == 1 and alpha.kwarg_only
    assert schema.returns[0].type == TENSOR and schema.returns[0].type.alias == "a!"


def test_schemas_survive_pickling_for_worker_processes():
    schema = signatures().operator("aten::_foreach_add_")[0]
    copy = pickle.loads(pickle.dumps(schema))
    assert copy == schema and copy.arguments[0].is_write  # Tensor(a!)[] self
    assert copy.arguments[1].default is NO_DEFAULT  # `is`: the marker is one object in every process


IGNORED_PROBE = """
import torch

@torch.jit.ignore
def helper(x: torch.Tensor, k: int = 2) -> torch.Tensor:
    return x

def caller(x: torch.Tensor) -> torch.Tensor:
    return helper(x)
"""


def test_a_call_of_an_ignored_function_gets_no_defaults(tmp_path):
    """What the generator's ignored_function_schema assumes: torch matches the annotations alone."""
    path = tmp_path / "ignored_probe.py"
    path.write_text(IGNORED_PROBE, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("ignored_probe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(RuntimeError, match="Argument k not provided"):
        torch.jit.script(module.caller)


def test_lookups():
    data = signatures()
    assert data.builtin_operator("math.sqrt") == "aten::sqrt"
    assert data.builtin_operator("torch.nn.functional.conv2d") == "aten::conv2d"
    assert data.builtin_operator("torch.add") == "aten::add"
    assert data.function("torch.nn.functional.relu6")[0].arguments[1].default is False
    assert str(data.function("torch.nn.functional.fold")[0].arguments[3].type.size) == "2"
    dispatch = data.python_function("torch.nn.functional.max_pool2d").dispatch
    assert (dispatch.arg_name, dispatch.if_true) == ("return_indices", "torch.nn.functional.max_pool2d_with_indices")
    assert len(data.function("torch.nn.functional.interpolate")) == 4  # its @_overload declarations
    assert data.function("torch.norm")  # torch.functional.norm, compiled from source
    assert "Comprehension ifs" in data.python_function("torch.nn.functional.gaussian_nll_loss").error
    unused = data.python_function("torch.nn.functional._check_unpool_output_size")  # @_jit_unused
    assert unused.ignored and not unused.schemas[0].arguments[1].has_default
    assert data.tensor_method("zeros") == ()  # no aten::zeros takes a self
    assert data.tensor_attributes["shape"] == parse_type("List[int]")


@pytest.mark.parametrize(
    "name", ["shape", "dtype", "device", "T", "mT", "H", "grad", "requires_grad", "is_cuda", "ndim"]
)
def test_tensor_attributes_are_probed(name):
    assert name in signatures().tensor_attributes


def test_tensor_attributes_torch_rejects_are_absent():
    attributes = signatures().tensor_attributes
    assert "grad_fn" not in attributes and "_version" not in attributes
    with pytest.raises(RuntimeError):
        torch.jit.CompilationUnit("def f(x: Tensor):\n    return x.grad_fn\n")


# --- the matcher against torch ----------------------------------------------------------------------
# (callee, positional argument types, keyword argument types, whether torch accepts the call).
# `.name` is a Tensor method, called on a Tensor; a dotted name is looked up as code writes it.
# Types are TorchScript's; `EmptyList` is a `[]` written in the call, `NoneType` a `None`, `number`
# a Scalar (what `x.item()` gives).
CALLS: List[Tuple[str, List[str], Dict[str, str], bool]] = [
    # binding: positional, keyword, `input` for aten's `self`, kwarg_only, defaults, too many/few
    ("torch.add", ["Tensor", "Tensor"], {}, True),
    ("torch.add", ["Tensor"], {"other": "Tensor"}, True),
    ("torch.add", [], {"input": "Tensor", "other": "Tensor"}, True),
    ("torch.add", ["Tensor", "Tensor"], {"alpha": "int"}, True),
    ("torch.add", ["Tensor", "Tensor"], {"beta": "int"}, False),
    ("torch.add", ["Tensor", "Tensor"], {"other": "Tensor"}, False),
    ("torch.add", ["Tensor"], {}, False),
    ("torch.nn.functional.relu", ["Tensor", "bool", "int"], {}, False),
    ("torch.nn.functional.relu6", ["Tensor"], {"inplace": "bool"}, True),
    ("torch.nn.functional.relu6", ["Tensor"], {"inplace": "int"}, False),
    ("torch.softmax", ["Tensor", "int"], {"dtype": "int"}, True),
    # int is not float; Scalar takes int and float; with conversions a bool is an int, a float, a Scalar
    ("torch.dropout", ["Tensor", "float", "bool"], {}, True),
    ("torch.dropout", ["Tensor", "int", "bool"], {}, False),
    ("torch.nn.functional.dropout", ["Tensor", "int"], {}, False),
    ("torch.nn.functional.dropout", ["Tensor", "float"], {}, True),
    ("torch.nn.functional.leaky_relu", ["Tensor", "int"], {}, False),
    ("torch.add", ["Tensor", "int"], {}, True),
    ("torch.add", ["Tensor", "float"], {}, True),
    ("torch.add", ["Tensor", "bool"], {}, True),
    ("torch.softmax", ["Tensor", "bool"], {}, True),
    ("torch.nn.functional.dropout", ["Tensor", "bool"], {}, True),
    ("torch.softmax", ["Tensor", "float"], {}, False),
    # Tensor -> int / float / Scalar, Scalar -> float, str -> Device
    ("torch.dropout", ["Tensor", "Tensor", "bool"], {}, True),
    ("torch.softmax", ["Tensor", "Tensor"], {}, True),
    ("torch.full", ["List[int]", "Tensor"], {}, True),
    ("torch.dropout", ["Tensor", "number", "bool"], {}, True),
    ("torch.zeros", ["List[int]"], {"device": "str"}, True),
    ("torch.zeros", ["List[int]"], {"device": "Device"}, True),
    ("torch.zeros", ["List[int]"], {"device": "int"}, False),
    # tuples as lists, int as int[2], varargs as a list
    (".view", ["Tuple[int, int]"], {}, True),
    (".view", ["Tuple[int, float]"], {}, False),
    ("torch.zeros", ["Tuple[int, int]"], {}, True),
    (".view", ["int", "int"], {}, True),
    (".view", ["int"], {}, True),
    (".view", ["int", "float"], {}, False),
    (".view", ["int", "Tensor"], {}, True),
    (".view", ["bool"], {}, True),
    (".view", ["List[int]"], {}, True),
    (".view", ["List[float]"], {}, False),
    (".view", ["Optional[int]"], {}, False),
    (".permute", ["int", "int", "int"], {}, True),
    ("torch.zeros", ["int", "int"], {}, True),
    ("torch.zeros", ["int", "int"], {"dtype": "int"}, True),
    ("torch.zeros", ["EmptyList"], {}, True),
    ("torch.nn.functional.avg_pool2d", ["Tensor", "int"], {}, True),
    ("torch.nn.functional.avg_pool2d", ["Tensor", "Tuple[int, int]"], {}, True),
    ("torch.nn.functional.avg_pool2d", ["Tensor", "List[int]"], {}, True),
    ("torch.nn.functional.avg_pool2d", ["Tensor", "bool"], {}, False),
    ("torch.nn.functional.avg_pool2d", ["Tensor", "float"], {}, False),
    ("torch.nn.functional.avg_pool2d", ["Tensor", "Tensor"], {}, False),
    ("torch.nn.functional.avg_pool2d", ["Tensor", "int", "int", "int"], {}, True),
    ("torch.nn.functional.fold", ["Tensor", "Tuple[int, int]", "int"], {}, True),
    ("torch.nn.functional.fold", ["Tensor", "Tuple[int, int]", "int"], {"stride": "Tuple[int, int]"}, True),
    ("torch.nn.functional.fold", ["Tensor", "Tuple[int, int]", "float"], {}, False),
    # None and Optional
    ("torch.sum", ["Tensor"], {"dim": "NoneType"}, True),
    ("torch.nn.functional.linear", ["Tensor", "Tensor", "NoneType"], {}, True),
    ("torch.nn.functional.linear", ["Tensor", "Tensor", "Tensor"], {}, True),
    ("torch.nn.functional.linear", ["Tensor", "Tensor", "Optional[Tensor]"], {}, True),
    ("torch.add", ["Tensor", "Optional[Tensor]"], {}, False),
    ("torch.nn.functional.interpolate", ["Tensor", "NoneType", "float"], {}, True),
    ("torch.nn.functional.interpolate", ["Tensor"], {"scale_factor": "List[int]"}, False),
    ("torch.nn.functional.interpolate", ["Tensor"], {"size": "Tuple[int, int]"}, True),
    # type variables: t[] + t[] needs one t
    ("torch.add", ["List[int]", "List[int]"], {}, True),
    ("torch.add", ["List[int]", "List[float]"], {}, False),
    # Tensor methods
    (".add", ["Tensor"], {"alpha": "float"}, True),
    (".to", ["int"], {}, True),
    (".to", ["str"], {}, True),
    (".to", [], {"device": "str", "dtype": "int"}, True),
    (".size", ["int"], {}, True),
    (".size", ["str"], {}, False),
    (".sum", [], {"dim": "List[int]", "keepdim": "bool"}, True),
    (".sum", [], {"dim": "int", "keepdim": "bool"}, True),
    (".sum", [], {"keepdim": "int"}, False),
    (".add", ["List[int]", "List[int]"], {}, False),  # aten::add.t has no self
    # torch.tensordot is compiled from torch.functional (its @_overload declarations), not aten's
    ("torch.tensordot", ["Tensor", "Tensor", "Tuple[int, int]"], {}, False),
    ("torch.tensordot", ["Tensor", "Tensor", "int"], {}, True),
    ("torch.tensordot", ["Tensor", "Tensor", "List[List[int]]"], {}, True),
    ("torch.norm", ["Tensor", "float", "Tuple[int, int]"], {}, True),
    ("torch.nn.functional.unfold", ["Tensor", "Tuple[int, int]"], {"stride": "Tuple[int, int]"}, True),
    ("torch.nn.functional.pad", ["Tensor", "Tuple[int, int]"], {}, True),
    (".permute", ["Tuple[int, int]"], {}, True),
    (".sum", ["Tuple[int, int]"], {}, True),
    # the builtin table beyond torch: math
    ("math.sqrt", ["float"], {}, True),
    ("math.sqrt", ["int"], {}, True),
    ("math.sqrt", ["str"], {}, False),
    ("math.pow", ["float", "int"], {}, True),
    # builtin functions torch defines in TorchScript source
    ("torch.mul", ["int", "Tensor"], {}, True),
    ("torch.mul", ["float", "Tensor"], {}, True),
    ("torch.mul", ["bool", "Tensor"], {}, True),
    ("torch.nn.modules.utils._pair", ["int"], {}, True),
    ("torch.nn.modules.utils._pair", ["Tuple[int, int]"], {}, True),
    ("torch.nn.modules.utils._pair", ["float"], {}, True),
    ("torch.nn.modules.utils._triple", ["bool"], {}, False),
    ("torch.floor_divide", ["Tensor", "int"], {}, True),
]

# How compiled code writes a value of each type: a parameter annotated so, or a literal.
LITERALS = {"NoneType": "None", "EmptyList": "[]", "number": "x.item()"}
ANNOTATIONS = {"Device": "torch.device"}


def call_source(callee: str, positional: List[str], keywords: Dict[str, str]) -> str:
    parameters = ["x: Tensor"]
    values = []
    for index, type_text in enumerate(positional + list(keywords.values())):
        if type_text in LITERALS:
            values.append(LITERALS[type_text])
        else:
            parameters.append(f"a{index}: {ANNOTATIONS.get(type_text, type_text)}")
            values.append(f"a{index}")
    names = [""] * len(positional) + [f"{name}=" for name in keywords]
    arguments = ", ".join(name + value for name, value in zip(names, values))
    target = f"x{callee}" if callee.startswith(".") else callee
    return f"def probe({', '.join(parameters)}):\n    return {target}({arguments})\n"


def torch_verdict(source: str) -> Tuple[Optional[str], str]:
    """(the type torch gives the call's result, None when it rejects the call; its error)."""
    try:
        unit = torch.jit.CompilationUnit(source)
    except Exception as error:  # torch raises several types
        return None, str(error)
    return unit.probe.schema.returns[0].type.annotation_str, ""


def matcher_verdict(callee: str, positional: List[str], keywords: Dict[str, str]) -> Optional[Match]:
    data = signatures()
    if callee.startswith("."):
        schemas, self_type = data.tensor_method(callee[1:]), TENSOR
    else:
        schemas, self_type = data.function(callee), None
    assert schemas, f"no schemas for {callee}"
    return resolve(
        schemas,
        [parse_type(text) for text in positional],
        {name: parse_type(text) for name, text in keywords.items()},
        self_type,
    )


@pytest.mark.parametrize("callee, positional, keywords, accepted", CALLS)
def test_the_matcher_agrees_with_torch(callee, positional, keywords, accepted):
    """Accepted or not, as torch says; when accepted, the overload picked gives torch's result type
    (so `torch.mul(2, x)` is the builtin function's Tensor, not aten::mul(Scalar, Scalar)'s number)."""
    source = call_source(callee, positional, keywords)
    result_type, message = torch_verdict(source)
    assert (result_type is not None) == accepted, f"torch {'rejects' if accepted else 'accepts'}:\n{source}{message}"
    found = matcher_verdict(callee, positional, keywords)
    assert (found is not None) == accepted, source
    if found is not None and len(found.returns) == 1:
        assert str(fake(found.returns[0])) == result_type, f"{source}picked {found.schema}"


SOURCE_BUILTIN_CALLS = (
    [
        (f"torch.{op}(a0, x)", f"torch.{op}", [scalar, "Tensor"])
        for op in ("mul", "add", "ne", "eq", "lt", "le", "gt", "ge", "sub", "div")
        for scalar in ("int", "float")
    ]
    + [
        (f"torch.nn.modules.utils._{name}(a0)", f"torch.nn.modules.utils._{name}", [scalar])
        for name in ("single", "pair", "triple", "quadruple")
        for scalar in ("int", "float")
    ]
    + [("x // a0", "aten::floordiv", ["Tensor", "int"]), ("x // x", "aten::floordiv", ["Tensor", "Tensor"])]
)


@pytest.mark.parametrize("expression, callee, types", SOURCE_BUILTIN_CALLS)
def test_builtin_functions_from_torch_source_are_what_torch_picks(expression, callee, types):
    """Each schema the generator writes out for builtin_functions.cpp is the one torch uses for a
    call only it serves: the matcher picks it, and its result type is the type torch gives."""
    parameters = "x: Tensor" + (f", a0: {types[0]}" if "a0" in expression else "")
    result_type, message = torch_verdict(f"def probe({parameters}):\n    return {expression}\n")
    assert result_type is not None, message
    data = signatures()
    schemas = data.operator(callee) if "::" in callee else data.function(callee)
    found = resolve(schemas, [parse_type(text) for text in types])
    assert found is not None and found.schema.from_source, found
    assert str(found.returns[0]) == result_type


@pytest.mark.parametrize(
    "flag, result_type", [(None, "Tensor"), ("False", "Tensor"), ("True", "Tuple[Tensor, Tensor]")]
)
def test_boolean_dispatch_names_the_function_torch_compiles(flag, result_type):
    data = signatures()
    dispatch = data.python_function("torch.nn.functional.max_pool2d").dispatch
    keywords = f", {dispatch.arg_name}={flag}" if flag else ""
    assert torch_verdict(f"def probe(x: Tensor):\n    return F.max_pool2d(x, 2{keywords})\n")[0] == result_type
    chosen = dispatch.if_true if flag == "True" or (flag is None and dispatch.default) else dispatch.if_false
    found = resolve(data.function(chosen), [TENSOR, parse_type("int")])
    assert found is not None and str(found.returns[0]) == result_type


@pytest.mark.parametrize(
    "name",
    [
        "view",
        "add",
        "size",
        "dim",
        "numel",
        "relu",
        "softmax",
        "max",
        "to",
        "contiguous",
        "type_as",
        "new_zeros",
        "masked_fill",
        "eq",
        "item",
        "zeros",
        "ones",
        "arange",
        "len",
        "cat",
        "stack",
        "format",
        "tensor",
        "dict",
    ],
)
def test_tensor_methods_are_the_ones_torch_knows(name):
    """torch says "'Tensor' object has no attribute or method" exactly when `tensor_method` is empty."""
    _, message = torch_verdict(f"def probe(x: Tensor):\n    return x.{name}()\n")
    assert ("has no attribute or method" in message) == (signatures().tensor_method(name) == ()), message


# Argument lists tried on a sample of every torch.* builtin, compiled Python function and Tensor method.
SWEEP = [
    ["Tensor"], ["Tensor", "int"], ["Tensor", "float"], ["Tensor", "Tensor"], ["Tensor", "List[int]"],
    ["Tensor", "Tuple[int, int]"], ["int", "int"], ["Tensor", "bool"], ["Tensor", "int", "int"],
    ["Tensor", "NoneType"], ["Tensor", "str"], ["float"], ["List[Tensor]"], ["List[Tensor]", "int"],
    ["Tensor", "Optional[int]"], ["Tensor", "number"],
]  # fmt: skip
SWEEP_STEP = 9  # every 9th name keeps the sweep near two seconds; all of them agree too (~30 s)


def sweep_callees() -> List[str]:
    data = signatures()
    functions = [name for name in data.builtin_names() if name.count(".") == 1 and name.startswith("torch.")]
    methods = sorted({name[6:] for name in data.operator_names() if name.startswith("aten::")})
    compiled = [name for name in data.python_function_names() if data.function(name)]
    return [name for name in functions + compiled if data.function(name)] + [
        "." + name for name in methods if data.tensor_method(name)
    ]


def disagreement(callee: str, positional: List[str], keywords: Dict[str, str]) -> Optional[str]:
    result_type, _ = torch_verdict(call_source(callee, positional, keywords))
    found = matcher_verdict(callee, positional, keywords)
    if found is None or len(found.returns) != 1:
        agree = (found is None) == (result_type is None)
    else:
        agree = str(fake(found.returns[0])) == result_type
    if agree:
        return None
    picked = found and f"{found.schema} -> {[str(ret) for ret in found.returns]}"
    return f"{callee}{tuple(positional)}{keywords}: torch {result_type}, matcher {picked}"


def test_the_matcher_agrees_with_torch_across_torch():
    """Accept/reject and result type for a sample of all builtins, Python functions, Tensor methods."""
    found = []
    for callee in sweep_callees()[::SWEEP_STEP]:
        for positional in SWEEP:
            if callee.startswith("."):
                positional = positional[1:] if positional[0] == "Tensor" else positional
            found.append(disagreement(callee, positional, {}))
    assert not any(found), "\n".join(filter(None, found))


def test_the_matcher_agrees_with_torch_on_keywords_across_torch():
    """Each of a callee's first argument names as a keyword, with values of seven types (a sample;
    all 35,000 such calls agree)."""
    data = signatures()
    found = []
    for callee in sweep_callees()[:: SWEEP_STEP * 3]:
        method = callee.startswith(".")
        schemas = data.tensor_method(callee[1:]) if method else data.function(callee)
        names = list(
            dict.fromkeys(arg.name for schema in schemas[:3] for arg in schema.arguments if arg.name != "self")
        )
        for name in names[:4]:
            for type_text in ("int", "float", "Tensor", "bool", "List[int]", "NoneType", "str"):
                found.append(disagreement(callee, [] if method else ["Tensor"], {name: type_text}))
    assert not any(found), "\n".join(filter(None, found))


def test_unknown_arguments_match_anything():
    data = signatures()
    unknown = parse_type("Unknown")
    assert resolve(data.tensor_method("view"), [unknown, parse_type("int")], {}, TENSOR) is not None
    assert resolve(data.function("torch.nn.functional.dropout"), [TENSOR, unknown], {}) is not None


def test_the_match_binds_type_variables_in_the_result():
    found = resolve(signatures().function("torch.add"), [parse_type("List[int]"), parse_type("List[int]")])
    assert found is not None and found.returns == (parse_type("List[int]"),)
    view = resolve(signatures().tensor_method("view"), [parse_type("int")], {}, TENSOR)
    assert view is not None and view.schema.overload == "" and view.returns == (TENSOR,)


def test_subtyping_and_unification():
    assert is_subtype(parse_type("int"), parse_type("Scalar"))
    assert not is_subtype(parse_type("bool"), parse_type("int"))
    assert not is_subtype(parse_type("List[int]"), parse_type("List[Optional[int]]"))
    assert is_subtype(parse_type("Tuple[int, NoneType]"), parse_type("Tuple[int, Optional[int]]"))
    assert unify(parse_type("NoneType"), parse_type("int")) == parse_type("Optional[int]")
    assert unify(parse_type("int"), parse_type("float")) is None


def test_every_type_in_the_data_parses():
    data = signatures()
    for name in data.operator_names():
        for schema in data.operator(name):
            assert parse_schema(format_schema(schema)) == dataclasses.replace(schema, from_source=False)


def test_remembered_matches_are_the_matches_computed_afresh():
    """`match` keeps its answers by the schema and the argument types: every part of the call that
    decides the answer is in the key (conversions allowed or not, keywords in their order, the
    value before the dot), and a schema equal to another but not the same object has its own entry."""
    from tslint.analysis import schema_matching

    data = signatures()
    int_, float_ = parse_type("int"), parse_type("float")
    calls = [
        (data.tensor_method("view"), [int_, int_], {}, TENSOR),
        (data.tensor_method("view"), [int_, int_], {}, None),
        (data.function("torch.add"), [TENSOR, int_], {}, None),
        (data.function("torch.add"), [TENSOR, TENSOR], {"alpha": int_}, None),
        (data.function("torch.add"), [TENSOR, TENSOR], {"alpha": float_}, None),
        (data.function("torch.zeros"), [int_, int_], {}, None),
        (data.function("torch.zeros"), [float_], {}, None),
        (data.function("torch.sum"), [TENSOR], {"dim": int_, "keepdim": parse_type("bool")}, None),
        (data.function("torch.sum"), [TENSOR], {"keepdim": parse_type("bool"), "dim": int_}, None),
    ]
    schemas = [pickle.loads(pickle.dumps(schema)) for schema in data.function("torch.add")]
    calls.append((schemas, [TENSOR, int_], {}, None))  # equal schemas, other objects
    schema_matching._MATCHES.clear()
    for _ in range(2):  # the first pass fills the table, the second reads it
        for schemas, positional, keywords, self_type in calls:
            assert schemas
            for schema in schemas:
                for conversions in (False, True):
                    found = schema_matching.match(schema, positional, keywords, self_type, conversions)
                    fresh = schema_matching._match(schema, positional, keywords, self_type, conversions)
                    assert found == fresh, (schema, positional, keywords, self_type, conversions)
                    assert found is None or found.schema is schema
    assert schema_matching._MATCHES
