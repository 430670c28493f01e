"""The fixtures against real torch: every `Bad*` class fails where tslint flags an error, every
`Good*` class compiles, and each warning's hazard really happens at run time."""

from __future__ import annotations

import inspect
import math
import re
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, expectations, fixture_files, fixture_mode
from torch_harness import (
    class_rows,
    highlighted_span,
    load_module,
    module_classes,
    script,
    script_in_fresh_process,
    torch,
)
from tslint.api import catalogue, lint_paths  # noqa: E402
from tslint.config import Config  # noqa: E402
from tslint.findings import Severity  # noqa: E402

ERROR_CODES = {info.code for info in catalogue() if info.severity is Severity.ERROR}
# torch fails on these without naming any line of the fixture: an internal error of its own, or an
# error inside torch's own source with no call chain back to the fixture.
UNLOCATED = {
    "BadIgnoredKeywordOnlyDefault": "INTERNAL ASSERT",
    "BadWhileElse": "incompatible constructor arguments",
    "BadUnaryPlus": "'UnaryOp' object has no attribute 'range'",
    "BadTypeCommentOnDefLine": "expected type comment but found 'def' here",
    "BadLibrarySource": "Can't get source for <function join",  # os is frozen into Python 3.11
    "BadLazySubmodule": "has uninitialized parameters weight. Did you forget to run a forward pass?",
    "BadCachedHelper": "'functools._lru_cache_wrapper' object has no attribute '__globals__'",
    "BadBareList": "Attempted to use List without a contained type",
    "BadIsinstanceBareList": "Attempted to use List without a contained type",
    "BadIsinstanceAbstract": "Failed to get source for <function Sequence.__getitem__",
    "BadUncompilableFunctional": "Comprehension ifs are not supported yet",
    "BadMaxUnpoolSubmodule": "Expected IntList but got Int",
    "BadSizeAliasAttribute": "Expected IntList but got Int",
    "BadAsyncHelper": "Expected a single top-level function",
    "BadSyncBatchNormSubmodule": "attribute lookup is not defined on python value of type 'module'",
    "BadIntBuiltSubmodule": "but instead found type 'int'",
    "BadIntBuiltSequentialElement": "but instead found type 'int'",
    "BadParametersLoop": "Yield aren't supported",
    "BadModuleToDevice": "Compiled functions can't take variable number of arguments",
    "BadFutureFlagAttribute": "Unknown type annotation: 'bool'",
    "BadFutureBufferAnnotation": "Unknown type annotation: 'Optional[torch.Tensor]'",
    "BadFutureFinalFlag": "Unknown type annotation: 'Final[bool]'",
    "BadFinalDictConstant": "is not a valid constant",
    "BadListedSetConstant": "is not a valid constant",
    "BadFinalTensorConstant": "is not a valid constant",
    "BadDictOverFinalInt": "is not a valid constant",
    "BadTupleHoldingFrozenset": "is not a valid constant",
    "BadInheritedDictConstant": "is not a valid constant",
    "BadListedDictInherited": "is not a valid constant",
    "BadUnreadListedDict": "is not a valid constant",
    "BadUnreadFinalDict": "is not a valid constant",
    "BadUnreadFinalTensorFromInit": "is not a valid constant",
    "BadUnreadSetOnParameterDict": "is not a valid constant",
    "BadDictReadInSharedForward": "is not a valid constant",
    "BadDictListedThroughTheBaseList": "is not a valid constant",
    "BadDictAugmented": "is not a valid constant",
    "BadDictInATupleConcatenation": "is not a valid constant",
    "BadUnreadSetAddedToTheBaseList": "is not a valid constant",
    "BadQuotedAnnotationInLast": "Unknown type annotation: 'bool'",
    "BadUnreadDictInLast": "is not a valid constant",
}

# torch's first error lies inside a project decorator's wrapper, which torch compiles in place of the
# decorated method (TS329): tslint flags the decorator on the class's method instead. Under a grad-mode
# decorator torch compiles the method's own source but names torch's file (TS343): the lines it shows
# are the method's, which tslint flags.
IN_DECORATOR = {
    "BadTimedForward": "def wrapper(*args, **kwargs)",
    "BadRetriedHelper": "def wrapper(*args, **kwargs)",
    "BadNoGradDecorator": "torch/utils/_contextlib.py",
}


