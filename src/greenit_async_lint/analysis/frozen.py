"""Copies of frozen dataclasses with a few fields changed, cheaper than `dataclasses.replace`."""
from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def copied(obj: T, fields: frozenset[str], changes: dict[str, Any]) -> T:
    """`obj` with `changes` (names among `fields`), by a copy of its instance dict: a frozen
    dataclass refuses setattr, not its instance dict, and `dataclasses.replace` runs the generated
    `__init__` over every field again, by keywords. Only for a class whose `__init__` just stores
    its fields (no `__post_init__`, no `__slots__`)."""
    if not changes.keys() <= fields:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(changes.keys() - fields)[0]!r}")
    new = object.__new__(type(obj))
    state = new.__dict__
    state.update(obj.__dict__)
    state.update(changes)
    return new
