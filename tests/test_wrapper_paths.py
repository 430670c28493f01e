"""TS371's reading of a project decorator's return paths (rules/semantics/_wrapper_paths.py): a
`functools.wraps` wrapper on some paths and the decorated function itself on the others, and silence
for every other mix."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from tslint.analysis.imports import build_import_table
from tslint.rules.semantics._wrapper_paths import maybe_wraps_wrapper

HEAD = "import functools\nfrom functools import wraps\n\n"


def paths(body: str):
    module = cst.parse_module(HEAD + textwrap.dedent(body))
    (function,) = [s for s in module.body if isinstance(s, cst.FunctionDef)]
    imports = build_import_table(module, "deco", False, [function.name.value])
    found = maybe_wraps_wrapper(function, imports, None)
    return found[0] if found else None


HOOKED = """
def hooked(fn):
    if not ENABLED:
        return fn

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper
"""
NOT_YET_DUE = """
def deprecated_arg(name, since):
    if since > VERSION:
        return lambda obj: obj

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)

        return wrapper

    return decorator
"""
ALWAYS = """
def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper
"""
INNER_MAYBE = """
def checked(level):
    def decorator(fn):
        if level == 0:
            return fn

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs)

        return wrapper

    return decorator
"""


@pytest.mark.parametrize(
    ("source", "level"), [(HOOKED, 1), (NOT_YET_DUE, 2), (INNER_MAYBE, 2)], ids=["hooked", "not-yet-due", "inner"]
)
def test_some_paths_wrap(source: str, level: int) -> None:
    assert paths(source) == level


def test_closure_names_are_the_enclosing_functions() -> None:
    module = cst.parse_module(HEAD + textwrap.dedent(NOT_YET_DUE))
    function = module.body[-1]
    found = maybe_wraps_wrapper(function, build_import_table(module, "deco", False, ["deprecated_arg"]), None)
    assert {"name", "since", "func", "decorator", "wrapper"} <= set(found[1])


def test_every_path_wraps_is_ts343s() -> None:
    assert paths(ALWAYS) is None


@pytest.mark.parametrize(
    "source",
    [
        HOOKED.replace("return fn\n", "return REGISTRY.get(fn.__name__, fn)\n"),  # a path nobody can read
        HOOKED.replace("    @functools.wraps(fn)\n", ""),  # a plain wrapper: torch compiles it (TS329)
        HOOKED.replace("return fn\n", "return other(fn)\n"),
        NOT_YET_DUE.replace("lambda obj: obj", "lambda obj: None"),
        NOT_YET_DUE.replace("return decorator\n", "return build(decorator)\n"),
        HOOKED.replace("    return wrapper\n", ""),  # only the identity path
        HOOKED.replace("    return wrapper\n", "    def wrapper(x):\n        return x\n\n    return wrapper\n"),
    ],
    ids=["registry", "no-wraps", "call", "not-identity", "factory-call", "identity-only", "defined-twice"],
)
def test_other_mixes_are_unknown(source: str) -> None:
    assert paths(source) is None


def test_a_method_is_not_a_decorator() -> None:
    module = cst.parse_module(HEAD + textwrap.dedent(HOOKED))
    function = module.body[-1]
    assert maybe_wraps_wrapper(function, build_import_table(module, "deco", False, ["hooked"]), "deco.C") == ()
