"""Parsing a file with libcst (Python's parser first where libcst could crash or stall); TS001 when
it fails. Reading and decoding are in tslint/engine/reading.py (no libcst), re-exported here."""

from __future__ import annotations

import ast
import gc
import sys
import threading
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from tslint.engine.compact_trees import compact_parse
from tslint.engine.positions import StatementRows, first_row, first_rows, nested_blocks
from tslint.engine.reading import (  # noqa: F401  (UNPARSABLE: re-exported)
    MAX_FILE_BYTES,
    UNPARSABLE,
    decode,
    read_source,
    too_large,
    unparsable,
)
from tslint.engine.suppression import skips_file
from tslint.files import SourceFile
from tslint.findings import Diagnostic

# --- reading and parsing --------------------------------------------------------------------


@dataclass
class ParsedFile:
    source: SourceFile
    text: str
    module: Optional[cst.Module]
    problem: Optional[Diagnostic]  # TS001 when the file cannot be read, decoded or parsed
    # From Python's parser: computed with the parse when the code needed Python's parser first, else
    # on demand, when the file has findings to place (most files have none).
    statement_rows: Optional[StatementRows] = None

    def rows(self) -> Optional[StatementRows]:
        """The statement lines; raises RecursionError when Python's parser finds the code too deep,
        as generating the code to place findings (the fallback without these lines) would too."""
        if self.statement_rows is None and self.module is not None:
            rows, _, too_deep = _python_parse(self.text)
            if too_deep:
                raise RecursionError("Python's parser refuses the code as too deeply nested")
            self.statement_rows = rows
        return self.statement_rows


# Past these, code goes through Python's parser before libcst's (see _python_parse).
_MAX_DEPTH = 100  # brackets open at once, or opened on one line (Python itself refuses 200)
_MAX_LINE_BYTES = 2000  # one physical line
_MAX_LOGICAL_BYTES = 8000  # one logical line: physical lines joined inside brackets or by `\`


def _needs_python_parser_first(data: bytes) -> bool:
    """Whether the code may hold an expression deep or long enough to crash libcst's parser or stall
    it (it is quadratic in a chain's length: a 3000-term sum took 4 s, 6000 terms 17 s), which
    Python's parser refuses at once. Such an expression means deeply nested brackets, a very long
    line, or a very long logical line. Brackets are counted line by line, those in strings and
    comments too: that errs towards the safe path, except that a stray closing bracket in a string
    can end a logical line early. About a tenth of the cost of Python's parse, which most files skip."""
    depth = logical = 0
    for line in data.split(b"\n"):
        if len(line) > _MAX_LINE_BYTES:
            return True
        opened = line.count(b"(") + line.count(b"[") + line.count(b"{")
        if opened > _MAX_DEPTH:
            return True
        depth += opened - line.count(b")") - line.count(b"]") - line.count(b"}")
        if depth > _MAX_DEPTH:
            return True
        logical += len(line)
        if logical > _MAX_LOGICAL_BYTES:
            return True
        if depth <= 0 and not line.endswith(b"\\"):
            depth = logical = 0
    return False


def _python_parse(text: str) -> Tuple[Optional[StatementRows], Optional[SyntaxError], bool]:
    """Parse with Python's own C parser first: (first lines of the top-level statements, of the
    classes' members and of the functions' body statements, the SyntaxError if any, whether the code is nested too
    deeply for any parser).

    libcst's native parser crashes the whole process (segfault) on ~3000 nested brackets and takes
    minutes on 10000-term expressions; CPython rejects both cleanly ("too many nested parentheses"
    beyond 200 levels, RecursionError), so such code never reaches libcst. The statement lines also
    anchor positions (positions.py) without a second parse.
    """
    collecting = gc.isenabled()
    # Python's tree holds no cycle, yet its nodes set off collections of the whole heap: none until
    # the rows are read from it (re-enabled earlier, the next collection went through the whole tree).
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are not ours to print
            tree = ast.parse(text)
        if not _python_refuses_deeper(_MAX_TREE_DEPTH) and _deeper_than(tree, _MAX_TREE_DEPTH):
            return None, None, True
        return StatementRows(first_rows(tree.body), *_inner_rows(tree.body), nested_blocks(tree.body)), None, False
    except SyntaxError as error:
        return None, error, "too many nested" in str(error.msg)
    except (RecursionError, MemoryError):
        return None, None, True
    except ValueError as error:  # e.g. source code string cannot contain null bytes
        return None, SyntaxError(str(error)), False
    finally:
        if collecting:
            gc.enable()


# Python 3.11 and 3.12 refuse to build a tree deeper than about 3000 nodes ("maximum recursion
# depth exceeded during ast construction"); 3.9 and 3.10 build any depth, and 3.13 goes to about 10000
# for a chain of `+`. Past this depth, libcst takes minutes (a chain of 20000 `+` on one line) and
# tslint's own recursive walks would fail: the code is too deep on every Python, not only where
# Python's parser says so.
_MAX_TREE_DEPTH = 3000
# By (sys.getrecursionlimit(), which sets the bound of 3.11, and a depth): whether ast.parse refuses
# every tree deeper than that depth here.
_REFUSES_DEEPER: Dict[Tuple[int, int], bool] = {}


