"""The rule catalogues: codes, work families, offload patterns and framework handler markers.

All of it is YAML data under `rules/` (shipped in the wheel as the `greenit_async_lint.rules`
package and read with importlib.resources); users extend it from their configuration. This module
loads and validates that data and compiles it into lookup tables. The engine knows no framework or
library by name: everything it matches comes from here.
"""
from __future__ import annotations

import hashlib
import importlib.resources
from dataclasses import dataclass, field
from typing import Any

import yaml

from .frameworks import FrameworkRules, parse_framework
from .patterns import PatternTable
from .schema import CatalogueError, ArgSpec, as_bool, as_list, as_mapping, as_str, as_str_list

WEIGHTS = ("heavy", "blocking", "poll", "none")
SCOPES = ("any", "async")


@dataclass(frozen=True)
class CodeInfo:
    code: str
    name: str
    family: str
    found: str
    why: str
    fix: str
    bad: str
    good: str
    config: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class WorkEntry:
    family: str
    weight: str
    scope: str
    code: str
    upgrades: tuple["Upgrade", ...] = ()


@dataclass(frozen=True)
class Upgrade:
    words: frozenset[str]
    family: str
    weight: str


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
                return WorkEntry(up.family, up.weight, entry.scope, family_code[up.family])
        return entry


@dataclass(frozen=True)
class Queue:
    name: str
    send_methods: frozenset[str]
    direct_call_enqueues: bool
    result_type: str | None


@dataclass
class Offloads:
    task_decorators: PatternTable[Queue] = field(default_factory=PatternTable)
    enqueue_calls: PatternTable[tuple[Queue, ArgSpec]] = field(default_factory=PatternTable)
    background: PatternTable[ArgSpec] = field(default_factory=PatternTable)
    threads: PatternTable[ArgSpec] = field(default_factory=PatternTable)
    pool_submits: PatternTable[ArgSpec] = field(default_factory=PatternTable)
    pool_waits: PatternTable[bool] = field(default_factory=PatternTable)
    once_per_process: PatternTable[bool] = field(default_factory=PatternTable)
    types: dict[str, str] = field(default_factory=dict)


@dataclass
class Catalogue:
    codes: dict[str, CodeInfo]
    family_code: dict[str, str]
    work: WorkCatalogue
    offloads: Offloads
    frameworks: list[FrameworkRules]
    fingerprint: str

    def code_for(self, family: str) -> str:
        return self.family_code[family]


def _read_resource(*parts: str) -> str:
    return importlib.resources.files("greenit_async_lint.rules").joinpath(*parts).read_text("utf-8")


def _load_yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(where, f"is not valid YAML: {exc}") from exc


def _parse_codes(data: Any) -> dict[str, CodeInfo]:
    codes: dict[str, CodeInfo] = {}
    for code, raw in as_mapping(data, "codes.yaml").items():
        where = f"codes.yaml:{code}"
        entry = as_mapping(raw, where)
        codes[code] = CodeInfo(
            code=code,
            name=as_str(entry.get("name"), f"{where}.name"),
            family=as_str(entry.get("family"), f"{where}.family"),
            found=as_str(entry.get("found"), f"{where}.found"),
            why=as_str(entry.get("why"), f"{where}.why"),
            fix=as_str(entry.get("fix"), f"{where}.fix"),
            bad=str(entry.get("bad", "")),
            good=str(entry.get("good", "")),
            config=dict(entry.get("config") or {}),
        )
    return codes


def _add_work(work: WorkCatalogue, data: Any, where: str, family_code: dict[str, str]) -> None:
    for i, raw in enumerate(as_list(data, where)):
        here = f"{where}[{i}]"
        entry = as_mapping(raw, here)
        for key in entry:
            if key not in ("family", "weight", "scope", "calls", "upgrades"):
                raise CatalogueError(f"{here}.{key}", "is not a known key (family, weight, scope, calls, upgrades)")
        family = as_str(entry.get("family"), f"{here}.family")
        if family not in family_code:
            raise CatalogueError(f"{here}.family", f"names unknown family {family!r} (known: {sorted(family_code)})")
        weight = as_str(entry.get("weight", "blocking"), f"{here}.weight", choices=WEIGHTS)
        scope = as_str(entry.get("scope", "any"), f"{here}.scope", choices=SCOPES)
        upgrades = []
        for j, up in enumerate(as_list(entry.get("upgrades", []), f"{here}.upgrades")):
            u = as_mapping(up, f"{here}.upgrades[{j}]")
            ufam = as_str(u.get("family"), f"{here}.upgrades[{j}].family")
            if ufam not in family_code:
                raise CatalogueError(f"{here}.upgrades[{j}].family", f"names unknown family {ufam!r}")
            upgrades.append(Upgrade(
                frozenset(as_str_list(u.get("args_contain"), f"{here}.upgrades[{j}].args_contain")),
                ufam,
                as_str(u.get("weight", "heavy"), f"{here}.upgrades[{j}].weight", choices=WEIGHTS),
            ))
        value = WorkEntry(family, weight, scope, family_code[family], tuple(upgrades))
        for pattern in as_str_list(entry.get("calls"), f"{here}.calls"):
            work.table.add(pattern, value)


