"""torch's signatures as data: operator schemas, the builtin table, the TorchScript signatures of the
Python functions torch compiles from source (torch.nn.functional, torch.functional), and the Tensor
attributes TorchScript knows.

The data is generated from the installed torch by tools/generate_signatures.py and shipped as
`torch_signatures.json.gz` beside this module; loading it never imports torch. It is read on first use
(`signatures()`), not at import.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from tslint.analysis.schema_types import JitType, TypeSyntaxError, parse_type, schema_text

DATA_FILE = Path(__file__).with_name("torch_signatures.json.gz")
FORMAT = 2


class _NoDefault:
    """The default of an argument torch requires (None is a real default)."""

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __reduce__(self) -> str:
        return "NO_DEFAULT"  # unpickled as this module's one marker, so `is` still works in workers


NO_DEFAULT = _NoDefault()


@dataclass(frozen=True)
class Argument:
    name: str
    type: JitType
    kwarg_only: bool = False
    default: Any = NO_DEFAULT  # a JSON value: None, bool, int, float, str or a list of them

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT

    @property
    def is_write(self) -> bool:
        """The operator writes to this argument (`Tensor(a!)`, `Tensor(a!)[]`)."""
        return _writes(self.type)


def _writes(jit_type: JitType) -> bool:
    return "!" in jit_type.alias or any(_writes(item) for item in jit_type.items)


@dataclass(frozen=True)
class Return:
    type: JitType
    name: str = ""


@dataclass(frozen=True)
class Schema:
    """One overload: `aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor`."""

    name: str  # aten::add; a Python function's plain name (relu6)
    overload: str  # Tensor; '' for none
    arguments: Tuple[Argument, ...]
    returns: Tuple[Return, ...]
    is_vararg: bool = False  # `...` in the arguments: any further positional arguments, unchecked
    is_varret: bool = False  # `-> ...`: the results are not described
    # Defined in TorchScript source by torch (builtin_functions.cpp), not a registered operator: tried
    # after the operators, and not consulted when torch decides whether `x.name` is a Tensor method.
    from_source: bool = False

    @property
    def namespace(self) -> str:
        return self.name.split("::", 1)[0] if "::" in self.name else ""

    def __str__(self) -> str:
        return format_schema(self)


def format_schema(schema: Schema) -> str:
    """The text torch prints for a schema (`str(torch._C.FunctionSchema)`)."""
    parts: List[str] = []
    star = False
    for argument in schema.arguments:
        if argument.kwarg_only and not star:
            parts.append("*")
            star = True
        text = f"{schema_text(argument.type)} {argument.name}"
        if argument.has_default:
            text += "=" + _format_default(argument.default)
        parts.append(text)
    if schema.is_vararg:
        parts.append("...")
    name = schema.name + (f".{schema.overload}" if schema.overload else "")
    return f"{name}({', '.join(parts)}) -> {_format_returns(schema)}"


def _format_returns(schema: Schema) -> str:
    if schema.is_varret:
        return "..."
    pieces = [schema_text(ret.type) + (f" {ret.name}" if ret.name else "") for ret in schema.returns]
    if len(pieces) == 1 and not schema.returns[0].name and schema.returns[0].type.kind != "Tuple":
        return pieces[0]
    return "(" + ", ".join(pieces) + ")"


def _format_default(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_format_default(item) for item in value) + "]"
    return repr(value)


class SchemaSyntaxError(ValueError):
    pass


def parse_schema(text: str) -> Schema:
    """Parse torch's printed form of a schema. Raises SchemaSyntaxError on anything else."""
    try:
        head, after = _split_top(text, " -> ", limit=1)
    except ValueError:
        raise SchemaSyntaxError(f"no ' -> ' in schema {text!r}") from None
    open_paren = head.find("(")
    if open_paren < 0 or not head.endswith(")"):
        raise SchemaSyntaxError(f"no argument list in schema {text!r}")
    qualified = head[:open_paren]
    namespace, _, rest = qualified.rpartition("::")
    base, _, overload = rest.partition(".")
    name = f"{namespace}::{base}" if namespace else base
    try:
        arguments, is_vararg = _parse_arguments(head[open_paren + 1 : -1])
        returns, is_varret = _parse_returns(after.strip())
    except (TypeSyntaxError, ValueError, SyntaxError) as error:
        raise SchemaSyntaxError(f"{error} in schema {text!r}") from None
    return Schema(name, overload, arguments, returns, is_vararg, is_varret)


def _split_top(text: str, separator: str, limit: int = -1) -> List[str]:
    """Split at `separator` outside brackets and string literals."""
    pieces: List[str] = []
    depth = 0
    quote = ""
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(separator, index) and len(pieces) != limit:
            # `->` inside an alias annotation is at depth 1, so this is the schema's arrow.
            pieces.append(text[start:index])
            index += len(separator)
            start = index
            continue
        index += 1
    pieces.append(text[start:])
    if limit > 0 and len(pieces) != limit + 1:
        raise ValueError(f"{separator!r} not found")
    return pieces


