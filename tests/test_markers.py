"""The `torch` marker: which tests conftest marks, and that the static suite collects without torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from torch_marks import torch_needs


def _needs(tmp_path, source: str):
    path = tmp_path / "test_sample.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    torch_needs.cache_clear()
    return torch_needs(path)


def test_module_level_torch_import_marks_every_test(tmp_path) -> None:
    assert _needs(tmp_path, "import torch.nn\n\ndef test_a():\n    pass\n") == (True, frozenset())
    assert _needs(tmp_path, "from torch_harness import script\n") == (True, frozenset())
    guarded = "import pytest\n\ntry:\n    pytest.importorskip('torch')\nexcept ValueError:\n    pass\n"
    assert _needs(tmp_path, guarded) == (True, frozenset())


def test_helper_modules_that_import_torch_count_as_torch() -> None:
    """A test module importing `export_harness` (which importorskips torch at its top level) is skipped
    at collection without torch unless it is marked: helpers are read like test modules."""
    from torch_marks import torch_modules

    assert {"torch", "torch_harness", "export_harness"} <= torch_modules()
    assert "conftest" not in torch_modules()


def test_a_module_importing_a_torch_helper_is_marked(tmp_path) -> None:
    assert _needs(tmp_path, "from export_harness import in_child\n") == (True, frozenset())


def test_function_level_torch_marks_the_function_and_its_callers(tmp_path) -> None:
    whole, functions = _needs(
        tmp_path,
        """
        import pytest

        def _scripted():
            harness = pytest.importorskip("torch_harness")
            return harness

        def test_uses_helper():
            _scripted()

        def test_imports_torch():
            import torch

        def test_static():
            pass
        """,
    )
    assert not whole
    assert functions == {"_scripted", "test_uses_helper", "test_imports_torch"}


def test_torch_in_strings_and_tslint_module_names_is_not_torch(tmp_path) -> None:
    whole, functions = _needs(
        tmp_path,
        """
        from tslint.rules.semantics.unsupported_torch_api import UNCOMPILABLE_FUNCTIONS

        SOURCE = "import torch\\n"

        def test_lints_torch_code():
            from tslint.index.model import is_torch_module_class
            assert "import torch" in SOURCE
        """,
    )
    assert (whole, functions) == (False, frozenset())


@pytest.mark.slow
def test_static_suite_collects_without_torch_or_numpy() -> None:
    """The suite once did not even collect without torch (a bare `import torch` in a test module)."""
    program = textwrap.dedent(
        """
        import sys
        class Blocked:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("torch", "numpy"):
                    raise ModuleNotFoundError(f"No module named {name!r} (blocked in this test)")
        sys.meta_path.insert(0, Blocked())
        import pytest
        sys.exit(pytest.main(["--collect-only", "-q", "-m", "not torch", "tests"]))
        """
    )
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "tests/test_fixtures.py::test_fixture_expectations" in completed.stdout
    assert "test_torch_agreement.py::" not in completed.stdout


def test_slow_tests_run_in_the_whole_suite_and_where_the_expression_names_them() -> None:
    """`-m "not torch"` (the static suite) leaves the `slow` tests out; the plain command runs them."""
    from conftest import leaves_slow_out

    assert leaves_slow_out("not torch") and leaves_slow_out("process") and leaves_slow_out("not slowly")
    assert not leaves_slow_out("") and not leaves_slow_out("  ")
    assert not leaves_slow_out("slow") and not leaves_slow_out("not torch and slow")
    assert not leaves_slow_out("not torch and not slow")  # named: pytest's own `-m` decides
