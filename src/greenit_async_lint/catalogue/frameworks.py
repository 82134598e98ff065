"""Framework handler markers, parsed from rules/frameworks/*.yaml (or the user's extra-handlers).

Mechanisms the engine understands, each filled with data per framework:
- decorators: a function or method decorated by one of `calls` is a handler; on a class, its methods
  named in `class_methods` are (default `__call__`: Pyramid's callable view classes; flask-restx's
  `@ns.route` on a Resource names its HTTP-method methods);
- registrations: a call to one of `calls` registers the view found at `view` (a function, a class,
  `Class.as_view()`, an instance) under the route at `route`; `route_list` takes (route, view)
  tuples instead (Tornado);
- class_views: the methods named in `methods` of a class deriving from one of `bases`;
- method_maps: a call mapping HTTP methods to handler method names (a custom DRF router's
  `Route(mapping={"get": "bulk_list"})`): the names are handler methods of classes deriving from
  `bases`, wherever the call is made in the project;
- class_attr_calls: a view class attribute (`form_class`) whose methods the framework calls;
- implicit_calls: calling one of `methods` on an instance of a class deriving from `bases` runs the
  project's methods named in `calls` (form `clean_*` validators, serializer `create`);
- dependency_markers: parameter defaults whose provider runs in the request (FastAPI `Depends`;
  `sync_in_threadpool`: a plain `def` provider runs in a worker thread, off the event loop);
- signals: receivers that run when a signal is sent, or when a model is saved;
- router_includes: including a router with dependencies (`app.include_router(r, dependencies=[...])`)
  runs them before every route of that router;
- setting_lists: a module-level list of dotted class paths (Django's MIDDLEWARE) whose classes'
  `methods` run in every request;
- instances: outside calls that give back instances of the project class they are made on
  (`Report.objects.get(...)` is a Report, so `report.save()` reaches Report's override and signals);
- service_locators, request_extensions: `request.find_service(IFace)` and `request.http` give what
  the project registered for them at start-up (catalogue/locators.py);
- request: the framework's request class behind an unannotated `request` parameter, and which of its
  attributes hold what the client sent (catalogue/requests.py);
- relations: foreign keys giving a parent model a relation whose rows are children
  (catalogue/relations.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .locators import (EXTENSION_KEYS, LOCATOR_KEYS, RequestExtensionRule, ServiceLocatorRule,
                       parse_request_extensions, parse_service_locators)
from .patterns import PatternTable
from .relations import RELATION_KEYS, RelationRules, parse_relations
from .requests import REQUEST_KEYS, RequestRule, parse_request
from .schema import (ArgSpec, CatalogueError, as_bool, as_list, as_mapping, as_str, as_str_list, optional_spec,
                     pattern_table)

_KEYS = {"framework", "decorators", "registrations", "class_views", "class_attr_calls", "method_maps",
         "implicit_calls", "dependency_markers", "signals", "sync_handlers_on_loop", "instances", "setting_lists",
         "router_includes", "service_locators", "request_extensions", "request",
         "relations"}


@dataclass
class DecoratorRule:
    """A route decorator (`@app.route`, `@router.get`) and where its route and dependencies are."""

    calls: PatternTable[bool]
    route: ArgSpec | None
    dependencies: ArgSpec | None = None  # dependency markers run before the route (FastAPI)
    class_methods: tuple[str, ...] = ("__call__",)  # on a decorated class: the methods that handle requests
    route_prefix_attr: str = ""  # on a method: the class attribute its route is under (`route_base`)


@dataclass
class RegistrationRule:
    """A route registration call (`add_url_rule`, `path`, `config.add_view`): where its route and view are."""

    calls: PatternTable[bool]
    route: ArgSpec | None
    view: ArgSpec | None
    route_list: ArgSpec | None
    class_methods: tuple[str, ...]
    method: ArgSpec | None = None  # names the method of a registered class (Pyramid's attr=)
    includes: PatternTable[bool] | None = None  # a view that includes another module's routes
    # The method's name is the framework's own (`add_url_rule`): a call of it on a parameter of
    # unknown type (`def register(app): app.add_url_rule(...)`) counts too.
    untyped_receiver: bool = False


@dataclass
class ClassViewRule:
    """Class views: the subclasses of these bases handle requests in these methods."""

    bases: PatternTable[bool]
    methods: tuple[str, ...]


@dataclass
class MethodMapRule:
    """A registration mapping HTTP methods to handler methods by a dict (`as_view({'get': 'list'})`)."""

    calls: PatternTable[bool]
    mapping: ArgSpec  # the argument holding the {http method: handler method name} dict
    bases: PatternTable[bool]


@dataclass
class ClassAttrRule:
    """A class attribute a framework's base class uses (DRF's `serializer_class`), and its calls on it."""

    bases: PatternTable[bool]
    attr: str
    calls: tuple[str, ...]
    instance_calls: tuple[str, ...] = ()  # methods the framework calls on an instance of the attr's class


@dataclass
class ImplicitRule:
    """Methods a framework's base class runs for its subclasses, and the outside calls they amount to."""

    on: PatternTable[bool]
    methods: frozenset[str]
    calls: tuple[str, ...]
    names: PatternTable[bool] = field(default_factory=PatternTable)  # or: outside calls made on a project class
    model: str = ""  # a class-attribute path to a model class (`Meta.model`)...
    model_calls: tuple[str, ...] = ()  # ...on which the call amounts to these outside calls (its save)


