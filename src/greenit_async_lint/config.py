"""Configuration: `[tool.greenit-async-lint]` in pyproject.toml, `--config FILE`, or flake8 options.

Every front end builds the same `Config` through `Config.from_mapping`, so a key means the same
thing wherever it is set. An unknown key or a wrong type raises ConfigError naming the key; the
CLI turns that into exit status 2.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Optional

from .analysis.options import AnalysisOptions
from .catalogue.schema import CatalogueError, as_bool, as_int, as_list, as_mapping, as_str, as_str_list

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TABLE = "greenit-async-lint"
MAX_DEPTH_LIMIT = 100
DEFAULT_DOCS_URL = "https://github.com/greenit-async-lint/greenit-async-lint/blob/main/docs/rules/{code}.md"


class ConfigError(CatalogueError):
    pass


# Every code is GAL and three digits: a prefix of that shape selects something, anything else
# (`GAL1O1`, `GL101`) would silently select nothing, so it is rejected as ruff rejects it.
_CODE_PREFIX = re.compile(r"G(A(L[0-9]{0,3})?)?")


def check_code_prefixes(items: list[str], where: str) -> list[str]:
    """Upper-case code prefixes, each checked to be the prefix of some GALnnn code."""
    codes = [item.strip().upper() for item in items if item.strip()]
    for code in codes:
        if not _CODE_PREFIX.fullmatch(code):
            raise ConfigError(where, f"{code!r} is not a code prefix (codes are GAL and three digits, e.g. GAL101)")
        if len(code) == 6 and code not in _known_codes():
            raise ConfigError(where, f"{code!r} is not a code of this version (see docs/rules/README.md)")
    return codes


def _known_codes() -> frozenset[str]:
    from .catalogue import default_catalogue  # the shipped codes.yaml; users cannot add codes
    return frozenset(default_catalogue().codes)


@dataclass
class Config:
    """A run's settings: the config file's, with the command line's over them."""

    select: list[str] = field(default_factory=list)  # code prefixes; empty means every code
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)  # added to the built-in exclusions
    max_depth: int = 8
    loop_amplification: bool = True
    max_file_bytes: int = 1_000_000
    max_violations: int = 0
    fail_on: str = "violation"
    fail_on_unresolved: Optional[int] = None  # route registrations not followed before failing (None: warn only)
    cache: bool = True
    cache_dir: str = ".greenit-cache"
    jobs: int = 0  # 0: one per core
    docs_url: str = DEFAULT_DOCS_URL
    request_timeout: float = 10.0
    baseline: Optional[str] = None
    heavy_calls: list[str] = field(default_factory=list)
    blocking_calls: list[str] = field(default_factory=list)
    extra_work: list[Any] = field(default_factory=list)
    extra_offloads: dict[str, Any] = field(default_factory=dict)
    extra_handlers: list[Any] = field(default_factory=list)
    respect_gitignore: bool = True
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # pattern -> code prefixes
    disable_noqa: bool = False
    min_confidence: str = "medium"  # low: also report work under create-if-missing, debug or retry guards
    source: Optional[str] = None  # where it was read from, for the report
    root: Optional[str] = None  # the folder of that file: patterns with a `/` are relative to it

    @classmethod
    def from_mapping(cls, data: Any, source: Optional[str] = None) -> "Config":
        table = as_mapping(data, f"[tool.{TABLE}]")
        config = cls(source=source)
        known = {f.name.replace("_", "-"): f.name for f in fields(cls) if f.name not in ("source", "root")}
        for key, value in table.items():
            name = known.get(key) or (key if key in known.values() else None)
            where = f"[tool.{TABLE}].{key}"
            if name is None:
                raise ConfigError(where, f"is not a known option (known: {', '.join(sorted(known))})")
            setattr(config, name, _check(name, value, where))
        return config

    def catalogue_extra(self) -> dict[str, Any]:
        return {"heavy-calls": self.heavy_calls, "blocking-calls": self.blocking_calls,
                "extra-work": self.extra_work, "extra-offloads": self.extra_offloads or None,
                "extra-handlers": self.extra_handlers}

    def selected(self, code: str) -> bool:
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def effective_jobs(self) -> int:
        return self.jobs or max(1, os.cpu_count() or 1)

    def analysis_options(self) -> AnalysisOptions:
        """What the engine reads of these settings (the gate's settings stay here)."""
        rules = tuple((pattern, tuple(codes)) for pattern, codes in self.per_file_ignores.items())
        return AnalysisOptions(tuple(self.select), tuple(self.ignore), tuple(self.exclude), self.max_depth,
                               self.loop_amplification, self.max_file_bytes, self.catalogue_extra(), self.cache,
                               self.cache_dir, self.effective_jobs(), self.respect_gitignore,
                               (self.root or os.getcwd(), rules), not self.disable_noqa,
                               min_confidence=self.min_confidence)

    def describe(self) -> dict[str, Any]:
        """The settings a report records so that its result can be reproduced."""
        return {"select": self.select, "ignore": self.ignore, "exclude": self.exclude, "max_depth": self.max_depth,
                "loop_amplification": self.loop_amplification, "max_violations": self.max_violations,
                "fail_on": self.fail_on, "baseline": self.baseline, "heavy_calls": self.heavy_calls,
                "blocking_calls": self.blocking_calls, "per_file_ignores": self.per_file_ignores,
                "respect_gitignore": self.respect_gitignore, "min_confidence": self.min_confidence,
                "source": self.source}


