"""The parse shares whitespace nodes and interns names, and leaves libcst as it found it."""

import threading
from pathlib import Path

import libcst
import libcst as cst

from tslint.engine.compact_trees import compact_parse
from tslint.engine.parsing import parse_source
from tslint.files import SourceFile

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCE = "import torch\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):  # note\n        return x + 1\n"


def _nodes(root):
    stack, found = [root], []
    while stack:
        node = stack.pop()
        found.append(node)
        for field in node.__dataclass_fields__:
            value = getattr(node, field)
            values = value if isinstance(value, (tuple, list)) else (value,)
            stack.extend(v for v in values if isinstance(v, cst.CSTNode))
    return found


def _parse(text, tmp_path):
    path = tmp_path / "m.py"
    path.write_text(text)
    return parse_source(SourceFile(path, str(path)), text.encode()).module


def test_whitespace_shared_names_interned_and_code_unchanged(tmp_path):
    module = _parse(SOURCE, tmp_path)
    assert module.code == SOURCE
    spaces = [n for n in _nodes(module) if type(n) is cst.SimpleWhitespace and n.value == " "]
    assert len(spaces) > 3 and len({id(n) for n in spaces}) == 1
    selves = [n.value for n in _nodes(module) if type(n) is cst.Name and n.value == "self"]
    assert len(selves) == 1 or len({id(v) for v in selves}) == 1
    xs = [n.value for n in _nodes(module) if type(n) is cst.Name and n.value == "x"]
    assert len(xs) == 2 and xs[0] is xs[1]
    assert libcst.Name is cst._nodes.expression.Name  # restored after the parse
    assert libcst.SimpleWhitespace is cst._nodes.whitespace.SimpleWhitespace
    assert libcst.Newline is cst._nodes.whitespace.Newline


def test_parsed_without_validation_which_is_restored_after(tmp_path):
    # Valid Python whose tree libcst's own parse_module rejects in `IfExp._validate` (a TypeError).
    text = "x = () if 0 else(lambda:())\n"
    try:
        cst.parse_module(text)
        raise AssertionError("libcst validates this tree now: the test needs another example")
    except TypeError:
        pass
    module = _parse(text, tmp_path)
    assert module is not None and module.code == text
    try:  # a node built outside the parse is validated again
        cst.Name("not an identifier")
        raise AssertionError("validation was not restored")
    except cst.CSTValidationError:
        pass


def test_every_fixture_prints_back_to_its_source(tmp_path):
    for path in sorted(FIXTURES.rglob("*.py")):
        data = path.read_bytes()
        parsed = parse_source(SourceFile(path, str(path)), data)
        if parsed.module is not None:
            assert parsed.module.code == parsed.text, path


def test_with_another_thread_the_parse_is_libcsts_own():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with compact_parse():
            assert libcst.Name is cst._nodes.expression.Name
            module = cst.parse_module("a = b + c\n")
    finally:
        stop.set()
        other.join()
    spaces = [n for n in _nodes(module) if type(n) is cst.SimpleWhitespace and n.value == " "]
    assert len({id(n) for n in spaces}) == len(spaces) > 1


def test_restored_when_the_parse_raises():
    try:
        with compact_parse():
            assert libcst.Name is not cst._nodes.expression.Name
            cst.parse_module("def (:\n")
    except cst.ParserSyntaxError:
        pass
    assert libcst.Name is cst._nodes.expression.Name
