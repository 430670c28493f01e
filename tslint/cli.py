"""Command line: `tslint [PATH ...]`. Exit codes: 0 no findings, 1 findings, 2 usage/config/internal error."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional, Sequence, Tuple

from tslint.arguments import EXIT_CLEAN, EXIT_FAILURE, EXIT_FINDINGS, parse_args
from tslint.catalogue import Catalogue

STDIN = "-"  # as a PATH: read the source from stdin (ruff's convention)


def _write(text: str, output_file: Optional[str]) -> None:
    if output_file:
        Path(output_file).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _fail(message: str) -> int:
    from tslint.formatters import escape_terminal  # a path in the message may hold escape codes

    sys.stderr.write(f"tslint: error: {escape_terminal(message)}\n")
    return EXIT_FAILURE


class _Failure(Exception):
    """A usage or environment problem found while running: one line on stderr, exit code 2."""


def run(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    # Imported here so that `--version` and argument errors stay instant.
    from tslint.config import ConfigError
    from tslint.files import MissingPath

    catalogue = Catalogue()
    if args.output_file and args.output_file.endswith((".py", ".pyi")) and os.path.isfile(args.output_file):
        # `-o net.py` for `net.py`: the report would replace the source it is about.
        return _fail(f"-o {args.output_file}: refusing to overwrite a Python source file with the report")
    if args.lsp or args.explain or args.list_rules:
        return _other_command(args, catalogue)
    try:
        config, cache = _configuration(args, catalogue)
        if args.add_noqa and (args.confirm or _stdin_name(args)):
            raise _Failure("--add-noqa edits files on disk: it cannot read stdin nor be combined with --confirm")
        if args.add_noqa and (args.diff or args.fix):
            raise _Failure("--add-noqa cannot be combined with --fix or --diff (fix first, then add the noqa comments)")
        if not args.add_noqa and (args.diff or (config.fix if args.fix is None else args.fix)):
            return _run_fixes(args, config, catalogue)
        result, sources, tool_extra = _lint(args, config, cache)
    except ConfigError as error:
        return _fail(str(error))
    except MissingPath as missing:
        return _fail(f"path does not exist: {missing}")
    except _Failure as failure:
        return _fail(str(failure))
    if args.add_noqa:
        return _add_noqa(args, result)
    try:
        if not args.silent:
            _write(_report(args, config, result, sources, catalogue, tool_extra), args.output_file)
    except OSError as error:
        return _fail(f"cannot write {args.output_file}: {error.strerror or error}")
    return exit_code(result, args.exit_zero)


def _fix_inputs(args: argparse.Namespace, config):
    """(name -> bytes of each file to fix, lint(buffers, only) over the project, stdin's name or None)."""
    from tslint import api
    from tslint.engine.parsing import read_source
    from tslint.files import find_context, find_sources

    stdin_name = _stdin_name(args)
    respect_gitignore = args.respect_gitignore and config.respect_gitignore
    if args.confirm:
        raise _Failure("--confirm cannot be combined with --fix or --diff (fix first, then confirm)")
    if stdin_name:
        data = _read_stdin()
        paths = [path for path in args.paths if path != STDIN]
        return (
            {stdin_name: data},
            lambda buffers, only: _lint_stdin(
                buffers.get(stdin_name, data), stdin_name, config, paths, respect_gitignore
            ),
            stdin_name,
        )
    cache = None
    if not args.no_cache:
        from tslint.cache import CACHE_FOLDER, ResultCache

        cache = ResultCache((config.root or Path.cwd()) / CACHE_FOLDER)
    paths = args.paths or ["."]
    found = find_sources(paths, config.root, config.exclude, respect_gitignore)
    context = find_context(paths, found.sources, config.root, config.exclude, respect_gitignore)
    contents = {}
    for source in found.sources:
        data, _ = read_source(source)
        if data is not None:
            contents[source.display] = data
    reported = [s.display for s in found.sources] if context else None

    def lint(buffers, only):
        result = api.lint_sources(
            [*found.sources, *context],
            config,
            jobs=args.jobs,
            cache=cache,
            buffers=buffers,
            only=only if only is not None else reported,
        )
        return _with_unlisted(result, found.unlisted) if only is None else result

    return contents, lint, None


def _run_fixes(args: argparse.Namespace, config, catalogue) -> int:
    """--fix, --diff: fix, then write the files (or print the diff, or stdin's fixed source), and
    report what remains. Nothing is written with --diff."""
    from tslint import fixing, formatters

    unsafe = config.unsafe_fixes if args.unsafe_fixes is None else args.unsafe_fixes
    contents, lint, stdin_name = _fix_inputs(args, config)
    outcome = fixing.fix_files(contents, lint, unsafe)
    result = replace(outcome.result, fixed=outcome.fixed_count)
    if args.diff:
        for error in result.errors:
            sys.stderr.write(formatters.escape_terminal(f"tslint: error: {error.filename}: {error.message}") + "\n")
        changed = outcome.changed()
        if not args.silent:
            sys.stdout.write("".join(f.diff() for f in changed))
            sys.stdout.flush()
        if not args.quiet:
            sys.stderr.write(f"Would fix {outcome.fixed_count} finding{'' if outcome.fixed_count == 1 else 's'}.\n")
        return EXIT_FAILURE if result.internal_errors else (EXIT_FINDINGS if changed else EXIT_CLEAN)
    fixed = {f.filename: f.fixed for f in outcome.changed()}
    if stdin_name:  # as ruff: the fixed source on stdout, the report on stderr
        sys.stdout.buffer.write(fixed.get(stdin_name, contents[stdin_name]))
        sys.stdout.flush()
    else:
        for name, data in fixed.items():
            try:
                Path(name).write_bytes(data)
            except OSError as error:
                return _fail(f"cannot write {name}: {error.strerror or error}")
    sources = {stdin_name: _decoded(fixed.get(stdin_name, contents[stdin_name]))} if stdin_name else None
    report = "" if args.silent else _report(args, config, result, sources, catalogue, {})
    if args.show_fixes and not args.silent:
        listing = formatters.format_fixes(outcome.changed(), catalogue)
        if (args.output_format or config.output_format) in ("json", "sarif", "github"):
            sys.stderr.write(listing)  # a program parses the report: text after it broke the JSON
        else:
            report += listing
    try:
        if stdin_name and not args.output_file:
            sys.stderr.write(report)
        elif report:
            _write(report, args.output_file)
    except OSError as error:
        return _fail(f"cannot write {args.output_file}: {error.strerror or error}")
    return exit_code(result, args.exit_zero)


def _add_noqa(args: argparse.Namespace, result) -> int:
    """--add-noqa: as ruff, exit 0 once every finding is suppressed; 2 when a file was left alone
    or part of the input could not be checked."""
    from tslint.add_noqa import run_add_noqa

    return EXIT_FAILURE if run_add_noqa(result, args.silent) else EXIT_CLEAN


def exit_code(result, exit_zero: bool = False) -> int:
    """2 when part of the input could not be checked; 1 when a finding stands (one torch refuted
    under --confirm does not: torch compiled that code); else 0."""
    if result.internal_errors:
        return EXIT_FAILURE
    standing = [d for d in result.diagnostics if d.confirmation is None or d.confirmation.status != "refuted"]
    return EXIT_FINDINGS if standing and not exit_zero else EXIT_CLEAN


def _other_command(args: argparse.Namespace, catalogue) -> int:
    """--lsp, --explain and --list-rules: commands that lint nothing."""
    from tslint import explain, formatters

    chosen = [
        flag for flag, on in (("--lsp", args.lsp), ("--explain", args.explain), ("--list-rules", args.list_rules)) if on
    ]
    if len(chosen) > 1:
        return _fail(f"{' and '.join(chosen)} cannot be used together")
    if args.paths:
        return _fail(f"{chosen[0]} lints nothing: it takes no paths ({' '.join(args.paths)})")
    if args.list_rules and (args.output_format or "full") not in ("full", "json"):
        return _fail("--list-rules prints text, or JSON with --output-format json")
    if args.lsp:
        try:  # the server module imports pygls and lsprotocol at its top: missing, they fail here
            from tslint.lsp import server
        except ImportError as error:
            if (error.name or "").partition(".")[0] not in ("pygls", "lsprotocol"):
                raise
            return _fail(f"the language server needs pygls: pip install 'pygls>=2,<3' (the lsp extra) ({error})")
        return server.main()
    if args.explain:
        query = args.explain.strip()
        code = query.upper()
        if code not in catalogue:  # a rule's name (`var-args-in-compiled-function`) names it too
            code = next((c for c, rule in catalogue.items() if rule.name == query.lower()), code)
        text = explain.page(code)
        if code not in catalogue or text is None:
            return _fail(f"unknown rule code or name {args.explain!r} (see `tslint --list-rules`)")
        _write(text, args.output_file)
        return EXIT_CLEAN
    _write(formatters.format_rule_list(list(catalogue.values()), args.output_format == "json"), args.output_file)
    return EXIT_CLEAN


def _stdin_name(args: argparse.Namespace) -> Optional[str]:
    # As ruff: `-` reads the source from stdin, as does --stdin-filename (which names it); other
    # paths then only give context (base classes, helpers).
    return args.stdin_filename or (STDIN if STDIN in args.paths else None)


def _configuration(args: argparse.Namespace, catalogue: Catalogue):
    """(the configuration, the result cache or None). The cache lives in the folder of the config
    file, which is known before the file is read: the catalogue its codes are checked against can
    then come from the cache."""
    from tslint.config import Config, ConfigError, check_selectors, config_file, config_root, read_config_file

    if args.config is not None and args.isolated:
        raise ConfigError("--config and --isolated cannot be used together (--isolated ignores every config file)")
    stdin_name = _stdin_name(args)
    paths = [path for path in args.paths if path != STDIN] or (
        [os.path.dirname(stdin_name) or "."] if stdin_name else ["."]
    )
    found = config_file(paths, args.config, args.isolated)
    if args.config is None and not args.isolated and len(paths) > 1 and not args.quiet:
        _warn_other_config(paths, found)
    cache = None
    if not args.no_cache:
        from tslint.cache import CACHE_FOLDER, ResultCache

        cache = catalogue.cache = ResultCache((config_root(found) or Path.cwd()) / CACHE_FOLDER)
    config = read_config_file(found, catalogue) if found is not None else Config()
    config = config.with_overrides(
        mode=args.mode,
        select=check_selectors(args.select, "--select", "command line", catalogue) if args.select else None,
        ignore=check_selectors(args.ignore, "--ignore", "command line", catalogue) if args.ignore else None,
    )
    if args.extend_select:
        extend = check_selectors(args.extend_select, "--extend-select", "command line", catalogue)
        config = replace(config, select=config.select + extend)
    _check_some_rule_runs(config, catalogue)
    return config, cache


def _check_some_rule_runs(config, catalogue: Catalogue) -> None:
    """A mode and a selection with no rule in common (`--mode script --select TS4`) linted nothing
    and answered "All checks passed!": a ConfigError instead. TS0xx (tslint's own codes) do not count."""
    from tslint.config import ConfigError, selected

    modes = ("script", "trace") if config.mode == "both" else (config.mode,)
    if (config.select == ("TS",) and not config.ignore) or any(
        not code.startswith("TS0") and info.mode.value in modes and selected(code, config.select, config.ignore)
        for code, info in catalogue.items()
    ):
        return
    raise ConfigError(
        f"no rule runs: mode {config.mode!r} with select {', '.join(config.select)}"
        + (f" and ignore {', '.join(config.ignore)}" if config.ignore else "")
        + " leaves none (TS1xx-TS3xx are script rules, TS4xx trace, TS5xx export)"
    )


def _warn_other_config(paths: Sequence[str], found: Optional[Path]) -> None:
    """One config file applies to a run: say so when a later path has another one of its own."""
    from tslint.config import path_with_other_config
    from tslint.formatters import escape_terminal

    other = path_with_other_config(paths, found)
    if other is not None:
        path, nearest = other
        theirs = f"its own settings are in {nearest}" if nearest is not None else "it has no config file"
        ours = found if found is not None else "no config file (the defaults)"
        sys.stderr.write(
            escape_terminal(
                f"tslint: warning: {path} is linted with the settings of the first path, {ours}, but {theirs}; "
                "run tslint once per project (or pass --config)"
            )
            + "\n"
        )


def _lint(args: argparse.Namespace, config, cache):
    """(result, sources of the reported files when already read, tool properties for the report)."""
    from tslint import api
    from tslint.files import find_context, find_sources
    from tslint.progress import Progress

    stdin_name = _stdin_name(args)
    respect_gitignore = args.respect_gitignore and config.respect_gitignore
    if args.confirm and stdin_name:
        raise _Failure("--confirm needs files on disk, not stdin")
    if stdin_name:
        data = _read_stdin()
        paths = [path for path in args.paths if path != STDIN]
        result = _lint_stdin(data, stdin_name, config, paths, respect_gitignore, cache)
        return result, {stdin_name: _decoded(data)}, {}
    paths = args.paths or ["."]
    found = find_sources(paths, config.root, config.exclude, respect_gitignore)
    # As ruff: paths named with no Python file under them say so (a hook called with no file, which
    # lints ".", stays quiet: tests/test_integrations.py).
    if args.paths and not found.sources and not found.unlisted and not args.quiet:
        sys.stderr.write("tslint: warning: no Python files found under the given paths (see `exclude`, .gitignore)\n")
    context = find_context(paths, found.sources, config.root, config.exclude, respect_gitignore)
    progress = Progress("tslint", enabled=None if _shows_progress(args, config) else False)
    try:
        result = api.lint_sources(
            [*found.sources, *context],
            config,
            jobs=args.jobs,
            cache=cache,
            only=[s.display for s in found.sources] if context else None,
            progress=progress,
        )
    finally:
        progress.close()
    result = _with_unlisted(result, found.unlisted)
    if not args.confirm:
        return result, None, {}
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise _Failure("--confirm needs torch: pip install torch (the confirm extra)")
    from tslint.confirm.runner import ConfirmUnavailable, confirm

    try:
        result, torch_version = confirm(
            result,
            list(found.sources),
            config,
            not args.confirm_findings,
            sys.stderr.isatty() and _shows_progress(args, config),
            args.jobs,
        )
    except ConfirmUnavailable as error:
        raise _Failure(f"--confirm: {error}") from None
    return result, None, ({"torch": torch_version} if torch_version else {})


def _shows_progress(args: argparse.Namespace, config) -> bool:
    """Whether a progress line may be drawn (on a terminal: tslint.progress checks): not with
    --quiet or --silent, and not for the formats a program reads (json, sarif, github), whose
    users run tslint from scripts and CI."""
    output_format = args.output_format or config.output_format
    return not (args.quiet or args.silent) and output_format in ("full", "concise", "grouped")


def use_colour(choice: str, output_file: Optional[str], environ=os.environ, stream=None) -> bool:
    """--color: always / never; auto colours a terminal unless NO_COLOR is set (non-empty), and
    colours anything when FORCE_COLOR is set (non-empty) and NO_COLOR is not."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    stream = sys.stdout if stream is None else stream
    return output_file is None and bool(getattr(stream, "isatty", lambda: False)())


def _report(args: argparse.Namespace, config, result, sources, catalogue, tool_extra) -> str:
    from tslint import explain, formatters

    output_format = args.output_format or config.output_format
    colour = output_format in ("full", "concise", "grouped") and use_colour(args.color, args.output_file)
    if output_format in ("full", "sarif") and sources is None and not (args.statistics and output_format == "full"):
        sources = _read_sources({d.filename for d in result.diagnostics})
    if args.statistics and output_format != "sarif":
        if output_format != "json":  # counts per code have no place for them: exit 2 needs a reason
            for error in result.errors:
                sys.stderr.write(formatters.escape_terminal(f"tslint: error: {error.filename}: {error.message}") + "\n")
        return formatters.format_statistics(result, catalogue, output_format, colour, args.quiet, tool_extra)
    if output_format == "json":
        return formatters.format_json(result, tool_extra)
    if output_format == "github":
        return formatters.format_github(result)
    if output_format == "sarif":
        pages = {code: explain.page(code) or "" for code in catalogue}
        rows = formatters.statistics(result, catalogue) if args.statistics else None
        from tslint.sarif import format_sarif

        return format_sarif(result, sources, catalogue, pages, tool_extra, rows)
    unsafe = config.unsafe_fixes if args.unsafe_fixes is None else args.unsafe_fixes
    if output_format == "concise":
        return formatters.format_concise(result, colour, args.quiet, unsafe)
    if output_format == "grouped":
        return formatters.format_grouped(result, colour, args.quiet, unsafe)
    return formatters.format_text(result, sources or {}, catalogue, colour, args.quiet, unsafe)


def _read_stdin() -> bytes:
    """stdin's bytes, decoded later exactly as a file's are (BOM, coding cookie, UTF-8); never more
    than the file size limit plus one byte, so `< /dev/zero` ends in a TS001, not out of memory."""
    from tslint.engine.reading import MAX_FILE_BYTES

    stream = getattr(sys.stdin, "buffer", None)
    return b"" if stream is None else stream.read(MAX_FILE_BYTES + 1)


def _lint_stdin(
    data: bytes, name: str, config, context_paths: Sequence[str], respect_gitignore: bool = True, cache=None
):
    """Lint stdin's bytes as the file `name`, with the files under `context_paths` and the rest of
    `name`'s package (when it names a file on disk) as context. The bytes go to the engine
    undecoded: a latin-1 cookie or invalid UTF-8 gets the file's TS001/TS101. With a cache, the
    context's indexes come from it, as for files on the command line."""
    from tslint import api
    from tslint.files import SourceFile, discover, find_context

    source = SourceFile(Path(name), name)
    others = discover(context_paths, config.root, config.exclude, respect_gitignore) if context_paths else []
    if name != STDIN and os.path.isfile(name):
        others += find_context([name], [source, *others], config.root, config.exclude, respect_gitignore)
    others = [s for s in others if s.display != name]
    return api.lint_sources([source, *others], config, cache=cache, buffers={name: data}, only=[name])


def _with_unlisted(result, unlisted: Sequence[Tuple[str, str]]):
    """The result with the folders that could not be listed as error entries: exit code 2, as for
    any input the run could not check (their files are unknown, so no TS001 can stand for them)."""
    if not unlisted:
        return result
    from tslint.findings import FileError

    errors = tuple(FileError(folder, message) for folder, message in unlisted)
    return replace(result, errors=errors + result.errors, internal_errors=result.internal_errors + len(errors))


def _decoded(data: bytes) -> str:
    from tslint.engine.reading import decode

    try:
        return decode(data)
    except ValueError:
        return ""


def _read_sources(filenames) -> dict:
    """The text of each reported file, for the excerpts: read as the engine reads files (a FIFO is
    not waited on), and "" when that fails (the file changed or vanished since)."""
    from tslint.engine.reading import read_source
    from tslint.files import SourceFile

    sources = {}
    for name in filenames:
        data, _ = read_source(SourceFile(Path(name), name))
        sources[name] = "" if data is None else _decoded(data)
    return sources


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        return run(argv)
    except SystemExit as exit:  # argparse: --help, --version and usage errors
        return exit.code if isinstance(exit.code, int) else EXIT_FAILURE
    except KeyboardInterrupt:
        return _fail("interrupted")
    except BrokenPipeError:
        return EXIT_CLEAN
    except Exception as error:  # never a traceback: one line, exit 2 (TSLINT_DEBUG=1 shows it)
        if os.environ.get("TSLINT_DEBUG"):
            raise
        return _fail(f"internal error: {type(error).__name__}: {error} (set TSLINT_DEBUG=1 for details)")
