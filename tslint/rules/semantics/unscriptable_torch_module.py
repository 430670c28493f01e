from __future__ import annotations

from typing import Optional

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

# torch.nn modules that torch 2.13 cannot script as submodules, whatever their arguments (each is
# scripted by the test suite), with what torch says and what to do instead.
UNSCRIPTABLE_MODULES = {
    "MaxUnpool1d": (
        'internal assert "Expected IntList but got Int"',
        "call `F.max_unpool1d(x, indices, kernel_size)` in `forward`",
    ),
    "MaxUnpool2d": (
        'internal assert "Expected IntList but got Int"',
        "call `F.max_unpool2d(x, indices, kernel_size)` in `forward`",
    ),
    "MaxUnpool3d": (
        'internal assert "Expected IntList but got Int"',
        "call `F.max_unpool3d(x, indices, kernel_size)` in `forward`",
    ),
    "AdaptiveLogSoftmaxWithLoss": (
        "\"Unknown type annotation: '<class 'torch.nn.modules.linear.Linear'>'\"",
        "keep it out of the exported model",
    ),
    "GaussianNLLLoss": ('"Comprehension ifs are not supported yet"', "compute the loss outside the exported model"),
    "TripletMarginWithDistanceLoss": (
        "a keyword-only argument with a default",
        "compute the loss outside the exported model",
    ),
    "LinearCrossEntropyLoss": ("its options class has no source", "compute the loss outside the exported model"),
    "SyncBatchNorm": (
        "\"attribute lookup is not defined on python value of type 'module'\" (torch.distributed)",
        "export a copy built with `nn.BatchNorm*d`",
    ),
    "DataParallel": ("a keyword-only argument with a default", "script the wrapped module (`model.module`)"),
    "DistributedDataParallel": ("a keyword-only argument with a default", "script the wrapped module (`model.module`)"),
}


def unscriptable_module(callee: Optional[str]) -> Optional[str]:
    """The class name if `callee` (a qualified name) is one of torch's unscriptable modules."""
    if not callee or not callee.startswith("torch.nn."):
        return None
    name = callee.rpartition(".")[2]
    return name if name in UNSCRIPTABLE_MODULES else None


class UnscriptableTorchModule(Rule):
    """Compiled code uses a submodule of a torch.nn class that torch 2.13 cannot script at all:
    `nn.MaxUnpool1d/2d/3d`, `nn.AdaptiveLogSoftmaxWithLoss`, `nn.SyncBatchNorm`, `nn.DataParallel`,
    `nn.parallel.DistributedDataParallel`, and the `GaussianNLLLoss`, `TripletMarginWithDistanceLoss`
    and `LinearCrossEntropyLoss` losses.

    torch compiles every submodule's `forward` from torch's own source and fails there (or, for
    MaxUnpool, with an internal assert and no location): "isIntList() INTERNAL ASSERT FAILED ...
    Expected IntList but got Int".
    """

    code = "TS327"
    name = "unscriptable-torch-module"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`{receiver}.{name}` is an `nn.{cls}`, which torch.jit.script cannot compile ({reason}); {fix}."
    fix_hint = "Replace the submodule with a functional call in `forward`, or keep it out of the exported model."
    torch_messages = (
        "Expected IntList but got Int",
        "attribute lookup is not defined on python value of type 'module'",
        "Unknown type annotation: '<class 'torch.nn.modules.linear.Linear'>'",
        "Comprehension ifs are not supported yet",
        "Compiled functions can't take variable number of arguments or use keyword-only arguments with defaults",
        "Failed to get source for",
    )

    def visit_Attribute(self, node: cst.Attribute, context: RuleContext) -> None:
        name = context.self_attribute(node)
        if name is None:
            return
        for assignment in context.attribute(name):
            for callee in (assignment.callee, *assignment.elements):
                cls = unscriptable_module(callee)
                if cls is not None:
                    reason, fix = UNSCRIPTABLE_MODULES[cls]
                    context.report(
                        node, self.message.format(receiver=context.receiver, name=name, cls=cls, reason=reason, fix=fix)
                    )
                    return
