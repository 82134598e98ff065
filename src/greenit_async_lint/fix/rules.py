"""Load and validate `rules/remedies.yaml`: task queues, framework responses, remedy entries.

Every problem is reported with the key at fault (`remedies.yaml:remedies[3].when.handler must be
one of async, sync, not 'asnyc'`), as a CatalogueError, like the other catalogues.
"""
from __future__ import annotations

import importlib.resources
import string
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Optional

import yaml

from ..catalogue.schema import CatalogueError, as_bool, as_list, as_mapping, as_str, as_str_list

SAFETIES = ("safe", "unsafe")
TEXT_FIELDS = frozenset({"work", "then", "queue", "queue_name", "define", "send", "timeout", "leaf", "framework",
                         "code_fix"})
WHEN_KEYS = ("codes", "families", "frameworks", "queues", "handler", "on-loop", "in-body", "weight", "leaves",
             "job")


@dataclass(frozen=True)
class ImportSpec:
    module: str
    name: Optional[str] = None
    asname: Optional[str] = None

    @property
    def bound(self) -> str:
        """The name the import binds in the module."""
        return self.asname or self.name or self.module.split(".")[0]


@dataclass(frozen=True)
class InstanceSpec:
    calls: tuple[str, ...]
    name: str
    create: str
    imports: tuple[ImportSpec, ...]


@dataclass(frozen=True)
class JobSpec:
    send: str
    job_id: str
    decorator: Optional[str] = None
    imports: tuple[ImportSpec, ...] = ()
    send_imports: tuple[ImportSpec, ...] = ()
    instance: Optional[InstanceSpec] = None


@dataclass(frozen=True)
class QueueInfo:
    name: str
    title: str
    modules: tuple[str, ...]
    packages: tuple[str, ...]
    define: str
    send: str
    job: Optional[JobSpec] = None


@dataclass(frozen=True)
class FrameworkInfo:
    accepted: Optional[str] = None
    imports: tuple[ImportSpec, ...] = ()
    request_objects: tuple[str, ...] = ()


@dataclass(frozen=True)
class When:
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


@dataclass(frozen=True)
class Remedy:
    pattern: str
    when: When
    safety: str
    title: str
    description: str
    codemods: tuple[str, ...] = ()