def _python_refuses_deeper(limit: int) -> bool:
    """Whether this Python's `ast.parse` refuses every tree deeper than `limit` nodes, so that a tree
    it built needs no depth walk (on the model libraries the walk was 1.5 % of a lint). 3.11 and 3.12
    count one level of C recursion per node they convert, from the caller's depth on, so a chain of
    `-` one level deeper than `limit` refused in a new thread (the least depth a caller can have) is
    refused everywhere (they stop at about 2995 levels with the default recursion limit; 3.9, 3.10
    and 3.13 build deeper trees: the walk stays)."""
    key = (sys.getrecursionlimit(), limit)
    refuses = _REFUSES_DEEPER.get(key)
    if refuses is None:
        chain = "-" * (limit - 3) + "x"  # Module, Expr, the UnaryOps, Name, Load: limit + 1 levels
        built: List[bool] = []

        def parse_chain() -> None:
            try:
                ast.parse(chain)
                built.append(True)
            except (RecursionError, MemoryError, SyntaxError):
                pass

        probe = threading.Thread(target=parse_chain, daemon=True)
        probe.start()
        probe.join()
        refuses = _REFUSES_DEEPER[key] = not built
    return refuses


def _deeper_than(tree: ast.AST, limit: int) -> bool:
    """Whether a path from `tree` down to a leaf has more than `limit` nodes (walked without recursion).
    Each child's depth is checked as it is met; a node without fields (`Load`, `Add`: most leaves) has
    no children and is not pushed."""
    if limit < 1:
        return True
    stack = [(tree, 1)]
    children = ast.iter_child_nodes
    while stack:
        node, depth = stack.pop()
        depth += 1
        for child in children(node):
            if depth > limit:
                return True
            if child._fields:
                stack.append((child, depth))
    return False


def _inner_rows(statements: Sequence[ast.stmt]) -> Tuple[Dict[int, Tuple[int, ...]], Dict[int, Tuple[int, ...]]]:
    """The first lines of the members of each top-level class, and of the body statements of each
    top-level function and each method of a top-level class, keyed by the first line of the class
    or function (a line holds at most one of them; indexes would differ between Python's statements
    and libcst's, which puts `a = 1; b = 2` in one)."""
    members: Dict[int, Tuple[int, ...]] = {}
    bodies: Dict[int, Tuple[int, ...]] = {}
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in statements:
        if isinstance(node, functions):
            bodies[first_row(node)] = first_rows(node.body)
        elif isinstance(node, ast.ClassDef):
            members[first_row(node)] = first_rows(node.body)
            for member in node.body:
                if isinstance(member, functions):
                    bodies[first_row(member)] = first_rows(member.body)
    return members, bodies


def parse_source(source: SourceFile, data: Optional[bytes] = None) -> ParsedFile:
    if data is None:
        data, problem = read_source(source)
        if data is None:
            return ParsedFile(source, "", None, problem)
    if len(data) > MAX_FILE_BYTES:
        return ParsedFile(source, "", None, too_large(source, len(data)))
    if b"\x00" in data:
        return ParsedFile(source, "", None, unparsable(source, "the file contains NUL bytes"))
    try:
        text = decode(data)
    except ValueError as error:
        return ParsedFile(source, "", None, unparsable(source, str(error)))
    if skips_file(text):
        return ParsedFile(source, text, None, None)
    rows: Optional[StatementRows] = None
    python_error: Optional[SyntaxError] = None
    if _needs_python_parser_first(data):
        rows, python_error, too_deep = _python_parse(text)
        if too_deep:
            return ParsedFile(source, text, None, unparsable(source, "the code is nested too deeply to parse"))
    try:
        # A SyntaxError from Python alone is not final: libcst also parses syntax newer than the
        # Python running tslint.
        with compact_parse():  # whitespace nodes shared: smaller trees, a faster parse
            module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if python_error is None and rows is None:
            _, python_error, too_deep = _python_parse(text)
            if too_deep:  # neither parser takes it: not "valid Python" below
                return ParsedFile(source, text, None, unparsable(source, "the code is nested too deeply to parse"))
        if python_error is not None:  # report where Python points (libcst points at the next token)
            row, column = python_error.lineno or 1, max(1, python_error.offset or 1)
            return ParsedFile(source, text, None, unparsable(source, f"syntax error: {python_error.msg}", row, column))
        message = str(error.message).rstrip(".")
        # Python accepts the code, so it is no syntax error: libcst's parser has limits of its own
        # (it rejects a run of more than ~3000 adjacent string literals as "expected STRING").
        reason = (
            "the code is valid Python but too large or complex for libcst, the parser tslint uses, "
            f"or uses syntax libcst does not support (libcst: {message})"
        )
        return ParsedFile(source, text, None, unparsable(source, reason, error.raw_line, error.raw_column + 1))
    except (RecursionError, MemoryError):
        return ParsedFile(source, text, None, unparsable(source, "the code is nested too deeply to parse"))
    except Exception as error:  # libcst's native parser may fail in other ways on odd input
        return ParsedFile(
            source, text, None, unparsable(source, f"the parser failed ({type(error).__name__}: {error})")
        )
    return ParsedFile(source, text, module, None, rows)
