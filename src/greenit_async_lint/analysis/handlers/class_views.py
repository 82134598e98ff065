"""Class-based views: classes whose methods the framework calls during a request.

A class is a view when it derives from a framework view base (`django.views.View`,
`tornado.web.RequestHandler`), when a registration routed it, or when a settings list names it
(Django's `MIDDLEWARE`). Its matching methods are handlers; the methods of `form_class` & co.
become extra roots of a class-level entry for the view itself.
"""
from __future__ import annotations

from typing import NamedTuple

from ...catalogue.frameworks import ClassAttrRule, ClassViewRule, FrameworkRules
from ...catalogue.patterns import PatternTable
from ..ir import Class, Const, Items
from ..values import ClassRef, MethodRef
from .model import Candidate, Handler, Root, Scan
from .views import ClassRoute
from .method_maps import mapped_views
from .template_methods import TemplateMethods

ViewMethods = list[tuple[str, tuple[str, ...]]]  # (framework, handler method name patterns)


class ViewRules(NamedTuple):
    methods: ViewMethods
    names: list[str]  # outside bases, then project bases by their importable names
    classes: list[tuple[int, str]]  # the project classes, in lookup order


class ClassViews(NamedTuple):
    candidates: list[Candidate]
    entries: list[Handler]  # class-level entries: the view class itself


class _Views:
    """Which classes are views; memoised per run, since every subclass asks about its bases."""

    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self.rules: list[tuple[FrameworkRules, ClassViewRule]] = [
            (fw, r) for fw in scan.frameworks for r in fw.class_views] + mapped_views(scan)
        self._views: dict[tuple[int, str], ViewRules] = {}
        self._base_matches: dict[str, ViewMethods] = {}
        # Every rule's base patterns in one table: most bases (models, forms, a library's classes)
        # are no view base, which one lookup says instead of one per rule.
        self._any_base = PatternTable.any_of(rule.bases for _fw, rule in self.rules)

    def rules_of(self, mi: int, qualname: str) -> ViewRules:
        key = (mi, qualname)
        found = self._views.get(key)
        if found is None:
            classes, external = self.scan.ev.mro(mi, qualname)
            # Project bases count by their importable names too (checking Django itself).
            names = external + [f"{self.scan.p.mods[cmi].name}.{cq}" for cmi, cq in classes[1:]]
            methods: ViewMethods = []
            for name in names:
                matched = self._base_matches.get(name)
                if matched is None:
                    matched = [(fw.name, r.methods) for fw, r in self.rules if r.bases.match(name)] \
                        if self._any_base.match(name) is not None else []
                    self._base_matches[name] = matched
                methods.extend(m for m in matched if m not in methods)
            found = self._views[key] = ViewRules(methods, names, classes)
        return found


def class_views(scan: Scan, class_routes: dict[tuple[int, str], ClassRoute]) -> ClassViews:
    views = _Views(scan)
    chains = TemplateMethods(scan)
    attr_rules = [(fw, r) for fw in scan.frameworks for r in fw.class_attr_calls]
    out = ClassViews([], [])
    for mi, module in scan.modules():
        for cls in module.classes.values():
            key = (mi, cls.qualname)
            registered = class_routes.get(key)
            if not cls.bases and registered is None:
                continue
            methods, external, classes = views.rules_of(mi, cls.qualname)
            entered = registered is not None and bool(registered.rule.class_methods) and not methods
            if registered is not None and entered:  # the registration names the entry methods
                methods = [(registered.framework, registered.rule.class_methods)]
            if not methods:
                continue
            framework = methods[0][0]
            route = registered.route if registered is not None else None
            patterns = tuple(pattern for _fw, names in methods for pattern in names)
            own = False
            # Entered through a method inherited from a project base (`RH.process`): the overrides
            # its chain of self-calls reaches (`_process`) are this class's part of the request.
            hooks = chains.overridden_hooks(mi, cls.qualname, patterns) if entered else []
            for hmi, hook in hooks:
                own = True
                out.candidates.append(Candidate(hmi, hook, framework, route))
            # The class's own methods, and those of project mixins that are not views
            # themselves (a view's mixin hook runs in the view's request).
            for cmi, cq in classes[:1] if hooks else classes:
                if (cmi, cq) != key and views.rules_of(cmi, cq).methods:
                    continue  # a project view base: listed on its own
                for _name, fq in scan.index.methods(cmi, cq, patterns):
                    fn = scan.p.function(cmi, fq)
                    if fn is not None:
                        own = own or (cmi, cq) == key
                        out.candidates.append(Candidate(cmi, fn, framework, route))
            if not entered:
                # View methods inherited from a project view base (`BaseListResource.get` calling
                # `self.get_queries()`): this class's overrides of what they call are its part.
                inherited = tuple(sorted({name for cmi, cq in classes[1:]
                                          for name, _fq in scan.index.methods(cmi, cq, patterns)}))
                for hmi, hook in chains.overridden_hooks(mi, cls.qualname, inherited) if inherited else ():
                    own = own or (hmi, hook.cls) == key
                    out.candidates.append(Candidate(hmi, hook, framework, route))
            roots = _attr_roots(scan, mi, cls, external, attr_rules)
            if roots or (not own and registered is not None):
                out.entries.append(Handler(mi, cls.qualname, module.path, cls.line, framework, route, False, False,
                                           roots))
    return out


def _attr_roots(scan: Scan, mi: int, view: Class, external: list[str],
                attr_rules: list[tuple[FrameworkRules, ClassAttrRule]]) -> list[Root]:
    """The framework runs the methods of `form_class` & co. inside the view's request; the
    findings are reported on the view class, where the attribute names them."""
    roots: list[Root] = []
    path = scan.p.mods[mi].path
    for _fw, rule in attr_rules:
        if not any(rule.bases.match(e) for e in external):
            continue
        for value in scan.ev.class_attr(mi, view.qualname, rule.attr, False):
            if not isinstance(value, ClassRef):
                continue
            for method in rule.instance_calls:
                roots.append(Root(value.module, value.qualname, view.line, f"{value.qualname}.{method}", path,
                                  method=method))
            classes, _ext = scan.ev.mro(value.module, value.qualname)
            for cmi, cq in classes:
                for name, fq in scan.index.methods(cmi, cq, rule.calls):
                    if scan.p.function(cmi, fq) is not None:
                        roots.append(Root(cmi, fq, view.line, f"{cq}.{name}", path))
    return roots


def setting_lists(scan: Scan) -> list[Candidate]:
    """Classes named by dotted path in a settings list (Django's MIDDLEWARE) run in every request."""
    rules = [(fw, name, methods) for fw in scan.frameworks for name, methods in fw.setting_lists]
    out: list[Candidate] = []
    if not rules:
        return out
    for mi, module in enumerate(scan.p.mods):
        for fw, name, methods in rules:
            for listing in module.scope.names.get(name, ()):
                for item in listing.items if isinstance(listing, Items) else ():
                    if not isinstance(item, Const) or not isinstance(item.value, str) or "." not in item.value:
                        continue
                    owner, _, cls_name = item.value.rpartition(".")
                    target = scan.p.find_module(owner, mi)
                    if target is None or cls_name not in scan.p.mods[target].classes:
                        continue
                    cls = scan.p.mods[target].classes[cls_name]
                    for method in methods:
                        for value in scan.ev.class_attr(target, cls.qualname, method, True):
                            if not isinstance(value, MethodRef):
                                continue
                            fn = scan.p.function(value.module, value.qualname)
                            if fn is not None and scan.wanted(value.module):
                                out.append(Candidate(value.module, fn, fw.name, None))
    return out
