from __future__ import annotations

from typing import Dict, Optional, Tuple

from tslint.analysis.compiled_names import name_flow
from tslint.analysis.names import UnsetRead, first_reads
from tslint.findings import Mode, Severity
from tslint.rule import Rule, RuleContext
from tslint.rules.semantics._default_flags import DefaultFlags


class NameDefinedOnSomePathsInDefaultConstruction(Rule):
    """Compiled code reads a variable after an `if` that assigns it in one branch only, on the paths
    torch compiles when the class is built with its default arguments: the reads sit under tests of a
    constant bool attribute (`Final`, or listed in `__constants__`) whose value the defaults decide.

    torch inlines a constant bool and compiles one side of `if self.instance:` only; the other `if`s
    stay, and their branches must agree (TS344): "new_means is not defined in the false branch", at
    the `if`. With `instance=False`, `if self.training and not self.instance: new_means = []` assigns
    it in one branch, and the read under `if not self.instance:` is compiled; with `instance=True` the
    read is not, and the class scripts. An error for the instance built with its defaults; reported
    only when the defaults decide every constant on the way, for each class the code is compiled for.
    """

    code = "TS373"
    name = "name-defined-on-some-paths-in-default-construction"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{name}` is assigned in the {defined} branch of this `if` only, and read after it when `{owner}` is "
        "built with its defaults ({defaults}): torch needs it in the {missing} branch too."
    )
    fix_hint = (
        "Assign it before the `if` (`new_means: List[Tensor] = []`), or in both branches, or read it only "
        "under the same test."
    )
    torch_messages = ("is not defined in the",)

    def end_function(self, context: RuleContext) -> None:
        classes = context.classes()
        if not classes or any(not klass.constants for _, klass in classes):
            return
        known = {_key(p) for p in first_reads(context.names().problems) if _key(p) is not None}  # TS344's
        common: Optional[Dict[Tuple[int, str], UnsetRead]] = None
        shown = None
        for _, klass in classes:
            flags = DefaultFlags(klass, context.scope.index, context.compiled.info.self_name)
            flow = name_flow(context, flags.decide)
            if not flags.used:
                return  # the defaults decide nothing here: TS344 has said all there is
            found = {key: p for p in first_reads(flow.problems) if (key := _key(p)) is not None and key not in known}
            common = found if common is None else {key: p for key, p in common.items() if key in found}
            if shown is None:
                decided = dict(pair for owner, pairs in flags.used.values() for pair in pairs)
                owner = next(iter(flags.used.values()))[0]
                shown = (owner, ", ".join(f"`{p}={code}`" for p, code in sorted(decided.items())))
        for problem in (common or {}).values():
            join = problem.join
            defined = "true" if join.branch == "false" else "false"
            owner, defaults = shown
            text = self.message.format(
                name=problem.node.value,
                defined=defined,
                missing=join.branch,
                owner=owner,
                defaults=defaults or "no argument decides it",
            )
            context.report(join.statement, text, header_only=True)


def _key(problem: UnsetRead) -> Optional[Tuple[int, str]]:
    if problem.kind != "join" or problem.join is None:
        return None
    return id(problem.join.statement), problem.node.value
