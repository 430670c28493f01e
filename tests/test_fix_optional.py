"""TS105's fix, `mask=None` -> `mask: Optional[Tensor] = None`, proved by torch: offered only where the
function still compiles with the parameter Optional (refused ones really fail in torch when annotated
by hand); the message names the type the uses ask for; `from typing import Optional` goes where isort
puts it; fixing twice changes nothing."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict

import pytest

from test_fixes import fix_tree, torch_ones, write_fixed
from tslint.api import lint_text
from tslint.config import Config

HEADER = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


def helper(x):
    return x + 1
"""

ACCEPTED = {
    "Refined": """\
    def forward(self, x, mask=None):
        if mask is not None:
            x = x * mask
        return x
""",
    "IfExpArms": """\
    def forward(self, x, bias=None, weight=None):
        y = x if bias is None else x + bias
        y = y * 2 if weight is None else F.linear(y, weight, bias)
        return y
""",
    "Defaulted": """\
    def forward(self, x, scale=None):
        if scale is None:
            scale = torch.ones(1)
        return x * scale
""",
    "Asserted": """\
    def forward(self, x, shift=None):
        assert shift is not None
        return x + shift
""",
    "Chained": """\
    def forward(self, x, mask=None):
        if mask is not None and mask.sum() > 0:
            x = x.masked_fill(mask > 0, 0.0)
        return x
""",
    "RefinedAfterReturn": """\
    def forward(self, x, mask=None):
        if mask is None:
            return x
        return x + helper(mask)
""",
}
REFUSED = {
    "Unguarded": """\
    def forward(self, x, mask=None):
        return x * mask
""",
    "Helper": """\
    def forward(self, x, mask=None):
        return x + helper(mask)
""",
    "Aliased": """\
    def forward(self, x, mask=None):
        m = mask
        return x * m
""",
    "Listed": """\
    def forward(self, x, extra=None):
        return torch.cat([x, extra])
""",
}


def source(bodies: Dict[str, str]) -> str:
    return HEADER + "".join(f"\n\nclass {name}(nn.Module):\n{body}" for name, body in bodies.items())


def test_fixed_only_where_the_function_still_compiles(tmp_path: Path) -> None:
    path = tmp_path / "optional.py"
    path.write_text(source({**ACCEPTED, **REFUSED}), encoding="utf-8")
    outcome = fix_tree(tmp_path)
    write_fixed(outcome)
    assert outcome.fixed_count == 7  # `bias` and `weight` in IfExpArms
    text = path.read_text(encoding="utf-8")
    assert text.startswith("from typing import Optional\n\nimport torch\n")
    left = sorted(d.symbol for d in outcome.result.diagnostics if d.code == "TS105")
    assert left == sorted(f"{name}.forward" for name in REFUSED)
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "fixed_optional")
    x, ones = torch_ones(2, 2), torch_ones(2, 2)
    for name in ACCEPTED:
        scripted, error = harness.script(getattr(module, name))
        assert error is None, f"{name}: {error}"
        eager = getattr(module, name)()
        arguments = [(x,), (x, ones)] if name != "Asserted" else [(x, ones)]
        for args in arguments:  # with and without the argument, as eager mode computes it
            assert bool((scripted(*args) == eager(*args)).all()), name
    assert fix_tree(tmp_path).changed() == []


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_fixes_would_not_compile(name: str, tmp_path: Path) -> None:
    """The annotation, written by hand where tslint refuses its fix, makes torch fail."""
    annotated = REFUSED[name].replace("=None", ": Optional[torch.Tensor] = None")
    path = tmp_path / f"refused_{name}.py"
    path.write_text("from typing import Optional\n\n" + source({name: annotated}), encoding="utf-8")
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, f"refused_{name}")
    assert harness.script(getattr(module, name))[1] is not None


@pytest.mark.parametrize(
    "body, wanted",
    [
        ("        return torch.zeros(3, device=device)\n", "Optional[torch.device]"),
        ("        return torch.zeros(3, dtype=device)\n", "Optional[torch.dtype]"),
        ('        if device == "cpu":\n            return x\n        return x\n', "Optional[str]"),
        ("        for i in range(device):\n            x = x + 1\n        return x\n", "Optional[int]"),
    ],
)
def test_message_names_the_type_the_uses_ask_for(body: str, wanted: str) -> None:
    text = source({"Net": "    def forward(self, x, device=None):\n" + body})
    found = [d for d in lint_text(text, "m.py", Config(select=("TS105",))).diagnostics]
    assert len(found) == 1 and f"`{wanted}`" in found[0].message and found[0].fix is None