TORCH_MESSAGES = {info.code: info.torch_messages for info in catalogue()}
GRAD_MODE_FILE = "torch/utils/_contextlib.py"
# A project decorator's `functools.wraps` wrapper defined in this file (fixtures/wrapped_names.py):
# torch compiles the decorated method's source but names the wrapper's file, with the method's lines.
WRAPPER_FILE = str((FIXTURES / "pkg" / "renaming.py").resolve())
# The same for fixtures/pkg/star_renaming.py, a wrapper's module that star-imports its helpers.
WRAPPER_FILES = {WRAPPER_FILE, str((FIXTURES / "pkg" / "star_renaming.py").resolve())}


def _flagged_codes(cls: type) -> set:
    """The codes the fixture expects inside the class's own lines."""
    first, last = class_rows(cls)
    path = Path(inspect.getsourcefile(cls))
    return {code for row, code in expectations(path) if first <= row <= last}


def _fixture_classes():
    sys.path.insert(0, str(FIXTURES))
    try:
        for path in fixture_files():
            if path.name == "__init__.py" or fixture_mode(path) in (
                "trace",
                "export",
            ):  # test_trace_rules.py, test_export_rules.py
                continue
            relative = path.relative_to(FIXTURES).with_suffix("")
            name = ".".join(relative.parts)
            module = (
                __import__(name, fromlist=["_"])
                if "pkg" in relative.parts
                else load_module(path, f"fixture_{name.replace('.', '_')}")
            )
            for cls in module_classes(module):
                if not cls.__name__.startswith("_"):
                    yield pytest.param(cls, id=f"{relative}:{cls.__name__}")
    finally:
        sys.path.remove(str(FIXTURES))


ERROR_LINES = {
    (str(path.resolve()), row) for path in fixture_files() for row, code in expectations(path) if code in ERROR_CODES
}
# Classes whose failure depends on how the instance is built, or on which path a project decorator
# took when its module was imported (TS371), so tslint only warns (at torch's line).
WARNED = {"BadConditionalBias", "BadDeprecationDue", "BadStackedDeprecations", "BadCheckedForward"}
WARNING_LINES = {(str(path.resolve()), row) for path in fixture_files() for row, code in expectations(path)}
CODES_AT: dict = {}
for _path in fixture_files():
    for _row, _code in expectations(_path):
        CODES_AT.setdefault((str(_path.resolve()), _row), set()).add(_code)


