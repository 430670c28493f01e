"""`--confirm`: check each static finding against the real torch.jit.script, in child processes.

The parent never imports torch or user code. Every module class (only those with a script finding
with `--confirm=findings`) is checked: for each file, a worker process imports the file's module,
builds each class (no-argument constructor or a configured factory) and scripts it; classes with
example inputs are also traced. torch stops at its first error, so the worker makes torch skip the
function that failed (`@torch.jit.ignore` on a copy of the class) and scripts again, to find the
errors behind it (tslint.confirm.checks).

The workers are forked by `-j` zygotes (tslint.confirm.child, driven by tslint.confirm.pool), each
of which imported torch once; a zygote passes on only what its worker may say, and kills everything
below it when the worker ends; this process checks each record's fields, finds torch's spans
itself, and never lets a child write to its own output (see the trust boundary in
tslint.confirm.child and tslint.processes).

A finding inside a span torch highlighted is `confirmed`; a finding in code torch then compiled is
`refuted`; anything torch could not decide is `unverified` with the reason. A torch failure where no
rule fired becomes a TS000 diagnostic.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from tslint.api import TORCH_FAILURE, catalogue, project_index
from tslint.compiled_scope import CompiledScope, scripted_symbols
from tslint.config import Config
from tslint.confirm.export_status import export_jobs
from tslint.confirm.export_status import status as export_status
from tslint.confirm.export_status import unpredicted as export_unpredicted
from tslint.confirm.pool import FileTask, ZygoteFailed, end_reason, run_files
from tslint.confirm.results import ClassResult, _class_result
from tslint.confirm.torch_errors import TorchSpan, headline, in_wrapper_module, located_findings
from tslint.files import SourceFile, module_name
from tslint.findings import Confirmation, Diagnostic, LintResult, Mode, Position, Severity
from tslint.index.project import ProjectIndex
from tslint.processes import adopting_orphans, hidden_from_children, stop_children_on_sigterm
from tslint.progress import Progress

CONFIRMING = "confirming"  # the progress line's stage: classes compiled by torch
MEMORY_LIMIT_MB = 4096  # per child; torch itself needs well under 2 GB

CONFIRMED, REFUTED, UNVERIFIED = "confirmed", "refuted", "unverified"
WRAPPING_DECORATOR = "TS329"  # torch fails inside the decorator's wrapper, which the finding names
_RANK = {CONFIRMED: 0, REFUTED: 1, UNVERIFIED: 2}


class ConfirmUnavailable(Exception):
    """torch is missing or refuses TorchScript: the whole --confirm run cannot happen (exit 2)."""


@dataclass
class ClassJob:
    qualname: str
    path: Path
    display: str
    findings: List[Diagnostic] = field(default_factory=list)
    trace: bool = False  # a torch.jit.trace job (trace findings), else torch.jit.script
    inputs: Optional[str] = None  # the example-inputs callable, for trace and export jobs
    kind: str = ""  # "export" or "export-strict": a torch.export.export job (tslint.confirm.export_status)
    shapes: Optional[str] = None  # the dynamic-shapes callable, for export jobs

    @property
    def key_kind(self) -> str:
        return self.kind or ("trace" if self.trace else "script")

    @property
    def class_name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


def _import_root(path: Path) -> Path:
    """The folder to put on sys.path: above the topmost package folder holding the file."""
    folder = path.absolute().parent
    while (folder / "__init__.py").is_file():
        folder = folder.parent
    return folder


def _jobs(
    result: LintResult, sources: Sequence[SourceFile], everything: bool, config: Config
) -> Tuple[List[ClassJob], ProjectIndex]:
    index = project_index(sources)
    if config.mode == "export":
        return [ClassJob(**spec) for spec in export_jobs(result, sources, everything, config, index)], index
    by_display = {s.display: s for s in sources}
    script_findings = [d for d in result.diagnostics if d.mode is Mode.SCRIPT and d.code != "TS001"]
    trace_findings = [d for d in result.diagnostics if d.mode is Mode.TRACE]
    jobs = []
    for qualname in sorted(index.module_classes):
        info = index.classes[qualname]
        if info.path not in by_display:
            continue
        path = by_display[info.path].path
        compiled = scripted_symbols(index, qualname)
        findings = [d for d in script_findings if (d.filename, d.symbol) in compiled]
        if findings or everything:
            jobs.append(ClassJob(qualname, path, info.path, findings))
        module, _, class_name = qualname.rpartition(".")
        inputs = config.confirm.example_inputs.get(f"{module}:{class_name}")
        found = []
        if trace_findings:
            traced = {
                (f.info.path, f.info.symbol) for f in CompiledScope(index, roots=[qualname], tracing=True).functions()
            }
            found = [d for d in trace_findings if (d.filename, d.symbol) in traced]
        # Every class with example inputs is traced (unless the mode is script only), findings or not.
        if found or (everything and inputs is not None and config.mode != "script"):
            jobs.append(ClassJob(qualname, path, info.path, found, trace=True, inputs=inputs))
    return jobs, index


def _key(qualname: str, kind) -> str:
    if isinstance(kind, bool):
        kind = "trace" if kind else "script"
    return f"{qualname}#{kind}"


FILES_PER_ZYGOTE = 40  # without -j, one zygote more for each 40 files (bench/RESULTS.md, "--confirm")


def default_workers(files: int) -> int:
    """Zygotes to start without -j: each costs an import of torch (~4 s of CPU), which on the 2-core
    development machine did not pay for itself on 30 files of small classes; one per 40 files, no
    more than the cores."""
    return max(1, min(os.cpu_count() or 1, files // FILES_PER_ZYGOTE))


def _file_job(path: Path, jobs: Sequence[ClassJob], config: Config) -> dict:
    """The job of one file for a zygote (tslint.confirm.child)."""
    name, _ = module_name(path)
    entries = []
    for job in jobs:
        module, _, class_name = job.qualname.rpartition(".")
        factory = config.confirm.factories.get(f"{module}:{class_name}")
        methods = sorted({d.symbol for d in job.findings if d.symbol and "." in d.symbol})
        entries.append(
            {
                "qualname": job.qualname,
                "name": class_name,
                "factory": factory,
                "methods": methods,
                "trace": job.trace,
                "inputs": job.inputs,
                "kind": job.kind,
                "strict": job.kind == "export-strict",
                "dynamic_shapes": job.shapes,
            }
        )
    return {
        "path": str(path.absolute()),
        "module": name,
        "sys_path": str(_import_root(path)),
        "classes": entries,
        "memory_mb": MEMORY_LIMIT_MB,
    }


def _task_results(task: FileTask, jobs: Sequence[ClassJob], timeout: float) -> Dict[str, ClassResult]:
    """The results of one file's classes: each record checked; a class without one gets why."""
    results: Dict[str, ClassResult] = {}
    for record in task.records:
        if isinstance(record.get("qualname"), str):
            result = _class_result(record)
            results.setdefault(_key(result.qualname, str(record.get("kind"))), result)
    if task.problem is None and isinstance(task.end, dict) and task.end.get("timeout") is True:
        reason: Optional[str] = f"timed out after {timeout:g} s"
    else:
        reason = end_reason(task)
    for job in jobs:  # classes the worker never reached
        if _key(job.qualname, job.key_kind) not in results:
            results[_key(job.qualname, job.key_kind)] = ClassResult(
                job.qualname, reason or "the child process stopped before this class"
            )
    return results


