"""What a module class's attribute holds when the class is built with its default arguments, read
from the `default_construction` index fact of each `__init__` (analysis/default_construction.py) along
the class's hierarchy: TS361 (absent) and TS362 (`None`, then called) report from these answers."""

from __future__ import annotations

from typing import Optional, Tuple

from tslint.index.model import DYNAMIC_ATTRIBUTES

# ("absent", "none", "held:<what>" (analysis/held_values.py) or "flag:True"/"flag:False" (a bool), the
# class whose `__init__` decides it,
# the deciding parameters with their defaults)
State = Tuple[str, str, Tuple[Tuple[str, str], ...]]


def default_state(klass, name: str, index=None) -> Optional[State]:
    """For attribute `name` of the module class `klass` (a CompiledClass) built with its defaults:
    ("absent", "none" or "held:<what>", the class whose `__init__` decides it, the parameters that decide it with their
    defaults), or None when that is not known. Known only when one class's `__init__` is the only code
    in the hierarchy that assigns `name`, nothing in a class body names it but a plain class-level
    value or annotation (then only "absent"), and every `__init__` between `klass` and that class
    calls `super().__init__` without passing the deciding parameters."""
    # Beside torch's own module bases (`_Loss`, given `index`), what the project's `__init__` leaves is
    # known unless the attribute is absent (a torch base may create it).
    torch_bases = index is not None and klass.unknown_bases and not index.has_bases_outside_torch(klass.info)
    if (klass.unknown_bases and not torch_bases) or DYNAMIC_ATTRIBUTES in klass.attributes:
        return None
    if name in klass.methods:
        return None
    # A class-level value or annotation (`scale: float = 1.0`) is no attribute of the scripted module
    # unless it is a constant: torch reads the instance's `__dict__` (probed: "Module 'Net' has no
    # attribute 'scale'" when `__init__` sets it only under a flag). It leaves only "absent" known.
    class_level = name in klass.class_attributes or name in klass.annotations
    if class_level and name in klass.constants:
        return None
    owners = [c for c in klass.mro if name in c.attributes]
    methods = {a.method for c in owners for a in c.attributes[name]}
    if len(methods) == 1 and methods != {"__init__"}:
        return None if class_level else _set_by_method(klass, name, methods.pop())
    if len(owners) != 1 or methods != {"__init__"}:
        return None
    owner = owners[0]
    init = owner.methods.get("__init__")
    fact = init.fact("default_construction", ()) if init is not None else ()
    if not fact:
        return None
    positional, none, absent = fact[:3]
    found = [("none", decided) for n, decided in none if n == name] + [
        ("absent", decided) for n, decided in absent if n == name
    ]
    found += [(f"held:{what}", decided) for n, what, decided in fact[5] if n == name]
    found += [(f"flag:{value}", decided) for n, value, decided in fact[6] if n == name]
    if not found or (torch_bases and found[0][0] == "absent") or (class_level and found[0][0] != "absent"):
        return None
    (state, decided), deciding = found[0], {p for p, _ in found[0][1]}
    caller = None
    for current in klass.mro:
        if current is owner:
            break
        own = current.methods.get("__init__")
        if own is None:
            continue
        call = own.fact("default_construction", ())
        if not call or call[4] is None:
            return None  # it does not (visibly) run the base's `__init__`
        caller = call[4]
    else:
        return None
    if caller is not None:
        count, keywords, star = caller
        if star or deciding & (set(positional[:count]) | set(keywords)):
            return None
    return state, owner.name, decided


def _set_by_method(klass, name: str, method: str) -> Optional[State]:
    """`name` stored only by `method` from its parameter (`self.processor = processor`), which the
    first `__init__` of the class's hierarchy calls last with `None` on every default path."""
    setter = klass.methods.get(method)
    stored = [(p, i) for a, p, i in (setter.fact("parameter_setters", ()) if setter else ()) if a == name]
    init_class = next((c for c in klass.mro if "__init__" in c.methods), None)
    if len(stored) != 1 or init_class is None:
        return None
    fact = init_class.methods["__init__"].fact("default_construction", ())
    if not fact:
        return None
    parameter, position = stored[0]
    keys = (f"{method}({position})", f"{method}({parameter})")
    found = [decided for key, decided in fact[1] if key in keys]
    present = [key for key in fact[3] if key in keys]
    if len(found) != 1 or len(present) != 1:
        return None
    return "none", init_class.name, found[0]


def default_described(classes, name: str, state: str, index=None) -> Optional[Tuple[str, str]]:
    """When attribute `name` is in `state` ("absent" or "none") for every class in `classes` (the
    (qualified name, CompiledClass) pairs a function is compiled for) built with its defaults: the
    deciding class's name and its deciding defaults as code (`use_bias=False`); else None."""
    if not classes:
        return None
    shown = None
    for _, klass in classes:
        found = default_state(klass, name, index)
        if found is None or found[0] != state:
            return None
        if shown is None:
            defaults = ", ".join(f"`{p}={code}`" for p, code in found[2]) or "no argument decides it"
            shown = (found[1], defaults)
    return shown


INSTANCE = "held:instance:"


def default_built(classes, name: str) -> Optional[Tuple[str, str, str]]:
    """When attribute `name` holds what one call built (`nn.GroupNorm(...)`) for every class in
    `classes` built with its defaults: (the callee's qualified name, the deciding class's name, its
    deciding defaults as code); else None."""
    if not classes:
        return None
    shown = None
    for _, klass in classes:
        found = default_state(klass, name)
        if found is None or not found[0].startswith(INSTANCE):
            return None
        callee = found[0][len(INSTANCE) :]
        if shown is not None and callee != shown[0]:
            return None
        if shown is None:
            defaults = ", ".join(f"`{p}={code}`" for p, code in found[2]) or "no argument decides it"
            shown = (callee, found[1], defaults)
    return shown


def asserted_not_none(function, self_name: str, name: str) -> bool:
    """Whether `function` (a libcst FunctionDef) asserts `self.<name> is not None` anywhere: for an
    instance where it is `None` the assert always fails, and torch does not compile what follows it."""
    import libcst as cst

    from tslint.analysis.traversal import LEAF_TYPES, walk

    found: list = []

    def enter(node) -> bool:
        if type(node) is cst.Assert:  # a concrete class: no ABC check on every node that is not one
            walk(node.test, lambda inner: _not_none_test(inner, self_name, name, found) or True)
        return not found

    walk(function, enter, skipped=LEAF_TYPES)  # no leaf is an assert or holds one
    return bool(found)


def _not_none_test(node, self_name: str, name: str, found: list) -> None:
    import libcst as cst

    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        left, target = node.left, node.comparisons[0]
        if (
            isinstance(target.operator, cst.IsNot)
            and isinstance(target.comparator, cst.Name)
            and target.comparator.value == "None"
            and isinstance(left, cst.Attribute)
            and isinstance(left.value, cst.Name)
            and left.value.value == self_name
            and left.attr.value == name
        ):
            found.append(node)
