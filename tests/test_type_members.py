"""analysis/members.py against torch: which attributes and methods a value of each type has.

For every name of `dir(torch.Tensor)` that tslint says a Tensor lacks, and for common names read on
lists, dicts, strs and numbers, torch.jit.script of a function reading it must fail with "has no
attribute or method" exactly when tslint says the type lacks it; the names tslint says a type has
are read together in one function per type, which must compile.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import List

import pytest

from tslint.analysis.members import TENSOR_SUGAR, has_member
from tslint.analysis.schema_types import parse_type

torch = pytest.importorskip("torch")
warnings.filterwarnings("ignore")

VALUES = {
    "Tensor": "x",
    "List[int]": "[1, 2]",
    "List[Tensor]": "[x, x]",
    "Dict[str, Tensor]": "{'a': x}",
    "str": "'ab'",
    "int": "3",
    "float": "2.5",
    "bool": "True",
    "Tuple[int, int]": "(1, 2)",
    "NoneType": "None",
}
# Names people read on values that do not have them (Tensor habits on lists, list habits on tuples...).
COMMON = (
    "numel",
    "size",
    "shape",
    "dim",
    "item",
    "to",
    "sum",
    "view",
    "cuda",
    "device",
    "dtype",
    "float",
    "long",
    "clone",
    "append",
    "extend",
    "index",
    "count",
    "keys",
    "values",
    "items",
    "get",
    "join",
    "split",
    "format",
    "upper",
    "copy",
    "pop",
    "sort",
    "real",
    "conjugate",
    "is_integer",
    "hex",
    "bit_length",
)


def _script_reads(tmp_path: Path, type_name: str, names: List[str], tag: str):
    """Script a function reading `value.name` for each name; None if it compiles, else the error."""
    lines = [f"    v{i} = v.{name}" for i, name in enumerate(names)]
    path = tmp_path / f"reads_{tag}.py"
    path.write_text(
        f"import torch\ndef f(x: torch.Tensor):\n    v = {VALUES[type_name]}\n" + "\n".join(lines) + "\n    return 0\n"
    )
    spec = importlib.util.spec_from_file_location(f"reads_{tag}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        torch.jit.script(module.f)
    except Exception as error:  # noqa: BLE001 - torch raises several types
        return str(error)
    return None


def _candidates(type_name: str) -> List[str]:
    if type_name == "Tensor":
        return sorted(n for n in dir(torch.Tensor) if not n.startswith("_")) + ["weight", "bias", "forward"]
    return list(COMMON)


@pytest.mark.parametrize("type_name", sorted(VALUES))
def test_members_agree_with_torch(type_name: str, tmp_path: Path) -> None:
    jit_type = parse_type(type_name)
    names = _candidates(type_name)
    present = [name for name in names if has_member(jit_type, name)]
    absent = [name for name in names if has_member(jit_type, name) is False]
    assert len(present) + len(absent) == len(names)
    assert _script_reads(tmp_path, type_name, present, "present") is None
    wrong = []
    for index, name in enumerate(absent):
        error = _script_reads(tmp_path, type_name, [name], f"absent{index}")
        if error is None or "has no attribute or method" not in error:
            wrong.append(name)
    assert wrong == [], f"torch accepts these on {type_name}"


def test_the_tensor_sugar_is_not_in_the_schemas() -> None:
    """Each sugared cast is a name torch provides without an operator: the table is not redundant."""
    from tslint.analysis.signatures import signatures

    assert not [name for name in TENSOR_SUGAR if signatures().tensor_method(name)]