@pytest.mark.parametrize("cls", list(_fixture_classes()))
def test_fixture_class_against_torch(cls: type) -> None:
    assert cls.__name__.startswith(("Bad", "Good")), "fixture classes say what torch must do"
    scripted, error = script(cls)
    if cls.__name__.startswith("Good"):
        assert error is None, f"{cls.__name__} should compile, torch said:\n{error}"
        return
    if error is None:  # what this process compiled before may be why (torch_harness.script_in_fresh_process)
        error = script_in_fresh_process(cls, FIXTURES)
    assert error is not None, f"{cls.__name__} should fail in torch.jit.script but compiled"
    span = highlighted_span(error, within=FIXTURES)
    if cls.__name__ in UNLOCATED:
        # A torch class whose compilation already failed in this process (a rule page, another
        # fixture) fails again with "Can't redefine method": the same failure, seen earlier.
        seen_before = "Can't redefine method: forward on class: __torch__.torch.nn." in error
        assert span is None and (UNLOCATED[cls.__name__] in error or seen_before), error
        if not seen_before:  # --confirm recognises the failure by the flagged rule's torch_messages
            codes = _flagged_codes(cls)
            assert any(fragment in error for code in codes for fragment in TORCH_MESSAGES[code]), (codes, error)
        return
    wrapper_file = GRAD_MODE_FILE if span is None else span[0] if span[0] in WRAPPER_FILES else None
    if wrapper_file is not None and wrapper_file in error:
        # Under `@torch.no_grad()`-like decorators torch compiles the method as code of its own
        # _contextlib.py: the file it names is torch's, the line is the fixture's (TS347's case); the
        # same under a project decorator's wrapper from another file (TS343's).
        rows = [int(row) for row in re.findall(re.escape(wrapper_file) + r'", line (\d+)', error)]
        first, last = class_rows(cls)
        own = str(Path(inspect.getsourcefile(cls)).resolve())
        assert rows and first <= rows[0] <= last, error
        lines = WARNING_LINES if cls.__name__ in WARNED else ERROR_LINES
        assert (own, rows[0]) in lines, f"torch's first error (line {rows[0]}) is not on a line tslint flags:\n{error}"
        codes = CODES_AT[(own, rows[0])]
        assert any(fragment in error for code in codes for fragment in TORCH_MESSAGES[code]), (codes, error)
        return
    assert span is not None, error
    if cls.__name__ in IN_DECORATOR:
        assert IN_DECORATOR[cls.__name__] in error, error
        first, last = class_rows(cls)
        own = str(Path(inspect.getsourcefile(cls)).resolve())
        assert any((own, row) in ERROR_LINES for row in range(first, last + 1)), "no error flagged in the class"
        return
    path, first, last = span
    lines = WARNING_LINES if cls.__name__ in WARNED else ERROR_LINES
    flagged = [(path, row) for row in range(first, last + 1) if (path, row) in lines]
    assert flagged, f"torch's first error ({path}:{first}-{last}) is not on a line tslint flags:\n{error}"
    if "Can't redefine method" not in error:  # else the same failure, seen earlier in this process
        # --confirm recognises a finding outside the class's scope by its rule's torch_messages
        codes = {code for place in flagged for code in CODES_AT[place]}
        assert any(fragment in error for code in codes for fragment in TORCH_MESSAGES[code]), (codes, error)


def test_lazy_module_scripts_after_one_forward_pass() -> None:
    """TS322 is a warning: the same module scripts once a forward pass has created its parameters."""
    module = load_module(FIXTURES / "containers_and_apis.py", "fixture_containers_ts322")
    model = module.BadLazySubmodule()
    model(torch.ones(2, 3))
    assert script(type(model))[1] is not None  # a fresh instance still fails
    torch.jit.script(model)


def test_conditional_attribute_scripts_when_created() -> None:
    """TS330 is a warning, and TS361 an error for the default instance only: the same class scripts
    when built down the path that creates the attribute."""
    module = load_module(FIXTURES / "attributes.py", "fixture_attributes_ts330")
    assert script(module.BadConditionalBias)[1] is not None
    torch.jit.script(module.BadConditionalBias(use_bias=True))


def test_flag_parameter_fails_at_call_time() -> None:
    """TS104's claim: the class compiles, and passing a bool fails at run time."""
    module = load_module(FIXTURES / "parameter_uses.py", "fixture_parameter_uses_ts104")
    scripted, error = script(module.GoodFlagCompilesButCallFails)
    assert error is None
    with pytest.raises(RuntimeError, match="Expected a value of type 'Tensor"):
        scripted(torch.ones(2), True)


def test_none_default_fails_without_the_argument() -> None:
    """TS105's claim: the class compiles, and leaving out the None-default argument fails."""
    module = load_module(FIXTURES / "signatures.py", "fixture_signatures_ts105")
    scripted, error = script(module.GoodNoneDefault)
    assert error is None
    with pytest.raises(RuntimeError, match="Expected a proper Tensor but got None"):
        scripted(torch.ones(2))
    assert torch.equal(module.GoodNoneDefault()(torch.ones(2)), torch.ones(2))  # eager mode works


