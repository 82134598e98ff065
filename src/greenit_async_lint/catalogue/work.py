"""The work catalogue (rules/work.yaml plus the user's `extra-work`): which calls are long or blocking.

A user entry for a pattern the shipped catalogue already has extends the shipped entry: its
`upgrades` come first and the shipped ones still apply (adding `typst` to `subprocess.run` must
not turn the shipped `soffice` conversion back into a plain process call); `family`, `weight` and
`scope` may be left out to keep the shipped ones. `replace: true` drops the shipped entry instead.

`awaited: true` marks the calls of an async client (`await httpx.AsyncClient().get(...)`): the event
loop stays free while they run, but the request still waits for them (findings.py).

`timeout: {arg, kwarg}` says where a wait takes its longest time (`AsyncResult.get(5)`): a call that
passes a number of seconds up to BOUNDED_WAIT there waits that long at most, blocking work, not the
whole job (reach.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .patterns import PatternTable
from .schema import ArgSpec, CatalogueError, as_bool, as_list, as_mapping, as_str, as_str_list

WEIGHTS = ("heavy", "blocking", "poll", "none")
SCOPES = ("any", "async")
_ENTRY_KEYS = ("family", "weight", "scope", "awaited", "calls", "upgrades", "timeout", "replace")
BOUNDED_WAIT = 60  # seconds: a wait given at most a minute keeps the request under practice 112's minute


@dataclass(frozen=True)
class Upgrade:
    """A heavier family and weight for a call whose command line names one of these programs."""

    words: frozenset[str]
    family: str
    weight: str


@dataclass(frozen=True)
class WorkEntry:
    """What a catalogued call is: its family, weight, scope and finding code."""

    family: str
    weight: str
    scope: str
    code: str
    upgrades: tuple[Upgrade, ...] = ()
    awaited: bool = False  # an async client's call: the request waits for it, the event loop does not
    timeout: ArgSpec | None = None  # where a wait takes its longest time (see the module docstring)


class WorkCatalogue:
    def __init__(self) -> None:
        self.table: PatternTable[WorkEntry] = PatternTable()

    def match(self, qualname: str) -> WorkEntry | None:
        entry = self.table.match(qualname)
        return None if entry is None or entry.weight == "none" else entry

    @staticmethod
    def upgrade(entry: WorkEntry, strings: tuple[str, ...], family_code: dict[str, str]) -> WorkEntry:
        """Reclassify a call by the program its command line names (`soffice` is a conversion)."""
        if not entry.upgrades or not strings:
            return entry
        words = {w.rsplit("/", 1)[-1] for s in strings for w in s.split()}
        for up in entry.upgrades:
            if words & up.words:
                return WorkEntry(up.family, up.weight, entry.scope, family_code[up.family], awaited=entry.awaited,
                                 timeout=entry.timeout)
        return entry


@dataclass(frozen=True)
class _Parsed:
    """One catalogue entry before merging: None where a user entry left a key out."""

    family: str | None
    weight: str | None
    scope: str | None
    upgrades: tuple[Upgrade, ...]
    replace: bool
    where: str
    awaited: bool | None = None  # the entry's key, for errors found when merging
    timeout: ArgSpec | None = None


def _family(value: Any, key: str, call_families: dict[str, str]) -> str:
    family = as_str(value, key)
    if family not in call_families:
        raise CatalogueError(key, f"names {family!r}, which is not a family of calls (known: "
                                  f"{', '.join(sorted(call_families))}); findings of other families come from "
                                  "the engine or the runtime hook, not from the catalogue")
    return family


def _parse(data: Any, where: str, call_families: dict[str, str], user: bool) -> list[tuple[str, _Parsed]]:
    out: list[tuple[str, _Parsed]] = []
    for i, raw in enumerate(as_list(data, where)):
        here = f"{where}[{i}]"
        entry = as_mapping(raw, here)
        for key in entry:
            if key not in _ENTRY_KEYS or (key == "replace" and not user):
                known = _ENTRY_KEYS if user else _ENTRY_KEYS[:-1]
                raise CatalogueError(f"{here}.{key}", f"is not a known key ({', '.join(known)})")
        family = _family(entry["family"], f"{here}.family", call_families) if "family" in entry else None
        weight = as_str(entry["weight"], f"{here}.weight", choices=WEIGHTS) if "weight" in entry else None
        scope = as_str(entry["scope"], f"{here}.scope", choices=SCOPES) if "scope" in entry else None
        upgrades = []
        for j, up in enumerate(as_list(entry.get("upgrades", []), f"{here}.upgrades")):
            k = f"{here}.upgrades[{j}]"
            u = as_mapping(up, k)
            for key in u:
                if key not in ("args_contain", "family", "weight"):
                    raise CatalogueError(f"{k}.{key}", "is not a known key (args_contain, family, weight)")
            upgrades.append(Upgrade(frozenset(as_str_list(u.get("args_contain"), f"{k}.args_contain")),
                                    _family(u.get("family"), f"{k}.family", call_families),
                                    as_str(u.get("weight", "heavy"), f"{k}.weight", choices=WEIGHTS)))
        awaited = as_bool(entry["awaited"], f"{here}.awaited") if "awaited" in entry else None
        timeout = ArgSpec.parse(entry["timeout"], f"{here}.timeout") if "timeout" in entry else None
        parsed = _Parsed(family, weight, scope, tuple(upgrades),
                         as_bool(entry.get("replace", False), f"{here}.replace"), here, awaited, timeout)
        calls = as_str_list(entry.get("calls"), f"{here}.calls")
        if family is None and not user:
            raise CatalogueError(f"{here}.family", "must be a non-empty string, not None")
        out.extend((pattern, parsed) for pattern in calls)
    return out


def build_work(shipped: Any, user: Any, call_families: dict[str, str], family_code: dict[str, str],
               where: str = "work.yaml", user_where: str = "extra-work") -> WorkCatalogue:
    """The work table: user entries first (merged with the shipped entry of the same pattern), then
    the shipped ones. `call_families` are the families a catalogued call may belong to."""
    ship = _parse(shipped, where, call_families, user=False)
    first: dict[str, _Parsed] = {}
    for pattern, parsed in ship:
        first.setdefault(pattern, parsed)
    work = WorkCatalogue()
    for pattern, parsed in _parse(user, user_where, call_families, user=True):
        base = None if parsed.replace else first.get(pattern)
        family = parsed.family or (base.family if base else None)
        if family is None:
            raise CatalogueError(f"{parsed.where}.family", f"is needed for {pattern!r}: no shipped entry has this "
                                                           "pattern to take it from")
        weight = parsed.weight or (base.weight if base else "blocking")
        scope = parsed.scope or (base.scope if base else "any")
        upgrades = parsed.upgrades + (base.upgrades if base else ())
        awaited = parsed.awaited if parsed.awaited is not None else bool(base and base.awaited)
        timeout = parsed.timeout or (base.timeout if base else None)
        work.table.add(pattern, WorkEntry(family, weight or "blocking", scope or "any", family_code[family], upgrades,
                                          awaited, timeout))
    for pattern, parsed in ship:
        assert parsed.family is not None
        work.table.add(pattern, WorkEntry(parsed.family, parsed.weight or "blocking", parsed.scope or "any",
                                          family_code[parsed.family], parsed.upgrades, bool(parsed.awaited),
                                          parsed.timeout))
    return work
