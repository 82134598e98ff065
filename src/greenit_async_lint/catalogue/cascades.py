"""The cascade catalogue (volume.yaml `cascade-deletes`): the calls that delete one ORM object, the
declarations of a relationship in a model's body, and what in a declaration makes the ORM load
and delete every related row itself (a delete cascade) or leave them alone (the database deletes
them, or the ORM never loads the collection). It also holds the ORM's words for what a model's
class body says of its columns (nullable, unique, a foreign key) and of a relationship's target
and loader, read by relationships.py, the engine's one reader of model class bodies."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from .patterns import PatternTable
from .schema import CatalogueError, as_list, as_mapping, as_str, as_str_list, check_keys, pattern_table

_KEYS = ("deletes", "loads-one", "first-arg", "relationships", "foreign-keys", "cascade-keyword", "cascade-words",
         "unless", "passive-keyword", "target-keyword", "lazy-keyword", "nullable-keyword", "not-null-flags",
         "unique-flags", "optional-types")

Constant = Union[str, int, float, bool, None]


@dataclass(frozen=True)
class CascadeRules:
    """ORM calls whose work depends on the model they act on (cascades.yaml): deletes, loads, relations."""

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
    passive_keyword: str = ""  # the `unless` keyword leaving the rows to the database, named in messages
    target_keyword: str = ""  # relationship(argument="Grant"): the related class, when not the first argument
    lazy_keyword: str = ""  # relationship(lazy="selectin"): the loader (volume.yaml eager-loads)
    nullable_keyword: str = ""  # Column(ForeignKey(...), nullable=False): a required column
    not_null_flags: frozenset[str] = frozenset()  # Column(..., primary_key=True): required as well
    unique_flags: frozenset[str] = frozenset()  # Column(..., unique=True): one row per value
    optional_types: PatternTable[bool] = field(default_factory=PatternTable)  # Mapped[Optional[int]]: nullable

    def __bool__(self) -> bool:
        return bool(len(self.deletes) and len(self.relationships) and self.cascade_keyword and self.cascade_words)


def _keyword(mapping: dict[str, Any], key: str, where: str) -> str:
    raw = mapping.get(key)
    return as_str(raw, f"{where}.{key}") if raw is not None else ""


def _flags(mapping: dict[str, Any], key: str, where: str) -> frozenset[str]:
    return frozenset(as_str_list(mapping.get(key, []), f"{where}.{key}"))


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
    passive = _keyword(mapping, "passive-keyword", where)
    if passive and passive not in unless:  # else the message would name a keyword the rule does not honour
        raise CatalogueError(f"{where}.passive-keyword", f"names no `unless` keyword ({passive!r})")
    return CascadeRules(pattern_table(mapping.get("deletes", []), f"{where}.deletes"),
                        pattern_table(mapping.get("loads-one", []), f"{where}.loads-one"),
                        pattern_table(mapping.get("first-arg", []), f"{where}.first-arg"),
                        pattern_table(mapping.get("relationships", []), f"{where}.relationships"),
                        pattern_table(mapping.get("foreign-keys", []), f"{where}.foreign-keys"),
                        _keyword(mapping, "cascade-keyword", where),
                        _flags(mapping, "cascade-words", where),
                        unless,
                        passive,
                        _keyword(mapping, "target-keyword", where),
                        _keyword(mapping, "lazy-keyword", where),
                        _keyword(mapping, "nullable-keyword", where),
                        _flags(mapping, "not-null-flags", where),
                        _flags(mapping, "unique-flags", where),
                        pattern_table(mapping.get("optional-types", []), f"{where}.optional-types"))
