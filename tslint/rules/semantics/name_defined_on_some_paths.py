from __future__ import annotations

from tslint.analysis.names import first_reads
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext


class NameDefinedOnSomePaths(Rule):
    """Compiled code reads a variable after an `if` that assigns it in one branch only
    (`if flag: y = x + 1`, then `return y`).

    TorchScript merges the branches of every `if` into one value per variable, so a variable read
    after the `if` must be assigned in both: "y is not defined in the false branch", at the `if`.
    Python accepts the code as long as the other branch never runs before the read; torch rejects it
    even when it cannot. A branch that ends in `return`, `raise` or `assert False` needs no value (its
    variables never reach the read); one that ends in `break` or `continue` does.
    """

    code = "TS344"
    name = "name-defined-on-some-paths"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{name}` is assigned in the {defined} branch of this `if` only, and read after it: torch needs it "
        "in the {missing} branch too."
    )
    fix_hint = (
        "Assign it before the `if` (`y = x` or `y: Optional[Tensor] = None`), or in both branches, or end "
        "the other branch with `raise`/`return`."
    )
    torch_messages = ("is not defined in the",)

    def end_function(self, context: RuleContext) -> None:
        for problem in first_reads(context.names().problems):
            join = problem.join
            if problem.kind == "join" and join is not None:
                defined = "true" if join.branch == "false" else "false"
                text = self.message.format(name=problem.node.value, defined=defined, missing=join.branch)
                context.report(join.statement, text, header_only=True)
