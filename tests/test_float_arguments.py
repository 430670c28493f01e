"""TS335's table against torch: every listed parameter is typed float in torch 2.13 (by the function's
annotations or its operator's schemas), and scripting a call that passes an int there fails while the
same call with a float compiles."""

from __future__ import annotations

import inspect
from typing import Dict, List, Optional, Tuple

import pytest

from torch_harness import load_module, script, torch
from tslint.rules.semantics.int_for_float_argument import FLOAT_PARAMETERS, LIST_PARAMETERS, MODULE_FLOAT_PARAMETERS

# Unannotated in torch: no derivation, only the scripting test below.
UNANNOTATED = {
    "torch.nn.functional.upsample",
    "torch.nn.functional.upsample_bilinear",
    "torch.nn.functional.upsample_nearest",
}
FLOAT_TYPES = {"float", "Optional[float]", "float | None"}
FLOAT_LIST_TYPES = {"List[float]", "list[float]", "Optional[List[float]]", "list[float] | None"}


def _resolve(qualname: str):
    value = torch
    for part in qualname.split(".")[1:]:
        value = getattr(value, part)
    return value


def _annotation(annotation) -> str:
    text = annotation if isinstance(annotation, str) else str(annotation)
    return text.replace("typing.", "").replace("<class 'float'>", "float")


def _schemas(name: str) -> list:
    return [s for s in torch._C._jit_get_schemas_for_operator(f"aten::{name}") if "out" not in s.overload_name]


def _derived(qualname: str) -> List[Tuple[str, Optional[int]]]:
    """The float parameters of `qualname` by torch's own description of it."""
    function = _resolve(qualname)
    if inspect.isfunction(function):
        found = []
        for position, (name, parameter) in enumerate(inspect.signature(function).parameters.items()):
            if _annotation(parameter.annotation) in FLOAT_TYPES | FLOAT_LIST_TYPES:
                found.append((name, position if parameter.kind is parameter.POSITIONAL_OR_KEYWORD else None))
        if not found and "# type:" in inspect.getsource(function):
            # Typed by a type comment (torch.functional.cdist): the schema torch compiles it to.
            for position, argument in enumerate(torch.jit.script(function).schema.arguments):
                if str(argument.type) in FLOAT_TYPES:
                    found.append((argument.name, None if argument.kwarg_only else position))
        return found
    schemas = _schemas(qualname.rsplit(".", 1)[1])
    uses: Dict[str, list] = {}
    for schema in schemas:
        for position, argument in enumerate(schema.arguments):
            uses.setdefault(argument.name, []).append((str(argument.type), None if argument.kwarg_only else position))
    found = []
    for name, seen in uses.items():
        # Float in every overload: no overload takes an int (or a Scalar, or a Tensor) there.
        if len(seen) == len(schemas) and {t for t, _ in seen} <= {"float", "Optional[float]", "List[float]"}:
            positions = {p for _, p in seen}
            found.append((name, positions.pop() if len(positions) == 1 else None))
    return found


@pytest.mark.parametrize("qualname", sorted(set(FLOAT_PARAMETERS) - UNANNOTATED))
def test_listed_parameters_are_floats_in_torch(qualname: str) -> None:
    assert set(FLOAT_PARAMETERS[qualname]) <= set(_derived(qualname))


_SAMPLES = [  # (fragment of a type, a value of it), most specific first
    ("Tensor[]", "[x]"),
    ("List[Tensor]", "[x]"),
    ("Optional", "None"),
    ("?", "None"),
    ("Tensor", "x"),
    ("int[]", "[1]"),
    ("List[int]", "[1]"),
    ("list[int]", "[1]"),
    ("float[]", "[1.0]"),
    ("List[float]", "[1.0]"),
    ("SymInt", "1"),
    ("int", "1"),
    ("float", "1.0"),
    ("bool", "False"),
    ("str", '"mean"'),
    ("Scalar", "1"),
]


def _sample(type_text: str) -> str:
    for fragment, value in _SAMPLES:
        if fragment in type_text:
            return value
    raise AssertionError(f"no sample value for {type_text}")


