"""Command line: `tslint [PATH ...]`. Exit codes: 0 no findings, 1 findings, 2 usage/config/internal error."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import List, NoReturn, Optional, Sequence, Tuple

from tslint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILURE = 0, 1, 2
STDIN = "-"  # as a PATH: read the source from stdin (ruff's convention)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILURE, f"tslint: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _codes(text: str) -> List[str]:
    return [part.strip().upper() for part in text.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tslint",
        description="Static TorchScript-compatibility linter: finds what torch.jit.script rejects "
        "and what torch.jit.trace records wrong, without importing torch.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files and folders to lint (default: .); - reads the source from stdin")
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    parser.add_argument("--mode", choices=("script", "trace", "both"), help="which export path to check")
    parser.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to enable")
    parser.add_argument("--ignore", type=_codes, help="comma-separated codes or prefixes to disable")
    parser.add_argument("--config", metavar="FILE", help="use this pyproject.toml instead of searching")
    parser.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    parser.add_argument("--stdin-filename", metavar="NAME", help="read the source from stdin, report it as NAME")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("-o", "--output-file", metavar="PATH", help="write the report to PATH")
    parser.add_argument("--statistics", action="store_true", help="print counts per code instead of findings")
    parser.add_argument("-j", "--jobs", type=_positive, metavar="N",
                        help="parallel worker processes (default: the core count, one for small inputs)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    parser.add_argument("--explain", metavar="CODE", help="print the documentation page of a rule")
    parser.add_argument("--list-rules", action="store_true", help="print the rule catalogue")
    parser.add_argument("--lsp", action="store_true", help="run the language server over stdio (tslint[lsp])")
    parser.add_argument("--confirm", action="store_true",
                        help="run torch.jit.script (and trace, with example inputs) on every module class it can build, in "
                        "child processes, to confirm findings and find failures no rule predicts (imports your code!); "
                        "--confirm=findings only on classes with a finding")
    parser.add_argument("--confirm-findings", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"tslint {__version__}")
    return parser


def _confirm_option(argument: str, parser: argparse.ArgumentParser) -> str:
    """`--confirm=all` (the default scope) is `--confirm`, `--confirm=findings` a flag of its own."""
    if not argument.startswith("--confirm="):
        return argument
    value = argument.partition("=")[2]
    if value not in ("all", "findings"):
        parser.error(f"argument --confirm: expected --confirm, --confirm=all or --confirm=findings, got {argument!r}")
    return "--confirm" if value == "all" else "--confirm-findings"


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


def run(argv: Optional[Sequence[str]] = None) -> int:
    # argparse cannot tell `--confirm=findings` from `--confirm PATH`: spell the former as a flag of its own.
    parser = build_parser()
    argv = [_confirm_option(a, parser) for a in (sys.argv[1:] if argv is None else argv)]
    args = parser.parse_args(argv)
    if args.confirm_findings:
        args.confirm = True
    # Imported here so that `--version` and argument errors stay instant.
    from tslint import api, explain, formatters
    from tslint.config import ConfigError, check_selectors, load_config
    from tslint.files import MissingPath, find_sources

    catalogue = {info.code: info for info in api.catalogue()}
    if args.lsp:
        try:
            from tslint import lsp
        except ImportError as error:
            return _fail(f"the language server needs pygls: pip install 'tslint[lsp]' ({error})")
        return lsp.main()
    if args.explain:
        code = args.explain.strip().upper()
        text = explain.page(code)
        if code not in catalogue or text is None:
            return _fail(f"unknown rule code {args.explain!r} (see `tslint --list-rules`)")
        _write(text, args.output_file)
        return EXIT_CLEAN
    if args.list_rules:
        _write(formatters.format_rule_list(list(catalogue.values()), args.format == "json"), args.output_file)
        return EXIT_CLEAN

    # As ruff: `-` reads the source from stdin, as does --stdin-filename (which names it); other
    # paths then only give context (base classes, helpers).
    stdin_name = args.stdin_filename or (STDIN if STDIN in args.paths else None)
    paths = [path for path in args.paths if path != STDIN] if stdin_name else args.paths or ["."]
    if args.confirm and stdin_name:
        return _fail("--confirm needs files on disk, not stdin")
    try:
        config = load_config(paths or [os.path.dirname(stdin_name or "") or "."], args.config, args.isolated, list(catalogue))
        overrides = {
            "mode": args.mode,
            "select": check_selectors(args.select, "--select", "command line", list(catalogue)) if args.select else None,
            "ignore": check_selectors(args.ignore, "--ignore", "command line", list(catalogue)) if args.ignore else None,
        }
        config = config.with_overrides(**overrides)
        if stdin_name:
            data = _read_stdin()
            result = _lint_stdin(data, stdin_name, config, paths)
            sources = {stdin_name: _decoded(data)}
        else:
            cache = None
            if not args.no_cache:
                from tslint.cache import CACHE_FOLDER, ResultCache

                cache = ResultCache((config.root or Path.cwd()) / CACHE_FOLDER)
            found = find_sources(paths, config.root, config.exclude)
            result = _with_unlisted(api.lint_sources(found.sources, config, jobs=args.jobs, cache=cache), found.unlisted)
            sources = None
        if args.confirm:
            import importlib.util

            if importlib.util.find_spec("torch") is None:
                return _fail("--confirm needs torch: pip install 'tslint[confirm]'")
            from tslint.confirm.runner import ConfirmUnavailable, confirm

            progress = sys.stderr.isatty()
            try:
                result, torch_version = confirm(result, list(found.sources), config, not args.confirm_findings, progress, args.jobs)
            except ConfirmUnavailable as error:
                return _fail(f"--confirm: {error}")
            tool_extra = {"torch": torch_version} if torch_version else {}
        else:
            tool_extra = {}
    except ConfigError as error:
        return _fail(str(error))
    except MissingPath as missing:
        return _fail(f"path does not exist: {missing}")

    if args.statistics:
        report = formatters.format_statistics(result, catalogue, args.format == "json")
        for error in result.errors:  # counts per code have no place for them; exit code 2 needs a reason
            sys.stderr.write(formatters.escape_terminal(f"tslint: error: {error.filename}: {error.message}") + "\n")
    elif args.format == "json":
        report = formatters.format_json(result, tool_extra)
    elif args.format == "github":
        report = formatters.format_github(result)
    elif args.format == "sarif":
        if sources is None:
            sources = _read_sources({d.filename for d in result.diagnostics})
        pages = {code: explain.page(code) or "" for code in catalogue}
        report = formatters.format_sarif(result, sources, catalogue, pages, tool_extra)
    else:
        if sources is None:
            sources = _read_sources({d.filename for d in result.diagnostics})
        colour = args.output_file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        report = formatters.format_text(result, sources, catalogue, colour)
    try:
        _write(report, args.output_file)
    except OSError as error:
        return _fail(f"cannot write {args.output_file}: {error.strerror or error}")
    if result.internal_errors:
        return EXIT_FAILURE
    # Findings torch refuted (--confirm) do not fail the run.
    if any(d.confirmation is None or d.confirmation.status != "refuted" for d in result.diagnostics) and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _read_stdin() -> bytes:
    """stdin's bytes, decoded later exactly as a file's are (BOM, coding cookie, UTF-8); never more
    than the file size limit plus one byte, so `< /dev/zero` ends in a TS001, not out of memory."""
    from tslint.engine.parsing import MAX_FILE_BYTES

    stream = getattr(sys.stdin, "buffer", None)
    return b"" if stream is None else stream.read(MAX_FILE_BYTES + 1)


def _lint_stdin(data: bytes, name: str, config, context_paths: Sequence[str]):
    """Lint stdin's bytes as the file `name`, with the files under `context_paths` as context. The
    bytes go to the engine undecoded: a latin-1 cookie or invalid UTF-8 gets the file's TS001/TS101."""
    from tslint import api
    from tslint.files import SourceFile, discover

    source = SourceFile(Path(name), name)
    others = [s for s in discover(context_paths, config.root, config.exclude) if s.display != name] if context_paths else []
    result = api.lint_sources([source, *others], config, buffers={name: data}, only=[name])
    return replace(
        result,
        diagnostics=tuple(d for d in result.diagnostics if d.filename == name),
        errors=tuple(e for e in result.errors if e.filename == name),
    )


def _with_unlisted(result, unlisted: Sequence[Tuple[str, str]]):
    """The result with the folders that could not be listed as error entries: exit code 2, as for
    any input the run could not check (their files are unknown, so no TS001 can stand for them)."""
    if not unlisted:
        return result
    from tslint.findings import FileError

    errors = tuple(FileError(folder, message) for folder, message in unlisted)
    return replace(result, errors=errors + result.errors, internal_errors=result.internal_errors + len(errors))


def _decoded(data: bytes) -> str:
    from tslint.engine.parsing import decode

    try:
        return decode(data)
    except ValueError:
        return ""


def _read_sources(filenames) -> dict:
    """The text of each reported file, for the excerpts: read as the engine reads files (a FIFO is
    not waited on), and "" when that fails (the file changed or vanished since)."""
    from tslint.engine.parsing import read_source
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
