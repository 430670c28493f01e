"""What tslint assumes of libcst's node classes, checked against the installed libcst.

The walks and the rule dispatch test a node's exact type (`type(node) is cst.Name`, hooks looked up
by `type(node)`) where libcst's ABCs make `isinstance` slow. That is right only while no concrete node
class tslint names has a subclass: a libcst release adding one (a `Name` subclass, say) would make
tslint skip those nodes silently. This test fails first, naming the class."""

from __future__ import annotations

import gc
import inspect
import re
from pathlib import Path

import libcst as cst

PACKAGE = Path(__file__).resolve().parent.parent / "tslint"
# `cst.Name`, and the node types of rule hooks (`visit_Name`, `leave_Name`), which dispatch by exact type.
_NAMED = re.compile(r"\bcst\.([A-Z]\w*)|\bdef (?:visit|leave)_([A-Z]\w*)\b")


def _named_node_classes():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in _NAMED.finditer(path.read_text(encoding="utf-8")):
            name = match.group(1) or match.group(2)
            node_class = getattr(cst, name, None)
            if isinstance(node_class, type) and issubclass(node_class, cst.CSTNode):
                found.setdefault(node_class, path.relative_to(PACKAGE.parent))
    return found


def _subclasses(node_class):
    for subclass in node_class.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def test_tslint_names_libcst_node_classes():
    named = _named_node_classes()
    # The scan itself must find what tslint is built on, or the check below proves nothing.
    assert {cst.Name, cst.Call, cst.Attribute, cst.FunctionDef, cst.ClassDef} <= set(named)
    assert len(named) > 50


def test_concrete_node_classes_tslint_names_have_no_subclasses():
    concrete = {cls: where for cls, where in _named_node_classes().items() if not inspect.isabstract(cls)}
    subclassed = {
        f"cst.{cls.__name__} ({where})": sorted(sub.__qualname__ for sub in _subclasses(cls))
        for cls, where in concrete.items()
        if any(True for _ in _subclasses(cls))
    }
    assert not subclassed, (
        "libcst now subclasses node classes tslint tests by exact type; use traversal.kind_test "
        f"(or isinstance) for these: {subclassed}"
    )


def test_the_subclass_check_sees_a_subclass():
    class Shadow(cst.Name):
        pass

    try:
        assert list(_subclasses(cst.Name)) == [Shadow]
    finally:
        del Shadow
        # A class lives in a reference cycle: gone from __subclasses__ only once collected. The young
        # generations first: a full collection walks the whole heap of the test process (0.7 s in
        # an xdist worker holding the session's lints), and a class just made is rarely in it.
        for generation in (0, 1, 2):
            gc.collect(generation)
            if not list(_subclasses(cst.Name)):
                break
    assert not list(_subclasses(cst.Name))
