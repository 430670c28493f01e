"""The command line's arguments: the parser, its value types and `parse_args`."""

from __future__ import annotations

import argparse
import sys
from typing import List, NoReturn, Optional, Sequence

from tslint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILURE = 0, 1, 2  # as the parser's epilog says


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


def _output_format(text: str) -> str:
    name = text.strip().lower()
    if name == "text":  # the name before ruff's: still accepted
        return "full"
    from tslint.config import OUTPUT_FORMATS

    if name not in OUTPUT_FORMATS:
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(OUTPUT_FORMATS)})")
    return name


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tslint",
        description="Static TorchScript-compatibility linter: finds what torch.jit.script rejects "
        "and what torch.jit.trace records wrong, without importing torch.",
        epilog="Exit codes: 0 no findings (or --exit-zero), 1 findings, 2 usage, configuration or internal error.",
    )
    add = parser.add_argument
    add(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files and folders to lint (default: .); - reads the source from stdin. Each file is linted with "
        "the rest of its package as context, so its findings do not depend on which other files are given",
    )
    _output_options(parser)
    _selection_options(parser)
    _file_options(parser)
    _fix_options(parser)
    _confirm_options(parser)
    _other_commands(parser)
    return parser


def _output_options(parser: argparse.ArgumentParser) -> None:
    output = parser.add_argument_group("output")
    output.add_argument(
        "--output-format",
        "--format",
        dest="output_format",
        type=_output_format,
        default=None,
        metavar="{full,concise,grouped,json,github,sarif}",
        help="full: each finding with its source line and a hint (default); concise: one line per "
        "finding; grouped: findings under their file; json, github (workflow commands), sarif (2.1.0)",
    )
    output.add_argument("-o", "--output-file", metavar="PATH", help="write the report to PATH instead of stdout")
    output.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per code, and their total, in the output format",
    )
    output.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text formats: auto (a terminal; NO_COLOR turns it off, FORCE_COLOR on), "
        "always or never (default: auto)",
    )
    output.add_argument(
        "-q", "--quiet", action="store_true", help="print the findings and nothing else (no summary line, no progress)"
    )
    output.add_argument("-s", "--silent", action="store_true", help="print nothing; only the exit code tells")
    output.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")


def _selection_options(parser: argparse.ArgumentParser) -> None:
    rules = parser.add_argument_group("rule selection")
    rules.add_argument(
        "--mode",
        choices=("script", "trace", "both", "export"),
        help="which export path to check: torch.jit.script, torch.jit.trace, both, or "
        "torch.export.export (export) (default: both)",
    )
    rules.add_argument(
        "--select", type=_codes, metavar="CODES", help="comma-separated codes or prefixes to enable (TS1,TS401)"
    )
    rules.add_argument(
        "--extend-select",
        type=_codes,
        metavar="CODES",
        help="comma-separated codes or prefixes to enable on top of the selection (a rule off by default: TS404)",
    )
    rules.add_argument("--ignore", type=_codes, metavar="CODES", help="comma-separated codes or prefixes to disable")
    rules.add_argument(
        "--add-noqa",
        action="store_true",
        help="suppress every remaining finding in place: add `# noqa: TSxxx` to the line tslint reads "
        "for it (merged into its `# noqa: ...`), then report how many were added",
    )


def _file_options(parser: argparse.ArgumentParser) -> None:
    files = parser.add_argument_group("files and configuration")
    files.add_argument("--config", metavar="FILE", help="use this pyproject.toml instead of searching for one")
    files.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    files.add_argument("--stdin-filename", metavar="NAME", help="read the source from stdin and report it as NAME")
    files.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        help="also lint files that .gitignore (and .git/info/exclude) ignore in the folders walked",
    )
    files.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        metavar="N",
        help="parallel worker processes (default: the core count, one for small inputs; at most the core count, "
        "or two on one core)",
    )
    files.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the result cache (.tslint_cache)"
    )


def _fix_options(parser: argparse.ArgumentParser) -> None:
    fixes = parser.add_argument_group("fixes")
    fixes.add_argument(
        "--fix",
        action="store_true",
        default=None,
        help="apply the safe fixes in place, then report what remains (exit 1 only if findings remain)",
    )
    fixes.add_argument(
        "--no-fix", dest="fix", action="store_false", help="do not fix, even if the config says `fix = true`"
    )
    fixes.add_argument(
        "--unsafe-fixes",
        action="store_true",
        default=None,
        help="also apply (or show, with --diff) the fixes that may change behaviour",
    )
    fixes.add_argument(
        "--no-unsafe-fixes",
        dest="unsafe_fixes",
        action="store_false",
        help="only safe fixes, even if the config says `unsafe-fixes = true`",
    )
    fixes.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff and write nothing (exit 1 if there is a diff)",
    )
    fixes.add_argument("--show-fixes", action="store_true", help="list the fixes applied, per file and code")


def _confirm_options(parser: argparse.ArgumentParser) -> None:
    torch = parser.add_argument_group("confirmation by torch")
    torch.add_argument(
        "--confirm",
        action="store_true",
        help="run torch.jit.script (and trace, with example inputs) on every module class it can build, "
        "in child processes, to confirm findings and find failures no rule predicts (imports your code!); "
        "--confirm=findings only on classes with a finding",
    )
    torch.add_argument("--confirm-findings", action="store_true", help=argparse.SUPPRESS)


def _other_commands(parser: argparse.ArgumentParser) -> None:
    other = parser.add_argument_group("other commands")
    other.add_argument(
        "--explain", metavar="CODE", help="print the documentation page of a rule, by code (TS101) or name"
    )
    other.add_argument(
        "--list-rules", action="store_true", help="print the rule catalogue (--output-format json for JSON)"
    )
    other.add_argument("--lsp", action="store_true", help="run the language server over stdio (needs the lsp extra)")
    other.add_argument("--version", action="version", version=f"tslint {__version__}", help="print the version")


def _confirm_option(argument: str, parser: argparse.ArgumentParser) -> str:
    """`--confirm=all` (the default scope) is `--confirm`, `--confirm=findings` a flag of its own."""
    if not argument.startswith("--confirm="):
        return argument
    value = argument.partition("=")[2]
    if value not in ("all", "findings"):
        parser.error(f"argument --confirm: expected --confirm, --confirm=all or --confirm=findings, got {argument!r}")
    return "--confirm" if value == "all" else "--confirm-findings"


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    # argparse cannot tell `--confirm=findings` from `--confirm PATH`: spell the former as a flag of its own.
    parser = build_parser()
    argv = [_confirm_option(a, parser) for a in (sys.argv[1:] if argv is None else argv)]
    args = parser.parse_args(argv)
    # An empty value was taken for "not given" (`--stdin-filename ""` linted the folder instead of
    # stdin, `-o ""` wrote to stdout) or for "." (a PATH of ""): refused, as a missing value is.
    for flag, value in (("--stdin-filename", args.stdin_filename), ("-o/--output-file", args.output_file)):
        if value == "":
            parser.error(f"argument {flag}: expected a file name, got {value!r}")
    if args.config == "":
        parser.error(f"argument --config: expected a file name, got {args.config!r}")
    if "" in args.paths:
        parser.error("an empty PATH names no file (use . for the current folder)")
    if args.confirm_findings:
        args.confirm = True
    if args.silent:
        args.quiet = True
    return args