def _parse_arguments(text: str) -> Tuple[Tuple[Argument, ...], bool]:
    arguments: List[Argument] = []
    kwarg_only = False
    is_vararg = False
    for piece in (p.strip() for p in _split_top(text, ",")) if text.strip() else ():
        if piece == "*":
            kwarg_only = True
            continue
        if piece == "...":
            is_vararg = True
            continue
        declaration, default = piece, NO_DEFAULT
        pieces = _split_top(piece, "=")
        if len(pieces) == 2:
            declaration, default = pieces[0], ast.literal_eval(pieces[1].strip())
        type_text, _, name = declaration.strip().rpartition(" ")
        arguments.append(Argument(name, parse_type(type_text), kwarg_only, default))
    return tuple(arguments), is_vararg


def _parse_returns(text: str) -> Tuple[Tuple[Return, ...], bool]:
    if text == "...":
        return (), True
    if text.startswith("(") and _closing(text, 0) == len(text) - 1:
        pieces = [p.strip() for p in _split_top(text[1:-1], ",")] if text[1:-1].strip() else []
    else:
        pieces = [text]
    returns = []
    for piece in pieces:
        spaced = _split_top(piece, " ")
        if len(spaced) > 1 and spaced[-1].isidentifier():
            returns.append(Return(parse_type(" ".join(spaced[:-1])), spaced[-1]))
        else:
            returns.append(Return(parse_type(piece)))
    return tuple(returns), False


