"""Which names torch makes constants of a module class (tslint/analysis/class_constants.py): the
nearest `__constants__` and the `Final`s of the annotations torch reads, not the union over the
hierarchy. The torch-checked cases are fixtures (compiled_scope.py, constants.py, attributes.py,
future_attributes.py); these pin the lookup, and the case torch itself answers two ways."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from tslint.analysis.class_constants import ClassConstants, class_constants
from tslint.index.indexer import index_file
from tslint.index.project import ProjectIndex

HEADER = "from typing import Final\nimport torch.nn as nn\n"


def constants_of(source: str, name: str) -> ClassConstants:
    text = HEADER + textwrap.dedent(source)
    file = index_file("m.py", cst.parse_module(text), "m", False)[0]
    index = ProjectIndex([file])
    return class_constants(index, index.classes[f"m.{name}"])


def test_a_subclass_list_drops_the_base_names() -> None:
    found = constants_of(
        """
        class Base(nn.Module):
            __constants__ = ["a"]
        class Sub(Base):
            __constants__ = ["b"]
        class Plain(Base):
            pass
        """,
        "Sub",
    )
    assert (found.listed, found.possible, found.open) == ({"b"}, {"b"}, False)
    assert found.kind("a") == "" and found.kind("b") == "listed in `__constants__`"
    assert found.declared == {"a", "b"}


def test_a_subclass_without_a_list_inherits_the_nearest() -> None:
    source = """
        class Base(nn.Module):
            __constants__ = ["a"]
        class Middle(Base):
            __constants__ = ["b"]
        class Sub(Middle):
            pass
        """
    assert constants_of(source, "Sub").listed == {"b"}


def test_the_nearest_list_in_python_order_not_depth_first() -> None:
    # Python's order is Sub, Left, Right, Root: Right's list comes before Root's.
    found = constants_of(
        """
        class Root(nn.Module):
            __constants__ = ["root"]
        class Left(Root):
            pass
        class Right(Root):
            __constants__ = ["right"]
        class Sub(Left, Right):
            pass
        """,
        "Sub",
    )
    assert found.listed == {"right"}


@pytest.mark.parametrize(
    ("listing", "names"),
    [
        ('__constants__ = Base.__constants__ + ["b"]', {"a", "b"}),
        ('__constants__ = ["b"] + Base.__constants__', {"a", "b"}),
        ('__constants__ = ["b"]\n    __constants__ += Base.__constants__', {"a", "b"}),
        ('__constants__ = ["b"]\n    __constants__ += ("c",)', {"b", "c"}),
        ('__constants__ = ("b",) + ("c",)', {"b", "c"}),
        ('__constants__ = [*Base.__constants__, "b"]', {"a", "b"}),
        ('__constants__ = list(Base.__constants__) + ["b"]', {"a", "b"}),
        ('__constants__ = ["b"]\n    __constants__.append("c")', {"b", "c"}),
        ('__constants__ = ["b"]\n    __constants__.extend(Base.__constants__)', {"a", "b"}),
        ('__constants__ = ["b"]\n    __constants__ = __constants__ + ["c"]', {"b", "c"}),
        ('__constants__: List[str] = ["b"]', {"b"}),
        ("__constants__ = Middle.__constants__", {"a"}),
        ('__constants__ = Middle.__constants__ + ["b"]', {"a", "b"}),
    ],
)
def test_a_list_built_from_literals_and_bases_holds_what_python_builds(listing: str, names: set) -> None:
    """The value Python builds running the body, which torch reads (each form probed, torch 2.13);
    `Middle.__constants__` is the nearest in Middle's order, its base's."""
    source = f"""
        from typing import List

        class Base(nn.Module):
            __constants__ = ["a"]
        class Middle(Base):
            pass
        class Sub(Middle):
            {listing.replace(chr(10) + "    ", chr(10) + "            ")}
        """
    found = constants_of(source, "Sub")
    assert (found.listed, found.possible, found.open) == (names, names, False)


@pytest.mark.parametrize(
    "listing",
    [
        '__constants__ = ("b",) + Base.__constants__',  # a tuple and a list: TypeError
        '__constants__ = nn.Linear.__constants__ + ["b"]',  # torch's own list
        '__constants__ = Base.__constants__\n    __constants__ += ["b"]',  # extends Base's own list
        '__constants__ += ["b"]',  # nothing bound yet: NameError
        'if True:\n        __constants__ = ["b"]',  # which binding runs is not read
        '__constants__ = ["b", "c"]\n    __constants__.remove("c")',
        '__constants__ = ["b"]\n    del __constants__',
        '__constants__ = sorted(["b"])',
        '__constants__ = Unknown.__constants__ + ["b"]',
    ],
)
def test_a_list_tslint_does_not_read_leaves_every_name_possible(listing: str) -> None:
    source = f"""
        class Base(nn.Module):
            __constants__ = ["a"]
        class Sub(Base):
            {listing.replace(chr(10) + "    ", chr(10) + "            ")}
        """
    found = constants_of(source, "Sub")
    assert found.listed == set() and found.open and {"a", "b"} <= found.possible
    assert found.kind("a") is None and found.kind("b") is None and found.kind("zzz") is None


def test_a_base_list_in_another_file_is_read_through_the_import() -> None:
    base = HEADER + 'class Base(nn.Module):\n    __constants__ = ("a",)\n'
    sub = "from pkg import base\nclass Sub(base.Base):\n    __constants__ = base.Base.__constants__ + ('b',)\n"
    files = [
        index_file("pkg/base.py", cst.parse_module(base), "pkg.base", False)[0],
        index_file("pkg/sub.py", cst.parse_module(sub), "pkg.sub", False)[0],
    ]
    index = ProjectIndex(files)
    found = class_constants(index, index.classes["pkg.sub.Sub"])
    assert (found.listed, found.open) == ({"a", "b"}, False)


def test_a_body_that_only_reads_a_base_list_binds_none() -> None:
    found = constants_of(
        """
        class Base(nn.Module):
            __constants__ = ["a"]
        class Sub(Base):
            names = Base.__constants__
            print(Base.__constants__)
        """,
        "Sub",
    )
    assert (found.listed, found.open) == ({"a"}, False)


@pytest.mark.parametrize(
    ("rebinding", "value", "names"),
    [('__constants__ += ["flag"]', "1", {"a", "flag"}), ('__constants__: List[str] = ["flag"]', '{"k": 1}', {"flag"})],
)
def test_a_later_binding_is_the_list_torch_reads(rebinding: str, value: str, names: set, tmp_path: Path) -> None:
    """The body's last binding of `__constants__` is the one torch reads: after `+=` or an annotated
    one, `flag` is a constant (the bad side of `if self.flag` is pruned: probed, torch 2.13), and
    after the annotated one `a` is none (its dict does not fail)."""
    source = f"""
        from typing import List

        class Net(nn.Module):
            __constants__ = ["a"]
            {rebinding}

            def __init__(self):
                super().__init__()
                self.a = {value}
                self.flag = False

            def forward(self, x):
                if self.flag:
                    return x.nonexistent_method()
                return x
        """
    found = constants_of(source, "Net")
    assert (found.listed, found.open) == (names, False)
    pytest.importorskip("torch")
    from torch_harness import load_module, script

    path = tmp_path / "rebound_constants.py"
    path.write_text(HEADER + textwrap.dedent(source))
    assert script(load_module(path, "fixture_rebound_constants").Net)[1] is None


def test_an_instance_list_comes_before_the_class_one(tmp_path: Path) -> None:
    """torch reads `__constants__` on the instance: one `__init__` sets comes first (its dict
    `table` fails, probed, torch 2.13), so tslint cannot tell which names are listed."""
    source = """
        class Net(nn.Module):
            __constants__ = ["size"]

            def __init__(self):
                super().__init__()
                self.__constants__ = ["table"]
                self.size = 3
                self.table = {"a": 1}

            def forward(self, x):
                return x
        """
    found = constants_of(source, "Net")
    assert found.listed == set() and found.open and found.kind("table") is None and found.kind("size") is None
    pytest.importorskip("torch")
    from torch_harness import load_module, script

    path = tmp_path / "instance_constants.py"
    path.write_text(HEADER + textwrap.dedent(source))
    assert "is not a valid constant" in (script(load_module(path, "fixture_instance_constants").Net)[1] or "")


def test_a_torch_base_first_may_hold_its_own_list() -> None:
    found = constants_of(
        """
        class Mixin(nn.Module):
            __constants__ = ["a"]
        class Sub(nn.Linear, Mixin):
            pass
        """,
        "Sub",
    )
    assert found.listed == set() and found.open and found.possible == {"a"}


def test_own_annotations_hide_a_base_final() -> None:
    source = """
        class Base(nn.Module):
            flag: Final[bool]
        class Annotated(Base):
            depth: int
        class Plain(Base):
            pass
        """
    annotated = constants_of(source, "Annotated")
    assert (annotated.finals, annotated.possible, annotated.kind("flag")) == (set(), set(), "")
    plain = constants_of(source, "Plain")
    assert (plain.finals, plain.kind("flag")) == ({"flag"}, "annotated `Final`")


def test_a_final_with_future_annotations_is_no_final() -> None:
    text = "from __future__ import annotations\n" + HEADER + "class Net(nn.Module):\n    flag: Final[bool]\n"
    file = index_file("m.py", cst.parse_module(text), "m", False)[0]
    index = ProjectIndex([file])
    assert class_constants(index, index.classes["m.Net"]).possible == set()


MIXED = """
class Base(nn.Module):
    flag: Final[bool]
