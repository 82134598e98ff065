"""Work that grows with the data (the data-volume family): a per-row call (an export writer, a render, a
validation, a save, a stat; volume.yaml `per-row`, and any call of a `per-row-families` family: a query, a
file read) is nothing once, and heavy inside a loop over a collection the request does not bound
(volume.yaml `unbounded`: a whole queryset, an upload's rows, a folder's `listings`), in sync handlers too:
unlike one query, a query or a write per row of a whole table passes a minute as the table grows.

A per-row effect travels up the chain with weight "per-row" until a caller's loop over an unbounded
collection makes it heavy; findings.py reports nothing for one that never meets one. A loop over a parameter
(`def load(reader): for row in reader: save(row)`) is as unbounded as what the caller passes: the effect
carries the parameter's name (`Effect.rows`) and the call site that binds it decides (`at_call`), one level
of context per call, passed on when the caller hands over a parameter of its own. A slice of the collection
(`[:50]`) is a page, and a relation of one object resolves to a field, not to a manager: neither is listed,
so neither amplifies. A query of one parent's own part table (`ChallengeFiles` by `challenge_id`, parts.py)
is that relation written as a query, as is one the schema pins to one object (pinned.py). Wrappers
(`enumerate`, `sorted`, `itertools.chain`: volume.yaml `passes-through`) are as unbounded as what they wrap.
A listing of the application's own folders is not unbounded either (walks.py `Listings`).
"""
from __future__ import annotations

from typing import Callable, Optional

from ..catalogue import Catalogue
from .effects import Effect, Hop, replace
from .evaluate import Evaluator
from .ir import Attr, Call, CallSite, Const, DictItems, Element, Expr, Function, Items, Loop, Name, OneOf, Star, Subscript
from .parameters import bind
from .parts import chain_keywords, chain_kwargs, parts_of_one, pinned
from .pinned import PinnedRows
from .project import Bound, BoundExpr, Ctx, Project
from .lineage import Lineage
from .requestdata import RequestData
from .sourcetext import dotted
from .values import Candidates, External, FunctionRef, MethodRef
from .walks import Listings

FAMILY = "data-volume"
_GROWS = frozenset({"append", "extend", "add", "update", "insert"})  # what fills a list, a set or a dict


def names_read(expr: Expr) -> set[str]:
    """The names an expression reads (`[u.id, u.name]`: {"u"})."""
    if isinstance(expr, Name):
        return {expr.id}
    if isinstance(expr, Attr):
        return names_read(expr.base)
    if isinstance(expr, Subscript):
        return names_read(expr.base) | names_read(expr.key)
    if isinstance(expr, Call):
        found = names_read(expr.func)
        for arg in expr.args:
            found |= names_read(arg.value if isinstance(arg, Star) else arg)
        for _name, value in expr.kwargs:
            found |= names_read(value)
        return found
    if isinstance(expr, (Items, OneOf)):
        return {n for e in (expr.items if isinstance(expr, Items) else expr.options) for n in names_read(e)}
    if isinstance(expr, DictItems):
        return {n for e in (*expr.keys, *expr.values) for n in names_read(e)}
    return set()


