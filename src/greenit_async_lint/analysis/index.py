"""The project index: call sites by callee tail, decorated definitions, stores and class methods.

Built once per run, right after the Project, and shared by everything that looks across the
whole project for one kind of call or definition: handler finding (route decorators,
registration calls, router includes), registries (stores into module globals, registrar
decorators) and signals (receivers, `connect` calls). Without it each of them rescanned every
call site of the project, filtered by name.

Entries keep the project's source order (modules in project order, the module body before its
functions, calls in source order): the handler finder keeps the first registration it sees of a
view, so the order of a lookup is part of its result.
"""
from __future__ import annotations

import fnmatch
import heapq
from typing import Collection, Iterator, NamedTuple, Optional, TypeVar, Union

from .ir import Binding, CallSite, Class, Expr, Function, Star
from .project import Ctx, Project


class Call(NamedTuple):
    seq: int  # position in project order, to merge lookups of several tails
    site: CallSite
    ctx: Ctx


class Decorated(NamedTuple):
    seq: int
    mi: int
    fn: Function


class Store(NamedTuple):
    target: Expr
    value: Union[Binding, Star]
    ctx: Ctx
    fn: Optional[Function]  # the function whose body stores, None for a module body


class ProjectIndex:
    def __init__(self, project: Project) -> None:
        self.p = project
        self._calls: dict[str, list[Call]] = {}
        self._all_calls: list[Call] = []
        self._decorated: dict[str, list[Decorated]] = {}
        self._all_decorated: list[Decorated] = []
        self._classes: list[tuple[int, Class]] = []
        self._stores: list[Store] = []
        self._methods: dict[tuple[int, str, tuple[str, ...]], list[tuple[str, str]]] = {}
        for mi, module in enumerate(project.mods):
            self._add_scope(module.scope.calls, Ctx(mi, None))
            if module.scope.stores:
                self._stores.extend(Store(t, v, Ctx(mi, None), None) for t, v in module.scope.stores)
            for fn in module.functions.values():
                self._add_scope(fn.scope.calls, Ctx(mi, fn.qualname))
                if fn.scope.stores:
                    self._stores.extend(Store(t, v, Ctx(mi, fn.qualname), fn) for t, v in fn.scope.stores)
                if fn.decorators:
                    entry = Decorated(len(self._all_decorated), mi, fn)
                    self._all_decorated.append(entry)
                    for tail in set(fn.decorator_tails):
                        self._decorated.setdefault(tail, []).append(entry)
            self._classes.extend((mi, cls) for cls in module.classes.values() if cls.decorators)

    def _add_scope(self, calls: list[CallSite], ctx: Ctx) -> None:
        for site in calls:
            entry = Call(len(self._all_calls), site, ctx)
            self._all_calls.append(entry)
            self._calls.setdefault(site.tail, []).append(entry)

    def calls(self, tails: Optional[Collection[str]]) -> Iterator[Call]:
        """Call sites whose callee's last segment is in `tails` (None: every call site), in
        project order."""
        if tails is None:
            return iter(self._all_calls)
        return _merged([self._calls[t] for t in tails if t in self._calls])

    def decorated(self, tails: Optional[Collection[str]]) -> Iterator[Decorated]:
        """Functions with a decorator whose last segment is in `tails` (None: any decorator)."""
        if tails is None:
            return iter(self._all_decorated)
        return _merged([self._decorated[t] for t in tails if t in self._decorated])

    def decorated_classes(self) -> list[tuple[int, Class]]:
        """Classes with at least one decorator, in project order."""
        return self._classes

    def stores(self) -> list[Store]:
        """`x[k] = v` and `x.append(v)` statements of the whole project, in project order."""
        return self._stores

    def methods(self, mi: int, qualname: str, patterns: tuple[str, ...]) -> list[tuple[str, str]]:
        """(name, function qualname) of the methods a class defines itself whose names match one
        of the glob `patterns`; the same class is asked for again by every view deriving from it."""
        key = (mi, qualname, patterns)
        found = self._methods.get(key)
        if found is None:
            cls = self.p.klass(mi, qualname)
            found = [(name, fq) for name, fq in (cls.methods.items() if cls else ())
                     if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)]
            self._methods[key] = found
        return found


_Entry = TypeVar("_Entry", Call, Decorated)


def _merged(lists: list[list[_Entry]]) -> Iterator[_Entry]:
    """One project-ordered stream from several project-ordered lists, each entry once."""
    if len(lists) == 1:
        yield from lists[0]
        return
    last = -1
    for entry in heapq.merge(*lists, key=lambda e: e.seq):
        if entry.seq != last:
            last = entry.seq
            yield entry
