"""Registries: module-level dicts and lists of callables filled from elsewhere.

`HANDLERS = {}` is empty where it is defined; the callables arrive through `HANDLERS[name] = fn`
statements, `HANDLERS.append(fn)` calls, or a decorator that does that for the function it
decorates (`@register("pdf")`). Every candidate is reachable from a lookup in the registry.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .ir import Expr

if TYPE_CHECKING:  # pragma: no cover
    from .evaluate import Evaluator
    from .project import Ctx, Project


class RegistryIndex:
    def __init__(self, project: "Project", evaluator: "Evaluator") -> None:
        self.p = project
        self.ev = evaluator
        self._entries: Optional[dict[tuple, list]] = None

    def extra(self, mi: int, name: str) -> list[tuple]:
        """Values stored into the module global `name` of module `mi` from anywhere."""
        if self._entries is None:
            self._entries = self._build()
        return self._entries.get(("glob", mi, name), [])

    def global_key(self, expr: Expr, ctx: "Ctx", depth: int = 0) -> Optional[tuple]:
        """Where a global is defined: ("glob", module index, name), following imports."""
        if depth > 6:
            return None
        if expr[0] == "n":
            for kind, detail, bctx in self.p.bindings(expr[1], ctx):
                if kind != "expr":
                    return None
                if detail[0] == "from":
                    rkind, found = self.p.resolve_import(detail[1], detail[2], bctx[0])
                    return self.global_key(("n", found[1]), (found[0], None), depth + 1) if rkind == "global" else None
                if bctx[1] is None:
                    return ("glob", bctx[0], expr[1])
                return None
        if expr[0] == "a":
            for value in self.ev.eval(expr[1], ctx):
                if value[0] == "mod":
                    return self.global_key(("n", expr[2]), (value[1], None), depth + 1)
        return None

    def _build(self) -> dict[tuple, list]:
        entries: dict[tuple, list] = {}
        registrars: dict[tuple[int, str], tuple] = {}  # decorator function -> registry it fills
        for target, value, ctx, fn in self.ev.index.stores():
            key = self.global_key(target, ctx)
            if key is None:
                continue
            params = {p.name for p in fn.params} if fn is not None else set()
            if fn is not None and value[0] == "n" and value[1] in params:
                registrars[(ctx[0], fn.qualname)] = key
            else:
                entries.setdefault(key, []).extend(self.ev.eval(value, ctx))
        if registrars:
            self._decorated(registrars, entries)
        return entries

    def _decorated(self, registrars: dict[tuple[int, str], tuple], entries: dict[tuple, list]) -> None:
        """Functions decorated by a registrar (or by a factory returning one) are registered."""
        names = set()
        for _mi, qualname in registrars:
            parts = qualname.split(".")
            names.update(parts[-2:])  # the registrar and the factory it is nested in
        for _seq, mi, fn in self.ev.index.decorated(names):
            ctx = self.p.defining_ctx(mi, fn)
            for dec in fn.decorators:
                for value in self.ev.eval(dec, ctx):
                    key = registrars.get((value[1], value[2])) if value[0] == "fn" else None
                    if key is not None:
                        entries.setdefault(key, []).append(("fn", mi, fn.qualname))
