"""TorchScript types as torch's operator schemas and annotations spell them, parsed without torch.

Two spellings are read: the schema syntax of `torch._C._jit_get_all_schemas()` (`Tensor(a!)`, `int[2]`,
`Tensor?[]`, `(Tensor, Tensor)`, `Dict(str, t)`, `Scalar`, `SymInt`) and the annotation syntax torch
prints in its messages and graphs (`List[int]`, `Optional[Tensor]`, `Tuple[int, int]`, `number`).
`str(t)` gives the annotation spelling (as torch's `annotation_str`), `schema_text(t)` the schema one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import List, Optional, Tuple

# Leaf types, by the name either spelling uses. `Scalar` is torch's NumberType, printed `number`.
LEAVES = {
    "Tensor": "Tensor",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "complex": "complex",
    "Scalar": "number",
    "number": "number",
    "None": "NoneType",
    "NoneType": "NoneType",
    "Any": "Any",
    "Device": "Device",
    "Generator": "Generator",
    "Stream": "Stream",
    "Storage": "Storage",
    "Capsule": "Capsule",
    "AnyEnumType": "AnyEnumType",
    "AnyClassType": "AnyClassType",
    "ScalarType": "ScalarType",
    "Layout": "Layout",
    "MemoryFormat": "MemoryFormat",
    "QScheme": "QScheme",
    "SymInt": "SymInt",
    "SymFloat": "SymFloat",
    "SymBool": "SymBool",
    "Dimname": "Dimname",
    # Not torch's: what the type checker knows nothing about (matches every type), and an
    # unannotated `[]` literal written in the call, which torch lets match any list type
    # (schema_matching.cpp, prim::EmptyListLiteral).
    "Unknown": "Unknown",
    "EmptyList": "EmptyList",
}

# Schema types torch's JIT represents by another type (schema_type_parser.cpp's "fake" types): a
# ScalarType argument takes an int, which is what `torch.float32` is in TorchScript.
FAKE = {
    "SymInt": "int",
    "ScalarType": "int",
    "Layout": "int",
    "MemoryFormat": "int",
    "SymFloat": "float",
    "SymBool": "bool",
    "Dimname": "str",
}

# Containers: kind -> how many element types (None: any number).
CONTAINERS = {"List": 1, "Optional": 1, "Tuple": None, "Dict": 2, "Future": 1, "RRef": 1, "Await": 1, "Union": None}
SCHEMA_SPELLING = {"number": "Scalar"}


@dataclass(frozen=True)
class JitType:
    """One TorchScript type. `kind` is a leaf name (`Tensor`, `int`, `number`, ...), a container
    (`List`, `Optional`, `Tuple`, `Dict`, `Future`, `RRef`, `Await`, `Union`), `Var` (a schema's type
    variable such as `t`, named by `name`) or `Class` (a qualified class name in `name`)."""

    kind: str
    items: Tuple[JitType, ...] = ()
    # `int[2]`: a list of fixed length; torch repeats a single int to it (isIntOrFloatUsedAsList).
    size: Optional[int] = None
    name: str = ""
    # An alias annotation (`a!` of `Tensor(a!)`): which values this one may share memory with, `!`
    # when the operator writes to it. It says nothing about the type, so equality ignores it.
    alias: str = field(default="", compare=False)

    def __str__(self) -> str:
        if self.kind in ("Var", "Class"):
            return self.name
        if self.kind in CONTAINERS:
            if self.kind == "Tuple" and not self.items:
                return "Tuple[()]"
            return f"{self.kind}[{', '.join(str(item) for item in self.items)}]"
        return self.kind

    @property
    def element(self) -> JitType:
        return self.items[0]


def unwrap_optional(jit_type: JitType) -> JitType:
    return jit_type.element if jit_type.kind == "Optional" else jit_type


def fixed_size(jit_type: JitType) -> Optional[int]:
    """The N of `int[N]` or `int[N]?` (torch's Argument.N)."""
    return unwrap_optional(jit_type).size


def leaf(kind: str) -> JitType:
    return JitType(LEAVES[kind])


TENSOR = leaf("Tensor")
INT = leaf("int")
FLOAT = leaf("float")
BOOL = leaf("bool")
STR = leaf("str")
NUMBER = leaf("number")
NONE = leaf("NoneType")
ANY = leaf("Any")
UNKNOWN = leaf("Unknown")


def list_of(element: JitType) -> JitType:
    return JitType("List", (element,))


def optional(element: JitType) -> JitType:
    return element if element.kind in ("Optional", "NoneType", "Any") else JitType("Optional", (element,))


def tuple_of(*elements: JitType) -> JitType:
    return JitType("Tuple", tuple(elements))


def schema_text(jit_type: JitType) -> str:
    """The schema spelling: `Tensor(a!)`, `int[2]`, `Tensor?[]`, `(Tensor, Tensor)`, `Dict(str, t)`."""
    kind = jit_type.kind
    if kind == "List":
        text = schema_text(jit_type.element) + (f"[{jit_type.size}]" if jit_type.size is not None else "[]")
    elif kind == "Optional":
        text = schema_text(jit_type.element) + "?"
    elif kind == "Tuple":
        text = "(" + ", ".join(schema_text(item) for item in jit_type.items) + ")"
    elif kind in CONTAINERS:
        text = f"{kind}(" + ", ".join(schema_text(item) for item in jit_type.items) + ")"
    elif kind in ("Var", "Class"):
        text = jit_type.name
    else:
        text = SCHEMA_SPELLING.get(kind, kind)
    return f"{text}({jit_type.alias})" if jit_type.alias else text


def fake(jit_type: JitType) -> JitType:
    """The type torch's JIT matches with: ScalarType, Layout, MemoryFormat and SymInt as int, ..."""
    if jit_type.kind in FAKE:
        return JitType(FAKE[jit_type.kind], alias=jit_type.alias)
    if jit_type.items:
        items = tuple(fake(item) for item in jit_type.items)
        if all(new is old for new, old in zip(items, jit_type.items)):
            return jit_type  # nothing faked inside (most types): the same type, not a copy
        return replace(jit_type, items=items)
    return jit_type


class TypeSyntaxError(ValueError):
    pass


@cache
def parse_type(text: str) -> JitType:
    """Parse a type in either spelling. Raises TypeSyntaxError on text that is neither."""
    parser = _TypeParser(text)
    result = parser.type()
    parser.skip_spaces()
    if parser.at < len(text):
        raise TypeSyntaxError(f"unexpected {text[parser.at :]!r} in type {text!r}")
    return result


class _TypeParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def skip_spaces(self) -> None:
        while self.at < len(self.text) and self.text[self.at] == " ":
            self.at += 1

    def peek(self) -> str:
        self.skip_spaces()
        return self.text[self.at] if self.at < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise TypeSyntaxError(f"expected {char!r} at {self.at} in type {self.text!r}")
        self.at += 1

    def identifier(self) -> str:
        self.skip_spaces()
        start = self.at
        while self.at < len(self.text) and (self.text[self.at].isalnum() or self.text[self.at] in "_."):
            self.at += 1
        if start == self.at:
            raise TypeSyntaxError(f"expected a type at {start} in {self.text!r}")
        return self.text[start : self.at]

    def type_list(self, closing: str) -> Tuple[JitType, ...]:
        items: List[JitType] = []
        if self.peek() == closing:
            self.at += 1
            return ()
        while True:
            items.append(self.type())
            if self.peek() == ",":
                self.at += 1
                continue
            self.expect(closing)
            return tuple(items)

    def alias(self) -> str:
        """`(a!)`, `(a -> *)`, `(a|b)` right after a type; '' when none follows."""
        if self.peek() != "(":
            return ""
        end = self.text.index(")", self.at)
        body = self.text[self.at + 1 : end]
        self.at = end + 1
        return body

    def type(self) -> JitType:
        if self.peek() == "(":  # schema tuple: (Tensor, Tensor)
            self.at += 1
            base = JitType("Tuple", self.type_list(")"))
        else:
            name = self.identifier()
            following = self.peek()
            if name in CONTAINERS and following in "([" and following:
                self.at += 1
                items = self.type_list(")" if following == "(" else "]")
                if name == "Tuple" and len(items) == 1 and items[0] == JitType("Tuple"):
                    items = ()  # Tuple[()]
                base = JitType(name, items)
                if CONTAINERS[name] is not None and len(items) != CONTAINERS[name]:
                    raise TypeSyntaxError(f"{name} takes {CONTAINERS[name]} types in {self.text!r}")
                if name == "Optional":
                    base = optional(items[0])
            elif name in LEAVES:
                base = JitType(LEAVES[name])
            elif "." in name:
                base = JitType("Class", name=name)
            elif name.isidentifier() and name[0].islower():
                base = JitType("Var", name=name)  # t, t1, tVal
            else:
                raise TypeSyntaxError(f"unknown type {name!r} in {self.text!r}")
        base = replace(base, alias=self.alias())
        return self.suffixes(base)

    def suffixes(self, base: JitType) -> JitType:
        while True:
            following = self.peek()
            if following == "?":
                self.at += 1
                base = JitType("Optional", (base,))
            elif following == "[":
                self.at += 1
                start = self.at
                while self.at < len(self.text) and self.text[self.at].isdigit():
                    self.at += 1
                size = int(self.text[start : self.at]) if self.at > start else None
                self.expect("]")
                base = JitType("List", (base,), size=size)
            else:
                return base
            base = replace(base, alias=self.alias())
