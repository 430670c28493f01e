from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class DictExpansionInCompiledCode(Rule):
    """A dict display in compiled code expands another dict into it (`{**options, "k": v}`).

    torch's Python frontend rejects it ("Dict expansion (e.g. `{**dict}`) is not supported", or an
    internal "'NoneType' object has no attribute 'lineno'" when a plain entry comes first) while
    parsing the function, so it fails even inside branches torch does not compile, such as
    `if not torch.jit.is_scripting():`. torch highlights the display's `{` (probed in 2.13).
    """

    code = "TS220"
    name = "dict-expansion-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`**` dict expansion in a dict display is not supported in compiled code."
    fix_hint = 'Build the dict from a copy and add the entries: `d = dict(options)` then `d["k"] = v`.'
    torch_messages = ("Dict expansion (e.g. `{**dict}`) is not supported",)
    frontend = True

    def visit_Dict(self, node: cst.Dict, context: RuleContext) -> None:
        if any(isinstance(element, cst.StarredDictElement) for element in node.elements):
            context.report(node, header_only=True)