BODY = """

class Net(nn.Module):
    def forward(self, x, mask=None):
        if mask is not None:
            x = x * mask
        return x
"""
NN = "import torch\nimport torch.nn as nn\n"
IMPORTS = [
    ("", "from typing import Optional\n\n"),
    ("from __future__ import annotations\n\n", "from __future__ import annotations\n\nfrom typing import Optional\n\n"),
    ("from __future__ import annotations\n", "from __future__ import annotations\n\nfrom typing import Optional\n\n"),
    ("from typing import List, Tuple\n\n", "from typing import List, Optional, Tuple\n\n"),
    ("from typing import Any, Tuple as T\n\n", "from typing import Any, Optional, Tuple as T\n\n"),
    ("from typing import TYPE_CHECKING, cast\n\n", "from typing import TYPE_CHECKING, Optional, cast\n\n"),
    (
        "from typing import (\n    Dict,\n    Tuple,\n)\n\n",
        "from typing import (\n    Dict,\n    Optional,\n    Tuple,\n)\n\n",
    ),
    (
        "from typing import (\n    Dict,\n    List,\n)\n\n",
        "from typing import (\n    Dict,\n    List,\n    Optional,\n)\n\n",
    ),
    ("import math\nimport os\n\n", "import math\nimport os\nfrom typing import Optional\n\n"),
    ("import math  # why\n\n", "import math  # why\nfrom typing import Optional\n\n"),
    (
        "import math\nfrom collections import abc\nfrom unittest import mock\n\n",
        "import math\nfrom collections import abc\nfrom typing import Optional\nfrom unittest import mock\n\n",
    ),
    ("from unittest import mock\n\n", "from typing import Optional\nfrom unittest import mock\n\n"),
]


@pytest.mark.parametrize("python", ["running", "3.9"])
@pytest.mark.parametrize("before, after", IMPORTS)
def test_typing_import_goes_where_isort_puts_it(
    before: str, after: str, python: str, tmp_path: Path, monkeypatch
) -> None:
    """`python="3.9"`: with the list of standard modules tslint carries for Python 3.9, which has no
    `sys.stdlib_module_names` (tested on every Python, so that CI on 3.11 checks it)."""
    if python == "3.9":
        from tslint.rules.signatures import _typing_import

        listed = frozenset(_typing_import._PYTHON_39_STANDARD_LIBRARY.split()) | {"typing"}
        monkeypatch.setattr(_typing_import, "_STANDARD_LIBRARY", listed)
    path = tmp_path / "m.py"
    path.write_text(before + NN + BODY, encoding="utf-8")
    outcome = fix_tree(tmp_path)
    write_fixed(outcome)
    text = path.read_text(encoding="utf-8")
    assert text == after + NN + BODY.replace("mask=None", "mask: Optional[torch.Tensor] = None")
    ast.parse(text)
    assert fix_tree(tmp_path).changed() == []


def test_crlf_file_keeps_its_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(("import math\n\n" + NN + BODY).replace("\n", "\r\n").encode())
    write_fixed(fix_tree(tmp_path))
    data = path.read_bytes()
    assert b"import math\r\nfrom typing import Optional\r\n\r\nimport torch\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")


DEAD_BEFORE = """\
import torch
import torch.nn as nn


class Base(nn.Module):
    def forward(self, x):
        return x


class Net(Base):
    def forward(self, x, bias=None):
        if bias is not None:
            raise NotImplementedError("bias is not supported")
        return super().forward(x)
"""


def test_no_fix_where_code_torch_skipped_would_compile(tmp_path: Path) -> None:
    """As a Tensor, `bias is not None` is always true: torch compiles the `raise` and skips the rest
    (kornia's MemEffAttention). As an Optional the rest compiles, and `super()` fails: no fix."""
    path = tmp_path / "dead.py"
    path.write_text(DEAD_BEFORE, encoding="utf-8")
    outcome = fix_tree(tmp_path)
    assert outcome.fixed_count == 0 and any(d.code == "TS105" for d in outcome.result.diagnostics)
    harness = pytest.importorskip("torch_harness")
    module = harness.load_module(path, "dead_before")
    assert harness.script(module.Net)[1] is None
    path.write_text(
        DEAD_BEFORE.replace("bias=None", "bias: Optional[torch.Tensor] = None").replace(
            "import torch\n", "from typing import Optional\n\nimport torch\n", 1
        ),
        encoding="utf-8",
    )
    assert harness.script(harness.load_module(path, "dead_annotated").Net)[1] is not None


def test_the_reads_of_a_name_are_its_uses_as_a_variable() -> None:
    """TS104 and TS105 share one walk of a function body (optional_parameters.body_uses): a read is a
    `Name` used as a variable in the function's own scope (comprehensions included), with its parent;
    not an attribute's name, a keyword, an assignment target, or anything in a nested function,
    lambda or class."""
    import libcst as cst

    from tslint.analysis.memo import per_file
    from tslint.analysis.optional_parameters import body_uses, name_reads

    function = cst.parse_module(
        "def f(self, mask=None, device=None):\n"
        "    mask = mask\n"
        "    y = self.mask + g(mask=1, device=device)\n"
        "    z = [mask for _ in range(3)]\n"
        "    def inner(mask):\n"
        "        return mask\n"
        "    k = lambda: mask\n"
        "    class C:\n"
        "        mask = mask\n"
        "    return mask.sum() if mask is not None else y\n"
    ).body[0]
    body = function.body
    reads = name_reads(body, "mask")
    lines = sorted((type(parent).__name__, cst.Module([]).code_for_node(parent)) for _, parent in reads)
    assert lines == [
        ("Assign", "mask = mask"),
        ("Attribute", "mask.sum"),
        ("Comparison", "mask is not None"),
        ("ListComp", "[mask for _ in range(3)]"),
    ]
    assert [type(parent).__name__ for _, parent in name_reads(body, "device")] == ["Arg"]
    uses = body_uses(body)
    assert all(uses.parents[id(node)] is parent for node, parent in reads)
    with per_file():  # kept for the file: the same answer for the same body
        assert body_uses(body) is body_uses(body)
