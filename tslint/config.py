"""`[tool.tslint]` in the nearest pyproject.toml: read, validated strictly, merged with the CLI."""

from __future__ import annotations

import math
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Tuple

from tslint.files import NotRegularFile, TooLarge, read_regular_file

MODES = ("script", "trace", "both", "export")
OUTPUT_FORMATS = ("full", "concise", "grouped", "json", "github", "sarif")
SELECTOR = re.compile(r"^TS[0-9]{0,3}$")


class ConfigError(Exception):
    """A configuration problem, reported as one line naming the file and key; exit code 2."""


@dataclass(frozen=True)
class ConfirmConfig:
    timeout: float = 60.0
    factories: Mapping[str, str] = field(default_factory=dict)
    example_inputs: Mapping[str, str] = field(default_factory=dict)
    dynamic_shapes: Mapping[str, str] = field(default_factory=dict)  # export: class -> callable giving dynamic_shapes
    export_strict: Tuple[bool, ...] = (False,)  # export: strict=False (torch's default), True, or both


@dataclass(frozen=True)
class Config:
    mode: str = "both"
    select: Tuple[str, ...] = ("TS",)
    ignore: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    output_format: str = "full"  # the command line's --output-format wins
    respect_gitignore: bool = True
    fix: bool = False  # `fix = true`: apply safe fixes (as --fix); --no-fix on the command line wins
    unsafe_fixes: bool = False  # `unsafe-fixes = true`: also the fixes that may change behaviour
    confirm: ConfirmConfig = field(default_factory=ConfirmConfig)
    root: Optional[Path] = None  # folder of the config file: exclude / per-file-ignores are relative to it
    source: Optional[Path] = None

    def with_overrides(self, **overrides: Any) -> Config:
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})


def _strings(value: Any, key: str, where: str) -> Tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def check_selectors(selectors: Iterable[str], key: str, where: str, known_codes: Sequence[str]) -> Tuple[str, ...]:
    checked = []
    for selector in selectors:
        code = selector.strip().upper()
        if not SELECTOR.match(code):
            raise ConfigError(
                f"{where}: `{key}` has an invalid rule selector {selector!r} (expected e.g. TS101 or TS1)"
            )
        if len(code) == 5 and code not in known_codes:
            raise ConfigError(f"{where}: `{key}` names unknown rule {code!r}")
        # A prefix no rule has (`TS9`, `TS60`) would select nothing, and a run "pass" having checked nothing.
        if 2 < len(code) < 5 and not any(known.startswith(code) for known in known_codes):
            raise ConfigError(f"{where}: `{key}` has the prefix {code!r}, which no rule code starts with")
        checked.append(code)
    return tuple(checked)


def _mapping_of_strings(value: Any, key: str, where: str) -> Dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ConfigError(f"{where}: `{key}` must be a table of strings")
    for target in value.values():
        if ":" not in target:
            raise ConfigError(f"{where}: `{key}` values must look like 'package.module:callable', got {target!r}")
    return dict(value)


def _confirm(table: Any, where: str) -> ConfirmConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: `confirm` must be a table")
    result = ConfirmConfig()
    for key, value in table.items():
        full = f"confirm.{key}"
        if key == "timeout":
            # TOML spells nan and inf; both would mean no timeout at all (nan compares false to
            # everything, so `value <= 0` let it through).
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < math.inf):
                raise ConfigError(f"{where}: `{full}` must be a positive, finite number of seconds, got {value!r}")
            result = replace(result, timeout=float(value))
        elif key == "factories":
            result = replace(result, factories=_mapping_of_strings(value, full, where))
        elif key == "example-inputs":
            result = replace(result, example_inputs=_mapping_of_strings(value, full, where))
        elif key == "dynamic-shapes":
            result = replace(result, dynamic_shapes=_mapping_of_strings(value, full, where))
        elif key == "export-strict":
            choices = {False: (False,), True: (True,), "both": (False, True)}
            if not any(value is choice for choice in (False, True)) and value != "both":
                raise ConfigError(f'{where}: `{full}` must be true, false or "both", got {value!r}')
            result = replace(result, export_strict=choices[value])
        else:
            raise ConfigError(f"{where}: unknown key `tool.tslint.{full}`")
    return result


def parse_table(table: Mapping[str, Any], where: str, root: Optional[Path], known_codes: Sequence[str]) -> Config:
    config = Config(root=root)
    values: Dict[str, Any] = {}
    for key, value in table.items():
        if key == "mode":
            if value not in MODES:
                raise ConfigError(f"{where}: `mode` must be one of {', '.join(MODES)}, got {value!r}")
            values["mode"] = value
        elif key in ("select", "ignore", "extend-select"):
            values[key] = check_selectors(_strings(value, key, where), key, where, known_codes)
        elif key == "exclude":
            values["exclude"] = _strings(value, key, where)
        elif key == "output-format":
            if value not in OUTPUT_FORMATS:
                raise ConfigError(f"{where}: `output-format` must be one of {', '.join(OUTPUT_FORMATS)}, got {value!r}")
            values["output_format"] = value
        elif key in ("respect-gitignore", "fix", "unsafe-fixes"):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: `{key}` must be true or false, got {value!r}")
            values[key.replace("-", "_")] = value
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: `per-file-ignores` must be a table of glob = [codes]")
            values["per_file_ignores"] = tuple(
                (
                    pattern,
                    check_selectors(
                        _strings(codes, f"per-file-ignores.{pattern}", where),
                        f"per-file-ignores.{pattern}",
                        where,
                        known_codes,
                    ),
                )
                for pattern, codes in value.items()
            )
        elif key == "confirm":
            values["confirm"] = _confirm(value, where)
        else:
            raise ConfigError(f"{where}: unknown key `tool.tslint.{key}`")
    # As ruff: `extend-select` adds to `select` (the default one when the table has none); a
    # `--select` on the command line replaces both.
    extend = values.pop("extend-select", ())
    values["select"] = values.get("select", config.select) + extend
    return replace(config, **values)


