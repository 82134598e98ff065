"""Work whose cost is bounded by one item of the request, not by the data (issue 12, per-request cost).

The catalogue's `trivial` section (rules/offloads.yaml) names calls that are bounded by one item: one image
re-encoded or thumbnailed, one entry written to an archive, one object's own folder removed. Such a call,
reached outside any loop over a collection, is kept at low confidence with the rule's reason (the gate does
not count it by default), so that a reader can still check it:

- the call itself must not be in an unbounded loop (loops.py already made it heavy there, and set
  `Effect.loop`): then nothing changes;
- a loop further up the chain (`for upload in uploads: strip_exif(upload)`) makes it a batch again: the low
  confidence given at the call is taken back where the loop amplifies it. So does a loop over a list the
  function fills (`chosen = []`, appended in another loop: `_grown`, for the work loops.py does not amplify,
  such as work reported only on an event loop);
- a loop over a collection the request does not bound (volume.py: a whole table, an upload's rows) multiplies
  the rows, not the item: the call is then reported as per-row work (GAL114, the data-volume family) saying
  what it does for every row (the rule's `per_row`: "one object's own folder removed for every row"), not
  under its own code (a folder removal per upload is no archive and no folder walk). A rule without `per_row`
  (an image, an archive entry: a batch of images, one archive of every row is what its own code says) stays a
  batch of its own code, as it does in any other loop;
- a loop over a parameter of a helper (`def remove_all(photos): for p in photos: ...`) is judged by the
  caller's argument (loops.py `at_call`): the reason is held (`Effect.held`) and given back when the caller
  passes a small literal (`remove_all([photo])`), a whole table makes it per-row work, any other argument a
  batch;
- on the event loop of an `async def` handler it still stalls every request: the effect is marked like a retry
  back-off (`Effect.retry`), which findings.py keeps sure there;
- a rule with `list_arg` holds only when that argument is a list the function builds from a fixed number of
  items or by loops over relations of one per-request object (a bulk insert of one module's few port
  mappings), never from a whole queryset or rows passed in;
- a rule with `cost_arg` holds only when that argument, the call's work factor (PBKDF2's iterations), is a
  constant under the rule's `below`, directly or through a module constant: the cost is then fixed and tiny,
  so it stays low even on an event loop (no `Effect.retry`);
- a rule with `path_arg` holds only when that argument is one object's own path (`_own`): a join with a part
  taken from the request (a parameter other than `self`, a value computed from one, a fresh name such as
  `uuid4()`), an attribute of a per-request object (`event.image_dir`), a fresh temporary folder, or what a
  project helper returns or yields (a `with` helper) of those. A module-level, constant or service's `self`
  path is a whole folder tree and stays reported; a record's `self` (a model row: `records`) is one object.

The weight is blocking while the rule holds (one image is no batch); a batch gets its catalogue weight back.
Known limits: `ROOT / name` is summarised as `ROOT` (expressions.py), so a path built with `/` from a request
value reads as the root; a path passed in as a parameter is not judged (the caller's argument is not followed).
"""
from __future__ import annotations

from typing import Optional

from ..catalogue import Catalogue
from ..catalogue.offloads import TrivialRule
from .effects import Effect, replace
from .evaluate import Evaluator
from .ir import UNKNOWN, Attr, Call, CallSite, Const, Element, Expr, Items, Name, OneOf, Star, Subscript
from .parameters import arg_value
from .project import BoundExpr, BoundParam, Ctx, Project
from .values import External, FunctionRef, MethodRef
from .volume import FAMILY, DataVolume

_RECEIVERS = frozenset({"self", "cls"})  # the service itself, not a per-request object
_DEPTH = 4
_FILLS = frozenset({"append", "extend", "insert", "add"})  # list and set methods that fill one


