"""Following a registered view into the project: a function, a class, a wrapper around either
(`login_required(view)`), a class's `as_view()`; or a view of an installed package.

Each registration followed is recorded for the inventory with how far it was followed.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from ...catalogue.frameworks import FrameworkRules, RegistrationRule
from ..evaluate import arg_value
from ..ir import Expr
from ..project import Ctx
from .model import Candidate, Registration, Scan


class ClassRoute(NamedTuple):
    framework: str
    route: Optional[str]
    rule: RegistrationRule


class Matched(NamedTuple):
    fw: FrameworkRules
    rule: RegistrationRule
    args: tuple
    kwargs: tuple
    ctx: Ctx
    line: int


def is_include(scan: Scan, rule: RegistrationRule, view: Optional[Expr], ctx: Ctx) -> bool:
    """`path("api/", include("x.urls"))`: routes of another module, not a view."""
    return (view is not None and view[0] == "c" and bool(view[2]) and rule.includes is not None
            and any(rule.includes.match(n) for n in scan.names(view[1], ctx)))



class ViewReader:
    """Follows the views of one mechanism's registrations; what it collects stays its own."""

    def __init__(self, scan: Scan, prefixes: dict[int, str]) -> None:
        self.scan = scan
        self.prefixes = prefixes
        self.candidates: list[Candidate] = []
        self.class_routes: dict[tuple[int, str], ClassRoute] = {}
        self.registrations: list[Registration] = []

    def registration(self, m: Matched) -> None:
        scan, args, kwargs, rule, ctx = self.scan, m.args, m.kwargs, m.rule, m.ctx
        path = scan.p.mods[ctx[0]].path
        if rule.route_list is not None:
            listing = arg_value(args, kwargs, rule.route_list)
            if listing is None or listing[0] != "t":
                return
            for item in listing[1]:
                if item[0] == "t" and len(item[1]) >= 2:
                    route = scan.ev.const_str(item[1][0], ctx)
                    resolved = self.view(m.fw, rule, item[1][1], route, ctx)
                    self.registrations.append(Registration(path, m.line, m.fw.name, "list", route,
                                                           _text(item[1][1]), resolved))
            return
        view = arg_value(args, kwargs, rule.view) if rule.view is not None else None
        if view is None or is_include(scan, rule, view, ctx):
            return  # no view to follow here (an endpoint named for later, another module's routes)
        route = scan.ev.const_str(arg_value(args, kwargs, rule.route), ctx) if rule.route is not None else None
        if route is not None and ctx[0] in self.prefixes:
            route = self.prefixes[ctx[0]] + route
        method = scan.ev.const_str(arg_value(args, kwargs, rule.method), ctx) if rule.method is not None else None
        if method is not None:
            resolved = self.method_view(m.fw, view, method, route, ctx)
        else:
            resolved = self.view(m.fw, rule, view, route, ctx)
        self.registrations.append(Registration(path, m.line, m.fw.name, "call", route, _text(view), resolved))

    def method_view(self, fw: FrameworkRules, view: Expr, method: str, route: Optional[str], ctx: Ctx) -> str:
        """A class registered with the name of its method (Pyramid's `attr=`)."""
        resolved = ""
        for value in self.scan.ev.eval(view, ctx):
            if value[0] in ("cls", "inst"):
                for bound in self.scan.ev.class_attr(value[1], value[2], method, True):
                    fn = self.scan.p.function(bound[1], bound[2]) if bound[0] == "meth" else None
                    if fn is not None:
                        resolved = "project"
                        self.candidates.append(Candidate(bound[1], fn, fw.name, route))
        return resolved or self.outside(view, ctx)

    def view(self, fw: FrameworkRules, rule: RegistrationRule, view: Expr, route: Optional[str], ctx: Ctx) -> str:
        """Follow one view expression; "project", "outside" or "" (not followed)."""
        ev = self.scan.ev
        values: list[tuple] = []
        if view[0] == "c":
            func = view[1]
            if func[0] == "a":  # ReportView.as_view(...), Handler.as_asgi()
                values.extend(v for v in ev.eval(func[1], ctx) if v[0] == "cls")
            if not values:  # Resource(storage): an instance of a project class
                values.extend(v for v in ev.eval(view[1], ctx) if v[0] == "cls")
            if not values and view[2] and view[2][0][0] == "c":  # login_required(View.as_view())
                return self.view(fw, rule, view[2][0], route, ctx)
            if not values and view[2]:  # a wrapper such as login_required(view)
                values.extend(v for v in ev.eval(view[2][0], ctx) if v[0] in ("fn", "cls"))
            if not values:
                values.extend(v for v in ev.eval(view, ctx) if v[0] in ("fn", "inst"))
        else:
            values.extend(ev.eval(view, ctx))
        resolved = ""
        for value in values:
            if value[0] in ("fn", "meth"):
                fn = self.scan.p.function(value[1], value[2])
                if fn is not None:
                    resolved = "project"
                    self.candidates.append(Candidate(value[1], fn, fw.name, route))
            elif value[0] in ("cls", "inst"):
                resolved = "project"
                key = (value[1], value[2])
                if key not in self.class_routes or self.class_routes[key].route is None:
                    self.class_routes[key] = ClassRoute(fw.name, route, rule)
        return resolved or self.outside(view, ctx)

    def outside(self, view: Expr, ctx: Ctx) -> str:
        """"outside" for a view from an installed package (`admin.site.urls`, `LoginView.as_view()`,
        `login_required(auth_view)`), else "": the registration was not followed."""
        def ext(expr: Expr, classes: bool = False) -> bool:
            # Classes by their capitalised name: `importlib.import_module(...)` is no view class.
            return any(v[0] == "ext" and (not classes or v[1].rsplit(".", 1)[-1][:1].isupper())
                       for v in self.scan.ev.eval(expr, ctx))

        if view[0] != "c":
            return "outside" if ext(view) else ""
        func, args = view[1], view[2]
        if func[0] == "a" and ext(func[1], classes=True):  # ExtView.as_view()
            return "outside"
        if args and args[0][0] not in ("c", "*"):  # a wrapper: what it wraps decides
            return self.outside(args[0], ctx)
        # ExtResource(): an instance of an installed class; a computed view is not followed.
        return "outside" if not args and ext(view) else ""


def _text(expr: Expr) -> str:
    """A short rendering of a view expression, for the list of unresolved registrations."""
    kind = expr[0]
    if kind == "n":
        return str(expr[1])
    if kind == "a":
        return f"{_text(expr[1])}.{expr[2]}"
    if kind == "c":
        return f"{_text(expr[1])}(...)"
    if kind == "s":
        return f"{_text(expr[1])}[...]"
    if kind == "k":
        return repr(expr[1])
    return "<expression>"
