"""Work that grows with the data (the data-volume family): a per-row call (an export writer, a
per-object render, validation or save; volume.yaml `per-row`) is nothing once, and heavy inside a
loop over a collection the request does not bound (volume.yaml `unbounded`: a whole queryset, the
rows of an uploaded file). It is reported in sync handlers too: unlike one query, a query or a
write per row of a whole table passes a minute as the table grows.

A per-row effect travels up the chain with weight "per-row" until a caller's loop over an
unbounded collection makes it heavy; findings.py reports nothing for one that never meets one.
A slice of the collection (`[:50]`) is a page, and a relation of one object resolves to a field,
not to a manager: neither is listed, so neither amplifies.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..catalogue import Catalogue
from .effects import Effect, Hop
from .evaluate import Evaluator
from .ir import Attr, Call, Expr, Loop, Name, Subscript
from .project import BoundExpr, Ctx, Project
from .values import External

FAMILY = "data-volume"


def _chain_keywords(expr: Expr) -> set[str]:
    """The keyword names of the calls of a method chain (`X.objects.filter(id__in=ids).order_by()`)."""
    names: set[str] = set()
    while isinstance(expr, (Call, Attr)):
        if isinstance(expr, Call):
            names.update(k for k, _v in expr.kwargs if k)
            expr = expr.func
        else:
            expr = expr.base
    return names


class DataVolume:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = catalogue.volume
        self.code = catalogue.family_code.get(FAMILY, "")

    def row_effects(self, target: object, hop: Hop) -> list[Effect]:
        """A per-row call, as an effect that waits for a loop to make it heavy."""
        if not self.code or not isinstance(target, External) or target.name not in self.rules.per_row:
            return []
        return [Effect(FAMILY, self.code, "per-row", "any", target.name, (hop,))]

    def amplify(self, effects: list[Effect], loops: tuple[Loop, ...], ctx: Ctx) -> list[Effect]:
        if not any(e.weight == "per-row" for e in effects):
            return effects
        loop = self.unbounded_source(loops, ctx)
        if loop is None:
            return effects
        return [replace(e, weight="heavy", loop=loop.text) if e.weight == "per-row" else e for e in effects]

    def unbounded_source(self, loops: tuple[Loop, ...], ctx: Ctx) -> Optional[Loop]:
        for loop in reversed(loops):
            if loop.kind in ("for", "comprehension") and self.unbounded(loop.iter, ctx):
                return loop
        return None

    def selected(self, expr: Expr, ctx: Ctx) -> bool:
        """Rows the request picked one by one (`filter(id__in=ids)`, volume.yaml
        `bounded-by-keyword`): as many as the user selected, not the whole table."""
        keywords = self.rules.bounded_keywords
        if not keywords:
            return False
        if isinstance(expr, Name):
            return any(isinstance(b, BoundExpr) and isinstance(b.binding, (Call, Attr))
                       and _chain_keywords(b.binding) & keywords for b in self.p.bindings(expr.id, ctx))
        return bool(_chain_keywords(expr) & keywords)

    def unbounded(self, expr: Optional[Expr], ctx: Ctx, depth: int = 0) -> bool:
        """Is this iterable a collection the request does not bound (and not a slice of one)?"""
        if expr is None or isinstance(expr, Subscript) or depth > 3 or self.selected(expr, ctx):
            return False
        if isinstance(expr, Name):
            bindings = self.p.bindings(expr.id, ctx)
            if any(isinstance(b, BoundExpr) and isinstance(b.binding, Subscript) for b in bindings):
                return False  # rows = qs[:50]: a page on one of its paths
        return any(isinstance(v, External) and v.name in self.rules.unbounded and v.name not in self.rules.bounded
                   for v in self.ev.eval(expr, ctx))