EDITOR_KEYS = ("mode", "select", "ignore")


def editor_overrides(settings: Any, known_codes: Sequence[str]) -> Dict[str, Any]:
    """The Config fields an editor sets for tslint (the language server's `initializationOptions` or
    `workspace/didChangeConfiguration` settings): `mode`, `select` and `ignore`, validated as in
    the config file. They override the project's config file; a key left out keeps the file's value."""
    where = "editor settings"
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise ConfigError(f"{where}: expected an object with {', '.join(EDITOR_KEYS)}")
    for key in settings:
        if key not in EDITOR_KEYS:
            raise ConfigError(f"{where}: unknown key `{key}` (an editor may set {', '.join(EDITOR_KEYS)})")
    parsed = parse_table(settings, where, None, known_codes)
    return {key: getattr(parsed, key) for key in settings}


# A pyproject.toml is a few kB; the bound keeps `pyproject.toml -> /dev/zero` from reading forever.
MAX_CONFIG_BYTES = 10_000_000


def _read_text(path: Path) -> str:
    """The file as UTF-8 text (TOML's only encoding), or a ConfigError naming why not. Only a
    regular file is read (a FIFO would block until a writer came)."""
    try:
        data = read_regular_file(path, MAX_CONFIG_BYTES)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config file: {error.strerror or error}") from None
    except NotRegularFile as error:
        raise ConfigError(f"{path}: cannot read config file: {error}") from None
    except TooLarge:
        raise ConfigError(f"{path}: config file is larger than {MAX_CONFIG_BYTES // 1_000_000} MB") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: config file is not valid UTF-8 (byte {error.start})") from None


def read_config_file(path: Path, known_codes: Sequence[str]) -> Config:
    text = _read_text(path)
    # Imported here: a run with no `[tool.tslint]` table reads none (tomllib imports datetime).
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    tool = data.get("tool", {})
    table = tool.get("tslint", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `tool.tslint` must be a table")
    config = parse_table(table, str(path), config_root(path), known_codes)
    return replace(config, source=path)


def _declares_tslint(path: Path) -> bool:
    """Whether the file may hold `[tool.tslint]`. One that cannot be read or decoded is an error,
    not skipped: skipping it would lint with another file's settings, or none, without a word."""
    text = _read_text(path)
    return "[tool.tslint" in text or "tool.tslint" in text


def find_config_file(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a `[tool.tslint]` table, from `start` upwards."""
    directory = start.absolute()
    if not os.path.isdir(directory):  # never raises (a file in a folder that cannot be entered)
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        path = candidate / "pyproject.toml"
        if os.path.lexists(path) and not os.path.isdir(path) and _declares_tslint(path):
            return path
    return None


def config_file(paths: Sequence[str], explicit: Optional[str], isolated: bool) -> Optional[Path]:
    """The config file load_config reads: `explicit`, else the nearest one declaring `[tool.tslint]`
    above the first path (or the current folder); None with `isolated` or when there is none."""
    if isolated:
        return None
    if explicit is not None:
        if not os.path.lexists(explicit):
            raise ConfigError(f"{explicit}: config file does not exist")
        return Path(explicit)
    return find_config_file(Path(paths[0]) if paths else Path.cwd())


def path_with_other_config(paths: Sequence[str], found: Optional[Path]) -> Optional[Tuple[str, Optional[Path]]]:
    """(a path, its nearest config file) for the first of `paths` whose nearest config file is not
    `found` (the one config_file chose from the first path, which every path is linted with), or
    None. Each folder is looked up once: a pre-commit hook names many files in a few folders."""
    chosen = found.absolute() if found is not None else None
    seen = set()
    for path in paths[1:]:
        folder = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
        if folder in seen:
            continue
        seen.add(folder)
        nearest = find_config_file(Path(folder))
        if (nearest.absolute() if nearest is not None else None) != chosen:
            return path, nearest
    return None


def config_root(path: Optional[Path]) -> Optional[Path]:
    """The root of the Config read from `path` (see read_config_file)."""
    return path.absolute().parent if path is not None else None


def load_config(paths: Sequence[str], explicit: Optional[str], isolated: bool, known_codes: Sequence[str]) -> Config:
    found = config_file(paths, explicit, isolated)
    return read_config_file(found, known_codes) if found is not None else Config()


def selected(code: str, select: Sequence[str], ignore: Sequence[str], default_enabled: bool = True) -> bool:
    """Whether a rule runs: a prefix in `select` enables it, unless the rule is off by default, which
    only its full code enables; a prefix in `ignore` disables it."""
    chosen = any(code.startswith(s) for s in select) if default_enabled else code in select
    return chosen and not any(code.startswith(i) for i in ignore)
