"""The loop catalogue (rules/volume.yaml): per-row calls by kind (what the loop does with each row)
and per-row families, collections the request does not bound and the wrappers that pass them
through, iterables over one file's or one reply's entries, and clocks that bound a `while` loop."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cascades import CascadeRules, build_cascades
from .patterns import PatternTable
from .schema import as_bool, as_list, as_mapping, as_str, as_str_list, check_keys

_KEYS = ("per-row", "per-row-families", "unbounded", "passes-through", "request-models", "list-types", "bounded",
         "bounded-by-keyword", "membership-operators", "entries", "clocks", "range-lookups", "parent-keys",
         "request-arguments", "parses", "splits",
         "row-by-row", "primary-keys", "listings", "tree-walk",
         "shipped-folders", "recursive-globs", "cascade-deletes", "query-builders", "eager-loads")
_KIND_KEYS = ("does", "export", "calls")


@dataclass(frozen=True)
class RowKind:
    """What a loop does with each row (`export`, `save`...): `does` words it for messages; an
    `export` kind's helper writes whatever its caller hands it, so a caller's argument that the
    code does not bound counts as unbounded (a guess: medium confidence)."""

    name: str
    does: str
    export: bool = False


def _table(patterns: list[str]) -> PatternTable[bool]:
    return PatternTable((p, True) for p in patterns)


@dataclass(frozen=True)
class VolumeRules:
    """Work that grows with the data (volume.yaml): per-row calls, and which collections are bounded."""

    per_row: PatternTable[RowKind] = field(default_factory=PatternTable)
    unbounded: PatternTable[bool] = field(default_factory=PatternTable)
    bounded: PatternTable[bool] = field(default_factory=PatternTable)
    entries: PatternTable[bool] = field(default_factory=PatternTable)
    clocks: PatternTable[bool] = field(default_factory=PatternTable)
    bounded_keywords: frozenset[str] = frozenset()
    per_row_families: dict[str, RowKind] = field(default_factory=dict)  # work.yaml families, each call per-row work
    passes_through: PatternTable[bool] = field(default_factory=PatternTable)  # enumerate(rows): as big as rows
    request_models: PatternTable[bool] = field(default_factory=PatternTable)  # a request body's model bases
    list_types: PatternTable[bool] = field(default_factory=PatternTable)  # list[...] fields of those: client-sized
    range_lookups: frozenset[str] = frozenset()  # lookups that do not pin one object (`created__gte`)
    parent_keys: tuple[str, ...] = ()  # suffixes of a foreign key's name (`challenge_id`): its parent is the rest
    # decorators that fill a route's parameters from a schema (`use_kwargs`): its list fields are client-sized
    request_arguments: PatternTable[bool] = field(default_factory=PatternTable)
    parses: PatternTable[bool] = field(default_factory=PatternTable)  # json.load(upload): as long as the upload
    splits: frozenset[str] = frozenset()  # text methods making lines of a pasted field (`.split()`)
    # calls on a collection that send their signals for every row (a queryset's delete())
    row_by_row: PatternTable[bool] = field(default_factory=PatternTable)
    primary_keys: frozenset[str] = frozenset()  # `filter(pk=pk)`: one row
    listings: PatternTable[bool] = field(default_factory=PatternTable)  # a directory's entries (also in unbounded)
    tree_walk: str = ""  # the work.yaml call a function calling itself per listed entry is reported as
    shipped_roots: PatternTable[bool] = field(default_factory=PatternTable)  # the application's own folders
    shipped_steps: PatternTable[bool] = field(default_factory=PatternTable)  # a path below its first argument
    # listing calls that walk the tree when a pattern holds `**`, with the keyword that must be true ("": none)
    recursive_globs: dict[str, str] = field(default_factory=dict)
    cascades: CascadeRules = field(default_factory=CascadeRules)  # ORM deletes that load every related row
    query_builders: frozenset[str] = frozenset()  # `.exists()`: the chain is part of another statement
    eager_loads: frozenset[str] = frozenset()  # `relationship(lazy=...)` values loading the collection with its parent
    membership_operators: frozenset[str] = frozenset()  # `Model.id.in_(ids)`: read as the lookup `id__in`


def _per_row(data: Any, where: str) -> PatternTable[RowKind]:
    """`per-row`: kinds (`export: {does, export, calls}`), or a plain list of calls."""
    table: PatternTable[RowKind] = PatternTable()
    if isinstance(data, list):
        plain = RowKind("per-row", "work for every row")
        for call in as_str_list(data, where):
            table.add(call, plain)
        return table
    for name, raw in as_mapping(data or {}, where).items():
        key = f"{where}.{name}"
        entry = as_mapping(raw, key)
        check_keys(entry, _KIND_KEYS, key)
        kind = RowKind(name, as_str(entry.get("does"), f"{key}.does"),
                       as_bool(entry.get("export", False), f"{key}.export"))
        for call in as_str_list(entry.get("calls"), f"{key}.calls"):
            table.add(call, kind)
    return table


def build_volume(data: Any, where: str = "volume.yaml") -> VolumeRules:
    mapping = as_mapping(data or {}, where)
    check_keys(mapping, _KEYS, where)
    lists = {key: as_str_list(mapping.get(key, []), f"{where}.{key}") for key in _KEYS
             if key not in ("per-row", "per-row-families", "tree-walk", "shipped-folders", "recursive-globs",
                            "cascade-deletes")}
    shipped = as_mapping(mapping.get("shipped-folders") or {}, f"{where}.shipped-folders")
    check_keys(shipped, ("roots", "steps"), f"{where}.shipped-folders")
    roots, steps = (_table(as_str_list(shipped.get(k, []), f"{where}.shipped-folders.{k}")) for k in ("roots", "steps"))
    globs: dict[str, str] = {}
    for i, item in enumerate(as_list(mapping.get("recursive-globs") or [], f"{where}.recursive-globs")):
        key = f"{where}.recursive-globs[{i}]"
        entry = as_mapping(item, key)
        check_keys(entry, ("call", "keyword"), key)
        globs[as_str(entry.get("call"), f"{key}.call")] = as_str(entry["keyword"], f"{key}.keyword") \
            if "keyword" in entry else ""
    families = {name: RowKind(name, as_str(does, f"{where}.per-row-families.{name}"))
                for name, does in as_mapping(mapping.get("per-row-families") or {},
                                             f"{where}.per-row-families").items()}
    # A directory's entries are unbounded too: `unbounded` holds both.
    return VolumeRules(_per_row(mapping.get("per-row"), f"{where}.per-row"),
                       _table(lists["unbounded"] + lists["listings"]),
                       _table(lists["bounded"]), _table(lists["entries"]), _table(lists["clocks"]),
                       frozenset(lists["bounded-by-keyword"]), families, _table(lists["passes-through"]),
                       _table(lists["request-models"]), _table(lists["list-types"]),
                       frozenset(lists["range-lookups"]), tuple(lists["parent-keys"]),
                       _table(lists["request-arguments"]), _table(lists["parses"]), frozenset(lists["splits"]),
                       _table(lists["row-by-row"]), frozenset(lists["primary-keys"]), _table(lists["listings"]),
                       as_str(mapping["tree-walk"], f"{where}.tree-walk") if "tree-walk" in mapping else "",
                       roots, steps, globs,
                       build_cascades(mapping.get("cascade-deletes"), f"{where}.cascade-deletes"),
                       query_builders=frozenset(lists["query-builders"]), eager_loads=frozenset(v.lower() for v in lists["eager-loads"]),
                       membership_operators=frozenset(lists["membership-operators"]))
