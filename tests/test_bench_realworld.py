"""The pure helpers of bench/realworld.py and its worker (the bench itself is too slow for the suite)."""

from __future__ import annotations

import importlib.util
import inspect
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


realworld = _load("realworld")
worker = _load("realworld_worker")


def _message(path, row, call_site=None):
    """torch's message for a failure at `path:row`, optionally followed by the frame that called it."""
    text = (
        "\nArguments for call are not valid.\nThe following variants are available:\n  \n"
        "  aten::add_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!):\n  Expected a value of type 'Tensor'\n\n"
        f'The original call is:\n  File "{path}", line {row}\n'
        "        if self.b is not None:\n            x += self.b\n            ~~~~~~~~~~~ <--- HERE\n        return x\n"
    )
    if call_site:
        text += f"'f' is being compiled since it was called from 'g'\n  File \"{call_site[0]}\", line {call_site[1]}\n"
        text += "    def g(x):\n        return f(x)\n               ~ <--- HERE\n"
    return "RuntimeError: " + text


def test_locate_takes_torchs_first_highlighted_line_in_the_library(tmp_path):
    library = tmp_path / "lib"
    library.mkdir()
    span = realworld.locate(_message(library / "m.py", 155), str(library))
    assert (Path(span.path).name, span.first_row, span.last_row) == ("m.py", 155, 155)


def test_locate_falls_back_to_the_librarys_call_site(tmp_path):
    """torch failed in another package's code: the library's line is the frame that called it."""
    library, other = tmp_path / "lib", tmp_path / "lib_other"  # a sibling whose name starts alike
    message = _message(other / "ops.py", 10, call_site=(library / "model.py", 42))
    span = realworld.locate(message, str(library))
    assert (Path(span.path).name, span.first_row) == ("model.py", 42)


def test_locate_moves_a_wrapped_methods_line_to_the_class_file(tmp_path):
    """torch_geometric's `@disable_dynamic_shapes` wraps a method: torch quotes the method's source at
    its line but names the decorator's file. The line goes to the class's file when only that file
    holds the quoted line there."""
    library = tmp_path / "lib"
    library.mkdir()
    filler = ["pass"] * 154
    (library / "experimental.py").write_text("\n".join(filler + ["return wrapper"]) + "\n")
    (library / "m.py").write_text("\n".join(filler + ["x += self.b"]) + "\n")
    message = _message(library / "experimental.py", 155)
    span = realworld.locate(message, str(library), str(library / "m.py"))
    assert (Path(span.path).name, span.first_row) == ("m.py", 155)
    # The named file holds the quoted line: torch's own location stands.
    (library / "experimental.py").write_text("\n".join(filler + ["x += self.b"]) + "\n")
    span = realworld.locate(message, str(library), str(library / "m.py"))
    assert Path(span.path).name == "experimental.py"


def test_locate_moves_an_inherited_wrapped_methods_line_to_its_base_class_file(tmp_path):
    """diffusers' `@apply_lora_scale` wraps a `forward` a subclass in another file inherits: torch
    names the decorator's file (line past its end) with the line of the base class's file. The line
    goes to the first of the home files that holds the quoted line there."""
    library = tmp_path / "lib"
    library.mkdir()
    filler = ["pass"] * 154
    (library / "peft.py").write_text("\n".join(filler[:20]) + "\n")  # line 155 is past its end
    (library / "sub.py").write_text("\n".join(filler + ["y = 1"]) + "\n")
    (library / "base.py").write_text("\n".join(filler + ["x += self.b"]) + "\n")
    homes = [str(library / "sub.py"), str(library / "base.py")]
    span = realworld.locate(_message(library / "peft.py", 155), str(library), homes)
    assert (Path(span.path).name, span.first_row) == ("base.py", 155)
    # No home file holds the quoted line there: torch's location stands.
    span = realworld.locate(_message(library / "peft.py", 155), str(library), homes[:1])
    assert Path(span.path).name == "peft.py"


def test_locate_is_none_without_a_frame_in_the_library(tmp_path):
    assert realworld.locate(_message(tmp_path / "elsewhere.py", 3), str(tmp_path / "lib")) is None
    assert realworld.locate("RuntimeError: Tensor.item() cannot be called on meta tensors", str(tmp_path)) is None


