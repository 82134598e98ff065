"""What the fixer writes for each task queue and each framework: job templates, 202 responses,
request objects, background tasks. Parsed from the `remedy` section of each queue in
rules/offloads.yaml and the `remedies` section of each rules/frameworks/<name>.yaml file (with
`like: <other>` resolved), so that a queue or a framework is declared in one file.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from ..catalogue.schema import CatalogueError, as_list, as_mapping, as_str, as_str_list, check_keys


@dataclass(frozen=True)
class ImportSpec:
    """An import a fix adds to a module."""

    module: str
    name: Optional[str] = None
    asname: Optional[str] = None

    @property
    def bound(self) -> str:
        """The name the import binds in the module."""
        return self.asname or self.name or self.module.split(".")[0]


@dataclass(frozen=True)
class InstanceSpec:
    """The object jobs are sent through (an rq `Queue`, a `RedisHuey`): what makes one, and how a fix creates it."""

    calls: tuple[str, ...]
    name: str
    create: str
    imports: tuple[ImportSpec, ...]


@dataclass(frozen=True)
class JobSpec:
    """How a fix defines and sends a job to a queue, and the imports it needs."""

    send: str
    job_id: str
    decorator: Optional[str] = None
    imports: tuple[ImportSpec, ...] = ()
    send_imports: tuple[ImportSpec, ...] = ()
    instance: Optional[InstanceSpec] = None


@dataclass(frozen=True)
class QueueInfo:
    """A task queue as the fixes know it: how it is detected, defined and sent to."""

    name: str
    title: str
    modules: tuple[str, ...]
    packages: tuple[str, ...]
    define: str
    send: str
    job: Optional[JobSpec] = None


@dataclass(frozen=True)
class BackgroundTasksSpec:
    """How an endpoint receives background tasks: a parameter annotated with one of `types`;
    a new one is annotated with the name `import_` binds."""

    types: tuple[str, ...]
    import_: ImportSpec


@dataclass(frozen=True)
class FrameworkInfo:
    """What a framework's fixes need: its 202 response, request objects and background tasks."""

    accepted: Optional[str] = None
    imports: tuple[ImportSpec, ...] = ()
    request_objects: tuple[str, ...] = ()
    background_tasks: Optional[BackgroundTasksSpec] = None
    # Attributes whose use needs the request's or the application's context (`Model.query`,
    # `get_or_404`): work that uses them cannot run in a worker as it is.
    context_attributes: tuple[str, ...] = ()


