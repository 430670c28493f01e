"""Generate tslint/analysis/torch_signatures.json.gz from the installed torch.

    python tools/generate_signatures.py          # write the data file
    python tools/generate_signatures.py --check  # exit 1 if the committed file differs

What it records, each read from torch itself:
- every operator schema (`torch._C._jit_get_all_schemas()`), per operator in the order torch's
  compiler tries them (`_jit_get_schemas_for_operator`), each parsed by tslint's own schema parser and
  checked against torch's structured view of it, so the parser and the data agree with torch;
- the builtin functions torch defines in TorchScript source (builtin_functions.cpp), which no Python
  API lists: written out below, and each one is checked by scripting a call that only it can serve;
- the builtin table (`torch.jit._builtins`) as the qualified names code writes (`torch.add`,
  `torch.nn.functional.relu`, `math.sqrt`) -> operator;
- the Python functions of torch.nn.functional and torch.functional that torch compiles from source,
  with the schema torch gives each overload (or torch's error when it cannot compile one), and the
  boolean-dispatched pairs (max_pool2d / max_pool2d_with_indices);
- the Tensor attributes TorchScript accepts (`x.shape`, `x.dtype`, ...) with their types, found by
  compiling `x.<name>` for every data descriptor of torch.Tensor.

Custom-class methods (`_jit_get_custom_class_schemas`, quantized packed parameters) are left out: code
the linter reads never holds those objects.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import sys
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.jit._builtins as jit_builtins  # noqa: E402
import torch.jit._script as jit_script  # noqa: E402
import torch.jit.annotations  # noqa: E402
from torch import _jit_internal  # noqa: E402

from tslint.analysis import signatures as sig  # noqa: E402
from tslint.analysis.schema_types import TENSOR, UNKNOWN, JitType, fake, fixed_size, parse_type  # noqa: E402

warnings.filterwarnings("ignore")

# builtin_functions.cpp: TorchScript-source functions registered as operators' extra overloads.
# tests/test_signatures.py scripts a call that only each of these serves (ndim and T: the attributes).
SOURCE_BUILTINS = (
    [
        f"aten::{op}({scalar} a, Tensor b) -> Tensor"
        for scalar in ("float", "int")
        for op in ("mul", "add", "ne", "eq", "lt", "le", "gt", "ge", "sub", "div")
    ]
    + [
        f"aten::_{name}({scalar}[{length}] x) -> {scalar}[]"
        for scalar in ("float", "int")
        for name, length in (("single", 1), ("pair", 2), ("triple", 3), ("quadruple", 4))
    ]
    + [
        "aten::floordiv(Tensor self, Scalar other) -> Tensor",
        "aten::floordiv(Tensor self, Tensor other) -> Tensor",
        "prim::ndim(Tensor a) -> int",
        "prim::T(Tensor a) -> Tensor",
    ]
)

# Where code finds the callables of the builtin table, as it writes them.
BUILTIN_MODULES = [
    "torch",
    "torch.nn.functional",
    "torch.functional",
    "torch.linalg",
    "torch.fft",
    "torch.special",
    "torch.nested",
    "torch.sparse",
    "torch.autograd",
    "torch.nn.init",
    "torch.nn.modules.utils",
    "torch.backends.cudnn",
    "torch._VF",
    "torch._C._nn",
    "torch._C._fft",
    "torch._C._linalg",
    "torch._C._nested",
    "torch._C._sparse",
    "torch._C._special",
    "torch.distributed.autograd",
    "math",
    "cmath",
    "warnings",
    "collections",
    "builtins",
]
# torch.norm is torch.functional.norm, compiled from source: torch's builtin table leaves it out.
PYTHON_FUNCTION_MODULES = ["torch.nn.functional", "torch.functional", "torch"]
PYTHON_FUNCTION_SOURCES = ("torch.nn.functional", "torch.functional")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"generate_signatures: {message}")


def operator_schemas() -> List[sig.Schema]:
    names = list(dict.fromkeys(schema.name for schema in torch._C._jit_get_all_schemas()))
    result = []
    for name in names:
        for schema in torch._C._jit_get_schemas_for_operator(name):
            parsed = sig.parse_schema(str(schema))
            agree_with_torch(parsed, schema)
            result.append(parsed)
    return result


def agree_with_torch(parsed: sig.Schema, schema: Any) -> None:
    """The parse of torch's text must say what torch's structured schema says."""
    where = str(schema)
    check((parsed.name, parsed.overload) == (schema.name, schema.overload_name), f"name of {where}")
    check(len(parsed.arguments) == len(schema.arguments), f"arguments of {where}")
    for mine, theirs in zip(parsed.arguments, schema.arguments):
        check(mine.name == theirs.name and mine.kwarg_only == theirs.kwarg_only, f"{mine.name} in {where}")
        check(str(fake(mine.type)) == theirs.type.annotation_str, f"type of {mine.name} in {where}")
        check(fixed_size(mine.type) == theirs.N, f"size of {mine.name} in {where}")
        check(mine.has_default == theirs.has_default_value(), f"default of {mine.name} in {where}")
        if mine.has_default:
            # torch expands `int[3] padding=0` to [0, 0, 0] and prints 0: the text is what is kept.
            expanded = [mine.default] * theirs.N if theirs.N and not isinstance(mine.default, list) else None
            check(theirs.default_value in (mine.default, expanded), f"default value of {mine.name} in {where}")
    check(len(parsed.returns) == len(schema.returns) or parsed.is_varret, f"returns of {where}")
    for mine, theirs in zip(parsed.returns, schema.returns):
        check(str(fake(mine.type)) == theirs.type.annotation_str, f"return type in {where}")
    text = sig.format_schema(parsed)
    check(
        sig.format_schema(sig.parse_schema(text)) == text and sig.parse_schema(text) == parsed, f"round trip of {where}"
    )


def source_builtin_schemas() -> List[sig.Schema]:
    return [dataclasses.replace(sig.parse_schema(text), from_source=True) for text in SOURCE_BUILTINS]


def builtin_table() -> Dict[str, str]:
    table = jit_builtins._get_builtin_table()
    result: Dict[str, str] = {}
    for module_name in BUILTIN_MODULES:
        try:
            module = __import__(module_name, fromlist=["_"])
        except ImportError:
            continue
        for name in sorted(dir(module)):
            try:
                value = getattr(module, name)
            except Exception:  # a lazy attribute that fails to load is not a builtin either
                continue
            try:
                operator = table.get(id(value))
            except TypeError:
                continue
            if operator is not None and not jit_builtins._is_special_functional_bound_op(value):
                result[f"{module_name}.{name}"] = operator
    # What the table holds that no scanned module exposes, under the callable's own module — when
    # that name really reaches it (torch._VF.tensordot calls itself torch.tensordot, which is not it).
    for value, operator in jit_builtins._builtin_ops:
        module_name = getattr(value, "__module__", None) or ""
        name = getattr(value, "__name__", "")
        qualified = f"{module_name}.{name}"
        if module_name and qualified not in result and operator == table.get(id(value)):
            module = sys.modules.get(module_name)
            if module is not None and getattr(module, name, None) is value:
                result[qualified] = operator
    return dict(sorted(result.items()))


def python_function_schema(function: Any, default_source: Any) -> sig.Schema:
    """The schema torch gives a compiled Python function. Built from the parts, since printing the
    schema crashes for a BroadcastingList parameter with an int default (F.fold's `dilation=1`)."""
    schema = function.schema
    python_defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(default_source).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }
    arguments = []
    for argument in schema.arguments:
        jit_type = parse_type(argument.type.annotation_str)
        if argument.N is not None:
            jit_type = with_size(jit_type, argument.N)
        default: Any = sig.NO_DEFAULT
        if argument.has_default_value():
            try:
                default = argument.default_value
            except RuntimeError:
                default = python_defaults[argument.name]
            if isinstance(default, tuple):
                default = list(default)
        arguments.append(sig.Argument(argument.name, jit_type, argument.kwarg_only, default))
    returns = tuple(sig.Return(parse_type(ret.type.annotation_str), ret.name) for ret in schema.returns)
    return sig.Schema(schema.name, schema.overload_name, tuple(arguments), returns)


