"""The loop catalogue (rules/volume.yaml): per-row calls, collections the request does not bound,
iterables over one file's or one reply's entries, and clocks that bound a `while` loop."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .patterns import PatternTable
from .schema import CatalogueError, as_mapping, as_str_list

_KEYS = ("per-row", "unbounded", "bounded", "bounded-by-keyword", "entries", "clocks")


def _table(patterns: list[str]) -> PatternTable[bool]:
    return PatternTable((p, True) for p in patterns)


@dataclass(frozen=True)
class VolumeRules:
    per_row: PatternTable[bool] = field(default_factory=PatternTable)
    unbounded: PatternTable[bool] = field(default_factory=PatternTable)
    bounded: PatternTable[bool] = field(default_factory=PatternTable)
    entries: PatternTable[bool] = field(default_factory=PatternTable)
    clocks: PatternTable[bool] = field(default_factory=PatternTable)
    bounded_keywords: frozenset[str] = frozenset()


def build_volume(data: Any, where: str = "volume.yaml") -> VolumeRules:
    mapping = as_mapping(data or {}, where)
    for key in mapping:
        if key not in _KEYS:
            raise CatalogueError(f"{where}.{key}", f"is not a known key ({', '.join(_KEYS)})")
    lists = {key: as_str_list(mapping.get(key, []), f"{where}.{key}") for key in _KEYS}
    return VolumeRules(_table(lists["per-row"]), _table(lists["unbounded"]), _table(lists["bounded"]),
                       _table(lists["entries"]), _table(lists["clocks"]), frozenset(lists["bounded-by-keyword"]))