class Mixin(nn.Module):
    pass
class Mixed(Mixin, Base):
    pass
"""


def test_finals_behind_a_second_base_are_only_possible() -> None:
    # Python's order finds Base's annotations; torch's walk of `__bases__` finds nn.Module's first.
    found = constants_of(MIXED, "Mixed")
    assert (found.finals, found.possible, found.kind("flag")) == (set(), {"flag"}, None)


def test_torch_answers_the_mixed_case_two_ways(tmp_path: Path) -> None:
    """Why tslint stays silent there: on Python 3.10+ the first scripting of the class reads Base's
    annotations through the instance, and leaves an empty `__annotations__` on the class, so that
    the second walks `__bases__` depth-first and finds nn.Module's (torch 2.13, Python 3.11)."""
    pytest.importorskip("torch")
    from torch_harness import load_module, script

    path = tmp_path / "mixed_final.py"
    net = """
        class Net(Mixed):
            def __init__(self):
                super().__init__()
                self.flag = False

            def forward(self, x):
                if self.flag:
                    return x.nonexistent_method()
                return x
        """
    path.write_text(HEADER + MIXED + textwrap.dedent(net))
    cls = load_module(path, "fixture_mixed_final").Net
    assert script(cls)[1] is None  # `flag` a constant: the bad side is pruned
    assert "nonexistent_method" in (script(cls)[1] or "")


