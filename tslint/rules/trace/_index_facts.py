"""The index facts of the trace rules: the classes each function scripts on the spot
(`self.exit = torch.jit.script(EarlyExit())`), so that a trace of the project leaves their control
flow alone — the scripted submodule keeps it, as a `@torch.jit.script` function does; and the
classes builders pass to constructors that store them (`RAFT(corr_block=CorrBlock(...))` with
`self.corr_block = corr_block`), whose methods the trace runs (tslint/analysis/constructor_arguments.py)."""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from tslint.analysis.constructor_arguments import (
    BUILT_ARGUMENTS,
    STORED_PARAMETERS,
    built_arguments,
    stored_parameters,
)
from tslint.analysis.imports import ImportTable
from tslint.analysis.scripted_instances import SCRIPTED_INSTANCES
from tslint.analysis.traversal import walk
from tslint.index.facts import FactExtractors

FACT = SCRIPTED_INSTANCES
JIT_SCRIPT = "torch.jit.script"


def scripted_instances(
    function: cst.FunctionDef, imports: ImportTable, owner: Optional[str]
) -> Optional[Tuple[str, ...]]:
    """The qualified names of the classes built as the argument of `torch.jit.script(...)` in the
    function (`torch.jit.script(EarlyExit())`), sorted; None when there are none."""
    found: List[str] = []

    def enter(node: cst.CSTNode) -> bool:
        if type(node) is cst.Call:
            func = node.func
            named = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
            if named == "script" and node.args and type(node.args[0].value) is cst.Call:
                if imports.qualify(func) == JIT_SCRIPT and not node.args[0].keyword:
                    built = imports.qualify(node.args[0].value.func)
                    if built:
                        found.append(built)
        return True

    walk(function.body, enter)
    return tuple(sorted(set(found))) or None


# Only a call named `script` can be `torch.jit.script(...)`: a file without the word has none.
FACTS = FactExtractors(
    functions={FACT: scripted_instances, BUILT_ARGUMENTS: built_arguments, STORED_PARAMETERS: stored_parameters},
    words={FACT: ("script",)},
)
