"""The handler finder: runs each mechanism (decorators, registrations, class views, dependencies)
over the project and merges what they found, keeping the first registration seen of a handler."""
from __future__ import annotations

from typing import Optional

from ...catalogue import Catalogue
from ..evaluate import Evaluator
from ..index import ProjectIndex
from ..project import Project
from .class_views import class_views, setting_lists
from .decorators import decorated
from .dependencies import dependency_roots, included_dependencies, marker_roots
from .model import Candidate, Handler, Registration, Scan
from .registrations import registered


class HandlerFinder:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue,
                 index: Optional[ProjectIndex] = None) -> None:
        self.p = project
        self.ev = evaluator
        self.index = index if index is not None else evaluator.index
        self.frameworks = catalogue.frameworks
        self.on_loop_frameworks = {fw.name: fw.sync_handlers_on_loop for fw in catalogue.frameworks}
        self.registrations: list[Registration] = []  # the inventory of the last `find`

    def find(self, only: Optional[set[str]] = None) -> list[Handler]:
        """Every handler; with `only` (display paths), those defined in these files — decorated
        functions and class views are looked for there only, registrations everywhere (a urls.py
        elsewhere may route a view of these files)."""
        wanted = None if only is None else frozenset(mi for mi, m in enumerate(self.p.mods) if m.path in only)
        scan = Scan(self.p, self.ev, self.index, self.frameworks, wanted)
        by_decorator = decorated(scan, included_dependencies(scan))
        by_call = registered(scan)
        by_class = class_views(scan, by_call.class_routes)
        found: dict[tuple[int, str], Handler] = {}
        for candidate in (*by_decorator.candidates, *setting_lists(scan), *by_call.candidates, *by_class.candidates):
            self._add(found, candidate)
        for entry in by_class.entries:
            found.setdefault((entry.mi, entry.qualname), entry)
        for handler in found.values():
            if handler.function:
                fn = self.p.function(handler.mi, handler.qualname)
                if fn is not None:
                    handler.roots.extend(dependency_roots(scan, handler.mi, fn))
                    for expr, ctx in by_decorator.dependencies.get((handler.mi, handler.qualname), []):
                        handler.roots.extend(marker_roots(scan, expr, ctx, None, fn.line, handler.path, 0))
        self.registrations = sorted(by_decorator.registrations + by_call.registrations,
                                    key=lambda r: (r.path, r.line, r.view))
        return sorted(found.values(), key=lambda h: (h.path, h.line, h.qualname))

    def _add(self, found: dict[tuple[int, str], Handler], candidate: Candidate) -> None:
        mi, fn, framework, route = candidate
        key = (mi, fn.qualname)
        if key in found:
            if found[key].route is None and route is not None:
                found[key].route = route
            return
        on_loop = fn.is_async or self.on_loop_frameworks.get(framework, False)
        found[key] = Handler(mi, fn.qualname, self.p.mods[mi].path, fn.line, framework, route, fn.is_async,
                             on_loop=on_loop)


__all__ = ["HandlerFinder"]