def _call(qualname: str, parameter: str, value: str) -> str:
    """A call of `qualname` giving its required parameters a value of their type and `parameter` `value`."""
    function = _resolve(qualname)
    arguments = []
    if inspect.isfunction(function):
        for name, param in inspect.signature(function).parameters.items():
            if param.default is inspect.Parameter.empty and name != parameter:
                annotation = (
                    _annotation(param.annotation) if param.annotation is not inspect.Parameter.empty else "Tensor"
                )
                arguments.append(f"{name}={_sample(annotation)}")
    else:
        schema = _schemas(qualname.rsplit(".", 1)[1])[0]
        for argument in schema.arguments:
            if not argument.has_default_value() and argument.name != parameter:
                arguments.append(f"{argument.name}={_sample(str(argument.type))}")
    arguments.append(f"{parameter}={value}")
    return f"{qualname}({', '.join(arguments)})"


def _script_call(tmp_path, call: str) -> Optional[str]:
    path = tmp_path / "float_probe.py"
    path.write_text(
        "import torch\nimport torch.nn.functional\n\n\nclass Probe(torch.nn.Module):\n"
        f"    def forward(self, x: torch.Tensor):\n        y = {call}\n        return x\n",
        encoding="utf-8",
    )
    return script(load_module(path, f"float_probe_{abs(hash(call))}").Probe)[1]


@pytest.mark.parametrize(
    "qualname, parameter",
    [pytest.param(q, name, id=f"{q}.{name}") for q in sorted(FLOAT_PARAMETERS) for name, _ in FLOAT_PARAMETERS[q]],
)
def test_int_fails_and_float_compiles(tmp_path, qualname: str, parameter: str) -> None:
    listed = (qualname, parameter) in LIST_PARAMETERS
    with_float = _call(qualname, parameter, "[1.0, 1.0]" if listed else "1.0")
    assert _script_call(tmp_path, with_float) is None, with_float
    with_int = _call(qualname, parameter, "1")
    assert _script_call(tmp_path, with_int) is not None, f"{with_int} compiles"
    if listed:
        with_ints = _call(qualname, parameter, "[1, 1]")
        assert _script_call(tmp_path, with_ints) is not None, f"{with_ints} compiles"


# Scripting a torch module registers its class with TorchScript for the rest of the process (then
# even `isinstance(x, nn.LayerNorm)` compiles), so the modules are scripted in a child process.
_MODULE_CHECK = """
import inspect, json, sys, warnings
import torch
warnings.filterwarnings("ignore")

def build(qualname, parameter, value):
    cls = torch
    for part in qualname.split(".")[1:]:
        cls = getattr(cls, part)
    arguments = {}
    for name, param in list(inspect.signature(cls.__init__).parameters.items())[1:]:
        if param.default is inspect.Parameter.empty and param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            arguments[name] = 1.0 if str(param.annotation) in ("float", "<class 'float'>") else 4
    arguments[parameter] = value
    return cls(**arguments)

def outcome(module):
    # A failed compilation leaves half-made classes behind: start each from a fresh type store.
    torch.jit._recursive.concrete_type_store = torch.jit._recursive.ConcreteTypeStore()
    try:
        torch.jit.script(module)
        return None
    except Exception as error:
        return str(error)

found = {}
for qualname, parameter, default in json.loads(sys.argv[1]):
    cls = torch
    for part in qualname.split(".")[1:]:
        cls = getattr(cls, part)
    listed = list(inspect.signature(cls.__init__).parameters)[1:]
    # An int the module accepts at construction: its float default when that is whole, else 0.
    value = int(default) if isinstance(default, float) and default == int(default) else 0
    found[f"{qualname}.{parameter}"] = {
        "parameters": listed,
        "float": outcome(build(qualname, parameter, float(value))),
        "int": outcome(build(qualname, parameter, value)),
    }
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def module_outcomes():
    import json
    import subprocess
    import sys

    entries = []
    for qualname, parameters in sorted(MODULE_FLOAT_PARAMETERS.items()):
        signature = inspect.signature(_resolve(qualname).__init__)
        for name, _ in parameters:
            default = signature.parameters[name].default
            entries.append((qualname, name, default if isinstance(default, float) else None))
    done = subprocess.run(
        [sys.executable, "-c", _MODULE_CHECK, json.dumps(entries)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "qualname, parameter, position",
    [
        pytest.param(q, name, position, id=f"{q}.{name}")
        for q in sorted(MODULE_FLOAT_PARAMETERS)
        for name, position in MODULE_FLOAT_PARAMETERS[q]
    ],
)
def test_module_built_with_int_fails(module_outcomes, qualname: str, parameter: str, position: Optional[int]) -> None:
    found = module_outcomes[f"{qualname}.{parameter}"]
    assert position is None or found["parameters"][position] == parameter
    assert found["float"] is None, found["float"]
    assert found["int"] is not None and "but instead found type 'int'" in found["int"], found["int"]
