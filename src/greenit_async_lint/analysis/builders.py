"""Query chains that only build a statement (volume.yaml `query-builders`): no query of their own.

`session.query(Name).filter(Name.name == n).exists()` runs nothing: `.exists()` (`.subquery()`,
`.scalar_subquery()`, `.cte()`, `.as_scalar()`) turns the chain into a piece of another
statement, `session.query(literal(True)).filter(<that>).scalar()`, and only that statement goes
to the database (reported at its own call). The calls inside such a chain are therefore no work,
once or per row, unless the catalogue takes the builder call itself for a query (Django's
`Foo.objects.get(pk=i).bars.exists()` runs the `get` and then the `exists`): reach.py asks.

Read from the summary: the call sites of one function whose tail is a builder, and the calls on
their way to the chain's root. A chain kept in a name first (`q = session.query(X)`, then
`q.exists()`) is not followed: the name may be run elsewhere too.
"""
from __future__ import annotations

from typing import Optional

from .ir import Attr, Call, CallSite, Expr
from .project import Ctx, Project

BuilderKey = tuple[int, str]


class QueryBuilders:
    def __init__(self, project: Project, builders: frozenset[str]) -> None:
        self.p = project
        self.builders = builders
        self._parts: dict[BuilderKey, dict[Call, CallSite]] = {}

    def builder_of(self, cs: CallSite, ctx: Ctx) -> Optional[CallSite]:
        """The builder call (`.exists()`) ending the chain this call is a link of, in the same
        function, or None."""
        if not self.builders or ctx.function is None:
            return None
        parts = self._chain_parts(ctx.module, ctx.function)
        return parts.get(Call("c", cs.func, cs.args, cs.kwargs)) if parts else None

    def _chain_parts(self, mi: int, qualname: str) -> dict[Call, CallSite]:
        key = (mi, qualname)
        found = self._parts.get(key)
        if found is None:
            fn = self.p.function(mi, qualname)
            found = self._parts[key] = {}
            for site in fn.scope.calls if fn is not None else ():
                if site.tail in self.builders and isinstance(site.func, Attr):
                    _links(site.func.base, site, found)
        return found


def _links(expr: Optional[Expr], builder: CallSite, out: dict[Call, CallSite]) -> None:
    """The calls of a method chain, from its last call down to its root (`a.query(X).filter(c)`)."""
    while isinstance(expr, (Call, Attr)):
        if isinstance(expr, Call):
            out.setdefault(expr, builder)
            expr = expr.func
        else:
            expr = expr.base
