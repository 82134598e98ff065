"""Following a registered view into the project: a function, a class, a wrapper around either
(`login_required(view)`), a class's `as_view()`; or a view of an installed package.

Each registration followed is recorded for the inventory with how far it was followed.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from ...catalogue.frameworks import FrameworkRules, RegistrationRule
from ..evaluate import arg_value
from ..ir import Arg, Attr, Call, Const, Expr, Items, Keyword, Name, Star, Subscript
from ..project import BoundExpr, Ctx
from ..values import ClassRef, External, FunctionRef, Instance, MethodRef, Value
from .model import Candidate, Registration, Resolution, Scan


class ClassRoute(NamedTuple):
    framework: str
    route: Optional[str]
    rule: RegistrationRule


class Matched(NamedTuple):
    fw: FrameworkRules
    rule: RegistrationRule
    args: tuple[Arg, ...]
    kwargs: tuple[Keyword, ...]
    ctx: Ctx
    line: int


def is_include(scan: Scan, rule: RegistrationRule, view: Optional[Expr], ctx: Ctx) -> bool:
    """`path("api/", include("x.urls"))`: routes of another module, not a view."""
    return (isinstance(view, Call) and bool(view.args) and rule.includes is not None
            and any(rule.includes.match(n) for n in scan.names(view.func, ctx)))


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
        path = scan.p.mods[ctx.module].path
        if rule.route_list is not None:
            listing = arg_value(args, kwargs, rule.route_list)
            if not isinstance(listing, Items):
                return
            for item in listing.items:
                if isinstance(item, Items) and len(item.items) >= 2:
                    route = scan.ev.const_str(item.items[0], ctx)
                    resolved = self.view(m.fw, rule, item.items[1], route, ctx)
                    self.registrations.append(Registration(path, m.line, m.fw.name, "list", route,
                                                           _text(item.items[1]), resolved))
            return
        view = arg_value(args, kwargs, rule.view) if rule.view is not None else None
        if view is None or is_include(scan, rule, view, ctx):
            return  # no view to follow here (an endpoint named for later, another module's routes)
        route = scan.ev.const_str(arg_value(args, kwargs, rule.route), ctx) if rule.route is not None else None
        if route is not None and ctx.module in self.prefixes:
            route = self.prefixes[ctx.module] + route
        method = scan.ev.const_str(arg_value(args, kwargs, rule.method), ctx) if rule.method is not None else None
        if method is not None:
            resolved = self.method_view(m.fw, view, method, route, ctx)
        else:
            resolved = self.view(m.fw, rule, view, route, ctx)
        self.registrations.append(Registration(path, m.line, m.fw.name, "call", route, _text(view), resolved))

    def method_view(self, fw: FrameworkRules, view: Expr, method: str, route: Optional[str], ctx: Ctx) -> Resolution:
        """A class registered with the name of its method (Pyramid's `attr=`)."""
        resolved: Resolution = ""
        for value in self.scan.ev.eval(view, ctx):
            if isinstance(value, (ClassRef, Instance)):
                for bound in self.scan.ev.class_attr(value.module, value.qualname, method, True):
                    fn = self.scan.p.function(bound.module, bound.qualname) if isinstance(bound, MethodRef) else None
                    if isinstance(bound, MethodRef) and fn is not None:
                        resolved = "project"
                        self.candidates.append(Candidate(bound.module, fn, fw.name, route))
        return resolved or self.outside(view, ctx)

    def view(self, fw: FrameworkRules, rule: RegistrationRule, view: Expr, route: Optional[str],
             ctx: Ctx) -> Resolution:
        """Follow one view expression; "project", "outside" or "" (not followed)."""
        ev = self.scan.ev
        values: list[Value] = []
        if isinstance(view, Call):
            func, args = view.func, view.args
            if isinstance(func, Attr):  # ReportView.as_view(...), Handler.as_asgi()
                values.extend(v for v in ev.eval(func.base, ctx) if isinstance(v, ClassRef))
            if not values:  # Resource(storage): an instance of a project class
                values.extend(v for v in ev.eval(func, ctx) if isinstance(v, ClassRef))
            first = args[0] if args and not isinstance(args[0], Star) else None
            if not values and isinstance(first, Call):  # login_required(View.as_view())
                return self.view(fw, rule, first, route, ctx)
            if not values and first is not None:  # a wrapper such as login_required(view)
                values.extend(v for v in ev.eval(first, ctx) if isinstance(v, (FunctionRef, ClassRef)))
            if not values:
                values.extend(v for v in ev.eval(view, ctx) if isinstance(v, (FunctionRef, Instance)))
        else:
            values.extend(ev.eval(view, ctx))
        resolved: Resolution = ""
        for value in values:
            if isinstance(value, (FunctionRef, MethodRef)):
                fn = self.scan.p.function(value.module, value.qualname)
                if fn is not None:
                    resolved = "project"
                    self.candidates.append(Candidate(value.module, fn, fw.name, route))
            elif isinstance(value, (ClassRef, Instance)):
                resolved = "project"
                key = (value.module, value.qualname)
                if key not in self.class_routes or self.class_routes[key].route is None:
                    self.class_routes[key] = ClassRoute(fw.name, route, rule)
        if not resolved and isinstance(view, Name):
            # `detail = ReportView.as_view()` then `path("r/", detail)`: the call it was bound to.
            for bound in self.scan.p.bindings(view.id, ctx):
                if isinstance(bound, BoundExpr) and isinstance(bound.binding, Call):
                    resolved = self.view(fw, rule, bound.binding, route, bound.ctx) or resolved
            if resolved:
                return resolved
        return resolved or self.outside(view, ctx)

    def outside(self, view: Expr, ctx: Ctx) -> Resolution:
        """"outside" for a view from an installed package (`admin.site.urls`, `LoginView.as_view()`,
        `login_required(auth_view)`), else "": the registration was not followed."""
        def ext(expr: Expr, classes: bool = False) -> bool:
            # Classes by their capitalised name: `importlib.import_module(...)` is no view class.
            return any(isinstance(v, External) and (not classes or v.name.rsplit(".", 1)[-1][:1].isupper())
                       for v in self.scan.ev.eval(expr, ctx))

        if not isinstance(view, Call):
            return "outside" if ext(view) else ""
        func, args = view.func, view.args
        if isinstance(func, Attr) and ext(func.base, classes=True):  # ExtView.as_view()
            return "outside"
        first = args[0] if args else None
        if first is not None and not isinstance(first, (Call, Star)):  # a wrapper: what it wraps decides
            return self.outside(first, ctx)
        # ExtResource(): an instance of an installed class; a computed view is not followed.
        return "outside" if not args and ext(view) else ""


def _text(expr: Expr) -> str:
    """A short rendering of a view expression, for the list of unresolved registrations."""
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return f"{_text(expr.base)}.{expr.attr}"
    if isinstance(expr, Call):
        return f"{_text(expr.func)}(...)"
    if isinstance(expr, Subscript):
        return f"{_text(expr.base)}[...]"
    if isinstance(expr, Const):
        return repr(expr.value)
    return "<expression>"
