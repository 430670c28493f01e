"""The names analysis (tslint/analysis/names.py): torch's frontend model of names, step by step.
What torch does for each case is checked on the fixtures (fixtures/names.py) by
test_torch_agreement.py; these tests pin the model's details and its silences."""

from __future__ import annotations

import textwrap
from typing import List, Optional, Tuple

import libcst as cst
import pytest

from tslint.analysis.names import ModuleNames, NameFlow, module_names
from tslint.api import lint_text
from tslint.config import Config

NAMES_CODES = ("TS343", "TS344", "TS345")


def _flow(source: str, globals_: Optional[frozenset] = frozenset(), loops: Optional[str] = "real") -> NameFlow:
    module = cst.parse_module(textwrap.dedent(source))
    function = next(s for s in module.body if isinstance(s, cst.FunctionDef))
    return NameFlow(function, ModuleNames(globals_), lambda node, is_body: True, lambda iterable: loops)


def _problems(source: str, **options) -> List[Tuple[str, str]]:
    return [(p.kind, p.node.value) for p in _flow(source, **options).problems]


def _lint(source: str) -> List[Tuple[int, str]]:
    result = lint_text(textwrap.dedent(source), "model.py", Config())
    return sorted((d.location.row, d.code) for d in result.diagnostics if d.code in NAMES_CODES)


def test_a_name_in_one_branch_is_an_error_only_when_read_after_the_join() -> None:
    assert _problems("def f(x, c):\n    if c:\n        y = x\n    return x\n") == []
    flow = _flow("def f(x, c):\n    if c:\n        y = x\n    return y\n")
    (problem,) = flow.problems
    assert problem.kind == "join" and problem.join.branch == "false"


@pytest.mark.parametrize("ending", ["return x", "raise ValueError('no')", "assert False"])
def test_a_branch_that_leaves_the_function_needs_no_value(ending: str) -> None:
    source = f"def f(x, c):\n    if c:\n        y = x\n    else:\n        {ending}\n    return y\n"
    assert _problems(source) == []


def test_continue_and_break_do_not_end_a_branch_for_the_join() -> None:
    source = (
        "def f(x, n):\n    for i in range(n):\n        if i:\n            y = x\n        else:\n            "
        "continue\n        x = y\n    return x\n"
    )
    assert _problems(source) == [("join", "y")]


def test_the_pending_error_outlives_the_loop() -> None:
    # torch: "found is not defined in the false branch", at the `if` inside the loop.
    source = (
        "def f(x, n):\n    for i in range(n):\n        if i > 2:\n            found = x\n            break\n    "
        "return found\n"
    )
    (problem,) = _flow(source).problems
    assert problem.kind == "join" and problem.join.statement.test.left.value == "i"


def test_when_neither_branch_defines_the_name_the_false_branch_error_stays() -> None:
    source = textwrap.dedent("""\
        def f(x, a, b, c):
            if a:
                if b:
                    y = x
            else:
                if c:
                    y = x
            return y
    """)
    (problem,) = _flow(source).problems
    assert problem.join.statement.test.value == "c"


def test_del_in_a_branch_removes_the_name_for_the_other_branch_and_after() -> None:
    source = "def f(x, c):\n    y = x\n    if c:\n        del y\n    else:\n        del y\n    return y\n"
    assert _problems(source) == [("unset", "y"), ("unset", "y")]


def test_a_real_loop_keeps_nothing_it_binds_first() -> None:
    source = "def f(x, n):\n    for i in range(n):\n        y = x\n    return y + i\n"
    assert sorted(_problems(source)) == [("unset", "i"), ("unset", "y")]
    predefined = "def f(x, n):\n    i = 0\n    y = x\n    for i in range(n):\n        y = x\n    return y + i\n"
    assert _problems(predefined) == []


@pytest.mark.parametrize("kind", ["unrolled", None])
def test_unrolled_or_unknown_loops_are_silent(kind: Optional[str]) -> None:
    source = "def f(x, layers):\n    for layer in layers:\n        y = layer(x)\n    return y\n"
    assert _problems(source, loops=kind) == []


def test_an_earlier_iteration_does_not_count() -> None:
    source = (
        "def f(x, n):\n    for i in range(n):\n        if i:\n            x = x + prev\n        prev = x\n    return "
        "x\n"
    )
    (problem,) = _flow(source).problems
    assert problem.kind == "unset" and "iteration" in problem.reason


def test_comprehension_variables_stay_inside() -> None:
    source = "def f(x):\n    s = [x * i for i in range(3)]\n    return s[0] + i\n"
    (problem,) = _flow(source).problems
    assert problem.node.value == "i" and "comprehension" in problem.reason


def test_globals_builtins_and_typing_resolve_and_unknown_globals_are_silent() -> None:
    source = "def f(x):\n    a = torch.jit.annotate(List[int], [])\n    return helper(len(a)) + Missing\n"
    assert _problems(source, globals_=frozenset({"torch", "helper"})) == [("undefined", "Missing")]
    assert _problems(source, globals_=None) == []


def test_a_local_read_before_assignment_falls_back_to_a_global() -> None:
    source = "def f(x):\n    z = y + 1\n    y = x\n    return z\n"
    assert _problems(source, globals_=frozenset({"y"})) == []
    assert _problems(source) == [("unset", "y")]