class TrivialCost:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue,
                 volume: Optional[DataVolume] = None) -> None:
        self.p = project
        self.ev = evaluator
        self.off = catalogue.offloads
        self.work = catalogue.work
        # What makes a collection whole: the walk's own (reach.py), whose answers are memoised.
        self.volume = volume if volume is not None else DataVolume(project, evaluator, catalogue)
        self._mine: set[str] = set()  # the reasons this rule gave, to take back under a loop

    def apply(self, effects: list[Effect], cs: CallSite, ctx: Ctx) -> list[Effect]:
        """The effects of a call site (after its loops amplified them), bounded ones at low confidence."""
        if not len(self.off.trivial):
            return effects
        out: list[Effect] = []
        grown = bool(cs.loops) and self._grown(cs, ctx)  # in a loop over a list this function fills
        for effect in effects:
            if effect.held and not effect.before:  # the caller settled a callee's loop over its parameter
                effect = self._settled(effect, cs, ctx)
            if effect.guard:
                if effect.guard in self._mine and effect.loop and effect.before and not grown:
                    # A loop over a parameter: a batch unless the caller passes a small literal
                    # (`[photo]`, loops.py `at_call`), which gives the reason back.
                    effect = replace(effect, held=effect.guard, guard="")
                elif effect.guard in self._mine and (effect.loop or grown):  # a batch again, up the chain
                    source = self.volume.unbounded_source(cs.loops, ctx)
                    effect = self._per_row(effect, self.off.trivial.match(effect.leaf), source.text if source else "")
            elif not effect.loop and not grown and len(effect.chain) == 1:
                rule = self.off.trivial.match(effect.leaf)
                if rule is not None and self._holds(rule, effect.leaf, cs, ctx):
                    self._mine.add(rule.reason)  # (bounded by one item: blocking at most, until a loop repeats it)
                    effect = replace(effect, guard=rule.reason, retry=rule.cost_arg is None,
                                     weight="blocking" if effect.weight == "heavy" else effect.weight)
            out.append(effect)
        return out

    def _settled(self, effect: Effect, cs: CallSite, ctx: Ctx) -> Effect:
        """A loop over a parameter took the reason back (`held`), and the caller kept the loop (a small literal
        undoes it and gives the reason back: loops.py `at_call`): a whole table as the argument (`rows` left
        set by loops.py) or as this call site's loop makes it per-row work, anything else a batch of its own."""
        source = self.volume.unbounded_source(cs.loops, ctx) if not effect.rows else None
        loop = effect.loop if effect.rows else source.text if source is not None else ""
        return self._per_row(replace(effect, held="", rows=""), self.off.trivial.match(effect.leaf), loop)

    def _per_row(self, effect: Effect, rule: Optional[TrivialRule], loop: str) -> Effect:
        """One item's work taken back from low confidence by a loop: in a loop over a collection
        the request does not bound (volume.py), what grows is the number of rows, not the work of
        each (one upload's folder removed per row of a whole table): per-row work (GAL114) when
        the rule says what it does per row (`per_row`); else, in any other loop, its own code."""
        if rule is None or not rule.per_row or not loop or not self.volume.code:
            entry = self.work.match(effect.leaf)  # a batch of its own code: its own weight again, or what the loop made
            heavy = effect.weight == "heavy" or (entry is not None and entry.weight == "heavy")
            return replace(effect, guard="", retry=False, weight="heavy" if heavy else effect.weight)
        return replace(effect, family=FAMILY, code=self.volume.code, weight="heavy", detail=rule.per_row,
                       loop=loop, guard="", retry=False, rows="", before="")

    def _grown(self, cs: CallSite, ctx: Ctx) -> bool:
        """A loop over a list the function fills (`rows = []`, `rows.append(...)` in another loop):
        loops.py counts a list display as a few items, but this one holds a whole selection."""
        fn = self.p.function(ctx.module, ctx.function) if ctx.function else None
        if fn is None:
            return False
        for loop in cs.loops:
            if loop.kind not in ("for", "comprehension") or not isinstance(loop.iter, Name):
                continue
            name = loop.iter
            if any(isinstance(b, BoundExpr) and isinstance(b.binding, Items) for b in self.p.bindings(name.id, ctx)) \
                    and any(isinstance(c.func, Attr) and c.func.base == name and c.func.attr in _FILLS
                            for c in fn.scope.calls):
                return True
        return False

    def _holds(self, rule: TrivialRule, leaf: str, cs: CallSite, ctx: Ctx) -> bool:
        if rule.cost_arg is not None:
            factor = arg_value(cs.args, cs.kwargs, rule.cost_arg)
            if factor is None or not self._constant_below(factor, rule.below, ctx):
                return False
        if rule.path_arg is not None:
            path = self._path_argument(rule.path_arg, leaf, cs, ctx)
            if path is None or not self._own(path, ctx, 0):
                return False
        if rule.list_arg is not None:
            rows = self._path_argument(rule.list_arg, leaf, cs, ctx)
            if rows is None or not self._fixed_or_related(rows, cs, ctx):
                return False
        return True

    def _path_argument(self, position: int, leaf: str, cs: CallSite, ctx: Ctx) -> Optional[Expr]:
        """The path the call works on: its own argument, or, when the call is handed over as a
        value (`BackgroundTask(rmtree, path)`), the argument after it."""
        args = cs.args
        if any(isinstance(v, External) and v.name == leaf for v in self.ev.eval(cs.func, ctx)):
            found: Optional[int] = position
        else:
            found = next((i + 1 + position for i, a in enumerate(args) if not isinstance(a, Star)
                          and any(isinstance(v, External) and v.name == leaf for v in self.ev.eval(a, ctx))), None)
        if found is None or found >= len(args):
            return None
        arg = args[found]
        return None if isinstance(arg, Star) else arg

    def _constant_below(self, expr: Expr, below: int, ctx: Ctx) -> bool:
        """An int literal under `below`, or a name every binding of which is one (`ROUNDS = 2048`)."""
        if isinstance(expr, Const):
            return isinstance(expr.value, int) and not isinstance(expr.value, bool) and expr.value < below
        if isinstance(expr, Name):
            bindings = self.p.bindings(expr.id, ctx)
            return bool(bindings) and all(isinstance(b, BoundExpr) and isinstance(b.binding, Const)
                                          and self._constant_below(b.binding, below, b.ctx) for b in bindings)
        return False

    # -- rows built from one object's relations -------------------------------------------------

    def _fixed_or_related(self, rows: Expr, cs: CallSite, ctx: Ctx) -> bool:
        """Is this list built in the function from a fixed number of items, or by loops over
        relations of one per-request object only (`for t in device.templates.all(): rows.append(...)`)?"""
        fn = self.p.function(ctx.module, ctx.function) if ctx.function else None
        if fn is None:
            return False
        if isinstance(rows, Name):
            bindings = self.p.bindings(rows.id, ctx)
            if not bindings or not all(isinstance(b, BoundExpr) and b.ctx.function == ctx.function
                                       and isinstance(b.binding, Items) for b in bindings):
                return False
            items = [i for b in bindings if isinstance(b, BoundExpr) and isinstance(b.binding, Items)
                     for i in b.binding.items]
            feeders = [c for c in fn.scope.calls if isinstance(c.func, Attr) and c.func.base == rows
                       and c.func.attr in _FILLS]
        elif isinstance(rows, Items):
            items, feeders = list(rows.items), []
        else:
            return False
        # A comprehension is summarised as a list of its element: the element's call site (or its
        # loop variable) carries the comprehension's loop.
        feeders += [c for c in fn.scope.calls if any(isinstance(i, Call) and c.func == i.func and c.args == i.args
                                                    for i in items)]
        iterables: list[Expr] = [e for i in items if isinstance(i, Name) for b in self.p.bindings(i.id, ctx)
                                 if isinstance(b, BoundExpr) and isinstance(b.binding, Element)
                                 for e in [b.binding.iterable]]
        outer = {(loop.line, loop.kind) for loop in cs.loops}
        for c in feeders:
            iterables.extend(loop.iter if loop.iter is not None else UNKNOWN for loop in c.loops
                             if (loop.line, loop.kind) not in outer)
            if isinstance(c.func, Attr) and c.func.attr == "extend":
                iterables.extend(a for a in c.args if not isinstance(a, Star))
        return all(self._relation(e, ctx, 0) and not self.volume.unbounded(e, ctx) for e in iterables)

    def _relation(self, expr: Expr, ctx: Ctx, depth: int) -> bool:
        """A relation of one per-request object (`device.templates`, `.all()`, `.filter(...)` on it)."""
        if depth > _DEPTH:
            return False
        if isinstance(expr, Name):
            bindings = self.p.bindings(expr.id, ctx)
            return bool(bindings) and all(
                isinstance(b, BoundExpr) and b.ctx.function is not None and not isinstance(b.binding, Element)
                and self._relation(b.binding, b.ctx, depth + 1)  # type: ignore[arg-type]
                for b in bindings)
        if isinstance(expr, Call) and isinstance(expr.func, Attr):  # a queryset method on the relation
            return self._relation(expr.func.base, ctx, depth + 1)
        if isinstance(expr, Attr):
            return self._request_value(expr.base, ctx, 0)
        return False

    # -- one object's own path ------------------------------------------------------------------

    def _names(self, func: Expr, ctx: Ctx) -> list[str]:
        names = [v.name for v in self.ev.eval(func, ctx) if isinstance(v, External)]
        if not names and isinstance(func, Attr):
            names = [f"?.{func.attr}"]  # an unresolved receiver: matched by the method's name (`*.joinpath`)
        return names

    def _own(self, expr: Expr, ctx: Ctx, depth: int) -> bool:
        """Is this path one object's own folder (or a fresh temporary one)?"""
        if depth > _DEPTH:
            return False
        if isinstance(expr, OneOf):
            return all(self._own(o, ctx, depth + 1) for o in expr.options)
        if isinstance(expr, Attr):  # event.image_dir: a folder of a per-request object
            return self._request_value(expr.base, ctx, 0)
        if isinstance(expr, Name):
            bindings = self.p.bindings(expr.id, ctx)
            return bool(bindings) and all(
                isinstance(b, BoundExpr) and b.ctx.function is not None and not isinstance(b.binding, Element)
                and self._own(b.binding, b.ctx, depth + 1)  # type: ignore[arg-type]
                for b in bindings)
        if isinstance(expr, Call):
            names = self._names(expr.func, ctx)
            if any(self.off.fresh_names.match(n) for n in names):
                return True
            if any(self.off.path_joins.match(n) for n in names):
                parts = [a for a in expr.args if not isinstance(a, Star)] + [v for k, v in expr.kwargs if k]
                return any(self._request_value(a, ctx, 0) for a in parts)
            returned = [(v, fn.return_values) for v in self.ev.eval(expr.func, ctx)
                        if isinstance(v, (FunctionRef, MethodRef))
                        for fn in [self.p.function(v.module, v.qualname)] if fn is not None]
            return bool(returned) and all(
                values and all(self._own(r, Ctx(v.module, v.qualname), depth + 1) for r in values)
                for v, values in returned)
        return False

    def _request_value(self, expr: Expr, ctx: Ctx, depth: int) -> bool:
        """Does this value come from the request: a parameter (not `self`), a local computed from
        one, a fresh name? Module-level names, constants and a service's `self` do not (a record's do)."""
        if depth > _DEPTH:
            return False
        if isinstance(expr, Name):
            if expr.id in _RECEIVERS:
                return expr.id == "self" and self._record(ctx)
            for b in self.p.bindings(expr.id, ctx):
                if b.ctx.function is None:
                    continue  # a module-level name: the same for every request
                if isinstance(b, BoundParam):
                    return True
                if isinstance(b, BoundExpr):
                    value = b.binding.iterable if isinstance(b.binding, Element) else b.binding
                    if self._request_value(value, b.ctx, depth + 1):  # type: ignore[arg-type]
                        return True
            return False
        if isinstance(expr, Attr):
            return self._request_value(expr.base, ctx, depth + 1)
        if isinstance(expr, Subscript):
            return self._request_value(expr.base, ctx, depth + 1) or self._request_value(expr.key, ctx, depth + 1)
        if isinstance(expr, Call):
            if any(self.off.fresh_names.match(n) for n in self._names(expr.func, ctx)):
                return True
            parts = [a.value if isinstance(a, Star) else a for a in expr.args] + [v for _k, v in expr.kwargs]
            return self._request_value(expr.func, ctx, depth + 1) or any(
                self._request_value(a, ctx, depth + 1) for a in parts)
        if isinstance(expr, (Items, OneOf)):
            items = expr.items if isinstance(expr, Items) else expr.options
            return any(self._request_value(e, ctx, depth + 1) for e in items)
        return False

    def _record(self, ctx: Ctx) -> bool:
        """In a method of a record (offloads.yaml `records`: a model row), `self` is that one object."""
        fn = self.p.function(ctx.module, ctx.function) if ctx.function is not None else None
        if fn is None or fn.cls is None or not len(self.off.records):
            return False
        return any(self.off.records.match(name) for name in self.ev.classes.mro(ctx.module, fn.cls)[1])
