"""A name from `typing` that a fix writes (`Optional`): how to spell it, and the import edits it needs.

The import goes where isort puts it, so a formatted file stays formatted: the name joins an existing
`from typing import ...` in its sorted place (isort's order: CONSTANTS, Classes, functions, each
case-insensitively); otherwise a new `from typing import X` line joins the standard-library section,
after its plain imports and among its `from` imports by module name; a file with no standard-library
import gets the line as its own section, after the `__future__` imports and before the others.
"""

from __future__ import annotations

import sys
from typing import List, Optional, Tuple

import libcst as cst

from tslint.rule import NodeEdit, insert_after_statement, insert_before_statement

# `sys.stdlib_module_names` is new in Python 3.10. On 3.9, its list from 3.10 (the same on every
# platform) with the modules 3.10 removed: without it, no module would count as standard library and
# `from typing import ...` would go before `import math` instead of after it.
_PYTHON_39_STANDARD_LIBRARY = """
    __future__ _abc _aix_support _ast _asyncio _bisect _blake2 _bootlocale _bootsubprocess _bz2 _codecs _codecs_cn
    _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw _collections _collections_abc _compat_pickle
    _compression _contextvars _crypt _csv _ctypes _curses _curses_panel _datetime _dbm _decimal _elementtree
    _frozen_importlib _frozen_importlib_external _functools _gdbm _hashlib _heapq _imp _io _json _locale _lsprof
    _lzma _markupbase _md5 _msi _multibytecodec _multiprocessing _opcode _operator _osx_support _overlapped
    _peg_parser _pickle _posixshmem _posixsubprocess _py_abc _pydecimal _pyio _queue _random _scproxy _sha1 _sha256
    _sha3 _sha512 _signal _sitebuiltins _socket _sqlite3 _sre _ssl _stat _statistics _string _strptime _struct
    _symtable _thread _threading_local _tkinter _tracemalloc _uuid _warnings _weakref _weakrefset _winapi _zoneinfo
    abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii binhex
    bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys
    compileall concurrent configparser contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses
    datetime dbm decimal difflib dis distutils doctest email encodings ensurepip enum errno faulthandler fcntl
    filecmp fileinput fnmatch formatter fractions ftplib functools gc genericpath getopt getpass gettext glob
    graphlib grp gzip hashlib heapq hmac html http idlelib imaplib imghdr imp importlib inspect io ipaddress
    itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap
    modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator
    optparse os ossaudiodev parser pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix
    posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re
    readline reprlib resource rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site smtpd
    smtplib sndhdr socket socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string
    stringprep struct subprocess sunau symbol symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile
    termios textwrap this threading time timeit tkinter token tokenize trace traceback tracemalloc tty turtle
    turtledemo types typing unicodedata unittest urllib uu uuid venv warnings wave weakref webbrowser winreg
    winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo
"""
_STANDARD_LIBRARY = frozenset(getattr(sys, "stdlib_module_names", _PYTHON_39_STANDARD_LIBRARY.split())) | {"typing"}


def typing_name(module: Optional[cst.Module], aliases, name: str) -> Optional[Tuple[str, Tuple[NodeEdit, ...]]]:
    """(how the fix spells `typing.<name>`, the edits that import it); None when the file binds the
    name to something else, or has nowhere to put the import."""
    if aliases.get(name) in (f"typing.{name}", f"typing_extensions.{name}"):
        return name, ()
    if aliases.get("typing") == "typing":
        return f"typing.{name}", ()
    if name in aliases or module is None:
        return None
    imports = _import_lines(module)
    for _line, statement in imports:
        if isinstance(statement, cst.ImportFrom) and _module(statement) == "typing" and not statement.relative:
            edit = _join(statement, name)
            return (name, (edit,)) if edit is not None else None
    edit = _new_line(module, imports, f"from typing import {name}")
    return (name, (edit,)) if edit is not None else None


def _import_lines(module: cst.Module) -> List[Tuple[cst.SimpleStatementLine, cst.BaseSmallStatement]]:
    """The top-level one-import lines before the first definition (isort's import block)."""
    found = []
    for statement in module.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            break
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                found.append((statement, small))
    return found


def _module(statement) -> str:
    if isinstance(statement, cst.Import):
        return _dotted(statement.names[0].name)
    return _dotted(statement.module) if statement.module is not None else ""


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _name_key(name: str) -> Tuple[int, str]:
    """isort's `order_by_type`: constants, then classes, then the rest; case-insensitive within."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _join(statement: cst.ImportFrom, name: str) -> Optional[NodeEdit]:
    """The edit adding `name` to `from typing import ...` in its sorted place."""
    if isinstance(statement.names, cst.ImportStar):
        return None
    aliases = list(statement.names)
    if any(not isinstance(alias.name, cst.Name) for alias in aliases):
        return None
    multiline = isinstance(statement.lpar, cst.LeftParen) and isinstance(
        statement.lpar.whitespace_after, cst.ParenthesizedWhitespace
    )
    indent = statement.lpar.whitespace_after.last_line.value if multiline else ""
    for alias in aliases:
        if _name_key(alias.name.value) > _name_key(name):
            separator = f",\n{indent}" if multiline else ", "
            return NodeEdit(alias, alias, name + separator, insert=True)
    last = aliases[-1]
    if multiline:
        # `    Tuple,\n)`: a line after the last name's, when it ends with its comma.
        if not isinstance(last.comma, cst.Comma) or not isinstance(
            last.comma.whitespace_after, cst.ParenthesizedWhitespace
        ):
            return None
        return NodeEdit(last, last, f"{indent}{name},\n", next_row=True)
    end = last.asname.name if last.asname is not None else last.name
    if not isinstance(end, cst.Name):
        return None
    written = f"{last.name.value} as {end.value}" if end is not last.name else last.name.value
    return NodeEdit(last.name, end, f"{written}, {name}")


def _new_line(module: cst.Module, imports, line: str) -> Optional[NodeEdit]:
    """The edit adding the import line `line` (of a standard-library module) in isort's place."""
    if not imports:
        return None
    future = [s for s, small in imports if isinstance(small, cst.ImportFrom) and _module(small) == "__future__"]
    standard = [
        (s, small)
        for s, small in imports
        if _module(small).split(".")[0] in _STANDARD_LIBRARY and _module(small) != "__future__"
    ]
    target = line.split()[1]
    if standard:
        plain = [s for s, small in standard if isinstance(small, cst.Import)]
        froms = [(s, _module(small).lower()) for s, small in standard if isinstance(small, cst.ImportFrom)]
        before = [s for s, module_name in froms if module_name < target]
        after = [s for s, module_name in froms if module_name > target]
        if before:
            return insert_after_statement(before[-1], line + "\n")
        if plain:
            return insert_after_statement(plain[-1], line + "\n")
        if after and not after[0].leading_lines:
            return insert_before_statement(after[0], line)
        return None
    following = [s for s, small in imports if s not in future]
    if future:
        blank = "" if following and following[0].leading_lines else "\n"
        return insert_after_statement(future[-1], "\n" + line + "\n" + blank)
    first = following[0]
    if any(leading.comment is not None for leading in first.leading_lines):
        return None  # a comment heads the first import: the new section's place is not known
    return NodeEdit(first, first, line + "\n\n", insert=True)