@dataclass
class RemedyCatalogue:
    status_url: str
    queues: list[QueueInfo]
    no_queue: dict[str, str]
    frameworks: dict[str, FrameworkInfo]
    never_params: frozenset[str]
    serialisable_types: frozenset[str]
    families: dict[str, dict[str, str]]
    codemod_options: dict[str, dict[str, Any]]
    remedies: list[Remedy]
    queue_by_name: dict[str, QueueInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.queue_by_name = {q.name: q for q in self.queues}


def _fields(template: str, where: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise CatalogueError(where, f"is not a valid template: {exc}") from exc


def _template(value: Any, where: str, allowed: Iterable[str]) -> str:
    text = as_str(value, where)
    unknown = _fields(text, where) - set(allowed)
    if unknown:
        raise CatalogueError(where, f"uses unknown placeholder {{{sorted(unknown)[0]}}} "
                                    f"(known: {', '.join(sorted(allowed))})")
    return text


def _keys(data: dict[str, Any], where: str, known: Iterable[str]) -> None:
    unknown = set(data) - set(known)
    if unknown:
        raise CatalogueError(f"{where}.{sorted(unknown)[0]}", f"is not a known key (known: {', '.join(known)})")


def _imports(value: Any, where: str) -> tuple[ImportSpec, ...]:
    out = []
    for i, raw in enumerate(as_list(value, where)):
        item = as_mapping(raw, f"{where}[{i}]")
        _keys(item, f"{where}[{i}]", ("module", "name", "as"))
        module = as_str(item.get("module"), f"{where}[{i}].module")
        name = as_str(item["name"], f"{where}[{i}].name") if "name" in item else None
        asname = as_str(item["as"], f"{where}[{i}].as") if "as" in item else None
        if asname and not name:
            raise CatalogueError(f"{where}[{i}].as", "needs a name to import")
        out.append(ImportSpec(module, name, asname))
    return tuple(out)


def _job(value: Any, where: str) -> JobSpec:
    data = as_mapping(value, where)
    _keys(data, where, ("decorator", "imports", "send", "send-imports", "job-id", "instance"))
    instance = None
    if "instance" in data:
        raw = as_mapping(data["instance"], f"{where}.instance")
        _keys(raw, f"{where}.instance", ("calls", "name", "create", "imports"))
        instance = InstanceSpec(tuple(as_str_list(raw.get("calls"), f"{where}.instance.calls")),
                                as_str(raw.get("name"), f"{where}.instance.name"),
                                as_str(raw.get("create"), f"{where}.instance.create"),
                                _imports(raw.get("imports"), f"{where}.instance.imports"))
    names = {"task", "args"} | ({"instance"} if instance else set())
    decorator = _template(data["decorator"], f"{where}.decorator", names) if "decorator" in data else None
    return JobSpec(send=_template(data.get("send"), f"{where}.send", names),
                   job_id=_template(data.get("job-id"), f"{where}.job-id", {"job"}),
                   decorator=decorator,
                   imports=_imports(data.get("imports"), f"{where}.imports"),
                   send_imports=_imports(data.get("send-imports"), f"{where}.send-imports"),
                   instance=instance)


def _queue(value: Any, where: str) -> QueueInfo:
    data = as_mapping(value, where)
    _keys(data, where, ("name", "title", "modules", "packages", "define", "send", "job"))
    return QueueInfo(name=as_str(data.get("name"), f"{where}.name"),
                     title=as_str(data.get("title"), f"{where}.title"),
                     modules=tuple(as_str_list(data.get("modules"), f"{where}.modules")),
                     packages=tuple(as_str_list(data.get("packages"), f"{where}.packages")),
                     define=as_str(data.get("define"), f"{where}.define"),
                     send=as_str(data.get("send"), f"{where}.send"),
                     job=_job(data["job"], f"{where}.job") if "job" in data else None)


def _framework(value: Any, where: str) -> FrameworkInfo:
    data = as_mapping(value, where)
    _keys(data, where, ("accepted", "imports", "request-objects"))
    accepted = None
    if "accepted" in data:
        accepted = as_str(data["accepted"], f"{where}.accepted")
        try:
            names = {m.group("named") or m.group("braced") for m in string.Template.pattern.finditer(accepted)
                     if m.group("named") or m.group("braced")}
        except (ValueError, TypeError) as exc:  # pragma: no cover - the regex always applies
            raise CatalogueError(f"{where}.accepted", f"is not a valid template: {exc}") from exc
        if names != {"status"}:
            raise CatalogueError(f"{where}.accepted", "must use $status, and no other placeholder")
    return FrameworkInfo(accepted, _imports(data.get("imports"), f"{where}.imports"),
                         tuple(as_str_list(data.get("request-objects"), f"{where}.request-objects")))


def _when(value: Any, where: str, queue_names: set[str]) -> When:
    data = as_mapping(value if value is not None else {}, where)
    _keys(data, where, WHEN_KEYS)

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
    return When(strings("codes"), strings("families"), strings("frameworks"), queues, handler, weight,
                strings("leaves"), job, on_loop, in_body)


def _remedy(value: Any, where: str, queue_names: set[str], codemods: dict[str, str]) -> Remedy:
    data = as_mapping(value, where)
    _keys(data, where, ("pattern", "when", "safety", "codemods", "title", "description"))
    safety = as_str(data.get("safety"), f"{where}.safety", SAFETIES)
    names = tuple(as_str_list(data.get("codemods"), f"{where}.codemods"))
    for i, name in enumerate(names):
        if name not in codemods:
            known = ", ".join(sorted(codemods))
            raise CatalogueError(f"{where}.codemods[{i}]", f"is not a known codemod: {name!r} (known: {known})")
        if codemods[name] == "unsafe" and safety == "safe":
            raise CatalogueError(f"{where}.safety", f"is safe but codemod {name!r} is unsafe")
    return Remedy(pattern=_template(data.get("pattern"), f"{where}.pattern", TEXT_FIELDS),
                  when=_when(data.get("when"), f"{where}.when", queue_names),
                  safety=safety,
                  title=_template(data.get("title"), f"{where}.title", TEXT_FIELDS),
                  description=_template(data.get("description"), f"{where}.description", TEXT_FIELDS),
                  codemods=names)


def parse_remedies(data: Any, codemods: dict[str, str], where: str = "remedies.yaml") -> RemedyCatalogue:
    """Validate the remedies document; `codemods` maps each known codemod name to its safety."""
    top = as_mapping(data, where)
    _keys(top, where, ("status-url", "queues", "no-queue", "frameworks", "serialisable", "families", "codemods",
                       "remedies"))
    status_url = _template(top.get("status-url"), f"{where}:status-url", {"id"})
    queues = [_queue(q, f"{where}:queues[{i}]") for i, q in enumerate(as_list(top.get("queues"), f"{where}:queues"))]
    seen: set[str] = set()
    for i, queue in enumerate(queues):
        if queue.name in seen or queue.name in ("none", "any"):
            raise CatalogueError(f"{where}:queues[{i}].name", f"is used twice or reserved: {queue.name!r}")
        seen.add(queue.name)
    no_queue_raw = as_mapping(top.get("no-queue"), f"{where}:no-queue")
    _keys(no_queue_raw, f"{where}:no-queue", ("title", "define", "send"))
    no_queue = {k: as_str(no_queue_raw.get(k), f"{where}:no-queue.{k}") for k in ("title", "define", "send")}
    frameworks = {as_str(name, f"{where}:frameworks"): _framework(raw, f"{where}:frameworks.{name}")
                  for name, raw in as_mapping(top.get("frameworks"), f"{where}:frameworks").items()}
    ser = as_mapping(top.get("serialisable"), f"{where}:serialisable")
    _keys(ser, f"{where}:serialisable", ("never", "types"))
    families: dict[str, dict[str, str]] = {}
    for name, raw in as_mapping(top.get("families"), f"{where}:families").items():
        entry = as_mapping(raw, f"{where}:families.{name}")
        _keys(entry, f"{where}:families.{name}", ("work", "then"))
        families[name] = {k: as_str(entry.get(k), f"{where}:families.{name}.{k}") for k in ("work", "then")}
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
                           families, options, remedies)


def load_yaml_text(text: str, where: str = "remedies.yaml") -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(where, f"is not valid YAML: {exc}") from exc


@lru_cache(maxsize=1)
def load_remedies() -> RemedyCatalogue:
    """The shipped catalogue (read once per process)."""
    from .codemods import SAFETY
    text = importlib.resources.files("greenit_async_lint.rules").joinpath("remedies.yaml").read_text("utf-8")
    return parse_remedies(load_yaml_text(text), SAFETY)
