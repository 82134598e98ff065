"""Service locators and request extensions: values the project registers at start-up and looks up
in the request, declared per framework (`service_locators`, `request_extensions`).

`request.find_service(IBreachCheck)` has no value of its own: the service is what the factory
registered for that interface builds (`config.register_service_factory(Checker.create_service,
IBreachCheck)`, a classmethod returning `cls(session=request.http)`), or the instance registered.
Every registration matching the interface and name is a candidate. A factory chosen by a setting
(`config.maybe_dotted(settings["checker.backend"]).create_service`) cannot be followed: the classes
declared as implementing the interface (`@implementer(IBreachCheck)`) stand in for it, each through
the factory method it names when it has one. `request.http` is what the callable added under that
name returns (`add_request_method(make_session, name="http", reify=True)`), or the callable itself
when it is added as a method.

The receiver is a request when it is typed as one of the framework's request types, or, for the
framework's own method names, when it has no value at all (a handler's `request` parameter is not
annotated). Registrations are read once, on the first lookup, with lookups switched off meanwhile.
Imports by name (`import_string(settings.BACKEND)`) are looked up here too, by dotted.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Optional

from ..catalogue import Catalogue
from ..catalogue.locators import RequestExtensionRule, ServiceLocatorRule
from ..catalogue.patterns import PatternTable, tails
from ..catalogue.schema import ArgSpec
from .dotted import DottedImports
from .ir import Arg, Attr, Call, CallSite, Const, Expr, Keyword, Name
from .parameters import arg_value
from .project import Ctx, Project
from .sections import chosen_by, read_by
from .values import Callee, ClassKey, ClassRef, External, FunctionRef, Instance, MethodRef, Value, dedupe

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator


class Service(NamedTuple):
    """One registration of a service: its interfaces' values, its name ("" by default, None when
    it is not a constant), the factory or instance expression, and where it is read."""

    interfaces: tuple[Value, ...]
    name: Optional[str]
    value: Expr
    is_factory: bool
    ctx: Ctx


class Extension(NamedTuple):
    """An attribute added to every request: the callable, where it is read, whether the attribute
    is the callable's result (a property) rather than a method."""

    callable: Expr
    ctx: Ctx
    is_property: bool
    rule: RequestExtensionRule


def _called(args: tuple[Arg, ...], kwargs: tuple[Keyword, ...], spec: Optional[ArgSpec]) -> Optional[Expr]:
    return arg_value(args, kwargs, spec) if spec is not None else None


