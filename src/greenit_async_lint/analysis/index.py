"""The project index: call sites by callee tail, decorated definitions, stores and class methods.

Built once per run, right after the Project, and shared by everything that looks across the
whole project for one kind of call or definition: handler finding (route decorators,
registration calls, router includes), registries (stores into module globals, registrar
decorators) and signals (receivers, `connect` calls). Without it each of them rescanned every
call site of the project, filtered by name.

It is filled per callee tail on the first lookup of that tail, reading only the modules whose
`tails` contain it: most lookups want a few rare tails, and indexing every call site up front
cost more than all of them. Entries keep the project's source order (modules in project order,
the module body before its functions, calls in source order): the handler finder keeps the first
registration it sees of a view, so the order of a lookup is part of its result.
"""
from __future__ import annotations

import fnmatch
import heapq
from typing import Collection, Iterator, NamedTuple, Optional, TypeVar, Union

from .ir import Binding, CallSite, Class, Expr, Function, Star
from .project import Ctx, Project


Seq = tuple[int, int, int]  # module, scope (0: the module body, then its functions), position


class Call(NamedTuple):
    seq: Seq  # position in project order, to merge lookups of several tails
    site: CallSite
    ctx: Ctx


class Decorated(NamedTuple):
    seq: Seq
    mi: int
    fn: Function


class Store(NamedTuple):
    target: Expr
    value: Union[Binding, Star]
    ctx: Ctx
    fn: Optional[Function]  # the function whose body stores, None for a module body


_Entry = TypeVar("_Entry", Call, Decorated)


class ProjectIndex:
    def __init__(self, project: Project) -> None:
        self.p = project
        self._calls: dict[str, list[Call]] = {}
        self._decorated: dict[str, list[Decorated]] = {}
        self._all_decorated: Optional[list[Decorated]] = None
        self._classes: Optional[list[tuple[int, Class]]] = None
        self._stores: Optional[list[Store]] = None
        self._methods: dict[tuple[int, str, tuple[str, ...]], list[tuple[str, str]]] = {}
        self._complete = False  # every tail indexed (a lookup of any tail was made)

    def _scopes(self, mi: int) -> Iterator[tuple[int, Optional[Function], Ctx]]:
        """(scope number, function or None for the module body, context), in source order."""
        module = self.p.mods[mi]
        yield 0, None, Ctx(mi, None)
        for n, fn in enumerate(module.functions.values(), 1):
            yield n, fn, Ctx(mi, fn.qualname)

    def _fill(self, tails: Optional[Collection[str]]) -> list[str]:
        """Index the call sites of `tails` not looked up yet (None: all)."""
        keys = [] if tails is None else list(dict.fromkeys(tails))
        if self._complete:
            return keys
        wanted: Optional[set[str]] = None
        if tails is None:
            self._calls.clear()
        else:
            wanted = {t for t in keys if t not in self._calls}
            if not wanted:
                return keys
            for t in wanted:
                self._calls[t] = []
        for mi, module in enumerate(self.p.mods):
            if wanted is not None and not module.tails & wanted:
                continue
            for n, fn, ctx in self._scopes(mi):
                scope = fn.scope if fn is not None else module.scope
                for pos, site in enumerate(scope.calls):
                    if wanted is None or site.tail in wanted:
                        self._calls.setdefault(site.tail, []).append(Call((mi, n, pos), site, ctx))
        self._complete = wanted is None
        return keys

    def calls(self, tails: Optional[Collection[str]]) -> Iterator[Call]:
        """Call sites whose callee's last segment is in `tails` (None: every call site), in
        project order."""
        if tails is None:
            self._fill(None)
            return _merged([entries for entries in self._calls.values() if entries])
        return _merged([self._calls[t] for t in self._fill(tails) if self._calls.get(t)])

    def module_calls(self, mi: int) -> Iterator[Call]:
        """Every call site of one module, in project order, without building the whole table."""
        module = self.p.mods[mi]
        for n, fn, ctx in self._scopes(mi):
            scope = fn.scope if fn is not None else module.scope
            for pos, site in enumerate(scope.calls):
                yield Call((mi, n, pos), site, ctx)

    def decorated(self, tails: Optional[Collection[str]]) -> Iterator[Decorated]:
        """Functions with a decorator whose last segment is in `tails` (None: any decorator)."""
        if self._all_decorated is None:  # decorated functions are few: all of them at once
            self._all_decorated = []
            for mi, module in enumerate(self.p.mods):
                for n, fn in enumerate(module.functions.values(), 1):
                    if fn.decorators:
                        entry = Decorated((mi, n, 0), mi, fn)
                        self._all_decorated.append(entry)
                        for tail in dict.fromkeys(fn.decorator_tails):
                            self._decorated.setdefault(tail, []).append(entry)
        if tails is None:
            return iter(self._all_decorated)
        return _merged([self._decorated[t] for t in dict.fromkeys(tails) if t in self._decorated])

    def decorated_classes(self) -> list[tuple[int, Class]]:
        """Classes with at least one decorator, in project order."""
        if self._classes is None:
            self._classes = [(mi, cls) for mi, module in enumerate(self.p.mods)
                             for cls in module.classes.values() if cls.decorators]
        return self._classes

    def stores(self) -> list[Store]:
        """`x[k] = v` and `x.append(v)` statements of the whole project, in project order."""
        if self._stores is None:
            self._stores = [Store(target, value, ctx, fn) for mi in range(len(self.p.mods))
                            for _n, fn, ctx in self._scopes(mi)
                            for target, value in (fn.scope if fn is not None else self.p.mods[mi].scope).stores]
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


def _merged(lists: list[list[_Entry]]) -> Iterator[_Entry]:
    """One project-ordered stream from several project-ordered lists, each entry once."""
    if len(lists) == 1:
        yield from lists[0]
        return
    last: Optional[Seq] = None
    for entry in heapq.merge(*lists, key=lambda e: e.seq):
        if entry.seq != last:
            last = entry.seq
            yield entry