def _lint(tmp_path: Path, files: dict, jobs: int = 1):
    from tslint.api import lint_paths
    from tslint.config import Config

    for name, source in files.items():
        (tmp_path / name).write_text(HEADER + textwrap.dedent(source))
    return lint_paths([str(tmp_path)], Config(select=("TS372", "TS002")), jobs=jobs).diagnostics


def test_an_unread_constant_read_in_a_base_of_another_file_is_reported_at_the_read(tmp_path: Path) -> None:
    # The base's helper reads it, compiled for `Sub` only: TS372 reports that read (in base.py),
    # and not also `Sub`'s assignment, which it does when nothing compiled reads the constant.
    base = """
        class Base(nn.Module):
            def helper(self, x):
                return x * self.table["a"]
        """
    sub = """
        from base import Base

        class Sub(Base):
            __constants__ = ["table"]

            def __init__(self):
                super().__init__()
                self.table = {"a": 1}

            def forward(self, x):
                return self.helper(x)
        """
    found = _lint(tmp_path, {"base.py": base, "sub.py": sub})
    assert [(Path(d.filename).name, d.location.row, d.symbol) for d in found] == [("base.py", 6, "Base.helper")]
    unread = sub.replace("return self.helper(x)", "return x")
    found = _lint(tmp_path, {"sub.py": unread})
    assert [(Path(d.filename).name, d.location.row, d.location.column, d.symbol) for d in found] == [
        ("sub.py", 11, 9, "Sub.__init__")
    ]


def test_an_unread_constant_is_reported_where_the_class_gives_its_value(tmp_path: Path) -> None:
    source = """
        class Net(nn.Module):
            names: Final = {"a", "b"}
            table: Final = {"a": 1}  # noqa: TS372

            def __init__(self):
                super().__init__()
                self.size = 3

            def forward(self, x):
                return x

        class Layered(nn.Module):
            __constants__ = ["table"]

            def __init__(self):
                super().__init__()
                self.table = {
                    "a": 1,
                }

            def forward(self, x):
                return x
        """
    found = _lint(tmp_path, {"net.py": source})
    assert [(d.code, d.location.row, d.location.column, d.end_location.column, d.symbol) for d in found] == [
        ("TS372", 5, 5, 10, "Net"),
        ("TS372", 20, 9, 19, "Layered.__init__"),
    ]
    assert found[0].message.startswith("`Net.names` is a module constant (annotated `Final`) holding a set")


