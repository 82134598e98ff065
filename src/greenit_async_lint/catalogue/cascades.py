"""The cascade catalogue (volume.yaml `cascade-deletes`): the calls that delete one ORM object, the
declarations of a relationship in a model's body, and what in a declaration makes the ORM load
and delete every related row itself (a delete cascade) or leave them alone (the database deletes
them, or the ORM never loads the collection)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from .patterns import PatternTable
from .schema import CatalogueError, as_list, as_mapping, as_str, as_str_list, check_keys, pattern_table

_KEYS = ("deletes", "loads-one", "first-arg", "relationships", "foreign-keys", "cascade-keyword", "cascade-words",
         "unless")

Constant = Union[str, int, float, bool, None]


@dataclass(frozen=True)
class CascadeRules:
    deletes: PatternTable[bool] = field(default_factory=PatternTable)  # session.delete(obj)
    loads_one: PatternTable[bool] = field(default_factory=PatternTable)  # Album.query.get_or_404(id): an Album
    first_arg: PatternTable[bool] = field(default_factory=PatternTable)  # session.get(Team, id): a Team
    relationships: PatternTable[bool] = field(default_factory=PatternTable)  # relationship(...)
    foreign_keys: PatternTable[bool] = field(default_factory=PatternTable)  # ForeignKey(...) in a column
    cascade_keyword: str = ""  # the keyword that lists the cascades (`cascade="all, delete"`)
    cascade_words: frozenset[str] = frozenset()  # the words of that list that cascade deletes
    # keyword -> constants that leave the related rows to the database or never load them
    # (`passive_deletes=True`, `lazy="dynamic"`), or make the relationship one object (`uselist=False`)
    unless: dict[str, tuple[Constant, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(len(self.deletes) and len(self.relationships) and self.cascade_keyword and self.cascade_words)


def build_cascades(data: Any, where: str) -> CascadeRules:
    mapping = as_mapping(data or {}, where)
    check_keys(mapping, _KEYS, where)
    unless: dict[str, tuple[Constant, ...]] = {}
    for keyword, values in as_mapping(mapping.get("unless") or {}, f"{where}.unless").items():
        key = f"{where}.unless.{keyword}"
        items = as_list(values, key)
        for i, item in enumerate(items):
            if not isinstance(item, (str, int, float, bool)) and item is not None:
                raise CatalogueError(f"{key}[{i}]", f"must be a constant, not {type(item).__name__}")
        unless[keyword] = tuple(items)
    raw = mapping.get("cascade-keyword")
    return CascadeRules(pattern_table(mapping.get("deletes", []), f"{where}.deletes"),
                        pattern_table(mapping.get("loads-one", []), f"{where}.loads-one"),
                        pattern_table(mapping.get("first-arg", []), f"{where}.first-arg"),
                        pattern_table(mapping.get("relationships", []), f"{where}.relationships"),
                        pattern_table(mapping.get("foreign-keys", []), f"{where}.foreign-keys"),
                        as_str(raw, f"{where}.cascade-keyword") if raw is not None else "",
                        frozenset(as_str_list(mapping.get("cascade-words", []), f"{where}.cascade-words")),
                        unless)