def _run(
    by_file: Dict[Path, List[ClassJob]], config: Config, workers: int, progress: bool, total: int
) -> Tuple[Dict[str, ClassResult], Optional[str]]:
    """Every file's classes checked by the zygotes; the results by class and the torch version."""
    tasks = [
        FileTask(number, path, _file_job(path, by_file[path], config)) for number, path in enumerate(sorted(by_file))
    ]
    bar = Progress("tslint", enabled=progress)
    bar.add_total(CONFIRMING, total)

    def show(current: Path) -> None:
        bar.advance(CONFIRMING, 0, current.name)

    def on_done(task: FileTask) -> None:
        bar.advance(CONFIRMING, len(by_file[task.path]), task.path.name)

    # Non-dumpable while user code runs: it cannot open /proc/<this pid>/fd/1 (the report) or the
    # pipes from the zygotes (see tslint.processes). SIGTERM stops the zygotes (run_files's
    # finally) before tslint ends.
    outcomes: Dict[str, ClassResult] = {}
    try:
        with hidden_from_children(), stop_children_on_sigterm(), adopting_orphans() as kill_leftovers:
            version = run_files(
                tasks, config.confirm.timeout, workers, kill_leftovers, lambda task: show(task.path), on_done
            )
            for task in tasks:
                outcomes.update(_task_results(task, by_file[task.path], config.confirm.timeout))
            again = _compiled_after_others(by_file, outcomes)
            if again:  # each alone, in a worker of its own
                retried = [
                    FileTask(len(tasks) + n, job.path, _file_job(job.path, [job], config))
                    for n, job in enumerate(again)
                ]
                run_files(retried, config.confirm.timeout, workers, kill_leftovers)
                for task, job in zip(retried, again):
                    outcomes.update(_task_results(task, [job], config.confirm.timeout))
    except ZygoteFailed as error:
        raise ConfirmUnavailable(str(error)) from None
    finally:
        bar.close()
    return outcomes, version