PARAMETER_DICT = """
    from typing import Tuple

    class Names(nn.ParameterDict):
        names: Final[Tuple[str, ...]] = set(dir(nn.ParameterDict))

        def sorted_keys(self):
            return sorted(self.keys())
    """


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_invalid_constant_of_a_class_torch_compiles_nothing_of_is_reported(tmp_path: Path, jobs: int) -> None:
    # No `forward`: no function of the file is compiled, yet torch builds the type and fails,
    # scripted alone or as a submodule (the fixture BadUnreadSetOnParameterDict runs it in torch).
    found = _lint(tmp_path, {"names.py": PARAMETER_DICT}, jobs=jobs)
    assert [(Path(d.filename).name, d.location.row, d.location.column, d.symbol) for d in found] == [
        ("names.py", 7, 5, "Names")
    ]


def test_a_base_without_forward_that_other_classes_derive_from_is_not_reported(tmp_path: Path) -> None:
    # Scripted alone the base would fail, but a base without `forward` is built through its
    # subclasses, here one that rebinds the constant to a tuple: scripting it compiles.
    source = textwrap.dedent(PARAMETER_DICT) + textwrap.dedent(
        """
        class Sub(Names):
            names: Final[Tuple[str, ...]] = ("a", "b")

            def forward(self, x):
                return x
        """
    )
    assert not _lint(tmp_path, {"names.py": source})
    pytest.importorskip("torch")
    from torch_harness import load_module, script

    path = tmp_path / "names.py"
    assert script(load_module(path, "fixture_names_sub").Sub)[1] is None
    # Nothing derives from it here, but its `forward` only raises: a base all the same.
    abstract = PARAMETER_DICT.replace(
        "def sorted_keys(self):",
        "def forward(self, x):\n            raise NotImplementedError\n\n        def sorted_keys(self):",
    )
    assert "raise NotImplementedError" in abstract
    assert not _lint(tmp_path, {"names.py": abstract})


def test_an_unread_constant_of_a_class_compiled_only_in_a_base_file_is_reported(tmp_path: Path) -> None:
    # `Sub` inherits `forward` from base.py: its own file compiles nothing, yet its type is built.
    base = """
        class Base(nn.Module):
            def forward(self, x):
                return x
        """
    sub = """
        from base import Base

        class Sub(Base):
            __constants__ = ["table"]

            def __init__(self):
                super().__init__()
                self.table = {"a": 1}
        """
    found = _lint(tmp_path, {"base.py": base, "sub.py": sub})
    assert [(Path(d.filename).name, d.location.row, d.symbol) for d in found] == [("sub.py", 11, "Sub.__init__")]
    pytest.importorskip("torch")
    from torch_harness import load_module, script

    sys.path.insert(0, str(tmp_path))
    try:
        error = script(load_module(tmp_path / "sub.py", "fixture_sub_compiled_in_base").Sub)[1]
    finally:
        sys.path.remove(str(tmp_path))
    assert "'dict' object in attribute 'Sub.table' is not a valid constant" in (error or "")


def test_a_class_defined_under_a_top_level_if_is_found_as_the_index_finds_it(tmp_path: Path) -> None:
    """The class-body binding of an unread constant is looked up among the module's classes as the
    project index keeps them: under a top-level `if`/`try` too, and the first of a repeated name."""
    source = """
        import sys

        if sys.version_info >= (3, 9):

            class Net(nn.Module):
                table: Final = {"a": 1}

                def forward(self, x):
                    return x
        """
    found = _lint(tmp_path, {"net.py": source})
    assert [(d.code, d.location.row, d.symbol) for d in found] == [("TS372", 9, "Net")]


def test_a_list_a_subclass_extends_in_place_is_unknown_wherever_it_is_read() -> None:
    """`__constants__ = Base.__constants__` then `+=` extends Base's list itself: Base and a sibling
    reading it have `b` as a constant once Extender's body ran (probed, torch 2.13); a list built
    from Base's holds it or not by the order the modules ran in. A list of its own is unaffected."""
    source = """
        class Base(nn.Module):
            __constants__ = ["a"]
        class Extender(Base):
            __constants__ = Base.__constants__
            __constants__ += ["b"]
        class Sibling(Base):
            pass
        class Joined(Base):
            __constants__ = Base.__constants__ + ["c"]
        class Own(Base):
            __constants__ = ["c"]
        """
    for name in ("Base", "Extender", "Sibling", "Joined"):
        found = constants_of(source, name)
        assert found.listed == set() and found.open and {"a", "b"} <= found.possible, name
    found = constants_of(source, "Own")
    assert (found.listed, found.open) == ({"c"}, False)