def with_size(jit_type: JitType, size: int) -> JitType:
    """`int[]` or `int[]?` with torch's N: a BroadcastingList2 parameter is `int[2]`."""
    if jit_type.kind == "Optional":
        return JitType("Optional", (with_size(jit_type.element, size),))
    check(jit_type.kind == "List", f"a size on {jit_type}")
    return JitType("List", jit_type.items, size=size)


def qualified(function: Any) -> str:
    return f"{function.__module__}.{function.__name__}"


def python_functions() -> Dict[str, dict]:
    functions: Dict[str, Any] = {}
    for module_name in PYTHON_FUNCTION_MODULES:
        module = __import__(module_name, fromlist=["_"])
        for name in sorted(dir(module)):
            value = getattr(module, name)
            if jit_builtins._find_builtin(value) is not None:
                continue
            dispatch = _jit_internal._try_get_dispatched_fn(value)
            if dispatch is not None or (inspect.isfunction(value) and value.__module__ in PYTHON_FUNCTION_SOURCES):
                functions[f"{module_name}.{name}"] = value
    result: Dict[str, dict] = {}
    compiled: Dict[int, dict] = {}  # one compilation per function, whatever names reach it
    pending = list(functions.items())
    while pending:
        name, function = pending.pop(0)
        if name in result:
            continue
        dispatch = _jit_internal._try_get_dispatched_fn(function)
        if dispatch is not None:
            true_name, false_name = qualified(dispatch["if_true"]), qualified(dispatch["if_false"])
            result[name] = {
                "dispatch": {
                    "arg_name": dispatch["arg_name"],
                    "index": dispatch["index"],
                    "default": dispatch["default"],
                    "if_true": true_name,
                    "if_false": false_name,
                }
            }
            pending += [(true_name, dispatch["if_true"]), (false_name, dispatch["if_false"])]
            continue
        if id(function) not in compiled:
            compiled[id(function)] = compile_python_function(function)
        result[name] = dict(compiled[id(function)])
    return dict(sorted(result.items()))


