"""The index facts that project-wide analyses gather from every function of the project, whatever
file it is in and whether or not torch compiles it: a `torch.jit.trace(Block(), ...)` of a script
makes `Block` a traced root (`traced_roots`), a `torch.jit.script(Exit())` leaves `Exit`'s control
flow to the scripted module (`scripted_instances`), a `RAFT(corr_block=CorrBlock())` tells the
trace which class a stored parameter holds (`constructor_arguments`). A large run's parent, which
keeps only outlines (`tslint.index.project.outline`), sends the files that carry one to the
workers with the compiled code, so that these facts are the same as over the whole project."""

from __future__ import annotations

from tslint.analysis.constructor_arguments import BUILT_ARGUMENTS
from tslint.analysis.scripted_instances import SCRIPTED_INSTANCES, SCRIPTED_SLOTS
from tslint.analysis.traced_roots import TRACED_CLASSES
from tslint.index.model import FileIndex

PROJECT_WIDE_FACTS = frozenset({TRACED_CLASSES, SCRIPTED_INSTANCES, SCRIPTED_SLOTS, BUILT_ARGUMENTS})


def carries_project_wide_facts(file: FileIndex) -> bool:
    """Whether some function or method of `file` has a fact the project-wide analyses read."""
    return any(name in PROJECT_WIDE_FACTS for function in file.every_function() for name, _ in function.facts)
