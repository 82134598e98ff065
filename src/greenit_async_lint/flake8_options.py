"""The flake8 plugin's options: the CLI's configuration keys, under a `greenit-` prefix.

Each option is a configuration key of `[tool.greenit-async-lint]` and means the same thing; the
prefix keeps them apart from flake8's own `exclude`, `jobs`, `select`... in the shared `[flake8]`
section. Values set here win over pyproject.toml, key by key; `greenit-exclude` adds to the
pyproject's `exclude` as the CLI's `--exclude` does. Keys whose values are tables (`extra-work`,
`extra-offloads`, `extra-handlers`) cannot be written in an INI file: they are read from
pyproject.toml, or from the TOML file named by `greenit-config` (the CLI's `--config`).
`select`/`ignore` are flake8's own options (`extend-ignore = GAL109`); the pyproject's
`select`/`ignore` still apply first, as they do for the CLI.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Optional

from .config import Config, ConfigError, load_config
from .catalogue.schema import CatalogueError

PREFIX = "greenit-"

# (configuration key, kind, help). Kinds: int, bool, str, list (comma-separated).
OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("exclude", "list", "globs of paths the analysis skips, added to pyproject's `exclude`"),
    ("max-depth", "int", "how many calls deep to follow from a handler (default 8)"),
    ("min-confidence", "str", "report findings at least this sure: low, medium or high (default medium; "
                              "low adds work under create-if-missing, debug/trace/test or retry guards)"),
    ("loop-amplification", "bool", "blocking work in an unbounded loop counts as heavy (default true)"),
    ("max-file-bytes", "int", "larger files are skipped and reported as GAL903 (default 1000000)"),
    ("heavy-calls", "list", "qualified names of your own slow functions (GAL113)"),
    ("blocking-calls", "list", "qualified names of your own blocking functions (GAL113)"),
    ("cache", "bool", "read and write the on-disk summary cache (default true)"),
    ("cache-dir", "str", "summary cache folder, relative to the project root (default .greenit-cache)"),
    ("jobs", "int", "worker processes for parsing a cold project (default: one per core; "
                    "always 1 inside flake8's own worker processes)"),
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def register(manager: Any) -> None:
    """Add the options to flake8's option manager (command line and `[flake8]` config alike)."""
    manager.add_option(f"--{PREFIX}config", default=None, parse_from_config=True, normalize_paths=True,
                       help="TOML file with a [tool.greenit-async-lint] table (default: the nearest "
                            "pyproject.toml above the checked file)")
    for key, kind, help_text in OPTIONS:
        extra: dict[str, Any] = {}
        if kind == "int":
            extra["type"] = int
        elif kind == "list":
            extra["comma_separated_list"] = True
        manager.add_option(f"--{PREFIX}{key}", default=None, parse_from_config=True,
                           help=f"greenit-async-lint: {help_text}", **extra)


def overrides(options: argparse.Namespace) -> dict[str, Any]:
    """The configuration keys set through flake8, validated one by one; ConfigError names the option."""
    out: dict[str, Any] = {}
    for key, kind, _help in OPTIONS:
        value = getattr(options, _dest(key), None)
        if value is None:
            continue
        where = f"flake8 option {PREFIX}{key}"
        if kind == "bool":
            value = _as_bool(value, where)
        elif kind == "list":
            value = [v for v in value if v]
        try:
            Config.from_mapping({key: value})  # the same validation as pyproject.toml
        except CatalogueError as exc:  # ConfigError, or a schema check's CatalogueError
            raise ConfigError(where, exc.problem) from None
        out[key] = value
    return out


def explicit_config(options: argparse.Namespace) -> Optional[str]:
    return getattr(options, _dest("config"), None)


def build_config(start: Path, explicit: Optional[str], over: dict[str, Any]) -> Config:
    """pyproject.toml (or the explicit file) from `start` upwards, then the flake8 options on top."""
    config = load_config(explicit, start)
    if over:
        extra = Config.from_mapping(over, "flake8 options")
        for key in over:
            name = key.replace("-", "_")
            value = getattr(extra, name)
            setattr(config, name, [*config.exclude, *value] if name == "exclude" else value)
        config.source = f"{config.source or 'defaults'} + flake8 options"
    return config


def _dest(key: str) -> str:
    return (PREFIX + key).replace("-", "_")


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(where, f"must be true or false, not {value!r}")