@pytest.mark.parametrize("statement", ["try:\n        pass\n    except Exception:\n        pass", "global G"])
def test_functions_the_model_does_not_cover_are_silent(statement: str) -> None:
    assert _problems(f"def f(x):\n    {statement}\n    return Missing\n") == []


@pytest.mark.parametrize(
    "header, provided",
    [
        ("from torch.nn.functional import *", None),
        ("from typing import *", False),  # torch falls back to `typing` anyway
        ("globals()['Missing'] = 1", None),
        ("import sys\nsetattr(sys.modules[__name__], 'Missing', 1)", None),
        ("def g():\n    global Missing\n    Missing = 1", True),
        ("if TYPE_CHECKING:\n    from x import Missing", True),
        ("try:\n    import Missing\nexcept ImportError:\n    pass", True),
    ],
)
def test_module_globals(header: str, provided: Optional[bool]) -> None:
    source = f"import torch\n{header}\n"
    assert module_names(cst.parse_module(source), source).provides("Missing") is provided


def test_the_rules_on_a_module() -> None:
    source = """\
        import torch
        import torch.nn as nn


        class Net(nn.Module):
            def forward(self, x: torch.Tensor, flag: bool) -> torch.Tensor:
                if flag:
                    y = x
                for i in range(3):
                    z = x
                if torch.jit.is_scripting():
                    w = x
                if not torch.jit.is_scripting():
                    return Undefined(x)
                return y + z + w + Nowhere
        """
    assert _lint(source) == [(7, "TS344"), (15, "TS343"), (15, "TS345")]


def test_names_bound_only_under_type_checking() -> None:
    source = textwrap.dedent("""\
        from typing import TYPE_CHECKING
        import typing
        if TYPE_CHECKING:
            from a import Guarded, Both
            from b import WithElse
        else:
            WithElse = int
        if typing.TYPE_CHECKING:
            import c
        Both = float
        """)
    found = module_names(cst.parse_module(source), source)
    assert found.type_checking_only == frozenset({"Guarded", "c"})
    assert found.provides("Guarded") is True  # a global for the value rules (TS343 stays silent)


def _roots(annotation: str) -> List[str]:
    from tslint.analysis.compiled_names import annotation_roots

    expression = cst.parse_expression(annotation)

    def qualify(node: cst.BaseExpression) -> Optional[str]:
        return "typing.Literal" if isinstance(node, cst.Name) and node.value == "Literal" else None

    return sorted(name for name, _ in annotation_roots(expression, qualify))


def test_annotation_roots_read_strings_and_skip_literals() -> None:
    assert _roots('Optional["np.ndarray"]') == ["Optional", "np"]
    assert _roots('"List[Foo] | None"') == ["Foo", "List", "None"]
    assert _roots('Literal["Foo"]') == ["Literal"]
    assert _roots("\"Literal['x']\"") == ["Literal"]
    assert _roots('"List[int"') == []  # does not parse: nothing to resolve


def _unknown_type_names(source: str) -> List[Tuple[int, str]]:
    result = lint_text(textwrap.dedent(source), "model.py", Config())
    return sorted((d.location.row, d.code) for d in result.diagnostics if d.code == "TS347")


def test_unknown_type_names_stay_silent_where_the_globals_are_unknown() -> None:
    body = """\
        import torch
        import torch.nn as nn
        {header}

        class Net(nn.Module):
            def forward(self, x: torch.Tensor, c: "Confg") -> torch.Tensor:
                return x
        """
    assert _unknown_type_names(body.format(header="")) == [(6, "TS347")]
    assert _unknown_type_names(body.format(header="from elsewhere import *")) == []
    assert _unknown_type_names(body.format(header="globals()['Confg'] = int")) == []


def test_an_is_none_test_the_type_model_decides_prunes_one_side() -> None:
    # `out: Tensor = None` stays a Tensor in torch, so `out is None` is False while compiling: only
    # the `else` side is compiled, and its names reach the join alone. An Optional stays undecided:
    # both sides may be compiled, and a name one side lacks is then silent (unknown), not reported.
    source = """\
        from typing import Optional
        import torch
        import torch.nn as nn


        class Net(nn.Module):
            def forward(self, x: torch.Tensor, out: torch.Tensor = None, k: Optional[int] = None) -> torch.Tensor:
                if out is None:
                    return x + missing
                else:
                    y = x
                if out is not None:
                    w = x
                if k is None:
                    v = x
                for i in range(3):
                    if out is None:
                        z = x
                    else:
                        z = z + x
                return y + w + v
        """
    assert _lint(source) == [(20, "TS345")]


def test_a_grad_mode_decorator_moves_the_global_lookup_to_torch_contextlib() -> None:
    source = """\
        import torch
        import torch.nn as nn
        from torch import no_grad


        class Net(nn.Module):
            @no_grad()
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return helper(x) + len([1])

            @torch.jit.ignore
            @torch.inference_mode()
            def ignored(self, x: torch.Tensor) -> torch.Tensor:
                return torch.relu(x)


        def helper(x: torch.Tensor) -> torch.Tensor:
            return x
        """
    assert _lint(source) == [(9, "TS343")]