def ignored_function_schema(function: Any) -> sig.Schema:
    """What torch matches a call of an @torch.jit.ignore / unused function against (PythonValue::
    getSchema): the annotated types, Tensor where there are none, and no defaults at all."""
    signature = torch.jit.annotations.get_signature(function, None, None, False)
    names = torch.jit.annotations.get_param_names(function, 0)
    if signature is None:
        types = [TENSOR] * len(names)
        returns: tuple = (sig.Return(UNKNOWN),)  # as many results as the call site unpacks
    else:
        types = [parse_type(item.annotation_str) for item in signature[0]]
        returns = (sig.Return(parse_type(signature[1].annotation_str)),)
    arguments = tuple(sig.Argument(name, jit_type) for name, jit_type in zip(names, types))
    is_vararg = bool(torch.jit.annotations.is_vararg(function))
    return sig.Schema(function.__qualname__, "", arguments, returns, is_vararg)


def compile_python_function(function: Any) -> dict:
    if _jit_internal.is_ignored_fn(function):
        # torch does not compile it: a call runs Python (ignore) or raises (unused).
        return {"schemas": [ignored_function_schema(function)], "ignored": True}
    try:
        overloads = jit_script._get_overloads(function)
        compiled = overloads if overloads else [torch.jit.script(function)]
        schemas = [python_function_schema(item, function) for item in compiled]
    except Exception as error:  # torch raises several types; its message is what we keep
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        return {"error": lines[0] if lines else type(error).__name__}
    return {"schemas": schemas}  # encoded by build(), which interns their types


def tensor_attributes() -> Dict[str, str]:
    """Compile `x.<name>` for every data descriptor of torch.Tensor; keep the ones torch accepts."""
    candidates = sorted(
        name
        for name in dir(torch.Tensor)
        if not name.startswith("__") and not callable(getattr(torch.Tensor, name, None))
    )
    result = {}
    for name in candidates:
        try:
            unit = torch.jit.CompilationUnit(f"def attribute(x: Tensor):\n    return x.{name}\n")
        except Exception:
            continue
        result[name] = str(parse_type(unit.attribute.schema.returns[0].type.annotation_str))
    return result


def build() -> dict:
    tables = sig.Tables({}, {})
    operators = [sig.encode_schema(schema, tables) for schema in operator_schemas() + source_builtin_schemas()]
    functions = python_functions()
    builtins = builtin_table()
    both = sorted(set(functions) & set(builtins))
    check(not both, f"both a builtin and a compiled Python function: {both}")
    for row in functions.values():
        if "schemas" in row:
            row["schemas"] = [sig.encode_schema(schema, tables) for schema in row["schemas"]]
    return {
        "format": sig.FORMAT,
        # Without the local label (+cpu, +cu121): builds of one release register the same operators,
        # and the check then tells whether they really do.
        "torch_version": torch.__version__.split("+")[0],
        "types": list(tables.types),
        "arguments": [json.loads(row) for row in tables.arguments],
        "operators": sig.group_operators(operators),
        "builtins": builtins,
        "python_functions": functions,
        "tensor_attributes": tensor_attributes(),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    parser.add_argument("--output", type=Path, default=sig.DATA_FILE)
    options = parser.parse_args(argv)
    document = build()
    if options.check:
        try:
            committed = sig.read_document(options.output)
        except (OSError, ValueError) as error:
            print(f"cannot read {options.output}: {error}")
            return 1
        differences = describe_differences(committed, document)
        for line in differences[:40]:
            print(line)
        return 1 if differences else 0
    sig.write_document(document, options.output)
    count = sum(len(json.loads(group)) for group in document["operators"].values())
    print(f"{options.output}: {options.output.stat().st_size} bytes, {count} operator schemas")
    return 0


def describe_differences(old: dict, new: dict) -> List[str]:
    lines = []
    for key in new:
        if old.get(key) != new[key]:
            if isinstance(new[key], dict):
                before = old.get(key) if isinstance(old.get(key), dict) else {}
                changed = sorted(k for k in set(before) | set(new[key]) if before.get(k) != new[key].get(k))
                lines.append(f"{key}: {len(changed)} entries differ, e.g. {changed[:5]}")
            else:
                lines.append(f"{key} differs")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