# One call per module TS316 lists: each fails in torch (no implementation, or the library's own source
# does not compile). A module added to the rule without a sample here fails the test below.
MODULE_SAMPLES = {
    "numpy": "numpy.zeros(3)",
    "random": "random.randint(0, 3)",
    "time": "time.perf_counter()",
    "os": "os.getenv('A')",
    "sys": "sys.getsizeof(1)",
    "logging": "logging.warning('a')",
    "copy": "copy.copy(x)",
    "itertools": "itertools.product([1], [2])",
    "functools": "functools.partial(print, 1)",
    "operator": "operator.add(1, 2)",
    "json": "json.dumps([1])",
    "re": "re.match('a', 'a')",
    "pickle": "pickle.dumps(1)",
    "datetime": "datetime.datetime.now()",
    "pathlib": "pathlib.Path('a')",
    "inspect": "inspect.signature(print)",
    "statistics": "statistics.mean([1.0, 2.0])",
    "string": "string.capwords('a b')",
    "traceback": "traceback.print_stack()",
    "threading": "threading.get_ident()",
    "uuid": "uuid.uuid4()",
    "hashlib": "hashlib.md5()",
    "struct": "struct.pack('i', 1)",
    "bisect": "bisect.bisect([1, 2], 1)",
    "heapq": "heapq.heappush([1], 2)",
    "textwrap": "textwrap.dedent('a')",
    "contextlib": "contextlib.suppress()",
    "dataclasses": "dataclasses.fields(self)",
    "builtins": "builtins.print('a')",
}


FUNCTION_SAMPLES = {
    "typing.cast": "typing.cast(torch.Tensor, x)",
    "collections.Counter": "collections.Counter([1])",
    "collections.defaultdict": "collections.defaultdict()",
    "torch.compile": "torch.compile(torch.relu)",
    "torch.get_default_dtype": "torch.get_default_dtype()",
    "torch.is_tensor": "torch.is_tensor(x)",
}
TORCH_SAMPLES = {
    "torch.distributions.": "torch.distributions.Normal(x, 1.0)",
    "torch.distributed.": "torch.distributed.is_available()",
    "torch.utils.checkpoint.": "torch.utils.checkpoint.checkpoint(torch.relu, x)",
    "torch.testing.": "torch.testing.assert_close(x, x)",
    "torch.hub.": "torch.hub.load('a', 'b')",
    "torch.onnx.": "torch.onnx.is_in_onnx_export()",
}


def _script_call(tmp_path, call: str, imports: str):
    path = tmp_path / "call_probe.py"
    path.write_text(
        f"import torch\n{imports}\n\n\nclass Probe(torch.nn.Module):\n"
        f"    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        y = {call}\n        return x\n",
        encoding="utf-8",
    )
    return script(load_module(path, f"call_probe_{abs(hash(call))}").Probe)[1]


def _ts316_calls():
    from tslint.rules.semantics.unsupported_python_function import (
        UNSUPPORTED_BUILTINS,
        UNSUPPORTED_FUNCTIONS,
        UNSUPPORTED_MATH,
        UNSUPPORTED_MODULES,
        UNSUPPORTED_TORCH_PACKAGES,
    )

    assert set(MODULE_SAMPLES) == set(UNSUPPORTED_MODULES)
    assert set(TORCH_SAMPLES) == set(UNSUPPORTED_TORCH_PACKAGES)
    calls = [(f"{name}(1)", "", name not in ("exit", "quit", "help")) for name in sorted(UNSUPPORTED_BUILTINS)]
    calls += [(f"math.{name}(2.0)", "import math", True) for name in sorted(UNSUPPORTED_MATH) if hasattr(math, name)]
    calls += [(call, f"import {module}\nimport datetime", False) for module, call in sorted(MODULE_SAMPLES.items())]
    assert set(FUNCTION_SAMPLES) == set(UNSUPPORTED_FUNCTIONS)
    calls += [(call, f"import {name.split('.')[0]}", False) for name, call in sorted(FUNCTION_SAMPLES.items())]
    calls += [(call, "import torch.utils.checkpoint", False) for call in TORCH_SAMPLES.values()]
    return [pytest.param(call, imports, builtin, id=call) for call, imports, builtin in calls]


