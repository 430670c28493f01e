"""The trace rules against the real torch.jit.trace: each Bad* hazard is real (a TracerWarning on a
flagged line, or another answer than eager mode on a second input), each Good* look-alike traces
cleanly and agrees with eager mode."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from conftest import FIXTURES, expectations
from torch_harness import load_module, module_classes, torch, trace_outcome  # skips the module without torch

TRACE_FIXTURES = [FIXTURES / "trace.py", FIXTURES / "trace_containers.py", FIXTURES / "trace_outputs.py"]
FLAGGED = {(path, row) for path in TRACE_FIXTURES for row, code in expectations(path) if code.startswith("TS4")}


def _classes():
    found = []
    for path in TRACE_FIXTURES:
        module = load_module(path, f"fixture_{path.stem}")
        second_calls, first_calls = getattr(module, "SECOND_CALL", {}), getattr(module, "FIRST_CALL", {})
        moved = getattr(module, "MOVED_TO", {})  # the device both models move to before the comparison
        built_by = getattr(module, "BUILT_BY", {})  # how the model is built, where not by its class
        found.extend(
            pytest.param(
                path,
                cls,
                second_calls.get(cls.__name__),
                first_calls.get(cls.__name__),
                moved.get(cls.__name__),
                built_by.get(cls.__name__),
                id=cls.__name__,
            )
            for cls in module_classes(module)
            if not cls.__name__.startswith("_")  # parts, traced through their users
        )
    return found


@pytest.mark.parametrize("path, cls, second_call, first_call, moved_to, build", _classes())
def test_trace_fixture_against_torch(path, cls, second_call, first_call, moved_to, build) -> None:
    warned, diverges = trace_outcome(
        cls, str(path), second_call() if second_call else None, first_call() if first_call else None, moved_to, build
    )
    flagged = {row for where, row in FLAGGED if where == path}
    if cls.__name__.startswith("Good"):
        assert warned == [] and not diverges, (warned, diverges)
    else:
        assert set(warned) & flagged or (diverges and not set(warned) - flagged), (warned, diverges, flagged)


def _page_example(code: str, section: str) -> str:
    from test_rule_pages import example

    return example(code, section)


# The second call (arguments, keyword arguments) for pages whose hazard -ones(5, 4) cannot show; the
# good example of TS409 no longer takes the argument, which the bad one needs from the first call on.
PAGE_SECOND_CALL = {
    "TS408": lambda hazardous: ((torch.ones(5, 4, device="meta"),), {}),
    "TS409": lambda hazardous: ((-torch.ones(5, 4), 3.0), {}) if hazardous else None,
}


@pytest.mark.parametrize(
    "code", ["TS401", "TS402", "TS403", "TS404", "TS405", "TS406", "TS407", "TS408", "TS409", "TS410", "TS411", "TS413"]
)
def test_trace_page_examples_against_torch(code: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for section, hazardous in (("## Example", True), ("## Use instead", False)):
            path = Path(folder) / f"trace_page_{code}_{hazardous}.py"
            path.write_text(_page_example(code, section), encoding="utf-8")
            (cls,) = [c for c in module_classes(load_module(path, path.stem)) if c.__name__ == "Net"]
            second_call = PAGE_SECOND_CALL[code](hazardous) if code in PAGE_SECOND_CALL else None
            first_call = ((torch.ones(3, 4), 2.0), {}) if code == "TS409" and hazardous else None
            warned, diverges = trace_outcome(cls, str(path), second_call, first_call)
            if hazardous:
                assert warned or diverges, f"{code}: the bad example traces correctly"
            else:
                assert not warned and not diverges, f"{code}: the good example is still wrong: {warned}, {diverges}"


def test_training_flag_rule_is_off_by_default(tmp_path) -> None:
    """TS404 runs only when selected by its full code: a model traced in eval mode is exact."""
    from tslint.api import lint_paths
    from tslint.config import Config

    path = tmp_path / "net.py"
    path.write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        if self.training:\n            return x * 2\n        return x\n",
        encoding="utf-8",
    )
    codes = {
        select: {d.code for d in lint_paths([str(path)], Config(mode="trace", select=select)).diagnostics}
        for select in (("TS",), ("TS4",), ("TS", "TS404"))
    }
    assert codes == {("TS",): set(), ("TS4",): set(), ("TS", "TS404"): {"TS404"}}


GUARDED = """import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        if x.shape[0] > 4 and not torch.jit.is_tracing():
            x = x * 2
        bigger = x.shape[0] > 4 or torch.jit.is_tracing()
        if bigger:
            x = x + 1
        return x