def fields(template: str, where: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise CatalogueError(where, f"is not a valid template: {exc}") from exc


def template(value: Any, where: str, allowed: Iterable[str]) -> str:
    text = as_str(value, where)
    unknown = fields(text, where) - set(allowed)
    if unknown:
        raise CatalogueError(where, f"uses unknown placeholder {{{sorted(unknown)[0]}}} "
                                    f"(known: {', '.join(sorted(allowed))})")
    return text


def _imports(value: Any, where: str) -> tuple[ImportSpec, ...]:
    out = []
    for i, raw in enumerate(as_list(value, where)):
        item = as_mapping(raw, f"{where}[{i}]")
        check_keys(item, ("module", "name", "as"), f"{where}[{i}]")
        module = as_str(item.get("module"), f"{where}[{i}].module")
        name = as_str(item["name"], f"{where}[{i}].name") if "name" in item else None
        asname = as_str(item["as"], f"{where}[{i}].as") if "as" in item else None
        if asname and not name:
            raise CatalogueError(f"{where}[{i}].as", "needs a name to import")
        out.append(ImportSpec(module, name, asname))
    return tuple(out)


def _job(value: Any, where: str) -> JobSpec:
    data = as_mapping(value, where)
    check_keys(data, ("decorator", "imports", "send", "send-imports", "job-id", "instance"), where)
    instance = None
    if "instance" in data:
        raw = as_mapping(data["instance"], f"{where}.instance")
        check_keys(raw, ("calls", "name", "create", "imports"), f"{where}.instance")
        instance = InstanceSpec(tuple(as_str_list(raw.get("calls"), f"{where}.instance.calls")),
                                as_str(raw.get("name"), f"{where}.instance.name"),
                                as_str(raw.get("create"), f"{where}.instance.create"),
                                _imports(raw.get("imports"), f"{where}.instance.imports"))
    names = {"task", "args"} | ({"instance"} if instance else set())
    decorator = template(data["decorator"], f"{where}.decorator", names) if "decorator" in data else None
    return JobSpec(send=template(data.get("send"), f"{where}.send", names),
                   job_id=template(data.get("job-id"), f"{where}.job-id", {"job"}),
                   decorator=decorator,
                   imports=_imports(data.get("imports"), f"{where}.imports"),
                   send_imports=_imports(data.get("send-imports"), f"{where}.send-imports"),
                   instance=instance)


def _queue(name: str, value: Any, where: str) -> QueueInfo:
    data = as_mapping(value, where)
    check_keys(data, ("title", "modules", "packages", "define", "send", "job"), where)
    return QueueInfo(name=name,
                     title=as_str(data.get("title"), f"{where}.title"),
                     modules=tuple(as_str_list(data.get("modules"), f"{where}.modules")),
                     packages=tuple(as_str_list(data.get("packages"), f"{where}.packages")),
                     define=as_str(data.get("define"), f"{where}.define"),
                     send=as_str(data.get("send"), f"{where}.send"),
                     job=_job(data["job"], f"{where}.job") if "job" in data else None)


def parse_queues(documents: list[dict[str, Any]], where: str = "offloads.yaml") -> list[QueueInfo]:
    """The queues the fixer can advise: those with a `remedy` section, in catalogue order."""
    out = []
    for document in documents:
        if document.get("remedy") is not None:
            name = as_str(document.get("name"), f"{where}:queues.name")
            if name in ("none", "any"):
                raise CatalogueError(f"{where}:queues.{name}.name", f"is reserved: {name!r}")
            out.append(_queue(name, document["remedy"], f"{where}:queues.{name}.remedy"))
    return out


FRAMEWORK_KEYS = ("like", "accepted", "imports", "request_objects", "context_attributes", "background_tasks")


def parse_frameworks(sections: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, FrameworkInfo]:
    """Each framework's `remedies` section, with `like: <other>` resolved (its own keys win)."""

    def resolved(name: str, chain: tuple[str, ...]) -> dict[str, Any]:
        where, data = sections[name]
        check_keys(data, FRAMEWORK_KEYS, f"{where}:remedies")
        if "like" not in data:
            return data
        like = as_str(data["like"], f"{where}:remedies.like")
        if like not in sections:
            raise CatalogueError(f"{where}:remedies.like", f"names {like!r}, which has no remedies section "
                                                           f"(known: {', '.join(sorted(sections))})")
        if like in chain:
            raise CatalogueError(f"{where}:remedies.like", f"makes a cycle: {' -> '.join((*chain, like))}")
        own = {k: v for k, v in data.items() if k != "like"}
        return {**resolved(like, (*chain, like)), **own}

    return {name: _framework(resolved(name, (name,)), f"{sections[name][0]}:remedies") for name in sections}


def _framework(value: Any, where: str) -> FrameworkInfo:
    data = as_mapping(value, where)
    check_keys(data, FRAMEWORK_KEYS, where)
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
    background = None
    if data.get("background_tasks") is not None:
        raw = as_mapping(data["background_tasks"], f"{where}.background_tasks")
        check_keys(raw, ("types", "import"), f"{where}.background_tasks")
        imported = _imports([raw.get("import")], f"{where}.background_tasks.import")[0]
        if imported.name is None:
            raise CatalogueError(f"{where}.background_tasks.import.name", "must name the type to import")
        background = BackgroundTasksSpec(tuple(as_str_list(raw.get("types"), f"{where}.background_tasks.types")),
                                         imported)
    return FrameworkInfo(accepted, _imports(data.get("imports"), f"{where}.imports"),
                         tuple(as_str_list(data.get("request_objects"), f"{where}.request_objects")), background,
                         tuple(as_str_list(data.get("context_attributes"), f"{where}.context_attributes")))