@pytest.mark.parametrize("call, imports, builtin", _ts316_calls())
def test_unsupported_python_function_fails_in_torch(tmp_path, call: str, imports: str, builtin: bool) -> None:
    """Every entry of TS316's lists really fails in torch.jit.script."""
    error = _script_call(tmp_path, call, imports)
    assert error is not None, f"{call} compiles"
    if builtin:
        assert "is currently not supported in Torchscript" in error, error


# One construction per module TS327 lists, and one call per function TS312 lists as uncompilable.
UNSCRIPTABLE_MODULE_SAMPLES = {
    "MaxUnpool1d": "nn.MaxUnpool1d(2)",
    "MaxUnpool2d": "nn.MaxUnpool2d(2)",
    "MaxUnpool3d": "nn.MaxUnpool3d(2)",
    "AdaptiveLogSoftmaxWithLoss": "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4])",
    "GaussianNLLLoss": "nn.GaussianNLLLoss()",
    "TripletMarginWithDistanceLoss": "nn.TripletMarginWithDistanceLoss()",
    "LinearCrossEntropyLoss": "nn.LinearCrossEntropyLoss(2, 2)",
    "SyncBatchNorm": "nn.SyncBatchNorm(2)",
    "DataParallel": "nn.DataParallel(nn.Linear(2, 2))",
    "DistributedDataParallel": "nn.parallel.DistributedDataParallel(nn.Linear(2, 2))",
}
UNCOMPILABLE_FUNCTION_SAMPLES = {
    "gaussian_nll_loss": "(x, x, x)",
    "triplet_margin_with_distance_loss": "(x, x, x)",
    "linear_cross_entropy": "(x, x, x)",
    "grouped_mm": "(x, x)",
    "scaled_mm": "(x, x)",
    "scaled_grouped_mm": "(x, x)",
}


@pytest.fixture(scope="module")
def process_group(tmp_path_factory):
    """A one-process gloo group, so that DistributedDataParallel can be constructed."""
    import torch.distributed as dist

    store = tmp_path_factory.mktemp("gloo") / "store"
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=0, world_size=1)
    yield
    dist.destroy_process_group()


@pytest.mark.parametrize("name", sorted(UNSCRIPTABLE_MODULE_SAMPLES))
def test_unscriptable_torch_modules_fail_in_torch(process_group, name: str) -> None:
    """Every module TS327 lists fails as a submodule, so the rule reports no module torch can script."""
    from tslint.rules.semantics.unscriptable_torch_module import UNSCRIPTABLE_MODULES

    assert set(UNSCRIPTABLE_MODULE_SAMPLES) == set(UNSCRIPTABLE_MODULES)
    nn = torch.nn
    submodule = eval(UNSCRIPTABLE_MODULE_SAMPLES[name])
    assert type(submodule).__name__ == name

    class Holder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.sub = submodule

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    # torch fails in several ways here: NotSupportedError, OSError (no source), ValueError (annotations).
    with pytest.raises(Exception):  # noqa: B017
        torch.jit.script(Holder())


@pytest.mark.parametrize("name", sorted(UNCOMPILABLE_FUNCTION_SAMPLES))
def test_uncompilable_functionals_fail_in_torch(tmp_path, name: str) -> None:
    from tslint.rules.semantics.unsupported_torch_api import UNCOMPILABLE_FUNCTIONS

    assert {f"torch.nn.functional.{n}" for n in UNCOMPILABLE_FUNCTION_SAMPLES} == set(UNCOMPILABLE_FUNCTIONS)
    call = f"torch.nn.functional.{name}{UNCOMPILABLE_FUNCTION_SAMPLES[name]}"
    error = _script_call(tmp_path, call, "import torch.nn.functional")
    assert error is not None, f"{call} compiles"
    assert UNCOMPILABLE_FUNCTIONS[f"torch.nn.functional.{name}"].split("'")[0] in error, error