def _add_offloads(off: Offloads, data: Any, where: str) -> None:
    data = as_mapping(data or {}, where)
    for key in data:
        if key not in ("queues", "background", "threads", "pools", "once_per_process", "types"):
            raise CatalogueError(f"{where}.{key}",
                                 "is not a known key (queues, background, threads, pools, once_per_process, types)")
    for i, raw in enumerate(as_list(data.get("queues", []), f"{where}.queues")):
        here = f"{where}.queues[{i}]"
        q = as_mapping(raw, here)
        for key in q:
            if key not in ("name", "task_decorators", "send_methods", "enqueue_calls", "direct_call_enqueues", "result_type"):
                raise CatalogueError(f"{here}.{key}", "is not a known key")
        queue = Queue(
            name=as_str(q.get("name"), f"{here}.name"),
            send_methods=frozenset(as_str_list(q.get("send_methods", []), f"{here}.send_methods")),
            direct_call_enqueues=as_bool(q.get("direct_call_enqueues", False), f"{here}.direct_call_enqueues"),
            result_type=q.get("result_type") and as_str(q.get("result_type"), f"{here}.result_type"),
        )
        for pattern in as_str_list(q.get("task_decorators", []), f"{here}.task_decorators"):
            off.task_decorators.add(pattern, queue)
        for j, call in enumerate(as_list(q.get("enqueue_calls", []), f"{here}.enqueue_calls")):
            spec = ArgSpec.parse(call, f"{here}.enqueue_calls[{j}]", need_call=True)
            off.enqueue_calls.add(spec.call, (queue, spec))
    for key, table in (("background", off.background), ("threads", off.threads)):
        for j, call in enumerate(as_list(data.get(key, []), f"{where}.{key}")):
            spec = ArgSpec.parse(call, f"{where}.{key}[{j}]", need_call=True)
            table.add(spec.call, spec)
    pools = as_mapping(data.get("pools", {}), f"{where}.pools")
    for j, call in enumerate(as_list(pools.get("submits", []), f"{where}.pools.submits")):
        spec = ArgSpec.parse(call, f"{where}.pools.submits[{j}]", need_call=True)
        off.pool_submits.add(spec.call, spec)
    for pattern in as_str_list(pools.get("waits", []), f"{where}.pools.waits"):
        off.pool_waits.add(pattern, True)
    for pattern in as_str_list(data.get("once_per_process", []), f"{where}.once_per_process"):
        off.once_per_process.add(pattern, True)
    for name, target in as_mapping(data.get("types", {}), f"{where}.types").items():
        off.types[str(name)] = as_str(target, f"{where}.types.{name}")


def _framework_files() -> list[tuple[str, str]]:
    folder = importlib.resources.files("greenit_async_lint.rules").joinpath("frameworks")
    return sorted((f"frameworks/{p.name}", p.read_text("utf-8")) for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_catalogue(extra: dict[str, Any] | None = None) -> Catalogue:
    """Load the shipped catalogues, plus the user's extensions from configuration.

    `extra` keys (all optional): `heavy-calls`, `blocking-calls` (lists of patterns),
    `extra-work` (entries shaped like work.yaml), `extra-offloads` (shaped like offloads.yaml),
    `extra-handlers` (a list of framework rule mappings shaped like rules/frameworks/*.yaml).
    """
    extra = extra or {}
    digest = hashlib.sha256()
    texts = {"codes.yaml": _read_resource("codes.yaml"), "work.yaml": _read_resource("work.yaml"),
             "offloads.yaml": _read_resource("offloads.yaml")}
    frameworks_src = _framework_files()
    for name, text in [*texts.items(), *frameworks_src]:
        digest.update(name.encode() + b"\0" + text.encode())
    digest.update(repr(sorted(extra.items(), key=lambda kv: kv[0])).encode())

    codes = _parse_codes(_load_yaml(texts["codes.yaml"], "codes.yaml"))
    family_code = {info.family: info.code for info in codes.values()}
    work = WorkCatalogue()
    # User entries come first so that they win over the shipped ones for the same call.
    user_work: list[Any] = list(as_list(extra.get("extra-work", []), "extra-work"))
    for key, weight in (("heavy-calls", "heavy"), ("blocking-calls", "blocking")):
        calls = as_str_list(extra.get(key, []), key)
        if calls:
            user_work.append({"family": "configured", "weight": weight, "calls": calls})
    _add_work(work, user_work, "extra-work", family_code)
    _add_work(work, _load_yaml(texts["work.yaml"], "work.yaml"), "work.yaml", family_code)

    offloads = Offloads()
    _add_offloads(offloads, extra.get("extra-offloads"), "extra-offloads")
    _add_offloads(offloads, _load_yaml(texts["offloads.yaml"], "offloads.yaml"), "offloads.yaml")

    frameworks = [parse_framework(_load_yaml(text, name), name) for name, text in frameworks_src]
    for i, raw in enumerate(as_list(extra.get("extra-handlers", []), "extra-handlers")):
        frameworks.append(parse_framework(raw, f"extra-handlers[{i}]"))
    return Catalogue(codes, family_code, work, offloads, frameworks, digest.hexdigest()[:16])


_DEFAULT: Catalogue | None = None


def default_catalogue() -> Catalogue:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_catalogue()
    return _DEFAULT