def _closing(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1


# --- the data file -------------------------------------------------------------------------------
# Compact form, one JSON document. Tables intern what schemas repeat: `types` every type's schema
# spelling, `arguments` every argument as [name, type index, kwarg_only, default?] (no fourth element:
# no default). A schema is [name, overload, [argument index...], returns, flags], a return a type index
# or [type index, name]; flags: 1 vararg, 2 varret, 4 from_source.
# `operators` maps an operator's name to the JSON text of its schemas' list (each row without the
# name): json.loads reads 4,400 nested schemas in ~16 ms but the same data as strings in ~2 ms, and a
# run of the linter looks up a few dozen operators, each decoded on first use.


@dataclass
class Tables:
    """The interning tables a document is written with."""

    types: Dict[str, int]
    arguments: Dict[str, int]

    def type_index(self, jit_type: JitType) -> int:
        return self.types.setdefault(schema_text(jit_type), len(self.types))

    def argument_index(self, argument: Argument) -> int:
        row: list = [argument.name, self.type_index(argument.type), int(argument.kwarg_only)]
        if argument.has_default:
            row.append(argument.default)
        return self.arguments.setdefault(json.dumps(row), len(self.arguments))


def encode_schema(schema: Schema, tables: Tables) -> list:
    arguments = [tables.argument_index(argument) for argument in schema.arguments]
    returns = [
        [tables.type_index(ret.type), ret.name] if ret.name else tables.type_index(ret.type) for ret in schema.returns
    ]
    flags = int(schema.is_vararg) | 2 * int(schema.is_varret) | 4 * int(schema.from_source)
    return [schema.name, schema.overload, arguments, returns, flags]


class _Decoder:
    def __init__(self, types: List[str], arguments: List[list]) -> None:
        self.types = types
        self.arguments = arguments
        self.decoded_arguments: Dict[int, Argument] = {}

    def argument(self, index: int) -> Argument:
        if index not in self.decoded_arguments:
            row = self.arguments[index]
            default = row[3] if len(row) > 3 else NO_DEFAULT
            self.decoded_arguments[index] = Argument(row[0], parse_type(self.types[row[1]]), bool(row[2]), default)
        return self.decoded_arguments[index]

    def schema(self, row: list) -> Schema:
        name, overload, arguments, returns, flags = row
        return Schema(
            name,
            overload,
            tuple(self.argument(index) for index in arguments),
            tuple(
                Return(parse_type(self.types[ret[0]]), ret[1])
                if isinstance(ret, list)
                else Return(parse_type(self.types[ret]))
                for ret in returns
            ),
            bool(flags & 1),
            bool(flags & 2),
            bool(flags & 4),
        )


@dataclass(frozen=True)
class BooleanDispatch:
    """A torch.nn.functional function that is two functions (`max_pool2d` and its `_with_indices`
    twin): torch picks one at compile time by a bool argument, which must be a constant there."""

    arg_name: str
    index: int
    default: bool
    if_true: str  # qualified names of the two functions, in `python_functions`
    if_false: str


@dataclass(frozen=True)
class PythonFunction:
    """A Python function torch compiles from source when compiled code calls it: its overloads'
    schemas as TorchScript types them, or the first line of torch's error when it cannot compile it."""

    qualified_name: str
    schemas: Tuple[Schema, ...] = ()
    error: str = ""
    dispatch: Optional[BooleanDispatch] = None
    # @torch.jit.ignore / unused: not compiled; a call runs Python or raises. Its one schema has the
    # annotated types and no defaults, as torch matches such a call.
    ignored: bool = False


class Signatures:
    """The loaded data. Schemas are decoded on first lookup and kept."""

    def __init__(self, document: dict) -> None:
        if document.get("format") != FORMAT:
            raise ValueError(f"{DATA_FILE.name}: format {document.get('format')!r}, expected {FORMAT}")
        self.torch_version: str = document["torch_version"]
        self._decoder = _Decoder(document["types"], document["arguments"])
        self._operator_rows: Dict[str, str] = document["operators"]
        self._builtins: Dict[str, str] = document["builtins"]
        self._python_rows: Dict[str, dict] = document["python_functions"]
        self.tensor_attributes: Dict[str, JitType] = {
            name: parse_type(text) for name, text in document["tensor_attributes"].items()
        }
        self._decoded: Dict[str, Tuple[Schema, ...]] = {}

    def operator_names(self) -> List[str]:
        return list(self._operator_rows)

    def operator(self, name: str) -> Tuple[Schema, ...]:
        """Every overload of an operator (`aten::add`), in the order torch tries them: registered
        operators first, then the builtin functions torch defines in TorchScript source."""
        if name not in self._decoded:
            rows = json.loads(self._operator_rows.get(name, "[]"))
            self._decoded[name] = tuple(self._decoder.schema([name, *row]) for row in rows)
        return self._decoded[name]

    def builtin_operator(self, qualified_name: str) -> Optional[str]:
        """The operator torch's builtin table maps a Python callable to (`math.sqrt` ->
        `aten::sqrt`). An operator with no schemas means torch fails with 'Unknown builtin op'."""
        return self._builtins.get(qualified_name)

    def builtin_names(self) -> List[str]:
        return list(self._builtins)

    def builtin(self, qualified_name: str) -> Tuple[Schema, ...]:
        operator = self._builtins.get(qualified_name)
        return self.operator(operator) if operator else ()

    def python_function(self, qualified_name: str) -> Optional[PythonFunction]:
        row = self._python_rows.get(qualified_name)
        if row is None:
            return None
        dispatch = row.get("dispatch")
        return PythonFunction(
            qualified_name,
            tuple(self._decoder.schema(schema) for schema in row.get("schemas", ())),
            row.get("error", ""),
            BooleanDispatch(**dispatch) if dispatch else None,
            bool(row.get("ignored")),
        )

    def python_function_names(self) -> List[str]:
        return list(self._python_rows)

    def function(self, qualified_name: str) -> Tuple[Schema, ...]:
        """The schemas a call of this Python callable is matched against: its operator's, through the
        builtin table, or those of the Python function torch compiles. Empty for a boolean-dispatched
        function (see `python_function`) and for what torch does not know."""
        if qualified_name in self._builtins:
            return self.builtin(qualified_name)
        function = self.python_function(qualified_name)
        return function.schemas if function is not None else ()

    def tensor_method(self, name: str) -> Tuple[Schema, ...]:
        """The overloads `x.name(...)` is matched against, for a Tensor `x`; empty when torch says
        "'Tensor' object has no attribute or method". torch makes `x.name` a method when a registered
        `aten::name` operator has an argument called `self` that takes a Tensor
        (BuiltinFunction::tryCreate), and then tries every overload of `aten::name`. An attribute
        comes first: `x.real()` calls the Tensor `x.real`, which fails."""
        if name in self.tensor_attributes:
            return ()
        schemas = self.operator("aten::" + name)
        takes_tensor = any(
            argument.name == "self" and _takes_tensor(argument.type)
            for schema in schemas
            if not schema.from_source
            for argument in schema.arguments
        )
        return schemas if takes_tensor else ()


def _takes_tensor(jit_type: JitType) -> bool:
    if jit_type.kind == "Optional":
        return _takes_tensor(jit_type.element)
    return jit_type.kind in ("Tensor", "Any", "Var")


def group_operators(rows: List[list]) -> Dict[str, str]:
    """The `operators` section from encoded schemas, in their order."""
    grouped: Dict[str, List[list]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row[1:])
    return {name: json.dumps(group, separators=(",", ":")) for name, group in grouped.items()}


def read_document(path: Path = DATA_FILE) -> dict:
    import gzip  # read once, on first use

    return json.loads(gzip.decompress(path.read_bytes()))


def write_document(document: dict, path: Path = DATA_FILE) -> None:
    import gzip

    # mtime=0: the same data gives the same bytes, so regenerating leaves git clean.
    text = json.dumps(document, separators=(",", ":"), sort_keys=False)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out:
        out.write(text.encode("utf-8"))


@cache
def signatures() -> Signatures:
    """The shipped data, read once per process."""
    return Signatures(read_document())
