from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext

FROZEN_SOURCES = ("random.", "numpy.random.", "secrets.", "uuid.")
FROZEN_CALLS = frozenset({"time.time", "time.perf_counter", "time.monotonic", "time.time_ns", "os.urandom"})


class PythonRandomnessInTracedCode(Rule):
    """Traced code draws random numbers or reads the clock from Python (`random`, `numpy.random`, `time`).

    The value drawn while tracing becomes a constant of the graph, with no warning (the default
    `check_trace=True` may fail with a TracerCheckError instead).
    """

    code = "TS405"
    name = "python-randomness-in-traced-code"
    severity = Severity.WARNING
    mode = Mode.TRACE
    message = "`{name}(...)` is evaluated once while tracing and recorded as a constant."
    fix_hint = "Use torch's generators (`torch.rand`, `torch.randn_like`), which the trace records as operations."

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        name = context.qualify(node.func) or ""
        if name.startswith(FROZEN_SOURCES) or name in FROZEN_CALLS:
            context.report(node, self.message.format(name=name))