"""


def test_size_before_a_tracing_guard_is_silent(tmp_path) -> None:
    """`n > k and not is_tracing()` is False under tracing whatever the size: torch warns at the
    comparison, yet the traced model takes the path the code chose for tracing, for every size."""
    from tslint.api import lint_paths
    from tslint.config import Config

    path = tmp_path / "guarded.py"
    path.write_text(GUARDED, encoding="utf-8")
    (cls,) = [c for c in module_classes(load_module(path, path.stem)) if c.__name__ == "Net"]
    warned, _ = trace_outcome(cls, str(path))
    assert warned == [7, 9]  # torch converts the size before it reads the guard
    traced = torch.jit.trace(cls().eval(), (torch.ones(3, 4),), check_trace=False)
    for rows in (2, 5, 8):  # the guard decides: `x * 2` never runs, `x + 1` always does
        assert torch.equal(traced(torch.ones(rows, 4)), torch.ones(rows, 4) + 1)
    assert [d.code for d in lint_paths([str(path)], Config(mode="trace")).diagnostics] == []


def _mode_diverges(build) -> bool:
    """Whether the model `build` traces on four rows answers otherwise than the model in eval mode,
    on a second input (TS412)."""
    import warnings

    torch.manual_seed(0)
    first, second = torch.randn(4, 4), torch.randn(6, 4) * 3 + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced, model = build(first)
    model.eval()
    traced.eval()
    with torch.no_grad():
        return not torch.allclose(traced(second), model(second), atol=1e-5)


def _trace_mode_builders():
    path = FIXTURES / "trace_mode.py"
    module = load_module(path, "fixture_trace_mode")
    return [
        pytest.param(name, getattr(module, name), id=name)
        for name in vars(module)
        if name.startswith(("bad_", "good_"))
    ]


@pytest.mark.parametrize("name, build", _trace_mode_builders())
def test_trace_mode_fixture_against_torch(name, build) -> None:
    """TS412: a bad_* trace taken in training mode answers otherwise than eval mode; a good_* one does not."""
    assert _mode_diverges(build) is name.startswith("bad_")


def test_trace_mode_page_examples_against_torch() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for section, hazardous in (("## Example", True), ("## Use instead", False)):
            path = Path(folder) / f"trace_page_TS412_{hazardous}.py"
            path.write_text(_page_example("TS412", section), encoding="utf-8")
            assert _mode_diverges(load_module(path, path.stem).export) is hazardous


HELPERS = """def shifted(x, flag, n, mode):
    if flag:
        x = x * 2
    for _ in range(n):
        x = x + 1
    if mode in ("double", "twice"):
        x = x * 2
    return x


def counted(x, n):
    for _ in range(n):
        x = x + 1
    return x
"""

CALLER = """import torch.nn as nn

from trace_helpers_25 import counted, shifted


class Net(nn.Module):
    def forward(self, x):
        return counted(shifted(x, True, 2, "twice"), 3)
"""


def test_python_values_into_a_helper_of_another_file(tmp_path, monkeypatch) -> None:
    """A helper called from another file with Python values uses them as a bool, an int and a str:
    the trace records them as the constants they are for every input, so no TS401 / TS403 there."""
    from tslint.api import lint_paths
    from tslint.config import Config

    (tmp_path / "trace_helpers_25.py").write_text(HELPERS, encoding="utf-8")
    (tmp_path / "trace_caller_25.py").write_text(CALLER, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    (cls,) = module_classes(load_module(tmp_path / "trace_caller_25.py", "trace_caller_25"))
    warned, diverges = trace_outcome(cls, str(tmp_path / "trace_helpers_25.py"))
    assert warned == [] and not diverges
    found = lint_paths([str(tmp_path)], Config(mode="trace")).diagnostics
    assert [d.code for d in found if d.code.startswith("TS4")] == []


BUILT_BLOCK = """import torch
import torch.nn as nn