class Locators:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        frameworks = catalogue.frameworks
        self.dotted = DottedImports(project, evaluator, catalogue.imports)  # import_module("a.b"): a.b
        self.rules = [r for fw in frameworks for r in fw.service_locators]
        self.extension_rules = [r for fw in frameworks for r in fw.request_extensions]
        self.lookup_names = {t for r in self.rules for t in tails(r.lookups.patterns()) or ()}
        self._services: dict[int, list[Service]] = {}
        self._extensions: Optional[dict[str, list[Extension]]] = None
        self._implementers: dict[int, dict[Value, list[ClassKey]]] = {}  # by rule, classes by interface
        self._building = False

    # -- the evaluator's hooks -----------------------------------------------------------------

    def lookup(self, expr: Call, ctx: Ctx) -> Optional[list[Value]]:
        """What a service lookup (or an import by name) gives back, or None when the call is none."""
        imported = self.dotted.call(expr, ctx)
        if imported is not None:
            return imported
        func = expr.func
        if self._building or not isinstance(func, Attr) or func.attr not in self.lookup_names:
            return None
        targets = self.ev.eval(func, ctx)
        for i, rule in enumerate(self.rules):
            if self._is_call(rule.lookups, rule.untyped_receiver, func, targets):
                return list(dedupe(self._lookup(i, rule, expr, ctx)[0]))
        return None

    def factories(self, cs: CallSite, ctx: Ctx) -> list[Callee]:
        """The project factories a service lookup runs (`create_service(context, request)`): what
        they do (a token fetched, a bucket opened) is done in the request that looks it up."""
        func = cs.func
        if self._building or not isinstance(func, Attr) or func.attr not in self.lookup_names:
            return []
        targets = self.ev.eval(func, ctx)
        for i, rule in enumerate(self.rules):
            if self._is_call(rule.lookups, rule.untyped_receiver, func, targets):
                return list(dedupe(self._lookup(i, rule, Call("c", func, cs.args, cs.kwargs), ctx)[1]))
        return []

    def extension(self, expr: Attr, bases: tuple[Value, ...]) -> Optional[list[Value]]:
        """What `request.<name>` is when `name` was added to the request, or None."""
        if self._building or not self.extension_rules:
            return None
        added = self._extension_index().get(expr.attr)
        if not added:
            return None
        out: list[Value] = []
        for ext in added:
            untyped = not bases and ext.rule.untyped_receiver and isinstance(expr.base, (Name, Attr))
            if not untyped and not any(isinstance(b, External) and ext.rule.request_types.match(b.name) for b in bases):
                continue
            for value in self.ev.eval(ext.callable, ext.ctx):
                out.extend(self.called(value) if ext.is_property else [value])
        return list(dedupe(out)) or None

    # -- lookups -------------------------------------------------------------------------------

    def _is_call(self, table: PatternTable[bool], untyped: bool, func: Attr, targets: tuple[Value, ...]) -> bool:
        if any(isinstance(t, External) and table.match(t.name) for t in targets):
            return True
        return untyped and not targets and isinstance(func.base, (Name, Attr)) \
            and func.attr in (tails(table.patterns()) or ())

    def _lookup(self, i: int, rule: ServiceLocatorRule, expr: Call, ctx: Ctx) -> tuple[list[Value], list[Callee]]:
        """The services a lookup gives, and the project factories it runs to build them."""
        iface = _called(expr.args, expr.kwargs, rule.interface)
        wanted = self.ev.eval(iface, ctx) if iface is not None else ()
        name = self._name(_called(expr.args, expr.kwargs, rule.name), ctx)
        if not wanted and not name:
            return [], []  # an interface that cannot be read: any service could be meant
        found: list[Value] = []
        runs: list[Callee] = []
        matched = False
        for service in self._services_of(i, rule):
            if wanted and not set(wanted) & set(service.interfaces):
                continue
            if not wanted and service.name != name:
                continue
            if name is not None and service.name is not None and service.name != name:
                continue
            matched = True
            built, run = self._built(service)
            if isinstance(service.value, Attr) and not any(_in_project(v) for v in built):
                # A factory chosen by a setting (`config.maybe_dotted(...).create_service` is an
                # outside name or nothing): the declared implementations stand in for it.
                alternative, alternative_run = self._implementing(rule, wanted, service.value.attr,
                                                                  chosen_by(self.p, service.value, service.ctx))
                if alternative:
                    built, run = alternative, alternative_run
            found.extend(built)
            runs.extend(run)
        if not matched:  # registered outside the project, or not at all: the declared implementations
            found.extend(self._implementing(rule, wanted, None)[0])
        return found, runs

    def _name(self, expr: Optional[Expr], ctx: Ctx) -> Optional[str]:
        """A service name: "" when not passed, None when not a constant."""
        return "" if expr is None else self.p.const_str(expr, ctx)

    def _services_of(self, i: int, rule: ServiceLocatorRule) -> list[Service]:
        found = self._services.get(i)
        if found is not None:
            return found
        out: list[Service] = []
        self._building = True
        try:
            for reg in rule.registrations:
                for call in self.ev.index.calls(tails(reg.calls.patterns())):
                    cs, ctx = call.site, call.ctx
                    if not isinstance(cs.func, Attr) \
                            or not self._is_call(reg.calls, rule.untyped_receiver, cs.func, self.ev.eval(cs.func, ctx)):
                        continue
                    value = _called(cs.args, cs.kwargs, reg.value)
                    if value is None:
                        continue
                    iface = _called(cs.args, cs.kwargs, reg.interface)
                    interfaces = self.ev.eval(iface, ctx) if iface is not None else ()
                    name = self._name(_called(cs.args, cs.kwargs, reg.name), ctx)
                    out.append(Service(interfaces, name, value, reg.is_factory, ctx))
        finally:
            self._building = False
        self._services[i] = out
        return out

    def _built(self, service: Service) -> tuple[list[Value], list[Callee]]:
        values = self.ev.eval(service.value, service.ctx)
        if not service.is_factory:
            return list(values), []
        return ([v for value in values for v in self.called(value)],
                [v for v in values if isinstance(v, (FunctionRef, MethodRef))])

    def called(self, value: Value) -> list[Value]:
        """What calling a value gives: a function's returns, a class's instance, what an instance's
        `__call__` returns."""
        if isinstance(value, Instance):
            return [v for m in self.ev.classes.attr(value.module, value.qualname, "__call__", True)
                    if isinstance(m, (FunctionRef, MethodRef)) for v in self.ev.returns(m)]
        return list(self.ev.returns(value))

    def _implementing(self, rule: ServiceLocatorRule, interfaces: tuple[Value, ...], factory: Optional[str],
                      chosen: frozenset[str] = frozenset()) -> tuple[list[Value], list[Callee]]:
        """Instances of the classes declared as implementing the interfaces, built through their
        `factory` method when they have one (and those methods); with the sections of the setting
        that chose the backend, those whose factory reads one of them, if any does (sections.py)."""
        index = self._implementer_index(id(rule), rule.implementers)
        each: list[tuple[list[Value], list[Callee]]] = []
        for iface in interfaces:
            for mi, qualname in index.get(iface, ()):
                methods: list[Callee] = []
                if factory is not None:
                    methods = [m for m in self.ev.classes.attr(mi, qualname, factory, False)
                               if isinstance(m, (FunctionRef, MethodRef))]
                built = [v for m in methods for v in self.called(m)]
                each.append((built or [Instance("inst", mi, qualname)], methods))
        if chosen:
            reading = [(b, m) for b, m in each if any(chosen & _reads(self.p, f) for f in m)]
            each = reading or each
        return [v for b, _ in each for v in b], [f for _, m in each for f in m]

    def _implementer_index(self, key: int, table: PatternTable[bool]) -> dict[Value, list[ClassKey]]:
        found = self._implementers.get(key)
        if found is None:
            found = self._implementers[key] = {}
            for mi, cls in self.ev.index.decorated_classes() if table.patterns() else ():
                ctx = self.p.class_ctx(mi, cls)
                for dec in cls.decorators:
                    if not isinstance(dec, Call):
                        continue
                    if not any(isinstance(t, External) and table.match(t.name) for t in self.ev.eval(dec.func, ctx)):
                        continue
                    for arg in dec.args:
                        for iface in self.ev.eval_arg(arg, ctx):
                            if isinstance(iface, (ClassRef, External)):
                                found.setdefault(iface, []).append((mi, cls.qualname))
        return found

    # -- request extensions --------------------------------------------------------------------

    def _extension_index(self) -> dict[str, list[Extension]]:
        if self._extensions is not None:
            return self._extensions
        out: dict[str, list[Extension]] = {}
        self._building = True
        try:
            for rule in self.extension_rules:
                for call in self.ev.index.calls(tails(rule.calls.patterns())):
                    cs, ctx = call.site, call.ctx
                    if not isinstance(cs.func, Attr) \
                            or not self._is_call(rule.calls, rule.untyped_receiver, cs.func, self.ev.eval(cs.func, ctx)):
                        continue
                    callable_expr = arg_value(cs.args, cs.kwargs, rule.callable)
                    if callable_expr is None:
                        continue
                    name_expr = _called(cs.args, cs.kwargs, rule.name)
                    name = self.p.const_str(name_expr, ctx) if name_expr is not None else _own_name(callable_expr)
                    if not name:
                        continue
                    flags = {k: v for k, v in cs.kwargs if k in rule.property_flags}
                    is_property = any(isinstance(v, Const) and v.value is True for v in flags.values())
                    out.setdefault(name, []).append(Extension(callable_expr, ctx, is_property, rule))
        finally:
            self._building = False
        self._extensions = out
        return out


def _own_name(expr: Expr) -> Optional[str]:
    """The name a callable is added under when none is given: its own (`__name__`)."""
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return expr.attr
    return None


def _reads(p: Project, method: Callee) -> frozenset[str]:
    fn = p.function(method.module, method.qualname)
    return read_by(fn) if fn is not None else frozenset()


def _in_project(value: Value) -> bool:
    return not isinstance(value, External)