# A torch call per alias TS328 knows, taking the attribute `self.k`, and a value for it.
ALIAS_CALLS = {
    "_size_1_t": ("F.max_pool1d(x, self.k)", "2"),
    "_size_2_t": ("F.max_pool2d(x, self.k)", "2"),
    "_size_3_t": ("F.max_pool3d(x, self.k)", "2"),
    "_size_4_t": ("F.pad(x, self.k)", "(1, 1, 1, 1)"),
    "_size_5_t": ("F.pad(x, self.k)", "(1, 1, 1, 1, 1)"),
    "_size_6_t": ("F.pad(x, self.k)", "(1, 1, 1, 1, 1, 1)"),
    "_size_any_t": ("F.pad(x, self.k)", "(1, 1)"),
    "_size_any_opt_t": ("F.adaptive_avg_pool2d(x, self.k)", "2"),
    "_size_2_opt_t": ("F.adaptive_avg_pool2d(x, self.k)", "2"),
    "_size_3_opt_t": ("F.adaptive_avg_pool3d(x, self.k)", "2"),
    "_ratio_2_t": ("F.interpolate(x, scale_factor=self.k)", "2.0"),
    "_ratio_3_t": ("F.interpolate(x, scale_factor=self.k)", "2.0"),
    "_ratio_any_t": ("F.interpolate(x, scale_factor=self.k)", "2.0"),
}


@pytest.mark.parametrize("alias", sorted(ALIAS_CALLS))
def test_size_union_attributes_fail_in_torch(tmp_path, alias: str) -> None:
    """Every alias TS328 treats as a Union makes a torch call on the attribute fail; the same
    attribute without the class-body annotation compiles."""
    from tslint.index.attributes import SIZE_UNION_ALIASES

    assert {f"torch.nn.common_types.{a}" for a in ALIAS_CALLS} == set(SIZE_UNION_ALIASES)
    call, value = ALIAS_CALLS[alias]
    errors = []
    for annotation in (f"k: {alias}", ""):
        path = tmp_path / f"alias_probe{len(errors)}.py"
        path.write_text(
            f"import torch\nimport torch.nn.functional as F\nfrom torch.nn.common_types import {alias}\n\n\n"
            f"class Probe(torch.nn.Module):\n    {annotation}\n\n    def __init__(self):\n        super().__init__()\n"
            f"        self.k = {value}\n\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        return "
            f"{call}\n",
            encoding="utf-8",
        )
        errors.append(script(load_module(path, f"alias_probe_{alias}_{len(errors)}").Probe)[1])
    assert errors[0] is not None, f"{alias} compiles"
    assert errors[1] is None, errors[1]


@pytest.mark.parametrize("name", ["get_gradients", "rpc_async", "rpc_sync", "remote"])
def test_scriptable_torch_distributed_functions_compile(tmp_path, name: str) -> None:
    """TS316 leaves these torch.distributed functions alone: they are TorchScript builtins."""
    from tslint.rules.semantics.unsupported_python_function import SCRIPTABLE_TORCH_FUNCTIONS

    calls = {
        "get_gradients": "torch.distributed.autograd.get_gradients(1)",
        "rpc_async": "torch.distributed.rpc.rpc_async('w', _double, (x,))",
        "rpc_sync": "torch.distributed.rpc.rpc_sync('w', _double, (x,))",
        "remote": "torch.distributed.rpc.remote('w', _double, (x,))",
    }
    assert {call.split("(")[0] for call in calls.values()} == SCRIPTABLE_TORCH_FUNCTIONS
    path = tmp_path / "distributed_probe.py"
    path.write_text(
        "import torch\nimport torch.distributed.autograd\nimport torch.distributed.rpc\n\n\n"
        "@torch.jit.script\ndef _double(x: torch.Tensor) -> torch.Tensor:\n    return x * 2\n\n\n"
        f"@torch.jit.script\ndef probe(x: torch.Tensor):\n    return {calls[name]}\n",
        encoding="utf-8",
    )
    load_module(path, f"distributed_probe_{name}")  # scripts `probe` as it is defined
    assert not lint_paths([str(path)], Config()).diagnostics


def test_attribute_rule_knows_every_module_attribute() -> None:
    """TS317 never reports what nn.Module itself provides (`self.training`, `self.parameters`...)."""
    from tslint.rules.semantics.attribute_never_assigned import MODULE_NAMES

    provided = {name for name in dir(torch.nn.Module()) if not (name.startswith("__") and name.endswith("__"))}
    assert provided <= MODULE_NAMES, sorted(provided - MODULE_NAMES)