@dataclass
class InstanceRules:
    """Outside calls that give back instances of the project class they are made on."""

    returns: PatternTable[bool] = field(default_factory=PatternTable)  # Report.objects.get(...) -> a Report
    iterates: PatternTable[bool] = field(default_factory=PatternTable)  # for r in Report.objects.all(): a Report
    first_arg: PatternTable[bool] = field(default_factory=PatternTable)  # get_object_or_404(Report, ...)


@dataclass
class SignalRules:
    """A framework's signals: its receivers, how they are connected and sent, what sends them implicitly."""

    receivers: PatternTable[bool] = field(default_factory=PatternTable)
    connect_methods: frozenset[str] = frozenset()
    send_methods: frozenset[str] = frozenset()
    implicit: list[tuple[PatternTable[bool], tuple[str, ...]]] = field(default_factory=list)


@dataclass
class FrameworkRules:
    """One framework file of rules/: how its handlers are found and what it runs around them."""

    name: str
    decorators: list[DecoratorRule] = field(default_factory=list)
    registrations: list[RegistrationRule] = field(default_factory=list)
    class_views: list[ClassViewRule] = field(default_factory=list)
    method_maps: list[MethodMapRule] = field(default_factory=list)
    class_attr_calls: list[ClassAttrRule] = field(default_factory=list)
    implicit_calls: list[ImplicitRule] = field(default_factory=list)
    dependency_markers: list[tuple[PatternTable[bool], ArgSpec, bool]] = field(default_factory=list)
    signals: SignalRules | None = None
    sync_handlers_on_loop: bool = False  # Sanic calls plain `def` handlers on its event loop
    instances: InstanceRules = field(default_factory=InstanceRules)
    setting_lists: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    router_includes: list[tuple[PatternTable[bool], ArgSpec, ArgSpec]] = field(default_factory=list)
    service_locators: list[ServiceLocatorRule] = field(default_factory=list)
    request_extensions: list[RequestExtensionRule] = field(default_factory=list)
    request: RequestRule | None = None
    relations: RelationRules | None = None


_RULE_KEYS = {
    "decorators": {"calls", "route", "dependencies", "class_methods", "route_prefix_attr"},
    "registrations": {"calls", "route", "view", "route_list", "class_methods", "method", "includes",
                      "untyped_receiver"},
    "class_views": {"bases", "methods"},
    "method_maps": {"calls", "mapping", "bases"},
    "implicit_calls": {"bases", "methods", "calls", "names", "model", "model_calls"},
    "class_attr_calls": {"bases", "attr", "calls", "instance_calls"},
    "dependency_markers": {"calls", "provider", "sync_in_threadpool"},
    "setting_lists": {"name", "methods"},
    "router_includes": {"calls", "router", "dependencies"},
    "service_locators": LOCATOR_KEYS,  # (parsed by catalogue/locators.py)
    "request_extensions": EXTENSION_KEYS,
    "request": REQUEST_KEYS,  # (parsed by catalogue/requests.py)
    "relations": RELATION_KEYS,  # (parsed by catalogue/relations.py)
}