def _compiled_after_others(by_file: Dict[Path, List[ClassJob]], outcomes: Dict[str, ClassResult]) -> List[ClassJob]:
    """The script jobs with error findings that compiled in a worker that had scripted other classes
    of their file first. torch compiles more in a process that compiled other code before
    (`isinstance(x, nn.LayerNorm)` fails in a new process and compiles once a module holding an
    nn.LayerNorm was scripted there): refuting their findings needs torch's verdict on the class alone."""
    again = []
    for jobs in by_file.values():
        for job in jobs[1:]:
            outcome = outcomes.get(_key(job.qualname, job.key_kind))
            if job.trace or job.kind or outcome is None or outcome.unverified is not None:
                continue
            if outcome.compiled and not outcome.failures and any(d.severity is Severity.ERROR for d in job.findings):
                again.append(job)
    return again


def _trace_status(finding: Diagnostic, job: ClassJob, outcome: ClassResult) -> Tuple[str, str]:
    """Trace findings are never refuted: inputs that do not show a hazard do not prove it absent."""
    if outcome.unverified is not None:
        if finding.code == "TS409" and "cannot be traced" in outcome.unverified:
            return CONFIRMED, outcome.unverified  # the Python value among the inputs is the failure
        return UNVERIFIED, outcome.unverified
    name = job.class_name
    where = str(Path(finding.filename).resolve())
    rows = range(finding.location.row, finding.end_location.row + 1)
    if any(path == where and line in rows for path, line in outcome.tracer_warnings):
        return CONFIRMED, f"torch.jit.trace({name}) warned here (TracerWarning)"
    unexplained = [
        d
        for d in job.findings
        if not any(
            path == str(Path(d.filename).resolve()) and line == d.location.row for path, line in outcome.tracer_warnings
        )
    ]
    if outcome.diverged and len(unexplained) == 1:
        sets = ", ".join(str(n) for n in outcome.diverged)
        return CONFIRMED, f"the traced {name} answers differently from eager mode on input set {sets}"
    if outcome.diverged:
        return UNVERIFIED, "the trace diverged from eager mode, but several findings could explain it"
    if outcome.input_sets < 2:
        return (
            UNVERIFIED,
            (
                "no TracerWarning here; a second input set (a list of tuples from example-inputs) would let tslint "
                "compare answers"
            ),
        )
    return UNVERIFIED, "the example inputs did not show it (no TracerWarning here; traced and eager answers agree)"


def _explains(finding: Diagnostic, message: str, span: Optional[TorchSpan], linted: Set[str]) -> bool:
    """Whether torch's failure (its message, and the span it highlighted) is the one `finding` predicts:
    torch highlighted the finding's line; or, for TS329, the wrapper the finding names; or torch named
    no line of the linted files (no location, or a line of its own source) and said what the
    finding's rule says torch says then (RuleInfo.torch_messages)."""
    if span is not None and span.contains(finding.filename, finding.location.row):
        return True
    if finding.code == WRAPPING_DECORATOR and span is not None:
        quoted = re.findall(r"`([^`]+)`", finding.message)
        return len(quoted) > 1 and f"def {quoted[1]}" in message
    if span is not None and in_wrapper_module(finding, span):
        return True
    if span is None or span.path not in linted:
        return any(fragment in message for fragment in _torch_messages().get(finding.code, ()))
    return False


@functools.cache
def _torch_messages() -> Dict[str, Tuple[str, ...]]:
    return {info.code: info.torch_messages for info in catalogue()}


