"""Registries: module-level dicts and lists of callables filled from elsewhere.

`HANDLERS = {}` is empty where it is defined; the callables arrive through `HANDLERS[name] = fn`
statements, `HANDLERS.append(fn)` calls, or a function that stores its parameter there, used as
a decorator (`@register("pdf")`) or called (`register(Slack)` at the end of each plugin module).
Every candidate is reachable from a lookup in the registry.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple, Optional

from .ir import Attr, Expr, FromImport, Function, Name, Star
from .parameters import bind
from .project import BoundExpr, Ctx, ImportedGlobal
from .values import FunctionRef, ModuleRef, Value

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator
    from .project import Project

_MAX_IMPORT_HOPS = 6


class GlobalKey(NamedTuple):
    """A module global of the project, where it is defined (imports followed)."""

    tag: Literal["glob"]
    module: int
    name: str


class RegistryIndex:
    def __init__(self, project: "Project", evaluator: "Evaluator") -> None:
        self.p = project
        self.ev = evaluator
        self._entries: Optional[dict[GlobalKey, list[Value]]] = None

    def extra(self, mi: int, name: str) -> list[Value]:
        """Values stored into the module global `name` of module `mi` from anywhere."""
        if self._entries is None:
            self._entries = self._build()
        return self._entries.get(GlobalKey("glob", mi, name), [])

    def global_key(self, expr: Expr, ctx: Ctx, depth: int = 0) -> Optional[GlobalKey]:
        """Where a global is defined, following imports."""
        if depth > _MAX_IMPORT_HOPS:
            return None
        if isinstance(expr, Name):
            for bound in self.p.bindings(expr.id, ctx):
                if not isinstance(bound, BoundExpr):
                    return None
                if isinstance(bound.binding, FromImport):
                    found = self.p.resolve_import(bound.binding.module, bound.binding.name, bound.ctx.module)
                    if not isinstance(found, ImportedGlobal):
                        return None
                    return self.global_key(Name("n", found.where[1]), Ctx(found.where[0], None), depth + 1)
                if bound.ctx.function is None:
                    return GlobalKey("glob", bound.ctx.module, expr.id)
                return None
        if isinstance(expr, Attr):
            for value in self.ev.eval(expr.base, ctx):
                if isinstance(value, ModuleRef):
                    return self.global_key(Name("n", expr.attr), Ctx(value.module, None), depth + 1)
        return None

    def _build(self) -> dict[GlobalKey, list[Value]]:
        entries: dict[GlobalKey, list[Value]] = {}
        registrars: dict[tuple[int, str], GlobalKey] = {}  # decorator function -> registry it fills
        stored: dict[tuple[int, str], tuple[Function, str]] = {}  # registrar -> itself, the parameter it stores
        for target, value, ctx, fn in self.ev.index.stores():
            key = self.global_key(target, ctx)
            if key is None or isinstance(value, Star):
                continue
            params = {p.name for p in fn.params} if fn is not None else set()
            if fn is not None and isinstance(value, Name) and value.id in params:
                registrars[(ctx.module, fn.qualname)] = key
                stored[(ctx.module, fn.qualname)] = (fn, value.id)
            else:
                entries.setdefault(key, []).extend(self.ev.binding(value, ctx))
        if registrars:
            self._decorated(registrars, entries)
            self._called(registrars, stored, entries)
        return entries

    def _called(self, registrars: dict[tuple[int, str], GlobalKey], stored: dict[tuple[int, str], tuple[Function, str]],
                entries: dict[GlobalKey, list[Value]]) -> None:
        """Registrars called as functions (`register(Slack)` at the end of each plugin module):
        what each call passes for the parameter the registrar stores is registered."""
        names = {qualname.rsplit(".", 1)[-1] for _mi, qualname in registrars}
        for call in self.ev.index.calls(names):
            for value in self.ev.eval(call.site.func, call.ctx):
                where = (value.module, value.qualname) if isinstance(value, FunctionRef) else None
                found = stored.get(where) if where is not None else None
                if where is None or found is None:
                    continue
                fn, param = found
                arg = bind(fn, False, call.site.args, call.site.kwargs).get(param)
                if arg is not None:
                    entries.setdefault(registrars[where], []).extend(self.ev.eval(arg, call.ctx))

    def _decorated(self, registrars: dict[tuple[int, str], GlobalKey], entries: dict[GlobalKey, list[Value]]) -> None:
        """Functions decorated by a registrar (or by a factory returning one) are registered."""
        names = set()
        for _mi, qualname in registrars:
            parts = qualname.split(".")
            names.update(parts[-2:])  # the registrar and the factory it is nested in
        for _seq, mi, fn in self.ev.index.decorated(names):
            ctx = self.p.defining_ctx(mi, fn)
            for dec in fn.decorators:
                for value in self.ev.eval(dec, ctx):
                    key = registrars.get((value.module, value.qualname)) if isinstance(value, FunctionRef) else None
                    if key is not None:
                        entries.setdefault(key, []).append(FunctionRef("fn", mi, fn.qualname))