def _rule(raw: Any, key: str, section: str) -> dict[str, Any]:
    data = as_mapping(raw, key)
    for name in data:
        if name not in _RULE_KEYS[section]:
            raise CatalogueError(f"{key}.{name}", f"is not a known key ({', '.join(sorted(_RULE_KEYS[section]))})")
    return data


def parse_framework(raw: Any, where: str) -> FrameworkRules:
    data = as_mapping(raw, where)
    unknown = set(data) - _KEYS
    if unknown:
        raise CatalogueError(f"{where}.{sorted(unknown)[0]}", f"is not a known key ({', '.join(sorted(_KEYS))})")
    fw = FrameworkRules(as_str(data.get("framework"), f"{where}.framework"),
                        sync_handlers_on_loop=as_bool(data.get("sync_handlers_on_loop", False),
                                                      f"{where}.sync_handlers_on_loop"))
    for i, r in enumerate(as_list(data.get("decorators"), f"{where}.decorators")):
        k = f"{where}.decorators[{i}]"
        r = _rule(r, k, "decorators")
        fw.decorators.append(DecoratorRule(pattern_table(r.get("calls"), f"{k}.calls"), optional_spec(r.get("route"), f"{k}.route"),
                                           optional_spec(r.get("dependencies"), f"{k}.dependencies"),
                                           tuple(as_str_list(r.get("class_methods", ["__call__"]),
                                                             f"{k}.class_methods")),
                                           as_str(r["route_prefix_attr"], f"{k}.route_prefix_attr")
                                           if "route_prefix_attr" in r else ""))
    for i, r in enumerate(as_list(data.get("registrations"), f"{where}.registrations")):
        k = f"{where}.registrations[{i}]"
        r = _rule(r, k, "registrations")
        rule = RegistrationRule(
            pattern_table(r.get("calls"), f"{k}.calls"), optional_spec(r.get("route"), f"{k}.route"),
            optional_spec(r.get("view"), f"{k}.view"), optional_spec(r.get("route_list"), f"{k}.route_list"),
            tuple(as_str_list(r.get("class_methods", []), f"{k}.class_methods")), optional_spec(r.get("method"), f"{k}.method"),
            pattern_table(r["includes"], f"{k}.includes") if "includes" in r else None,
            as_bool(r.get("untyped_receiver", False), f"{k}.untyped_receiver"))
        if rule.view is None and rule.route_list is None:
            raise CatalogueError(k, "needs `view` or `route_list`")
        fw.registrations.append(rule)
    for i, r in enumerate(as_list(data.get("class_views"), f"{where}.class_views")):
        k = f"{where}.class_views[{i}]"
        r = _rule(r, k, "class_views")
        fw.class_views.append(ClassViewRule(pattern_table(r.get("bases"), f"{k}.bases"),
                                            tuple(as_str_list(r.get("methods"), f"{k}.methods"))))
    for i, r in enumerate(as_list(data.get("method_maps"), f"{where}.method_maps")):
        k = f"{where}.method_maps[{i}]"
        r = _rule(r, k, "method_maps")
        mapping = optional_spec(r.get("mapping"), f"{k}.mapping")
        if mapping is None:
            raise CatalogueError(k, "needs `mapping`")
        fw.method_maps.append(MethodMapRule(pattern_table(r.get("calls"), f"{k}.calls"), mapping,
                                            pattern_table(r.get("bases"), f"{k}.bases")))
    for i, r in enumerate(as_list(data.get("class_attr_calls"), f"{where}.class_attr_calls")):
        k = f"{where}.class_attr_calls[{i}]"
        r = _rule(r, k, "class_attr_calls")
        fw.class_attr_calls.append(ClassAttrRule(pattern_table(r.get("bases"), f"{k}.bases"), as_str(r.get("attr"), f"{k}.attr"),
                                                 tuple(as_str_list(r.get("calls", []), f"{k}.calls")),
                                                 tuple(as_str_list(r.get("instance_calls", []), f"{k}.instance_calls"))))
    for i, r in enumerate(as_list(data.get("implicit_calls"), f"{where}.implicit_calls")):
        k = f"{where}.implicit_calls[{i}]"
        r = _rule(r, k, "implicit_calls")
        fw.implicit_calls.append(ImplicitRule(pattern_table(r.get("bases", []), f"{k}.bases"),
                                              frozenset(as_str_list(r.get("methods", []), f"{k}.methods")),
                                              tuple(as_str_list(r.get("calls"), f"{k}.calls")),
                                              pattern_table(r.get("names", []), f"{k}.names"),
                                              as_str(r["model"], f"{k}.model") if "model" in r else "",
                                              tuple(as_str_list(r.get("model_calls", []), f"{k}.model_calls"))))
    for i, r in enumerate(as_list(data.get("router_includes"), f"{where}.router_includes")):
        k = f"{where}.router_includes[{i}]"
        r = _rule(r, k, "router_includes")
        router, deps = optional_spec(r.get("router"), f"{k}.router"), optional_spec(r.get("dependencies"), f"{k}.dependencies")
        if router is None or deps is None:
            raise CatalogueError(k, "needs `router` and `dependencies`")
        fw.router_includes.append((pattern_table(r.get("calls"), f"{k}.calls"), router, deps))
    for i, r in enumerate(as_list(data.get("setting_lists"), f"{where}.setting_lists")):
        k = f"{where}.setting_lists[{i}]"
        r = _rule(r, k, "setting_lists")
        fw.setting_lists.append((as_str(r.get("name"), f"{k}.name"), tuple(as_str_list(r.get("methods"), f"{k}.methods"))))
    fw.service_locators = parse_service_locators(data.get("service_locators"), f"{where}.service_locators")
    fw.request_extensions = parse_request_extensions(data.get("request_extensions"), f"{where}.request_extensions")
    fw.request = parse_request(data.get("request"), f"{where}.request")
    fw.relations = parse_relations(data.get("relations"), f"{where}.relations")
    if data.get("instances") is not None:
        k = f"{where}.instances"
        inst = as_mapping(data["instances"], k)
        for name in inst:
            if name not in ("returns", "iterates", "first_arg"):
                raise CatalogueError(f"{k}.{name}", "is not a known key (returns, iterates, first_arg)")
        fw.instances = InstanceRules(pattern_table(inst.get("returns", []), f"{k}.returns"),
                                     pattern_table(inst.get("iterates", []), f"{k}.iterates"),
                                     pattern_table(inst.get("first_arg", []), f"{k}.first_arg"))
    for i, r in enumerate(as_list(data.get("dependency_markers"), f"{where}.dependency_markers")):
        k = f"{where}.dependency_markers[{i}]"
        r = _rule(r, k, "dependency_markers")
        spec = optional_spec(r.get("provider"), f"{k}.provider") or ArgSpec(arg=0)
        threadpool = as_bool(r.get("sync_in_threadpool", False), f"{k}.sync_in_threadpool")
        fw.dependency_markers.append((pattern_table(r.get("calls"), f"{k}.calls"), spec, threadpool))
    if data.get("signals") is not None:
        k = f"{where}.signals"
        s = as_mapping(data["signals"], k)
        sig = SignalRules(pattern_table(s.get("receivers", []), f"{k}.receivers"),
                          frozenset(as_str_list(s.get("connect_methods", []), f"{k}.connect_methods")),
                          frozenset(as_str_list(s.get("send_methods", []), f"{k}.send_methods")))
        for j, imp in enumerate(as_list(s.get("implicit", []), f"{k}.implicit")):
            imp = as_mapping(imp, f"{k}.implicit[{j}]")
            sig.implicit.append((pattern_table(imp.get("calls"), f"{k}.implicit[{j}].calls"),
                                 tuple(as_str_list(imp.get("signals"), f"{k}.implicit[{j}].signals"))))
        fw.signals = sig
    return fw