class CorrelationBlock(nn.Module):
    def correlate(self, x):
        rows = x.shape[0]
        return x / torch.tensor(rows)


class Model(nn.Module):
    def __init__(self, *, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return self.block.correlate(x)


def build_model(**kwargs):
    block = kwargs.pop("block", None) or CorrelationBlock()
    return Model(block=block)
"""


def test_block_passed_by_a_builder(tmp_path) -> None:
    """`self.block = block` stores what the builder passes (`CorrelationBlock()` by default): the
    trace runs its methods, so they are in the trace scope (TS406 at torch's TracerWarning, line 8)."""
    import warnings

    from tslint.api import lint_paths
    from tslint.config import Config

    path = tmp_path / "built_block.py"
    path.write_text(BUILT_BLOCK, encoding="utf-8")
    model = load_module(path, path.stem).build_model().eval()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = torch.jit.trace(model, (torch.ones(3, 4),), check_trace=False)
    assert {w.lineno for w in caught if issubclass(w.category, torch.jit.TracerWarning)} == {8}
    assert traced(torch.ones(5, 4)).shape == (5, 4)  # torch warns: the line the bench counts
    found = lint_paths([str(path)], Config(mode="trace")).diagnostics
    assert [(d.code, d.location.row) for d in found if d.code.startswith("TS4")] == [("TS406", 8)]


TRAINING_ONLY = """import torch
import torch.nn as nn


class Masked(nn.Module):
    def __init__(self, drop: float = 0.5):
        super().__init__()
        self.drop = drop

    def _random_mask(self, x):
        return torch.rand(x.shape[0], 1, device=x.device) > self.drop

    def forward(self, x):
        if self.training and self.drop > 0:
            x = x * self._random_mask(x)
        return x * 2


class NotTraining(nn.Module):
    def _pad(self, x):
        return x + torch.zeros(x.shape[1], device=x.device)

    def forward(self, x):
        if not self.training:
            x = self._pad(x)
        return x
"""


def test_helper_called_only_in_training_is_not_traced(tmp_path) -> None:
    """A method called only under `if self.training ...` does not run in an eval-mode trace: nothing
    of it is in the graph, and its findings (TS408 here) are not reported; a helper called under
    `if not self.training:` runs and is."""
    from tslint.api import lint_paths
    from tslint.config import Config

    path = tmp_path / "masked.py"
    path.write_text(TRAINING_ONLY, encoding="utf-8")
    module = load_module(path, path.stem)
    graphs = {
        name: str(torch.jit.trace(getattr(module, name)().eval(), (torch.ones(3, 4),)).graph)
        for name in ("Masked", "NotTraining")
    }
    assert "aten::rand" not in graphs["Masked"] and "aten::zeros" in graphs["NotTraining"]
    found = [(d.code, d.location.row) for d in lint_paths([str(path)], Config(mode="trace")).diagnostics]
    assert found == [("TS408", 21)]


WRAPPED_GUARD = """import torch
import torch.nn as nn


def _is_tracing():
    return torch.jit.is_tracing()


class Net(nn.Module):
    def forward(self, x):
        if x.shape[0] > 4 and not _is_tracing():
            x = x * 2
        return x + 1
"""


def test_size_before_a_wrapped_tracing_guard_is_silent(tmp_path) -> None:
    """A project wrapper of `torch.jit.is_tracing()` (torchvision's `_is_tracing()`) guards as the
    call itself does: torch warns at the comparison, the traced model takes the tracing path for
    every size, and tslint stays silent."""
    from tslint.api import lint_paths
    from tslint.config import Config

    path = tmp_path / "wrapped_guard.py"
    path.write_text(WRAPPED_GUARD, encoding="utf-8")
    (cls,) = [c for c in module_classes(load_module(path, path.stem)) if c.__name__ == "Net"]
    warned, _ = trace_outcome(cls, str(path))
    assert warned == [11]
    traced = torch.jit.trace(cls().eval(), (torch.ones(3, 4),), check_trace=False)
    for rows in (2, 5, 8):
        assert torch.equal(traced(torch.ones(rows, 4)), torch.ones(rows, 4) + 1)
    assert [d.code for d in lint_paths([str(path)], Config(mode="trace")).diagnostics] == []


CROSS_FILE_LAYERS = """import torch.nn as nn


class Exit(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x


class Scaled(nn.Module):
    def forward(self, x, scale: float):
        return x * scale


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.exit = Exit()
        self.scaled = Scaled()

    def forward(self, x):
        return self.scaled(self.exit(x), 2.0)
"""

CROSS_FILE_EXPORT = """import torch

from layers_25 import Holder, Scaled


def traced_holder(x):
    model = Holder().eval()
    model.exit = torch.jit.script(model.exit)
    return torch.jit.trace(model, (x,))


def traced_scaled(x):
    return torch.jit.trace(Scaled().eval(), (x, 2.0))
"""


def test_trace_and_script_calls_of_another_file(tmp_path, monkeypatch) -> None:
    """Another file scripts `Holder.exit` in place before tracing (torch keeps the `if`: exact, no
    warning, so no TS401 in `Exit`) and traces `Scaled` on its own (torch refuses the float input:
    TS409 at its `forward`, naming `Scaled`, though `Holder` also holds it)."""
    import warnings

    from tslint.api import lint_paths
    from tslint.config import Config

    (tmp_path / "layers_25.py").write_text(CROSS_FILE_LAYERS, encoding="utf-8")
    (tmp_path / "export_25.py").write_text(CROSS_FILE_EXPORT, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    export = load_module(tmp_path / "export_25.py", "export_25")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = export.traced_holder(torch.ones(3, 4))
    assert not [w for w in caught if issubclass(w.category, torch.jit.TracerWarning)]
    assert torch.equal(traced(-torch.ones(5, 4)), -2 * torch.ones(5, 4))  # frozen, the `if` would give -4
    with pytest.raises(RuntimeError):
        export.traced_scaled(torch.ones(3, 4))
    found = lint_paths([str(tmp_path)], Config(mode="trace")).diagnostics
    rows = [(Path(d.filename).name, d.code, d.location.row) for d in found if d.code.startswith("TS4")]
    assert rows == [("layers_25.py", "TS409", 12)]
    assert "`Scaled`" in next(d.message for d in found if d.code == "TS409")


STATE_WRITES = """import torch.nn as nn

_SEEN = 0


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.seen = []
        self.stats = {}
        self.steps = 0

    def forward(self, x):
        global _SEEN
        _SEEN = _SEEN + 1
        self.seen.append(x.sum())
        self.stats["mean"] = x.mean()
        self.steps += 1
        y = x
        if self.training:
            self.stats["max"] = x.max()
        return y * len(self.seen) + self.stats["mean"] + self.steps
"""


def test_every_form_of_state_write_is_found(tmp_path) -> None:
    """TS411 walks a function only once it meets a node that may be a write (a global's name, an
    attribute of `self` or an element of one assigned, a mutating method of one called): each form is
    still found, and a write under `if self.training:` still is not."""
    from tslint.api import lint_paths
    from tslint.config import Config

    path = tmp_path / "net.py"
    path.write_text(STATE_WRITES, encoding="utf-8")
    found = lint_paths([str(path)], Config(mode="trace", select=("TS411",))).diagnostics
    assert [d.location.row for d in found] == [15, 16, 17, 18]
    # Without the word `global` in the file, a name is never a global the function declares.
    path.write_text(STATE_WRITES.replace("global _SEEN", "pass"), encoding="utf-8")
    found = lint_paths([str(path)], Config(mode="trace", select=("TS411",))).diagnostics
    assert [d.location.row for d in found] == [16, 17, 18]