SUBSCRIPTS = {
    "typing.Callable": "[[int], int]",
    "collections.abc.Callable": "[[int], int]",
    "typing.Literal": "['a']",
    "typing.Generator": "[int, None, None]",
    "typing.Mapping": "[str, int]",
    "collections.abc.Mapping": "[str, int]",
    "typing.DefaultDict": "[str, int]",
    "typing.OrderedDict": "[str, int]",
}


def _imports_for(name: str) -> str:
    module = name.rpartition(".")[0]
    return f"import {module}" if module and module != "torch" else ""


def _type_probes():
    from tslint.analysis.value_kinds import NEED_PARAMETERS, UNKNOWN_CONSTRUCTORS, UNKNOWN_NAMES

    probes = [(f"y: {name}", name) for name in sorted(UNKNOWN_NAMES | NEED_PARAMETERS)]
    probes += [(f"y: {name}{SUBSCRIPTS.get(name, '[int]')}", name) for name in sorted(UNKNOWN_CONSTRUCTORS)]
    probes += [(f"isinstance(x, {name})", name) for name in sorted(UNKNOWN_NAMES | NEED_PARAMETERS)]
    return [pytest.param(code, name, id=code) for code, name in probes]


@pytest.mark.parametrize("code, name", _type_probes())
def test_unsupported_types_fail_in_torch(tmp_path, code: str, name: str) -> None:
    """Every type TS111 / TS318 reports fails in torch: as a parameter annotation, or in isinstance."""
    path = tmp_path / "type_probe.py"
    if code.startswith("isinstance"):
        signature, body = "x: torch.Tensor", f"if {code}:\n            return x\n        return x"
    else:
        signature, body = f"x: torch.Tensor, {code}", "return x"
    path.write_text(
        f"import torch\n{_imports_for(name)}\n\n\nclass Probe(torch.nn.Module):\n"
        f"    def forward(self, {signature}) -> torch.Tensor:\n        {body}\n",
        encoding="utf-8",
    )
    assert script(load_module(path, f"type_probe_{abs(hash(code))}").Probe)[1] is not None, f"{code} compiles"


MODULE_METHOD_ARGUMENTS = {
    "load_state_dict": "{}",
    "requires_grad_": "False",
    "apply": "print",
    "to": "x.device",
    "type": "torch.float32",
    "get_submodule": '"proj"',
    "get_parameter": '"proj.weight"',
}


def _module_method_probes():
    from tslint.rules.semantics.module_method_in_compiled_code import UNSCRIPTABLE_ATTRIBUTES, UNSCRIPTABLE_METHODS

    probes = [f"self.{name}({MODULE_METHOD_ARGUMENTS.get(name, '')})" for name in sorted(UNSCRIPTABLE_METHODS)]
    return probes + [f"self.{name}" for name in sorted(UNSCRIPTABLE_ATTRIBUTES)]


@pytest.mark.parametrize("expression", _module_method_probes())
def test_module_methods_fail_in_torch(tmp_path, expression: str) -> None:
    """Every nn.Module method and attribute TS337 lists fails when compiled code uses it."""
    path = tmp_path / "module_method_probe.py"
    path.write_text(
        "import torch\n\n\nclass Probe(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.proj = torch.nn.Linear(2, 2)\n\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        f"        y = {expression}\n        return x\n",
        encoding="utf-8",
    )
    error = script(load_module(path, f"module_method_probe_{abs(hash(expression))}").Probe)[1]
    assert error is not None, f"{expression} compiles"
    assert "cannot be used as a value" not in error, error  # the argument's failure, not the method's


