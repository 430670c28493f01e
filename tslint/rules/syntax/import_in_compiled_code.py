from __future__ import annotations

import libcst as cst

from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class ImportInCompiledCode(Rule):
    """A compiled function contains an `import` statement.

    torch's Python frontend rejects it ("import statements aren't supported") while parsing the function, so it fails
    even inside branches torch does not compile, such as `if not torch.jit.is_scripting():`.
    """

    code = "TS213"
    name = "import-in-compiled-code"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = "`import` statements are not supported in compiled code."
    fix_hint = "Import at the top of the file."
    frontend = True
    torch_messages = ("import statements aren't supported",)

    def visit_Import(self, node: cst.Import, context: RuleContext) -> None:
        context.report(node)

    def visit_ImportFrom(self, node: cst.ImportFrom, context: RuleContext) -> None:
        context.report(node)