def _status(finding: Diagnostic, job: ClassJob, outcome: ClassResult, linted: Set[str]) -> Tuple[str, str]:
    if job.trace:
        return _trace_status(finding, job, outcome)
    if job.kind and outcome.export is not None:
        return export_status(finding, job.findings, job.class_name, outcome.export, linted, _torch_messages())
    if outcome.unverified is not None:
        return UNVERIFIED, outcome.unverified
    for message, span in outcome.failures:
        if _explains(finding, message, span, linted):
            return CONFIRMED, f"torch.jit.script({job.class_name}()): {headline(message.split(': ', 1)[-1])}"
    if finding.severity is Severity.WARNING:
        return UNVERIFIED, "a warning: torch.jit.script compiles this code; the problem shows when it runs"
    symbol = finding.symbol or ""
    # Sound only where torch really compiled the finding's function: in a first, unmasked round, or
    # exported after masking (masking a function also hides what only it calls).
    compiled_here = not outcome.failures or symbol in outcome.exported
    if outcome.compiled and compiled_here and symbol not in outcome.masked:
        return REFUTED, f"torch.jit.script({job.class_name}()) compiled this code"
    unlocated = [message for message, span in outcome.failures if span is None]
    if unlocated:
        return (
            UNVERIFIED,
            f"torch failed without naming a source location: {headline(unlocated[-1].split(': ', 1)[-1])[:120]}",
        )
    if symbol in outcome.masked:
        return UNVERIFIED, "masked by an earlier error torch reported in the same function"
    return UNVERIFIED, "not reached: torch stopped at an earlier error in another function and never compiled this one"


def confirm(
    result: LintResult,
    sources: Sequence[SourceFile],
    config: Config,
    everything: bool = True,
    progress: bool = False,
    workers: Optional[int] = None,
) -> Tuple[LintResult, Optional[str]]:
    """The result with every script finding's confirmation set, plus TS000 findings; and the torch
    version used. Raises ConfirmUnavailable when torch cannot be used at all."""
    jobs, _ = _jobs(result, sources, everything, config)
    by_file: Dict[Path, List[ClassJob]] = {}
    outcomes: Dict[str, ClassResult] = {}
    for job in jobs:
        if (job.trace or job.kind) and job.inputs is None:
            module, _, class_name = job.qualname.rpartition(".")
            outcomes[_key(job.qualname, job.key_kind)] = ClassResult(
                job.qualname,
                (
                    "needs example inputs: add [tool.tslint.confirm] example-inputs = "
                    f'{{"{module}:{class_name}" = "{module}:make_inputs"}}'
                ),
            )
        else:
            by_file.setdefault(job.path, []).append(job)
    version = None
    if by_file:
        results, version = _run(
            by_file, config, workers or default_workers(len(by_file)), progress, sum(map(len, by_file.values()))
        )
        outcomes.update(results)
    everywhere = [d for d in result.diagnostics if d.mode is Mode.SCRIPT and d.code != "TS001"]
    for job in jobs:  # torch's error in a function compiled for the class that tslint's scope missed
        if not (job.trace or job.kind):
            failures = outcomes[_key(job.qualname, False)].failures
            job.findings.extend(located_findings(everywhere, job.findings, failures, _torch_messages()))

    linted = {str(source.path.resolve()) for source in sources}
    statuses: Dict[Diagnostic, Tuple[str, str]] = {}
    for job in jobs:
        for finding in job.findings:
            status = _status(finding, job, outcomes[_key(job.qualname, job.key_kind)], linted)
            if finding not in statuses or _RANK[status[0]] < _RANK[statuses[finding][0]]:
                statuses[finding] = status
    confirmed_diagnostics = []
    for d in result.diagnostics:
        if d.code == "TS001":
            status = None
        elif d.mode is Mode.EXPORT:
            status = statuses.get(d, (UNVERIFIED, "no module class exports this code (nothing to export)"))
        elif d.mode is Mode.TRACE:
            status = statuses.get(d, (UNVERIFIED, "no module class traces this code (nothing to trace)"))
        else:
            status = statuses.get(d, (UNVERIFIED, "no module class compiles this code (nothing to script)"))
        confirmed_diagnostics.append(d if status is None else replace(d, confirmation=Confirmation(*status)))
    confirmed_diagnostics.extend(_unpredicted(jobs, outcomes, sources))
    confirmed_diagnostics.sort(key=Diagnostic.sort_key)
    return replace(result, diagnostics=tuple(confirmed_diagnostics)), version