def test_missing_str_methods_are_exactly_those_torch_lacks(tmp_path) -> None:
    """TS340's table: every public method of Python's str is tried in torch; exactly the listed
    ones are missing ("no attribute or method"), and every other one exists."""
    from tslint.rules.semantics.unsupported_str_method import MISSING_STR_METHODS

    missing = set()
    for name in sorted(m for m in dir(str) if not m.startswith("_")):
        path = tmp_path / f"str_probe_{name}.py"
        path.write_text(f"import torch\n\n\ndef probe(s: str):\n    return s.{name}()\n", encoding="utf-8")
        module = load_module(path, f"str_probe_{name}")
        try:
            torch.jit.script(module.probe)
        except Exception as error:  # a missing method, or a method that wants arguments
            if "no attribute or method" in str(error):
                missing.add(name)
    assert missing == set(MISSING_STR_METHODS)


GLOBAL_VALUES = [
    "3",
    "-1",
    "1e-5",
    "1j",
    "'fast'",
    "b'x'",
    "f'{3}'",
    "True",
    "None",
    "[1, 2]",
    "(1, 2)",
    "{'a': 1}",
    "{1, 2}",
    "[i for i in range(3)]",
    "torch.tensor([1.0])",
    "torch.ones(2)",
    "torch.device('cpu')",
    "torch.Size([2])",
    "torch.float32",
    "torch.long",
    "math.pi",
    "2 * math.pi",
    "1 / 255",
    "'a' + 'b'",
    "numpy.ones(2)",
    "frozenset({1})",
    "range(3)",
    "int('3')",
    "float(2)",
    "dict(a=1)",
    "tuple([1])",
]
# Module-level names that are not values, and how compiled code uses them.
GLOBAL_NON_VALUES = {
    "torch.relu": "G(x)",
    "torch.nn.functional": "G.relu(x)",
    "math": "G.sqrt(2.0)",
    "torch.cat": "G([x, x])",
}


@pytest.mark.parametrize("expression", GLOBAL_VALUES + sorted(GLOBAL_NON_VALUES))
def test_global_values_fail_and_other_globals_compile(tmp_path, expression: str) -> None:
    """TS341: every kind of value the index records as a module-level value fails when compiled
    code uses it (only when used: `y = G` alone compiles); modules and functions, which it does not
    record, compile."""
    import libcst

    from tslint.index.indexer import index_file

    use = GLOBAL_NON_VALUES.get(expression, "print(G)")
    source = (
        f"import math\nimport numpy\nimport torch\n\nG = {expression}\n\n\n"
        "class Probe(torch.nn.Module):\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        f"        {use}\n        return x\n"
    )
    path = tmp_path / "global_probe.py"
    path.write_text(source, encoding="utf-8")
    recorded = "G" in index_file(str(path), libcst.parse_module(source), "global_probe", False)[0].module_values
    error = script(load_module(path, f"global_probe_{abs(hash(expression))}").Probe)[1]
    if expression in GLOBAL_NON_VALUES:
        assert not recorded and error is None, error
    else:
        assert recorded, f"{expression} is not recorded as a module-level value"
        assert error is not None and any(m in error for m in TORCH_MESSAGES["TS341"]), error


INTEGRAL = "Cannot input a tensor of type Float as an integral argument"
# Constructs that compile and fail only when the model runs: (code, body of forward, torch's error).
FAILING_WHEN_RUN = [
    ("TS338", "print(type(x))\n        return x", "TorchScript interpreter"),  # `type(x)` not compared or named
    ("TS342", "return x * max(x.sum(), x.mean())", INTEGRAL),  # torch converts each tensor to an int
    ("TS342", "return x * min(x.sum(), 0)", INTEGRAL),  # ... beside an int literal too
]


@pytest.mark.parametrize("code, body, failure", FAILING_WHEN_RUN)
def test_constructs_that_compile_and_fail_when_run(tmp_path, code: str, body: str, failure: str) -> None:
    path = tmp_path / f"run_probe_{code}_{abs(hash(body))}.py"
    path.write_text(
        "import torch\n\n\nclass Probe(torch.nn.Module):\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        f"        {body}\n",
        encoding="utf-8",
    )
    scripted, error = script(load_module(path, path.stem).Probe)
    assert error is None, error
    with pytest.raises(Exception, match=failure):
        scripted(torch.ones(2))
    assert [d.code for d in lint_paths([str(path)], Config()).diagnostics] == [code]
