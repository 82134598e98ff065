"""The offload catalogue (rules/offloads.yaml plus the user's `extra-offloads`): how work leaves the request.

Task queues are catalogued here once, for detection (decorators, send methods, enqueue calls) and
for remedies (each queue's `remedy` section, read by the fix layer through `queue_documents`).

A user queue with the name of a shipped one extends it (its lists are added to the shipped
lists, its other keys win) unless it says `replace: true`; user calls in the other sections come
first, so that they win over a shipped entry for the same call.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .patterns import PatternTable
from .schema import ArgSpec, CatalogueError, as_bool, as_int, as_list, as_mapping, as_str, as_str_list, check_keys, optional_spec

SECTIONS = ("queues", "background", "threads", "pools", "once_per_process", "guards", "trivial", "types")
GUARD_KEYS = ("create_if_missing", "needs_checks", "flags", "retry_backoff", "field_defaults", "http_methods",
              "concrete_types", "env_reads", "env_true", "env_false")
HTTP_METHOD_KEYS = ("verbs", "methods_kwargs", "request_attrs", "decorators")
TRIVIAL_KEYS = ("rules", "joins", "fresh_names", "records")
TRIVIAL_RULE_KEYS = ("name", "calls", "reason", "path_arg", "list_arg", "cost_arg", "below", "per_row")
QUEUE_KEYS = ("name", "task_decorators", "send_methods", "enqueue_calls", "direct_call_enqueues", "result_type",
              "remedy")


@dataclass(frozen=True)
class Queue:
    """A task queue: how a task is sent to it, and what sending one returns."""

    name: str
    send_methods: frozenset[str]
    direct_call_enqueues: bool
    result_type: str | None


@dataclass(frozen=True)
class TrivialRule:
    """A call whose cost is bounded by one item of the request (offloads.yaml `trivial`)."""

    name: str
    reason: str
    path_arg: int | None = None  # trivial only when this argument is one object's own path
    list_arg: int | None = None  # trivial only when this argument is built from one object's relations
    cost_arg: ArgSpec | None = None  # trivial only when this argument (a work factor) is a constant...
    below: int = 0  # ...under this number: a fixed, tiny cost, low confidence even on an event loop
    per_row: str = ""  # in a loop over a whole table: per-row work (GAL114) doing this for every row


@dataclass
class Offloads:
    """What takes work out of the request (offloads.yaml): task queues, background tasks, threads, pools."""

    task_decorators: PatternTable[Queue] = field(default_factory=PatternTable)
    enqueue_calls: PatternTable[tuple[Queue, ArgSpec]] = field(default_factory=PatternTable)
    background: PatternTable[ArgSpec] = field(default_factory=PatternTable)
    threads: PatternTable[ArgSpec] = field(default_factory=PatternTable)
    pool_submits: PatternTable[ArgSpec] = field(default_factory=PatternTable)
    pool_waits: PatternTable[bool] = field(default_factory=PatternTable)
    once_per_process: PatternTable[bool] = field(default_factory=PatternTable)
    # guards (analysis/guards.py): name patterns, matched case-insensitively on the last segment
    create_if_missing: tuple[str, ...] = ()
    needs_checks: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    retry_backoff: PatternTable[bool] = field(default_factory=PatternTable)
    # field declarations whose argument is a class attribute's default (`Field(default=True)`)
    field_defaults: PatternTable[ArgSpec] = field(default_factory=PatternTable)
    # outside classes no builtin value is an instance of (`pathlib.Path`): `isinstance` tests with
    # them are decided by an argument's known type (analysis/argfacts.py)
    concrete_types: PatternTable[bool] = field(default_factory=PatternTable)
    # reads of the environment and where their default is (`os.getenv(key, default)`), and the
    # words a helper parsing such a string into a bool takes for true and false (settingdefaults.py)
    env_reads: PatternTable[ArgSpec] = field(default_factory=PatternTable)
    env_true: frozenset[str] = frozenset()
    env_false: frozenset[str] = frozenset()
    # a route's accepted HTTP methods (analysis/methods.py): verb-named route decorators, their
    # `methods=` keyword, decorators that restrict the methods, and the request's method attribute
    http_verbs: frozenset[str] = frozenset()
    methods_kwargs: frozenset[str] = frozenset()
    request_method_attrs: frozenset[str] = frozenset()
    method_decorators: PatternTable[frozenset[str]] = field(default_factory=PatternTable)
    # trivial cost (analysis/trivial.py): calls bounded by one item, joins and fresh names of paths
    trivial: PatternTable[TrivialRule] = field(default_factory=PatternTable)
    path_joins: PatternTable[bool] = field(default_factory=PatternTable)
    fresh_names: PatternTable[bool] = field(default_factory=PatternTable)
    records: PatternTable[bool] = field(default_factory=PatternTable)  # one object's data: `self` is that object
    types: dict[str, str] = field(default_factory=dict)
    # Each queue's mapping as declared (after merging), for the fix layer's remedy templates.
    queue_documents: list[dict[str, Any]] = field(default_factory=list)


def _queue(off: Offloads, raw: Any, here: str) -> None:
    q = as_mapping(raw, here)
    check_keys(q, QUEUE_KEYS, here)
    queue = Queue(
        name=as_str(q.get("name"), f"{here}.name"),
        send_methods=frozenset(as_str_list(q.get("send_methods", []), f"{here}.send_methods")),
        direct_call_enqueues=as_bool(q.get("direct_call_enqueues", False), f"{here}.direct_call_enqueues"),
        result_type=as_str(q["result_type"], f"{here}.result_type") if q.get("result_type") else None,
    )
    if "remedy" in q:
        as_mapping(q["remedy"], f"{here}.remedy")  # its keys are the fix layer's (fix/rules.py)
    for pattern in as_str_list(q.get("task_decorators", []), f"{here}.task_decorators"):
        off.task_decorators.add(pattern, queue)
    for j, call in enumerate(as_list(q.get("enqueue_calls", []), f"{here}.enqueue_calls")):
        spec = ArgSpec.parse(call, f"{here}.enqueue_calls[{j}]", need_call=True)
        off.enqueue_calls.add(spec.call, (queue, spec))
    off.queue_documents.append(q)


def _http_methods(off: Offloads, data: dict[str, Any], where: str) -> None:
    check_keys(data, HTTP_METHOD_KEYS, where)
    off.http_verbs |= {v.lower() for v in as_str_list(data.get("verbs", []), f"{where}.verbs")}
    off.methods_kwargs |= set(as_str_list(data.get("methods_kwargs", []), f"{where}.methods_kwargs"))
    off.request_method_attrs |= set(as_str_list(data.get("request_attrs", []), f"{where}.request_attrs"))
    for name, verbs in as_mapping(data.get("decorators", {}), f"{where}.decorators").items():
        off.method_decorators.add(str(name), frozenset(v.upper() for v in as_str_list(verbs, f"{where}.decorators.{name}")))


def _sections(off: Offloads, data: dict[str, Any], where: str) -> None:
    for key, table in (("background", off.background), ("threads", off.threads)):
        for j, call in enumerate(as_list(data.get(key, []), f"{where}.{key}")):
            spec = ArgSpec.parse(call, f"{where}.{key}[{j}]", need_call=True)
            table.add(spec.call, spec)
    pools = as_mapping(data.get("pools", {}), f"{where}.pools")
    for key in pools:
        if key not in ("submits", "waits"):
            raise CatalogueError(f"{where}.pools.{key}", "is not a known key (submits, waits)")
    for j, call in enumerate(as_list(pools.get("submits", []), f"{where}.pools.submits")):
        spec = ArgSpec.parse(call, f"{where}.pools.submits[{j}]", need_call=True)
        off.pool_submits.add(spec.call, spec)
    for pattern in as_str_list(pools.get("waits", []), f"{where}.pools.waits"):
        off.pool_waits.add(pattern, True)
    for pattern in as_str_list(data.get("once_per_process", []), f"{where}.once_per_process"):
        off.once_per_process.add(pattern, True)
    guards = as_mapping(data.get("guards", {}), f"{where}.guards")
    for key in guards:
        if key not in GUARD_KEYS:
            raise CatalogueError(f"{where}.guards.{key}", f"is not a known key ({', '.join(GUARD_KEYS)})")
    off.create_if_missing += tuple(as_str_list(guards.get("create_if_missing", []), f"{where}.guards.create_if_missing"))
    off.needs_checks += tuple(as_str_list(guards.get("needs_checks", []), f"{where}.guards.needs_checks"))
    off.flags += tuple(as_str_list(guards.get("flags", []), f"{where}.guards.flags"))
    for pattern in as_str_list(guards.get("retry_backoff", []), f"{where}.guards.retry_backoff"):
        off.retry_backoff.add(pattern, True)
    for j, call in enumerate(as_list(guards.get("field_defaults", []), f"{where}.guards.field_defaults")):
        spec = ArgSpec.parse(call, f"{where}.guards.field_defaults[{j}]", need_call=True)
        off.field_defaults.add(spec.call, spec)
    for pattern in as_str_list(guards.get("concrete_types", []), f"{where}.guards.concrete_types"):
        off.concrete_types.add(pattern, True)
    for j, call in enumerate(as_list(guards.get("env_reads", []), f"{where}.guards.env_reads")):
        spec = ArgSpec.parse(call, f"{where}.guards.env_reads[{j}]", need_call=True)
        off.env_reads.add(spec.call, spec)
    off.env_true |= {w.lower() for w in as_str_list(guards.get("env_true", []), f"{where}.guards.env_true")}
    off.env_false |= {w.lower() for w in as_str_list(guards.get("env_false", []), f"{where}.guards.env_false")}
    _http_methods(off, as_mapping(guards.get("http_methods", {}), f"{where}.guards.http_methods"),
                  f"{where}.guards.http_methods")
    _trivial(off, as_mapping(data.get("trivial", {}), f"{where}.trivial"), f"{where}.trivial")
    for name, target in as_mapping(data.get("types", {}), f"{where}.types").items():
        off.types.setdefault(str(name), as_str(target, f"{where}.types.{name}"))


def _trivial(off: Offloads, data: dict[str, Any], where: str) -> None:
    check_keys(data, TRIVIAL_KEYS, where)
    for i, raw in enumerate(as_list(data.get("rules", []), f"{where}.rules")):
        here = f"{where}.rules[{i}]"
        rule = as_mapping(raw, here)
        check_keys(rule, TRIVIAL_RULE_KEYS, here)
        path_arg = as_int(rule["path_arg"], f"{here}.path_arg") if "path_arg" in rule else None
        list_arg = as_int(rule["list_arg"], f"{here}.list_arg") if "list_arg" in rule else None
        cost_arg = optional_spec(rule.get("cost_arg"), f"{here}.cost_arg")
        below = as_int(rule["below"], f"{here}.below") if "below" in rule else 0
        if (cost_arg is None) != ("below" not in rule):
            raise CatalogueError(f"{here}.{'below' if cost_arg is not None else 'cost_arg'}",
                                 "is required with cost_arg and below together")
        entry = TrivialRule(as_str(rule.get("name"), f"{here}.name"), as_str(rule.get("reason"), f"{here}.reason"),
                            path_arg, list_arg, cost_arg, below,
                            as_str(rule["per_row"], f"{here}.per_row") if "per_row" in rule else "")
        for pattern in as_str_list(rule.get("calls", []), f"{here}.calls"):
            off.trivial.add(pattern, entry)
    for key, table in (("joins", off.path_joins), ("fresh_names", off.fresh_names), ("records", off.records)):
        for pattern in as_str_list(data.get(key, []), f"{where}.{key}"):
            table.add(pattern, True)


def _document(data: Any, where: str) -> dict[str, Any]:
    doc = as_mapping(data or {}, where)
    check_keys(doc, SECTIONS, where)
    return doc


def _merged_queues(shipped: list[Any], user: list[Any], user_where: str) -> list[dict[str, Any]]:
    """The user's new queues (first, so that their patterns win), then the shipped queues with the
    user's entries of the same name merged in (user list items first)."""
    out = [copy.deepcopy(as_mapping(q, "offloads.yaml.queues")) for q in shipped]
    by_name = {q.get("name"): i for i, q in enumerate(out)}
    fresh: list[dict[str, Any]] = []
    for i, raw in enumerate(user):
        q = dict(as_mapping(raw, f"{user_where}.queues[{i}]"))
        replace = as_bool(q.pop("replace", False), f"{user_where}.queues[{i}].replace")
        index = by_name.get(q.get("name"))
        if index is None:
            fresh.append(q)
        elif replace:
            out[index] = q
        else:
            base = out[index]
            for key, value in q.items():
                base[key] = [*value, *base.get(key, [])] if isinstance(value, list) else value
    return [*fresh, *out]


def build_offloads(shipped: Any, user: Any, where: str = "offloads.yaml",
                   user_where: str = "extra-offloads") -> Offloads:
    ship, mine = _document(shipped, where), _document(user, user_where)
    user_queues = as_list(mine.get("queues", []), f"{user_where}.queues")
    # Validate the user's queues on their own first, so that an error names the user's key.
    check = Offloads()
    for i, raw in enumerate(user_queues):
        q = dict(as_mapping(raw, f"{user_where}.queues[{i}]"))
        as_bool(q.pop("replace", False), f"{user_where}.queues[{i}].replace")
        _queue(check, q, f"{user_where}.queues[{i}]")
    off = Offloads()
    for i, raw in enumerate(_merged_queues(as_list(ship.get("queues", []), f"{where}.queues"), user_queues,
                                           user_where)):
        _queue(off, raw, f"{where}.queues[{i}]")
    _sections(off, mine, user_where)
    _sections(off, ship, where)
    return off