def _unpredicted(
    jobs: Sequence[ClassJob], outcomes: Dict[str, ClassResult], sources: Sequence[SourceFile]
) -> List[Diagnostic]:
    """TS000 for each torch failure that no finding of the class lies in."""
    displays = {str(s.path.resolve()): s.display for s in sources}
    found: Dict[Tuple[str, int, Mode], Diagnostic] = {}
    for job in jobs:
        if job.kind:
            outcome = outcomes[_key(job.qualname, job.key_kind)]
            if outcome.export is not None:
                found_here = export_unpredicted(
                    job.class_name, job.display, outcome.line, job.findings, outcome.export, displays, _torch_messages()
                )
                if found_here is not None:
                    found.setdefault((found_here.filename, found_here.location.row, Mode.EXPORT), found_here)
            continue
        if job.trace:
            for diagnostic in _unpredicted_by_trace(job, outcomes[_key(job.qualname, True)], displays):
                found.setdefault((diagnostic.filename, diagnostic.location.row, Mode.TRACE), diagnostic)
            continue
        outcome = outcomes[_key(job.qualname, False)]
        # an error finding, or a warning one of torch's failures confirms (TS330's attribute made on one path)
        predicted = any(
            d.severity is Severity.ERROR or any(_explains(d, m, s, set(displays)) for m, s in outcome.failures)
            for d in job.findings
        )
        for message, span in outcome.failures:
            if any(_explains(d, message, span, set(displays)) for d in job.findings):
                continue
            if span is None and predicted:
                continue  # torch named no location; the class's own findings carry the message
            text = headline(message.split(": ", 1)[-1])
            if span is not None and span.path in displays:
                filename, row = displays[span.path], span.first_row
            else:
                where = f" (at {span.path}:{span.first_row})" if span is not None else ""
                filename, row, text = job.display, outcome.line, f"{text}{where}"
            key = (filename, row, Mode.SCRIPT)
            if key not in found:
                found[key] = Diagnostic(
                    code=TORCH_FAILURE.code,
                    name=TORCH_FAILURE.name,
                    severity=TORCH_FAILURE.severity,
                    mode=TORCH_FAILURE.mode,
                    message=TORCH_FAILURE.message.format(message=text),
                    filename=filename,
                    location=Position(row, 1),
                    end_location=Position(row, 2),
                    symbol=job.class_name,
                    confirmation=Confirmation(CONFIRMED, f"reported by torch.jit.script({job.class_name}())"),
                )
    return list(found.values())


def _unpredicted_by_trace(job: ClassJob, outcome: ClassResult, displays: Dict[str, str]) -> List[Diagnostic]:
    """TS000 (a warning, as the trace rules are) for each TracerWarning at a line of the linted files
    that no trace finding of the class covers; and, for a class without one, for a trace that
    answers differently from eager mode. A trace that fails is not one: the example inputs may be
    what the model rejects."""
    found: List[Diagnostic] = []

    def diagnostic(filename: str, row: int, text: str) -> Diagnostic:
        return Diagnostic(
            code=TORCH_FAILURE.code,
            name=TORCH_FAILURE.name,
            severity=Severity.WARNING,
            mode=Mode.TRACE,
            message=f"torch.jit.trace warned here and no tslint rule predicted it: {text}",
            filename=filename,
            location=Position(row, 1),
            end_location=Position(row, 2),
            symbol=job.class_name,
            confirmation=Confirmation(CONFIRMED, f"reported by torch.jit.trace({job.class_name}())"),
        )

    if outcome.unverified is not None:
        return found
    for path, row, text in outcome.warning_texts:
        covered = any(
            str(Path(d.filename).resolve()) == path and d.location.row <= row <= d.end_location.row
            for d in job.findings
        )
        if path in displays and not covered:
            found.append(diagnostic(displays[path], row, text))
    if outcome.diverged and not job.findings and not found:
        sets = ", ".join(str(n) for n in outcome.diverged)
        found.append(
            replace(
                diagnostic(job.display, outcome.line, ""),
                message=(
                    f"torch.jit.trace({job.class_name}) answers differently from eager mode on input set {sets}, "
                    "and no tslint rule predicted it"
                ),
            )
        )
    return found