def _check(name: str, value: Any, where: str) -> Any:
    if name in ("select", "ignore", "exclude", "heavy_calls", "blocking_calls"):
        items = as_str_list(value, where)
        return check_code_prefixes(items, where) if name in ("select", "ignore") else items
    if name in ("max_depth",):
        # Each hop costs a few Python frames; a chain of 100 calls is deeper than any real request path,
        # and a bound far above that would only trade a clear error for a stack overflow.
        return as_int(value, where, minimum=1, maximum=MAX_DEPTH_LIMIT)
    if name in ("max_file_bytes", "max_violations", "jobs", "fail_on_unresolved"):
        return as_int(value, where, minimum=0)
    if name == "per_file_ignores":
        table = as_mapping(value, where)
        return {str(pattern): check_code_prefixes(as_str_list(codes, f"{where}.{pattern!r}"), f"{where}.{pattern!r}")
                for pattern, codes in table.items()}
    if name in ("loop_amplification", "cache", "respect_gitignore", "disable_noqa"):
        return as_bool(value, where)
    if name == "fail_on":
        return as_str(value, where, choices=("violation", "warning"))
    if name == "min_confidence":
        return as_str(value, where, choices=("low", "medium", "high"))
    if name == "docs_url":
        return _docs_url(as_str(value, where), where)
    if name in ("cache_dir", "baseline"):
        return as_str(value, where)
    if name == "request_timeout":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(where, f"must be a positive number, not {value!r}")
        return float(value)
    if name in ("extra_work", "extra_handlers"):
        return as_list(value, where)
    if name == "extra_offloads":
        return as_mapping(value, where)
    raise ConfigError(where, "is not a known option")  # pragma: no cover - guarded by from_mapping


def _docs_url(value: str, where: str) -> str:
    """A rule's link is `value.format(code=...)`: any other placeholder would fail in every report."""
    try:
        value.format(code="GAL101")
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(where, f"{value!r} is not a link template: only {{code}} may be in braces "
                                 f"(write {{{{ and }}}} for literal braces; {type(exc).__name__}: {exc})") from None
    return value


CONFIG_FILE = ".greenit-async-lint.toml"


def _has_table(pyproject: Path) -> bool:
    """Whether a pyproject.toml configures this tool (one that cannot be read counts: its error is
    then reported by load_config instead of silently skipping to a file further up)."""
    try:
        tool = tomllib.loads(pyproject.read_text("utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return not isinstance(tool, dict) or TABLE in tool


def find_config(start: Path) -> Optional[Path]:
    """As ruff finds its own: the nearest `.greenit-async-lint.toml`, or `pyproject.toml` with a
    `[tool.greenit-async-lint]` table, at or above `start` (a checked file or folder). A
    pyproject.toml without the table (a sub-package's, a tool's) does not hide the project's."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for here in (folder, *folder.parents):
        if (here / CONFIG_FILE).is_file():
            return here / CONFIG_FILE
        candidate = here / "pyproject.toml"
        if candidate.is_file() and _has_table(candidate):
            return candidate
    return None


def find_pyproject(start: Path) -> Optional[Path]:  # kept for callers of version 0.1
    return find_config(start)


def _anchor(pattern: str, folder: Path) -> str:
    """A pattern with a `/` means a path from the configuration file's folder (as in ruff and
    .gitignore), wherever the check is run from; a bare name matches at any depth."""
    if "/" not in pattern.rstrip("/") or os.path.isabs(pattern):
        return pattern
    return (folder / pattern.removeprefix("./")).as_posix()


def load_config(explicit: Optional[str], start: Path) -> Config:
    """Read the configuration file (explicit, or the nearest one above `start`); defaults otherwise."""
    path = Path(explicit) if explicit else find_config(start)
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), f"is not UTF-8: {exc.reason}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"is not valid TOML: {exc}") from exc
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool]", f"must be a table, not {type(tool).__name__} {tool!r}")
    table = tool.get(TABLE)
    if table is None and (explicit or path.name == CONFIG_FILE):
        table = {k: v for k, v in data.items() if k != "tool"}  # a dedicated config file
    config = Config.from_mapping(table or {}, str(path))
    folder = path.resolve().parent
    config.root = str(folder)
    config.exclude = [_anchor(p, folder) for p in config.exclude]
    return config