class DataVolume:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = catalogue.volume
        self.work = catalogue.work
        self.listings = Listings(evaluator, catalogue)  # a thread wrapper's call, the application's own folders
        self.code = catalogue.family_code.get(FAMILY, "")
        self._fills: dict[tuple[int, str], dict[str, list[CallSite]]] = {}
        self._unbounded: dict[tuple[Optional[Expr], Ctx, int], bool] = {}
        self.request = RequestData(project, evaluator, catalogue)  # lists the client sizes
        self.lineage = Lineage(project, evaluator, self)  # relations filled per row of an upload
        self.pinned = PinnedRows(project, evaluator, evaluator.relations.models, self.rules)  # one object's rows

    def row_effects(self, target: object, hop: Hop) -> list[Effect]:
        """A per-row call, as an effect that waits for a loop to make it heavy (its `detail`
        says what the loop does with each row: exports, saves, queries...)."""
        if not self.code or not isinstance(target, External):
            return []
        kind = self.rules.per_row.match(target.name)
        if kind is None and self.rules.per_row_families:
            entry = self.work.match(target.name)
            kind = self.rules.per_row_families.get(entry.family) if entry is not None else None
        if kind is None:
            return []
        return [Effect(FAMILY, self.code, "per-row", "any", target.name, (hop,), kind.does)]

    def amplify(self, effects: list[Effect], loops: tuple[Loop, ...], ctx: Ctx) -> list[Effect]:
        if not any(e.weight == "per-row" for e in effects):
            return effects
        loop = self.unbounded_source(loops, ctx)
        if loop is not None:
            return [replace(e, weight="heavy", loop=loop.text, rows="") if e.weight == "per-row" else e
                    for e in effects]
        for loop in reversed(loops):  # a loop over a parameter: the caller's argument decides
            param = self.row_parameter(loop.iter, ctx) if loop.kind in ("for", "comprehension") else ""
            if param:
                return [replace(e, rows=param, loop=loop.text) if e.weight == "per-row" and not e.rows else e
                        for e in effects]
        return effects

    def at_call(self, fn: Function, method: bool, cs: CallSite, ctx: Ctx, effects: list[Effect],
                bounded: Callable[[Expr, Ctx], bool]) -> list[Effect]:
        """Per-row effects of a callee's loop over one of its parameters, judged by the argument this
        call site passes (or its `**spread`): unbounded makes them heavy, a parameter of the caller passes
        the question on; an export helper's rows count unless the code bounds them (a literal, a small
        range), as a guess; anything else leaves them per-row (nothing to report)."""
        if not any(e.rows for e in effects):
            return effects
        bound = bind(fn, method, cs.args, cs.kwargs)
        out: list[Effect] = []
        spread = next((value for key, value in cs.kwargs if key is None), None)  # `**data`
        for effect in effects:
            arg = bound.get(effect.rows) if effect.rows else None
            arg = _spread_item(spread, effect.rows) if arg is None and spread is not None and effect.rows else arg
            if arg is None:
                out.append(replace(effect, rows="") if effect.rows else effect)
            elif self.unbounded(arg, ctx):
                out.append(replace(effect, weight="heavy", rows=""))
            elif param := self.row_parameter(arg, ctx):
                out.append(replace(effect, rows=param))
            elif self.exports(effect.leaf) and not bounded(arg, ctx) and not isinstance(arg, Subscript):
                guess = f"the export helper writes every row of `{dotted(arg)}`, which the caller does not bound"
                out.append(replace(effect, weight="heavy", rows="", guess=effect.guess or guess))
            else:
                out.append(replace(effect, rows=""))
        return out

    def exports(self, leaf: str) -> bool:
        kind = self.rules.per_row.match(leaf)
        return kind is not None and kind.export

    def unbounded_source(self, loops: tuple[Loop, ...], ctx: Ctx, depth: int = 0) -> Optional[Loop]:
        for loop in reversed(loops):
            if loop.kind in ("for", "comprehension") and self.unbounded(loop.iter, ctx, depth):
                return loop
        return None

    def selected(self, expr: Expr, ctx: Ctx, depth: int = 0) -> bool:
        """Rows the request picked one by one (`filter(id__in=ids)`, volume.yaml
        `bounded-by-keyword`), rows two objects share, or one parent's own parts (parts.py). Ids
        the code collected from a whole table (`ids = [d.id for d in Doc.objects.all()]`) are
        that table, not a pick."""
        keywords, lookups, membership = self.rules.bounded_keywords, self.rules.range_lookups, self.rules.membership_operators

        def picked(chain: Expr) -> bool:
            return any(k in keywords and not self.unbounded(v, ctx, depth + 1)
                       for k, v in chain_kwargs(chain, membership))

        return self.pinned.chain(expr, ctx, lambda chain, at, own: picked(chain) or parts_of_one(
            chain, self.rules) or bool(lookups) and pinned(chain, lookups) >= 2 or own and self.pinned.one_object(chain, at))

    def one_row(self, expr: Expr, ctx: Ctx) -> bool:
        """A query chain filtered by its primary key (`filter(pk=pk)`, volume.yaml `primary-keys`)."""
        keys = self.rules.primary_keys
        return bool(keys) and self._chain(expr, ctx, lambda chain: bool(chain_keywords(chain) & keys))

    def own_parts(self, expr: Expr, ctx: Ctx) -> bool:
        """One parent's own parts (`ChallengeFiles.query.filter_by(challenge_id=c.id).all()`):
        a few rows, bounded for blocking work too (loops.py), unlike the rows a request picked."""
        return self.pinned.chain(expr, ctx, lambda chain, at, own: parts_of_one(chain, self.rules)
                                 or own and self.pinned.one_object(chain, at))

    def _chain(self, expr: Expr, ctx: Ctx, picked: Callable[[Expr], bool]) -> bool:
        """The test on a query chain, the chain a name was bound to, or what a helper returns (pinned.py)."""
        return self.pinned.chain(expr, ctx, lambda chain, _ctx, _own: picked(chain))

    def wrapped(self, expr: Expr, ctx: Ctx) -> list[Expr]:
        """The iterables a pass-through wrapper (`enumerate(rows)`, `itertools.chain(a, b)`) yields from."""
        if not isinstance(expr, Call) or not len(self.rules.passes_through):
            return []
        names = [v.name for v in self.ev.eval(expr.func, ctx) if isinstance(v, External)]
        if not names or not all(n in self.rules.passes_through for n in names):
            return []
        return [a.value if isinstance(a, Star) else a for a in expr.args]

    def row_parameter(self, expr: Optional[Expr], ctx: Ctx, depth: int = 0) -> str:
        """The parameter of this function a loop iterates (directly or through a wrapper), or ''."""
        if expr is None or depth > 3 or ctx.function is None:
            return ""
        if isinstance(expr, Name):
            if self.p.own_param(expr.id, ctx) is not None:
                return expr.id
            # `kept = []` then `kept.append(row)` in a loop over a parameter: as long as that parameter.
            if any(isinstance(b, BoundExpr) and isinstance(b.binding, Items) and not b.binding.items
                   for b in self.p.bindings(expr.id, ctx)):
                return next((p for cs in self.filled(expr.id, ctx) for loop in cs.loops
                             if loop.kind in ("for", "comprehension")
                             for p in [self.row_parameter(loop.iter, ctx, depth + 1)] if p), "")
            return ""
        return next((p for p in (self.row_parameter(a, ctx, depth + 1) for a in self.wrapped(expr, ctx)) if p), "")

    def generates_unbounded(self, expr: Call, ctx: Ctx, depth: int) -> bool:
        """A call of a project generator whose yields read a loop variable of a collection the
        request does not bound (`def recipients(event): for r in Registration.query.all(): yield
        r.email`), read as a comprehension is: as long as that collection."""
        values = [v for t in self.ev.eval(expr.func, ctx) for v in (t.values if isinstance(t, Candidates) else (t,))]
        for value in values:
            if not isinstance(value, (FunctionRef, MethodRef)):
                continue
            fn = self.p.function(value.module, value.qualname)
            if fn is not None and fn.generator:
                fctx = Ctx(value.module, value.qualname, value.receiver if isinstance(value, MethodRef) else None)
                if any(self._comprehension_over_unbounded(v, fctx, depth) for v in fn.return_values):
                    return True
        return False

    def _comprehension_over_unbounded(self, element: Expr, ctx: Ctx, depth: int) -> bool:
        """A comprehension reads as a one-item display of its element (`[[u.id] for u in rows]`):
        it is as big as the collection one of the element's names iterates."""
        return any(isinstance(b, BoundExpr) and isinstance(b.binding, Element)
                   and self.unbounded(b.binding.iterable, b.ctx, depth + 1)
                   for name in names_read(element) for b in self.p.bindings(name, ctx))

    def filled(self, name: str, ctx: Ctx) -> list[CallSite]:
        """The call sites of this function that fill `name` (`rows.append(...)`)."""
        if ctx.function is None:
            return []
        key = (ctx.module, ctx.function)
        fills = self._fills.get(key)
        if fills is None:  # once per function: loops.py asks for every loop over a name
            fills = self._fills[key] = {}
            fn = self.p.function(ctx.module, ctx.function)
            for cs in fn.scope.calls if fn is not None else ():
                if isinstance(cs.func, Attr) and cs.func.attr in _GROWS and isinstance(cs.func.base, Name):
                    fills.setdefault(cs.func.base.id, []).append(cs)
        return fills.get(name, [])

    def filled_from_unbounded(self, name: str, bindings: list[Bound], ctx: Ctx, depth: int) -> bool:
        """`rows = []` then `rows.append(...)` in a loop over an unbounded collection: the list
        grows with it (the rows of an upload, validated first and saved in a second loop)."""
        if ctx.function is None or not any(isinstance(b, BoundExpr) and isinstance(b.binding, Items)
                                           and not b.binding.items for b in bindings):
            return False
        return any(self.unbounded_source(cs.loops, ctx, depth + 1) is not None for cs in self.filled(name, ctx))

    def unbounded(self, expr: Optional[Expr], ctx: Ctx, depth: int = 0) -> bool:
        """Is this iterable a collection the request does not bound (and not a slice of one)?
        Memoised: the loops, the per-row work and the trivial-cost rule ask it of the same loop
        for every call site in it."""
        key = (expr, ctx, depth)
        found = self._unbounded.get(key)
        if found is None:
            found = self._unbounded[key] = self._unbounded_now(expr, ctx, depth)
        return found

    def _unbounded_now(self, expr: Optional[Expr], ctx: Ctx, depth: int) -> bool:
        if expr is not None and depth <= 3 and self.ev.parameters.requests.rows(expr, ctx):
            return True  # what the client sent (analysis/requests.py): a pasted list, an upload's rows
        if expr is None or isinstance(expr, Subscript) or depth > 3 or self.selected(expr, ctx, depth):
            return False
        if isinstance(expr, Items):
            return len(expr.items) == 1 and self._comprehension_over_unbounded(expr.items[0], ctx, depth)
        if isinstance(expr, (Name, Attr)) and (bindings := self.p.local_bindings(expr, ctx)):
            if any(isinstance(b, BoundExpr) and isinstance(b.binding, Subscript) for b in bindings):
                return False  # rows = qs[:50]: a page on one of its paths
            if any(isinstance(b, BoundExpr) and isinstance(b.binding, Items) and self.unbounded(b.binding, b.ctx, depth + 1)
                   for b in bindings):
                return True  # rows = [row(u) for u in User.query.all()]
            if isinstance(expr, Name) and self.filled_from_unbounded(expr.id, bindings, ctx, depth):
                return True
            if any(isinstance(b, BoundExpr) and isinstance(b.binding, Call) and self.unbounded(b.binding, b.ctx, depth + 1)
                   for b in bindings):
                return True  # rows = list(csv.DictReader(upload)); names = await to_thread(os.listdir, d)
        if isinstance(expr, Name) and self.request.argument_list(expr.id, ctx):
            return True  # @use_kwargs({"ids": fields.List(...)}) def bulk(ids)
        if isinstance(expr, Call) and self.generates_unbounded(expr, ctx, depth):
            return True  # for email in recipients(event): yields once per row of a whole table
        if isinstance(expr, Attr) and self.request.request_list(expr, ctx):
            return True
        wrapped = self.wrapped(expr, ctx)
        if wrapped:
            return any(self.unbounded(e, ctx, depth + 1) for e in wrapped)
        # A whole queryset, an upload's rows, a folder's entries (not the application's own folders:
        # walks.py); a relation the project fills per row of an upload (lineage.py).
        source = self.listings.source(expr, ctx)
        return source is not None and any(isinstance(v, External) and v.name not in self.rules.bounded and (
            v.name in self.rules.unbounded or self.lineage.grown(v)) for v in self.ev.eval(source, ctx))


def _spread_item(spread: Expr, name: str) -> Optional[Expr]:
    """What `**spread` passes for `name`: a literal's item (or None), else the dict, as big as what it holds."""
    if not isinstance(spread, DictItems):
        return spread
    return next((v for k, v in zip(spread.keys, spread.values) if isinstance(k, Const) and k.value == name), None)
