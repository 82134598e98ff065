"""Validation helpers for catalogue and configuration data: every error names the key at fault."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from .patterns import PatternTable


class CatalogueError(ValueError):
    """A catalogue or configuration value has the wrong shape; `key` says where."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key} {problem}")
        self.key = key
        self.problem = problem


def as_mapping(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogueError(key, f"must be a mapping, not {type(value).__name__}")
    return value


def as_list(value: Any, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CatalogueError(key, f"must be a list, not {type(value).__name__}")
    return value


def as_str(value: Any, key: str, choices: Sequence[str] | None = None) -> str:
    if not isinstance(value, str) or not value:
        raise CatalogueError(key, f"must be a non-empty string, not {value!r}")
    if choices is not None and value not in choices:
        raise CatalogueError(key, f"must be one of {', '.join(choices)}, not {value!r}")
    return value


def as_str_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        raise CatalogueError(key, "must be a list of strings, not a single string")
    items = as_list(value, key)
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:  # the key is spelled out only for the error
            as_str(item, f"{key}[{i}]")
    return items


def as_bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise CatalogueError(key, f"must be true or false, not {value!r}")
    return value


def as_int(value: Any, key: str, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CatalogueError(key, f"must be an integer >= {minimum}, not {value!r}")
    if maximum is not None and value > maximum:
        raise CatalogueError(key, f"must be an integer <= {maximum}, not {value!r}")
    return value


@dataclass(frozen=True)
class ArgSpec:
    """Where a call carries a value: positional index `arg` and/or keyword `kwarg`."""

    call: str = ""
    arg: int | None = None
    kwarg: str | None = None
    iterable: int | None = None  # the position of an iterable the callable is mapped over (pool.map)

    @classmethod
    def parse(cls, raw: Any, key: str, need_call: bool = False) -> "ArgSpec":
        data = as_mapping(raw, key)
        unknown = set(data) - {"call", "arg", "kwarg", "iterable"}
        if unknown:
            raise CatalogueError(f"{key}.{sorted(unknown)[0]}", "is not a known key (call, arg, kwarg, iterable)")
        call = as_str(data["call"], f"{key}.call") if need_call or "call" in data else ""
        arg = as_int(data["arg"], f"{key}.arg") if "arg" in data else None
        kwarg = as_str(data["kwarg"], f"{key}.kwarg") if "kwarg" in data else None
        iterable = as_int(data["iterable"], f"{key}.iterable") if "iterable" in data else None
        return cls(call, arg, kwarg, iterable)


def check_keys(data: dict[str, Any], known: Iterable[str], key: str) -> None:
    """An unknown key is named with the known ones (in their declared order; a set's sorted)."""
    names = sorted(known) if isinstance(known, (set, frozenset)) else list(known)
    for name in data:
        if name not in names:
            raise CatalogueError(f"{key}.{name}", f"is not a known key ({', '.join(names)})")


def pattern_table(value: Any, key: str) -> PatternTable[bool]:
    """A list of qualified-name patterns, as a table that says whether a name matches one."""
    return PatternTable((p, True) for p in as_str_list(value, key))


def optional_spec(value: Any, key: str) -> "ArgSpec | None":
    """An argument spec (`{arg: 0, kwarg: f}`), or None where the key is absent."""
    return None if value is None else ArgSpec.parse(value, key)