def test_read_records_names_the_class_that_hung():
    lines = [
        {"start": "a.A"},
        {"qualname": "a.A", "built": "no arguments (meta)", "error": None},
        {"start": "a.B"},
        "the library printed this",
        {"qualname": "a.B", "built": None},
        {"start": "a.C"},
    ]
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    records, pending, ended = realworld.read_records(text)
    assert [r["qualname"] for r in records] == ["a.A", "a.B"] and pending == "a.C" and not ended
    records, pending, ended = realworld.read_records(text + "\n" + json.dumps({"qualname": "a.C"}) + '\n{"end": true}')
    assert pending is None and ended and len(records) == 3


def test_worker_fills_required_arguments_only_where_a_value_fits():
    class Block:
        def __init__(self, in_channels: int, num_heads, dropout: float, irreps_out, flag: bool, *, hidden_dim=None):
            pass

    class Needs:
        def __init__(self, symbols: tp.Sequence[str], dim: int):  # noqa: F821 - a string annotation
            pass

    class Unknown:
        def __init__(self, species):
            pass

    assert worker.candidates(Block)[0] == ("small configuration", (16, 2, 0.1, "2x0e + 1x1o", False), {})
    assert worker.candidates(Needs) == [("no arguments", (), {})]
    assert worker.candidates(Unknown) == [("no arguments", (), {})]
    assert (
        worker._kind(inspect.Parameter("x", inspect.Parameter.POSITIONAL_ONLY, annotation="Optional[int]").annotation)
        == "int"
    )


def test_message_kind_groups_failures_whatever_the_names():
    first = "Module 'Attention' has no attribute 'rel_pos_h' (This attribute exists on the Python module):"
    second = "Module 'Block' has no attribute 'gamma' (This attribute exists on the Python module):"
    assert realworld.message_kind(first) == realworld.message_kind(second) == "Module '…' has no attribute '…'"
    assert (
        realworld.message_kind("Tuple index out of range (index 3 of 2)") == "Tuple index out of range (index N of N)"
    )


def test_locate_moves_a_grad_mode_methods_line_from_torchs_file_to_the_class_file(tmp_path):
    """monai's `@torch.no_grad()` methods: torch quotes the method's source at its line but names its
    own torch/utils/_contextlib.py, outside the library. The line goes to the class's file when it
    holds the quoted line there, not to the call site; else the call site stands."""
    library, torch_folder = tmp_path / "lib", tmp_path / "torch" / "utils"
    library.mkdir()
    torch_folder.mkdir(parents=True)
    filler = ["pass"] * 154
    (torch_folder / "_contextlib.py").write_text("\n".join(filler[:20]) + "\n")
    (library / "m.py").write_text("\n".join(filler + ["x += self.b"]) + "\n")
    message = _message(torch_folder / "_contextlib.py", 155, call_site=(library / "m.py", 42))
    span = realworld.locate(message, str(library), str(library / "m.py"))
    assert (Path(span.path).name, span.first_row) == ("m.py", 155)
    (library / "m.py").write_text("\n".join(filler + ["y = 1"]) + "\n")
    span = realworld.locate(message, str(library), str(library / "m.py"))
    assert (Path(span.path).name, span.first_row) == ("m.py", 42)


def test_factories_of_holds_only_the_librarys_own_classes():
    """A library's cached verdicts are keyed by its own factories: one added for another library
    leaves the key alone."""
    mace = realworld.factories_of("mace")
    assert mace and all(name.startswith("mace.") for name in mace)
    assert realworld.factories_of("kornia") == {}
    assert set(realworld.factories_of("torchani")) == {"torchani.arch.ANI"}


def test_libraries_with_conflicting_pins_install_apart():
    assert realworld.environment_of("kornia") == realworld.environment_of("torch_geometric") == "venv"
    assert realworld.environment_of("mace") != realworld.environment_of("e3nn")
    try:
        realworld.environment(["mace", "e3nn"], quiet=True)
    except ValueError as error:
        assert "separate environments" in str(error)
    else:
        raise AssertionError("a mix of environments was accepted")


def test_worker_factory_arguments_name_objects_uncalled():
    built = worker._call_factory(
        "builtins:dict", [], {"f": {"object": "math:sqrt"}, "n": {"call": ["math:floor", [2.5], {}]}}
    )
    import math

    assert built == {"f": math.sqrt, "n": 2}
