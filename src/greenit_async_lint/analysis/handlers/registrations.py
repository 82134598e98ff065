"""Registration calls: a view handed to a routing call (`path("x/", view)`,
`app.add_url_rule("/x", view_func=f)`, `router.add_route("GET", "/x", handler)`), or a list of
(route, view) pairs (`Application([(r"/", MainHandler)])`).

A registered function is a handler; a registered class is remembered with its route, for the
class-view mechanism to list its methods. Every registration seen is counted in the inventory,
with whether its view could be followed into the project.
"""
from __future__ import annotations

from typing import NamedTuple

from ...catalogue.frameworks import FrameworkRules, RegistrationRule
from ...catalogue.patterns import tails
from ..evaluate import arg_value
from ..ir import Attr, Call, Expr, FromImport, Import, Name, Star
from ..project import BoundExpr, Ctx
from ..values import ModuleRef
from .forwarding import ROUNDS, forwarders, super_names
from .model import Candidate, Registration, Scan
from .views import ClassRoute, Matched, ViewReader, is_include

_INCLUDE_DEPTH = 6  # nested includes, a few levels deep


class Registered(NamedTuple):
    candidates: list[Candidate]
    class_routes: dict[tuple[int, str], ClassRoute]  # registered classes, first route seen
    registrations: list[Registration]


def _module_function_tails(patterns: list[str]) -> set[str]:
    """Call tails that, among the registration patterns, only module-level functions have
    (`aiohttp.web.get`, `django.urls.path`); method tails (`router.register`) are not in it."""
    functions: set[str] = set()
    methods: set[str] = set()
    for pattern in patterns:
        parts = pattern.split(".")
        module_level = len(parts) >= 2 and all(p[:1].islower() for p in parts[:-1]) and "*" not in pattern
        (functions if module_level else methods).add(parts[-1])
    return functions - methods


def registered(scan: Scan) -> Registered:
    """Handlers and class routes from every registration call of the project (a urls.py
    anywhere may route a view of the files looked at)."""
    rules = [(fw, r) for fw in scan.frameworks for r in fw.registrations]
    patterns = [p for _fw, r in rules for p in r.calls.patterns()]
    module_functions = _module_function_tails(patterns)
    untyped: dict[str, list[tuple[FrameworkRules, RegistrationRule]]] = {}
    for fw, rule in rules:
        for name in tails(rule.calls.patterns()) or () if rule.untyped_receiver else ():
            untyped.setdefault(name, []).append((fw, rule))
    found: list[Matched] = []
    for _seq, cs, ctx in scan.index.calls(tails(patterns)):
        if cs.tail in module_functions and not _imported_callee(scan, cs.func, ctx):
            continue  # `d.get(k)` is not aiohttp's `web.get(...)`: only imported names can be
        names = scan.names(cs.func, ctx)
        for name in [*names, *super_names(scan, cs.func, ctx)]:
            for fw, rule in rules:
                if rule.calls.match(name):
                    found.append(Matched(fw, rule, cs.args, cs.kwargs, ctx, cs.line))
        if not names and cs.tail in untyped and _untyped_parameter(scan, cs.func, ctx):
            for fw, rule in untyped[cs.tail]:
                found.append(Matched(fw, rule, cs.args, cs.kwargs, ctx, cs.line))
    found = _with_forwarded(scan, found)
    reader = ViewReader(scan, _include_prefixes(scan, found))
    for match in found:
        reader.registration(match)
    return Registered(reader.candidates, reader.class_routes, reader.registrations)


def _with_forwarded(scan: Scan, found: list[Matched]) -> list[Matched]:
    """The registrations made through project forwarders (see forwarding.py). A forwarder's own
    call registers no route (its view is a parameter): the calls of the forwarder replace it."""
    out, new = list(found), found
    for _round in range(ROUNDS):
        made = list(forwarders(scan, new))
        if not made:
            break
        inner = {id(m) for m, _rule, _tail in made}
        out = [m for m in out if id(m) not in inner]
        new = []
        rules = list({id(rule): (m.fw, rule) for m, rule, _tail in made}.values())
        for _seq, cs, ctx in scan.index.calls({tail for _m, _rule, tail in made}):
            for name in scan.names(cs.func, ctx):
                for fw, rule in rules:
                    if rule.calls.match(name):
                        new.append(Matched(fw, rule, cs.args, cs.kwargs, ctx, cs.line))
        out.extend(new)
    return out


def _include_prefixes(scan: Scan, found: list[Matched]) -> dict[int, str]:
    """Route prefixes of modules included from another's routes (`path("api/", include("x.urls"))`)."""
    edges: list[tuple[int, int, str]] = []
    for m in found:
        view = arg_value(m.args, m.kwargs, m.rule.view) if m.rule.view is not None else None
        if view is None or not is_include(scan, m.rule, view, m.ctx):
            continue
        route = scan.ev.const_str(arg_value(m.args, m.kwargs, m.rule.route), m.ctx) if m.rule.route else None
        included = view.args[0] if isinstance(view, Call) and not isinstance(view.args[0], Star) else None
        if included is None:
            continue
        name = scan.ev.const_str(included, m.ctx)
        target = scan.p.find_module(name, m.ctx.module) if name else next(
            (v.module for v in scan.ev.eval(included, m.ctx) if isinstance(v, ModuleRef)), None)
        if target is not None and route is not None:
            edges.append((m.ctx.module, target, route))
    prefixes: dict[int, str] = {}
    for _round in range(_INCLUDE_DEPTH):
        changed = False
        for source, target, route in edges:
            full = prefixes.get(source, "") + route
            if prefixes.get(target) != full:
                prefixes[target] = full
                changed = True
        if not changed:
            break
    return prefixes


def _untyped_parameter(scan: Scan, func: Expr, ctx: Ctx) -> bool:
    """Is the callee a method of a parameter with no annotation nor default (`app.add_url_rule`
    in `def setup(app)`)?"""
    if func[0] != "a" or func[1][0] != "n" or ctx[1] is None:
        return False
    fn = scan.p.function(ctx[0], ctx[1])
    return fn is not None and any(p.name == func[1][1] and p.annotation is None and p.default is None
                                  for p in fn.params[1 if fn.cls is not None else 0:])


def _imported_callee(scan: Scan, func: Expr, ctx: Ctx) -> bool:
    """Is the callee an imported name, or an attribute of one (`path`, `web.get`,
    `tornado.web.Application`)?"""
    root = func
    while isinstance(root, Attr):
        root = root.base
    if not isinstance(root, Name):
        return False
    return any(isinstance(bound, BoundExpr) and isinstance(bound.binding, (Import, FromImport))
               for bound in scan.p.bindings(root.id, ctx))
