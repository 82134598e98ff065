"""Route decorators: `@app.route("/x")`, `@router.get("/x")`, `@view_config(...)` on a class.

A decorated function is a handler; on a decorated class, the methods the rule's `class_methods`
name are (`__call__` of Pyramid's callable view classes, the HTTP-method methods of a
flask-restx Resource under `@ns.route`). Each match is also a route registration of the
inventory, resolved by construction: the decorated definition is in the project.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from ...catalogue.frameworks import FrameworkRules
from ...catalogue.patterns import tails
from ..evaluate import arg_value
from ..ir import Call, Expr
from ..project import Ctx
from .dependencies import Dependency, Included, route_dependencies
from .factories import factory_rules
from ..values import MethodRef
from .model import Candidate, Registration, Rules, RulesByName, Scan


class Match(NamedTuple):
    framework: FrameworkRules
    route: Optional[str]
    dependencies: list[Dependency]
    class_methods: tuple[str, ...]  # on a decorated class, the methods that handle requests
    prefix_attr: str  # on a method, the class attribute its route is under


class Decorated(NamedTuple):
    candidates: list[Candidate]
    dependencies: dict[tuple[int, str], list[Dependency]]  # route-level dependencies by handler
    registrations: list[Registration]


def decorated(scan: Scan, included: Included) -> Decorated:
    """Handlers declared by a decorator, with the dependencies their decorator (or the router it
    belongs to, `included`) declares."""
    rules: Rules = [(fw, r) for fw in scan.frameworks for r in fw.decorators]
    wanted = tails(p for _fw, r in rules for p in r.calls.patterns())
    applied = _applied(scan) if wanted is None else None
    made, names = factory_rules(scan, rules, applied)  # project factories applying one of these decorators
    by_name = RulesByName(rules + made)
    wanted = None if wanted is None else wanted | names
    out = Decorated([], {}, [])
    for _seq, mi, fn in scan.index.decorated(wanted):
        if not scan.wanted(mi):
            continue
        ctx = scan.p.defining_ctx(mi, fn)
        for match in matches(scan, fn.decorators, ctx, by_name, included):
            if match.route is not None and match.prefix_attr and fn.cls is not None:
                match = match._replace(route=_class_prefix(scan, mi, fn.cls, match.prefix_attr) + match.route)
            out.candidates.append(Candidate(mi, fn, match.framework.name, match.route))
            out.registrations.append(Registration(scan.p.mods[mi].path, fn.line, match.framework.name, "decorator",
                                                  match.route, fn.qualname, "project"))
            if match.dependencies:
                out.dependencies.setdefault((mi, fn.qualname), []).extend(match.dependencies)
    for mi, cls in scan.index.decorated_classes():
        if not scan.wanted(mi):
            continue
        for match in matches(scan, cls.decorators, scan.p.class_ctx(mi, cls), by_name, included):
            out.registrations.append(Registration(scan.p.mods[mi].path, cls.line, match.framework.name, "decorator",
                                                  match.route, cls.qualname, "project"))
            for name in match.class_methods:
                for value in scan.ev.class_attr(mi, cls.qualname, name, True):
                    method = scan.p.function(value.module, value.qualname) if isinstance(value, MethodRef) else None
                    if isinstance(value, MethodRef) and method is not None:
                        out.candidates.append(Candidate(value.module, method, match.framework.name, match.route))
    return out


def _applied(scan: Scan) -> set[str]:
    """The names every decorator `decorated` looks at evaluates to, when it looks at all of them
    (some rule's pattern ends with a glob): the same evaluations it makes, memoised, just earlier."""
    out: set[str] = set()
    for _seq, mi, fn in scan.index.decorated(None):
        if scan.wanted(mi):
            ctx = scan.p.defining_ctx(mi, fn)
            out.update(name for dec in fn.decorators for name in scan.names(dec.func if isinstance(dec, Call) else dec, ctx))
    for mi, cls in scan.index.decorated_classes():
        if scan.wanted(mi):
            ctx = scan.p.class_ctx(mi, cls)
            out.update(name for dec in cls.decorators
                       for name in scan.names(dec.func if isinstance(dec, Call) else dec, ctx))
    return out


def _class_prefix(scan: Scan, mi: int, qualname: str, attr: str) -> str:
    """The string a class (or its nearest project base) sets `attr` to (`route_base = "/admin"`)."""
    classes, _external = scan.ev.mro(mi, qualname)
    for cmi, cq in classes:
        cls = scan.p.klass(cmi, cq)
        for expr in cls.attrs.get(attr, ()) if cls is not None else ():
            text = scan.ev.const_str(expr, scan.p.class_ctx(cmi, cls))  # type: ignore[arg-type]
            if text is not None:
                return text
    return ""


def matches(scan: Scan, decorators: list[Expr], ctx: Ctx, rules: RulesByName,
            included: Included) -> list[Match]:
    """(framework, route, dependency expressions with their contexts) per matching decorator."""
    out = []
    for dec in decorators:
        target = dec.func if isinstance(dec, Call) else dec
        for name in scan.names(target, ctx):
            for i in rules.matching(name):
                fw, rule = rules.rules[i]
                route = None
                if rule.route is not None and isinstance(dec, Call):
                    route = scan.ev.const_str(arg_value(dec.args, dec.kwargs, rule.route), ctx)
                out.append(Match(fw, route, route_dependencies(scan, rule, dec, ctx, included),
                                 rule.class_methods, rule.route_prefix_attr))
    return out
