"""Find the request handlers of a project, with the framework rules from the catalogue.

A handler is a function or method that runs while a user waits for the response: a decorated
route function, a registered view, a class-based view's HTTP-method methods and the hooks the
framework calls during the request. Each also carries extra roots: work the framework runs in
the same request before or around it (FastAPI dependencies, a view's `form_class` validators).
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Iterable, Optional

from ..catalogue import Catalogue
from .evaluate import Evaluator, arg_value
from ..catalogue.frameworks import FrameworkRules, RegistrationRule
from .ir import Class, Expr, Function
from ..catalogue.patterns import tails
from .project import Ctx, Project


@dataclass
class Root:
    """Work the framework runs for this handler beyond its own body: (module, qualname) at a hop."""

    mi: int
    qualname: str
    line: int
    call: str
    path: str
    in_thread: bool = False  # a plain `def` dependency that the framework runs in a worker thread
    method: str = ""  # set: the framework calls this method on an instance of class `qualname`


@dataclass
class Handler:
    mi: int
    qualname: str
    path: str
    line: int
    framework: str
    route: Optional[str]
    is_async: bool
    function: bool = True  # False for a class-level entry (the framework's own methods run)
    roots: list[Root] = field(default_factory=list)
    on_loop: Optional[bool] = None  # runs on an event loop; None: when it is `async def`

    def __post_init__(self) -> None:
        if self.on_loop is None:
            self.on_loop = self.is_async


def _union_tails(patterns: Iterable[str]) -> Optional[set[str]]:
    return tails(patterns)


def _module_function_tails(patterns: Iterable[str]) -> set[str]:
    """Call tails that, among the registration patterns, only module-level functions have
    (`aiohttp.web.get`, `django.urls.path`); method tails (`router.register`) are not in it."""
    functions: set[str] = set()
    methods: set[str] = set()
    for pattern in patterns:
        parts = pattern.split(".")
        module_level = len(parts) >= 2 and all(p[:1].islower() for p in parts[:-1]) and "*" not in pattern
        (functions if module_level else methods).add(parts[-1])
    return functions - methods


class HandlerFinder:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.frameworks = catalogue.frameworks
        self.only: Optional[set[int]] = None
        self.on_loop_frameworks = {fw.name: fw.sync_handlers_on_loop for fw in catalogue.frameworks}
        self.found: dict[tuple[int, str], Handler] = {}
        self.prefixes: dict[int, str] = {}
        self.route_dependencies: dict[tuple[int, str], list] = {}
        self.included_dependencies: dict[tuple, list] = {}
        self.class_routes: dict[tuple[int, str], tuple[str, Optional[str], Optional[RegistrationRule]]] = {}

    def find(self, only: Optional[set[str]] = None) -> list[Handler]:
        """Every handler; with `only` (display paths), those defined in these files — decorated
        functions and class views are looked for there only, registrations everywhere (a urls.py
        elsewhere may route a view of these files)."""
        self.only = None if only is None else {mi for mi, m in enumerate(self.p.mods) if m.path in only}
        self._router_includes()
        self._decorated()
        self._setting_lists()
        self._registered()
        self._class_views()
        for handler in self.found.values():
            if handler.function:
                fn = self.p.function(handler.mi, handler.qualname)
                if fn is not None:
                    handler.roots.extend(self.dependency_roots(handler.mi, fn, depth=0))
                    for expr, ctx in self.route_dependencies.get((handler.mi, handler.qualname), []):
                        handler.roots.extend(self.marker_roots(expr, ctx, None, fn.line, handler.path, 0))
        return sorted(self.found.values(), key=lambda h: (h.path, h.line, h.qualname))

    def _add(self, mi: int, fn: Function, framework: str, route: Optional[str]) -> None:
        key = (mi, fn.qualname)
        if key in self.found:
            if self.found[key].route is None and route is not None:
                self.found[key].route = route
            return
        on_loop = fn.is_async or self.on_loop_frameworks.get(framework, False)
        self.found[key] = Handler(mi, fn.qualname, self.p.mods[mi].path, fn.line, framework, route, fn.is_async,
                                  on_loop=on_loop)

    def _names(self, expr: Expr, ctx: Ctx) -> list[str]:
        return [name for v in self.ev.eval(expr, ctx) if (name := self.ev.dotted_name(v)) is not None]

    # -- decorators ---------------------------------------------------------------------------

    def _modules(self):
        return ((mi, m) for mi, m in enumerate(self.p.mods) if self.only is None or mi in self.only)

    def _decorated(self) -> None:
        rules = [(fw, r) for fw in self.frameworks for r in fw.decorators]
        wanted = _union_tails(p for _fw, r in rules for p in r.calls.patterns())
        for mi, module in self._modules():
            if wanted is not None and not module.tails & wanted:
                continue
            for fn in module.functions.values():
                if not fn.decorators or (wanted is not None and not set(fn.decorator_tails) & wanted):
                    continue
                ctx = self.p.defining_ctx(mi, fn)
                for fw, route, deps in self._decorator_matches(fn.decorators, ctx, rules):
                    self._add(mi, fn, fw.name, route)
                    if deps:
                        self.route_dependencies.setdefault((mi, fn.qualname), []).extend(deps)
            for cls in module.classes.values():
                # A decorated callable class (Pyramid's @view_config): its __call__ is the handler.
                if not cls.decorators:
                    continue
                for fw, route, _deps in self._decorator_matches(cls.decorators, self.p.class_ctx(mi, cls), rules):
                    for value in self.ev.class_attr(mi, cls.qualname, "__call__", True):
                        fn = self.p.function(value[1], value[2]) if value[0] == "meth" else None
                        if fn is not None:
                            self._add(value[1], fn, fw.name, route)

    def _router_includes(self) -> None:
        """Dependencies given when a router is included apply to every route declared on it."""
        rules = [rule for fw in self.frameworks for rule in fw.router_includes]
        wanted = {p.rsplit(".", 1)[-1] for table, _r, _d in rules for p in table.patterns()}
        for mi, module in enumerate(self.p.mods):
            if not module.tails & wanted:
                continue
            scopes = [(module.scope, (mi, None))] + [(f.scope, (mi, f.qualname)) for f in module.functions.values()]
            for scope, ctx in scopes:
                for cs in scope.calls:
                    if cs.tail not in wanted:
                        continue
                    for table, router_spec, deps_spec in rules:
                        if not any(table.match(n) for n in self._names(cs.func, ctx)):
                            continue
                        router, deps = arg_value(cs.args, cs.kwargs, router_spec), arg_value(cs.args, cs.kwargs, deps_spec)
                        key = self.ev.registries.global_key(router, ctx) if router is not None else None
                        if key is not None and deps is not None and deps[0] == "t":
                            self.included_dependencies.setdefault(key, []).extend((item, ctx) for item in deps[1])

    def _setting_lists(self) -> None:
        """Classes named by dotted path in a settings list (Django's MIDDLEWARE) run in every request."""
        rules = [(fw, name, methods) for fw in self.frameworks for name, methods in fw.setting_lists]
        if not rules:
            return
        for mi, module in enumerate(self.p.mods):
            for fw, name, methods in rules:
                for listing in module.scope.names.get(name, ()):
                    for item in listing[1] if listing[0] == "t" else ():
                        if item[0] != "k" or not isinstance(item[1], str) or "." not in item[1]:
                            continue
                        owner, _, cls_name = item[1].rpartition(".")
                        target = self.p.find_module(owner, mi)
                        if target is None or cls_name not in self.p.mods[target].classes:
                            continue
                        cls = self.p.mods[target].classes[cls_name]
                        for method in methods:
                            for value in self.ev.class_attr(target, cls.qualname, method, True):
                                fn = self.p.function(value[1], value[2]) if value[0] == "meth" else None
                                if fn is not None and (self.only is None or value[1] in self.only):
                                    self._add(value[1], fn, fw.name, None)

    def _decorator_matches(self, decorators: list, ctx: Ctx, rules: list) -> list[tuple[FrameworkRules, Optional[str], list]]:
        """(framework, route, dependency expressions with their contexts) per matching decorator."""
        out = []
        for dec in decorators:
            target = dec[1] if dec[0] == "c" else dec
            for name in self._names(target, ctx):
                for fw, rule in rules:
                    if rule.calls.match(name):
                        route = None
                        if rule.route is not None and dec[0] == "c":
                            route = self.ev.const_str(arg_value(dec[2], dec[3], rule.route), ctx)
                        out.append((fw, route, self._route_dependencies(rule, dec, ctx)))
        return out

    def _route_dependencies(self, rule, dec: Expr, ctx: Ctx) -> list[tuple[Expr, Ctx]]:
        """`@router.get("/", dependencies=[Depends(check)])`, and the router's own
        `APIRouter(dependencies=[...])`: providers that run before every such route."""
        if rule.dependencies is None or dec[0] != "c":
            return []
        found = [(arg_value(dec[2], dec[3], rule.dependencies), ctx)]
        included: list[tuple[Expr, Ctx]] = []
        if dec[1][0] == "a":
            key = self.ev.registries.global_key(dec[1][1], ctx)
            included = self.included_dependencies.get(key, []) if key is not None else []
        if dec[1][0] == "a" and dec[1][1][0] == "n":
            for kind, detail, bctx in self.p.bindings(dec[1][1][1], ctx):
                if kind == "expr" and detail[0] == "from":
                    rkind, where = self.p.resolve_import(detail[1], detail[2], bctx[0])
                    if rkind == "global":
                        bindings = self.p.bindings(where[1], (where[0], None))
                        detail, bctx = (bindings[0][1], bindings[0][2]) if bindings else (detail, bctx)
                if kind == "expr" and detail[0] == "c":
                    found.append((arg_value(detail[2], detail[3], rule.dependencies), bctx))
        return [(item, c) for listing, c in found if listing is not None and listing[0] == "t"
                for item in listing[1]] + included

    # -- registrations ------------------------------------------------------------------------

    def _registered(self) -> None:
        rules = [(fw, r) for fw in self.frameworks for r in fw.registrations]
        wanted = _union_tails(p for _fw, r in rules for p in r.calls.patterns())
        found: list[tuple[FrameworkRules, RegistrationRule, tuple, tuple, Ctx]] = []
        module_functions = _module_function_tails(p for _fw, r in rules for p in r.calls.patterns())
        for mi, module in enumerate(self.p.mods):
            if wanted is not None and not module.tails & wanted:
                continue
            scopes = [(module.scope, (mi, None))] + [(f.scope, (mi, f.qualname)) for f in module.functions.values()]
            for scope, ctx in scopes:
                for cs in scope.calls:
                    if wanted is not None and cs.tail not in wanted:
                        continue
                    if cs.tail in module_functions and not self._imported_callee(cs.func, ctx):
                        continue  # `d.get(k)` is not aiohttp's `web.get(...)`: only imported names can be
                    for name in self._names(cs.func, ctx):
                        for fw, rule in rules:
                            if rule.calls.match(name):
                                found.append((fw, rule, cs.args, cs.kwargs, ctx))
        self.prefixes = self._include_prefixes(found)
        for fw, rule, args, kwargs, ctx in found:
            self._registration(fw, rule, args, kwargs, ctx)

    def _include_prefixes(self, found: list) -> dict[int, str]:
        """Route prefixes of modules included from another's routes (`path("api/", include("x.urls"))`)."""
        edges: list[tuple[int, int, str]] = []
        for _fw, rule, args, kwargs, ctx in found:
            view = arg_value(args, kwargs, rule.view) if rule.view is not None else None
            if view is None or view[0] != "c" or not view[2] or rule.includes is None:
                continue
            if not any(rule.includes.match(n) for n in self._names(view[1], ctx)):
                continue
            route = self.ev.const_str(arg_value(args, kwargs, rule.route), ctx) if rule.route else None
            name = self.ev.const_str(view[2][0], ctx)
            target = self.p.find_module(name, ctx[0]) if name else next(
                (v[1] for v in self.ev.eval(view[2][0], ctx) if v[0] == "mod"), None)
            if target is not None and route is not None:
                edges.append((ctx[0], target, route))
        prefixes: dict[int, str] = {}
        for _round in range(6):  # nested includes, a few levels deep
            changed = False
            for source, target, route in edges:
                full = prefixes.get(source, "") + route
                if prefixes.get(target) != full:
                    prefixes[target] = full
                    changed = True
            if not changed:
                break
        return prefixes

    def _imported_callee(self, func: Expr, ctx: Ctx) -> bool:
        """Is the callee an imported name, or an attribute of one (`path`, `web.get`)?"""
        name = func[1] if func[0] == "n" else func[1][1] if func[0] == "a" and func[1][0] == "n" else None
        if name is None:
            return False
        return any(kind == "expr" and detail[0] in ("imp", "from") for kind, detail, _c in self.p.bindings(name, ctx))

    def _registration(self, fw: FrameworkRules, rule: RegistrationRule, args: tuple, kwargs: tuple, ctx: Ctx) -> None:
        if rule.route_list is not None:
            listing = arg_value(args, kwargs, rule.route_list)
            if listing is None or listing[0] != "t":
                return
            for item in listing[1]:
                if item[0] == "t" and len(item[1]) >= 2:
                    self._view(fw, rule, item[1][1], self.ev.const_str(item[1][0], ctx), ctx)
            return
        view = arg_value(args, kwargs, rule.view) if rule.view is not None else None
        route = self.ev.const_str(arg_value(args, kwargs, rule.route), ctx) if rule.route is not None else None
        if route is not None and ctx[0] in self.prefixes:
            route = self.prefixes[ctx[0]] + route
        method = self.ev.const_str(arg_value(args, kwargs, rule.method), ctx) if rule.method is not None else None
        if view is not None and method is not None:
            for value in self.ev.eval(view, ctx):
                if value[0] in ("cls", "inst"):
                    for bound in self.ev.class_attr(value[1], value[2], method, True):
                        fn = self.p.function(bound[1], bound[2]) if bound[0] == "meth" else None
                        if fn is not None:
                            self._add(bound[1], fn, fw.name, route)
        elif view is not None:
            self._view(fw, rule, view, route, ctx)

    def _view(self, fw: FrameworkRules, rule: RegistrationRule, view: Expr, route: Optional[str], ctx: Ctx) -> None:
        values: list[tuple] = []
        if view[0] == "c":
            func = view[1]
            if func[0] == "a":  # ReportView.as_view(...), Handler.as_asgi()
                values.extend(v for v in self.ev.eval(func[1], ctx) if v[0] == "cls")
            if not values:  # Resource(storage): an instance of a project class
                values.extend(v for v in self.ev.eval(view[1], ctx) if v[0] == "cls")
            if not values and view[2] and view[2][0][0] == "c":  # login_required(View.as_view())
                self._view(fw, rule, view[2][0], route, ctx)
                return
            if not values and view[2]:  # a wrapper such as login_required(view)
                values.extend(v for v in self.ev.eval(view[2][0], ctx) if v[0] in ("fn", "cls"))
            if not values:
                values.extend(v for v in self.ev.eval(view, ctx) if v[0] in ("fn", "inst"))
        else:
            values.extend(self.ev.eval(view, ctx))
        for value in values:
            if value[0] in ("fn", "meth"):
                fn = self.p.function(value[1], value[2])
                if fn is not None:
                    self._add(value[1], fn, fw.name, route)
            elif value[0] in ("cls", "inst"):
                key = (value[1], value[2])
                if key not in self.class_routes or self.class_routes[key][1] is None:
                    self.class_routes[key] = (fw.name, route, rule)

    # -- class-based views --------------------------------------------------------------------

    def _view_rules(self, mi: int, qualname: str) -> tuple[list[tuple[str, tuple[str, ...]]], list[str], list]:
        """The (framework, handler method names) a class is a view for, its outside base names,
        and its project classes in lookup order."""
        key = (mi, qualname)
        found = self._views.get(key)
        if found is None:
            classes, external = self.ev.mro(mi, qualname)
            # Project bases count by their importable names too (checking Django itself).
            names = external + [f"{self.p.mods[cmi].name}.{cq}" for cmi, cq in classes[1:]]
            methods: list[tuple[str, tuple[str, ...]]] = []
            for name in names:
                matched = self._base_matches.get(name)
                if matched is None:
                    matched = [(fw.name, r.methods) for fw, r in self._cv_rules if r.bases.match(name)]
                    self._base_matches[name] = matched
                methods.extend(m for m in matched if m not in methods)
            found = self._views[key] = (methods, names, classes)
        return found

    def _class_views(self) -> None:
        self._cv_rules = [(fw, r) for fw in self.frameworks for r in fw.class_views]
        self._views: dict = {}
        self._base_matches: dict[str, list] = {}
        attr_rules = [(fw, r) for fw in self.frameworks for r in fw.class_attr_calls]
        for mi, module in self._modules():
            for cls in module.classes.values():
                key = (mi, cls.qualname)
                registered = self.class_routes.get(key)
                if not cls.bases and registered is None:
                    continue
                methods, external, classes = self._view_rules(mi, cls.qualname)
                if registered is not None and registered[2] is not None and registered[2].class_methods and not methods:
                    methods = [(registered[0], registered[2].class_methods)]
                if not methods:
                    continue
                framework = methods[0][0]
                route = registered[1] if registered is not None else None
                patterns = [pattern for _fw, names in methods for pattern in names]
                own = False
                # The class's own methods, and those of project mixins that are not views
                # themselves (a view's mixin hook runs in the view's request).
                for cmi, cq in classes:
                    if (cmi, cq) != key and self._view_rules(cmi, cq)[0]:
                        continue  # a project view base: listed on its own
                    owner = self.p.klass(cmi, cq)
                    for name, fq in (owner.methods.items() if owner else ()):
                        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                            fn = self.p.function(cmi, fq)
                            if fn is not None:
                                own = own or (cmi, cq) == key
                                self._add(cmi, fn, framework, route)
                roots = self._attr_roots(mi, cls, external, attr_rules)
                if roots or (not own and registered is not None):
                    handler = Handler(mi, cls.qualname, module.path, cls.line, framework, route, False, False, roots)
                    self.found.setdefault(key, handler)

    def _attr_roots(self, mi: int, view: Class, external: list[str], attr_rules: list) -> list[Root]:
        """The framework runs the methods of `form_class` & co. inside the view's request; the
        findings are reported on the view class, where the attribute names them."""
        qualname = view.qualname
        roots: list[Root] = []
        for _fw, rule in attr_rules:
            if not any(rule.bases.match(e) for e in external):
                continue
            for value in self.ev.class_attr(mi, qualname, rule.attr, False):
                if value[0] != "cls":
                    continue
                for method in rule.instance_calls:
                    roots.append(Root(value[1], value[2], view.line, f"{value[2]}.{method}", self.p.mods[mi].path,
                                      method=method))
                classes, _ext = self.ev.mro(value[1], value[2])
                for cmi, cq in classes:
                    target = self.p.klass(cmi, cq)
                    for name, fq in (target.methods.items() if target else ()):
                        if any(fnmatch.fnmatchcase(name, pattern) for pattern in rule.calls):
                            fn = self.p.function(cmi, fq)
                            if fn is not None:
                                roots.append(Root(cmi, fq, view.line, f"{cq}.{name}", self.p.mods[mi].path))
        return roots

    # -- dependencies -------------------------------------------------------------------------

    def dependency_roots(self, mi: int, fn: Function, depth: int) -> list[Root]:
        """Providers named in `Depends(...)` run before the handler, in the same request."""
        if depth > 3:
            return []
        ctx = self.p.defining_ctx(mi, fn)
        roots: list[Root] = []
        for param in fn.params:
            candidates = [(param.default, ctx)] if param.default is not None else []
            if param.annotation is not None:
                candidates.extend(self.ev.annotation_parts(param.annotation, ctx))
            for expr, ectx in candidates:
                roots.extend(self.marker_roots(expr, ectx, (param.annotation, ctx), param.line,
                                               self.p.mods[mi].path, depth))
        return roots

    def marker_roots(self, expr: Expr, ctx: Ctx, annotation: Optional[tuple], line: int, path: str,
                     depth: int) -> list[Root]:
        """Roots for one dependency marker (`Depends(get_db)`); a bare `Depends()` uses the
        parameter's annotation."""
        marker = self.ev.dependency_marker(expr, ctx)
        if marker is None:
            return []
        provider, pctx = (marker[0], ctx) if marker[0] is not None else (annotation or (None, ctx))
        roots: list[Root] = []
        for target in self.ev.eval(provider, pctx) if provider is not None else ():
            if target[0] == "cls":
                init = self.ev.class_attr(target[1], target[2], "__init__", True)
                target = init[0] if init and init[0][0] == "meth" else None
            if target is None or target[0] not in ("fn", "meth"):
                continue
            pfn = self.p.function(target[1], target[2])
            if pfn is None:
                continue
            roots.append(Root(target[1], target[2], line, pfn.qualname, path, marker[1] and not pfn.is_async))
            roots.extend(self.dependency_roots(target[1], pfn, depth + 1))
        return roots
