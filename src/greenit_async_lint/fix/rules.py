"""Load and validate the fixer's catalogue: remedy entries (`rules/remedies.yaml`), each task queue's
`remedy` section (rules/offloads.yaml, where the queue is catalogued once) and each framework's
`remedies` section (rules/frameworks/<name>.yaml, or `like: <other>` to start from another's).

Every problem is reported with the key at fault (`remedies.yaml:remedies[3].when.handler must be
one of async, sync, not 'asnyc'`), as a CatalogueError, like the other catalogues.

For the codemods, the framework facts they need come from here, never from a framework's name:
`RemedyCatalogue.framework(name)` gives its `FrameworkInfo` (`accepted`, `imports`,
`request_objects`, `background_tasks`: how an endpoint receives background tasks, or None when the
framework has none), and `RemedyCatalogue.is_injected(qualified_name)` says whether a parameter
default calling it is a dependency the framework injects (FastAPI's `Depends`, from the
framework files' `dependency_markers`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Optional

from ..catalogue import Catalogue, default_catalogue
from ..catalogue.sources import read_resource
from ..catalogue.parsed import documents
from ..catalogue.patterns import PatternTable
from ..catalogue.schema import CatalogueError, as_bool, as_list, as_mapping, as_str, as_str_list
from .templates import (BackgroundTasksSpec, FrameworkInfo, ImportSpec, InstanceSpec, JobSpec, QueueInfo,
                        check_keys, parse_frameworks, parse_queues, template)

__all__ = ["BackgroundTasksSpec", "FrameworkInfo", "ImportSpec", "InstanceSpec", "JobSpec", "QueueInfo", "Remedy",
           "RemedyCatalogue", "When", "load_remedies", "load_yaml_text", "parse_remedies"]

SAFETIES = ("safe", "unsafe")
TEXT_FIELDS = frozenset({"work", "then", "queue", "queue_name", "define", "send", "timeout", "leaf", "framework",
                         "code_fix", "batch"})
WHEN_KEYS = ("codes", "families", "frameworks", "queues", "handler", "on-loop", "in-body", "weight", "leaves",
             "job", "awaited")


@dataclass(frozen=True)
class When:
    """The conditions under which a remedy applies to a finding (all the given ones)."""

    codes: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    handler: Optional[str] = None
    weight: Optional[str] = None
    leaves: tuple[str, ...] = ()
    job: Optional[bool] = None
    on_loop: Optional[bool] = None
    in_body: Optional[bool] = None
    awaited: Optional[bool] = None  # the call is awaited (an async client's): the event loop is free already


@dataclass(frozen=True)
class Remedy:
    """A fix for findings: its pattern, when it applies, how safe it is, its text and codemods."""

    pattern: str
    when: When
    safety: str
    title: str
    description: str
    codemods: tuple[str, ...] = ()


@dataclass
class RemedyCatalogue:
    """remedies.yaml and the frameworks' remedies sections, parsed."""

    status_url: str
    queues: list[QueueInfo]
    no_queue: dict[str, str]
    frameworks: dict[str, FrameworkInfo]
    never_params: frozenset[str]
    serialisable_types: frozenset[str]
    families: dict[str, dict[str, str]]
    codemod_options: dict[str, dict[str, Any]]
    remedies: list[Remedy]
    injectors: PatternTable[bool] = field(default_factory=PatternTable)
    # What the work is for, told by the words of the handler and its chain (`purposes`): an export
    # is worded as an export, not as a conversion of uploads. Each: words, work, then, batch.
    purposes: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch: str = ""  # the {batch} sentence when no purpose applies
    queue_by_name: dict[str, QueueInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.queue_by_name = {q.name: q for q in self.queues}

    def framework(self, name: Optional[str]) -> Optional[FrameworkInfo]:
        return self.frameworks.get(name) if name else None

    def is_injected(self, qualified_name: str) -> bool:
        """True when a parameter default calling this is a dependency the framework injects."""
        return qualified_name in self.injectors


def _when(value: Any, where: str, queue_names: set[str]) -> When:
    data = as_mapping(value if value is not None else {}, where)
    check_keys(data, WHEN_KEYS, where)

    def strings(key: str) -> tuple[str, ...]:
        return tuple(as_str_list(data.get(key), f"{where}.{key}"))

    queues = strings("queues")
    for i, name in enumerate(queues):
        if name not in queue_names | {"none", "any"}:
            raise CatalogueError(f"{where}.queues[{i}]", f"is not a queue of this catalogue: {name!r}")
    handler = as_str(data["handler"], f"{where}.handler", ("async", "sync")) if "handler" in data else None
    weight = as_str(data["weight"], f"{where}.weight", ("heavy", "blocking")) if "weight" in data else None
    job = as_bool(data["job"], f"{where}.job") if "job" in data else None
    on_loop = as_bool(data["on-loop"], f"{where}.on-loop") if "on-loop" in data else None
    in_body = as_bool(data["in-body"], f"{where}.in-body") if "in-body" in data else None
    awaited = as_bool(data["awaited"], f"{where}.awaited") if "awaited" in data else None
    return When(strings("codes"), strings("families"), strings("frameworks"), queues, handler, weight,
                strings("leaves"), job, on_loop, in_body, awaited)


def _remedy(value: Any, where: str, queue_names: set[str], codemods: dict[str, str]) -> Remedy:
    data = as_mapping(value, where)
    check_keys(data, ("pattern", "when", "safety", "codemods", "title", "description"), where)
    safety = as_str(data.get("safety"), f"{where}.safety", SAFETIES)
    names = tuple(as_str_list(data.get("codemods"), f"{where}.codemods"))
    for i, name in enumerate(names):
        if name not in codemods:
            known = ", ".join(sorted(codemods))
            raise CatalogueError(f"{where}.codemods[{i}]", f"is not a known codemod: {name!r} (known: {known})")
        if codemods[name] == "unsafe" and safety == "safe":
            raise CatalogueError(f"{where}.safety", f"is safe but codemod {name!r} is unsafe")
    return Remedy(pattern=template(data.get("pattern"), f"{where}.pattern", TEXT_FIELDS),
                  when=_when(data.get("when"), f"{where}.when", queue_names),
                  safety=safety,
                  title=template(data.get("title"), f"{where}.title", TEXT_FIELDS),
                  description=template(data.get("description"), f"{where}.description", TEXT_FIELDS),
                  codemods=names)


def parse_remedies(data: Any, codemods: dict[str, str], where: str = "remedies.yaml",
                   catalogue: Optional[Catalogue] = None) -> RemedyCatalogue:
    """Validate the remedies document, with the queues' and frameworks' remedy sections of
    `catalogue` (the shipped one by default); `codemods` maps each codemod name to its safety."""
    catalogue = catalogue or default_catalogue()
    top = as_mapping(data, where)
    check_keys(top, ("status-url", "no-queue", "serialisable", "families", "batch", "purposes", "codemods",
                            "remedies"), where)
    status_url = template(top.get("status-url"), f"{where}:status-url", {"id"})
    queues = parse_queues(catalogue.offloads.queue_documents)
    seen = {queue.name for queue in queues}
    no_queue_raw = as_mapping(top.get("no-queue"), f"{where}:no-queue")
    check_keys(no_queue_raw, ("title", "define", "send"), f"{where}:no-queue")
    no_queue = {k: as_str(no_queue_raw.get(k), f"{where}:no-queue.{k}") for k in ("title", "define", "send")}
    frameworks = parse_frameworks(catalogue.framework_remedies)
    injectors: PatternTable[bool] = PatternTable(
        (pattern, True) for fw in catalogue.frameworks for table, _spec, _pool in fw.dependency_markers
        for pattern in table.patterns())
    ser = as_mapping(top.get("serialisable"), f"{where}:serialisable")
    check_keys(ser, ("never", "types"), f"{where}:serialisable")
    families: dict[str, dict[str, str]] = {}
    for name, raw in as_mapping(top.get("families"), f"{where}:families").items():
        entry = as_mapping(raw, f"{where}:families.{name}")
        check_keys(entry, ("work", "then"), f"{where}:families.{name}")
        families[name] = {k: as_str(entry.get(k), f"{where}:families.{name}.{k}") for k in ("work", "then")}
    purposes: dict[str, dict[str, Any]] = {}
    for name, raw in as_mapping(top.get("purposes") or {}, f"{where}:purposes").items():
        entry = as_mapping(raw, f"{where}:purposes.{name}")
        here = f"{where}:purposes.{name}"
        check_keys(entry, ("words", "work", "then", "batch"), here)
        purposes[name] = {"words": frozenset(w.lower() for w in as_str_list(entry.get("words"), f"{here}.words")),
                          **{k: as_str(entry.get(k), f"{here}.{k}") for k in ("work", "then", "batch")}}
    options = {name: as_mapping(raw, f"{where}:codemods.{name}")
               for name, raw in as_mapping(top.get("codemods") or {}, f"{where}:codemods").items()}
    for name, option in options.items():
        if name not in codemods:
            raise CatalogueError(f"{where}:codemods.{name}", "is not a known codemod")
        if "calls" in option:
            as_str_list(option["calls"], f"{where}:codemods.{name}.calls")
    remedies = [_remedy(r, f"{where}:remedies[{i}]", seen, codemods)
                for i, r in enumerate(as_list(top.get("remedies"), f"{where}:remedies"))]
    if not remedies or remedies[-1].when != When():
        raise CatalogueError(f"{where}:remedies", "must end with an entry without `when` (every finding gets a remedy)")
    return RemedyCatalogue(status_url, queues, no_queue, frameworks,
                           frozenset(as_str_list(ser.get("never"), f"{where}:serialisable.never")),
                           frozenset(str(t) for t in as_list(ser.get("types"), f"{where}:serialisable.types")),
                           families, options, remedies, injectors, purposes,
                           as_str(top.get("batch", ""), f"{where}:batch"))


def load_yaml_text(text: str, where: str = "remedies.yaml") -> Any:
    import yaml  # the shipped remedies.yaml is read through its parsed copy (load_remedies)

    from ..catalogue.load import SAFE_LOADER

    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise CatalogueError(where, f"is not valid YAML: {exc}") from exc


_LOADED: dict[str, RemedyCatalogue] = {}


def load_remedies(catalogue: Optional[Catalogue] = None) -> RemedyCatalogue:
    """The fixer's catalogue for `catalogue` (the shipped one by default; pass the report's
    catalogue so that the user's queues and frameworks from configuration get their templates),
    read once per catalogue fingerprint."""
    from .codemods import SAFETY
    catalogue = catalogue or default_catalogue()
    loaded = _LOADED.get(catalogue.fingerprint)
    if loaded is None:
        text = read_resource("remedies.yaml")
        # Parsed once per content, as the other catalogues are (catalogue/parsed.py): a warm run
        # imports no yaml and builds no YAML objects.
        digest = hashlib.sha256(b"remedies.yaml\0" + text.encode()).hexdigest()
        raw = documents({"remedies.yaml": text}, digest)["remedies.yaml"]
        loaded = _LOADED[catalogue.fingerprint] = parse_remedies(raw, SAFETY, catalogue=catalogue)
    return loaded
