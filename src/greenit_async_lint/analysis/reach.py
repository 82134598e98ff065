"""Follow calls from a function into the project and collect the long or blocking work it reaches.

The effects of a function (the catalogued calls it reaches, each with the chain of calls that
leads there) do not depend on which handler reached it, so they are computed once per function
and memoised. The context of a call site transforms them on the way up: a loop with no small
bound amplifies blocking work to heavy; a thread wrapper takes it off the event loop; a queue
takes it out of the request. Chains longer than `max_depth` are dropped; functions that call each
other are settled together (walk.py), so no result depends on which handler came first.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..catalogue import Catalogue
from ..catalogue.patterns import PatternTable
from ..catalogue.work import BOUNDED_WAIT
from .builders import QueryBuilders
from .cascades import CascadeDeletes
from .effects import Effect, Hop, best_effects, call_hop, replace, with_hop
from .fallbacks import fallbacks
from .evaluate import Evaluator
from .guards import GuardCheck
from .guesses import guessed
from .hooks import FrameworkHooks
from .ir import CallSite, Expr, Loop, Star
from .loops import LoopBounds, amplified
from .parameters import arg_value
from .passed import PassedValues
from .pathconds import PathConditions, cleared
from .pools import PoolUse
from .receivers import ReceiverReuse
from .project import Ctx, Project
from .results import CatalogueResults
from .signals import SignalIndex
from .sourcetext import dotted
from .trivial import TrivialCost
from .values import (Callee, Candidates, ClassKey, ClassRef, External, FunctionRef, Instance, MethodRef,
                     Value)
from .walk import CycleWalk
from .walks import TreeWalks

FunctionKey = tuple[int, str, Optional[ClassKey]]  # a function, and the class of its `self` if inherited

_CONTEXT_METHODS = frozenset({"__enter__", "__exit__", "__aenter__", "__aexit__"})
_CONSUMERS = frozenset(f"builtins.{n}" for n in ("list", "tuple", "set", "sorted", "len", "sum", "min", "max", "any", "all", "dict"))


class Reach:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue,
                 max_depth: int = 8, amplify: bool = True) -> None:
        self.p = project
        self.ev = evaluator
        self.cat = catalogue
        self.off = catalogue.offloads
        self.max_depth = max_depth
        self.amplify = amplify
        self.signals = SignalIndex(project, evaluator, catalogue)
        self.loops = LoopBounds(project, evaluator, catalogue)
        self.walks = TreeWalks(project, evaluator, catalogue, self.loops.volume)  # a function recursing per entry
        empty: tuple[Effect, ...] = ()
        self._walk = CycleWalk(max_depth, self._body_effects, empty, self._walk_order)
        self.pools = PoolUse(project, evaluator, catalogue.offloads)
        self.hooks = FrameworkHooks(self)
        self.conds = PathConditions(project, evaluator)  # arguments prune the branches they guard
        self.guards = GuardCheck(project, catalogue, evaluator, self.conds.defaults)
        self.trivial = TrivialCost(project, evaluator, catalogue, self.loops.volume)  # one image, one object's folder
        self.results = CatalogueResults(catalogue.work)  # `ping.items()` on a broadcast's reply is no broadcast
        self.cascades = CascadeDeletes(project, evaluator, catalogue)  # session.delete(obj): obj's model decides
        self.builders = QueryBuilders(project, catalogue.volume.query_builders)  # `.exists()`: no query of its own
        self._builds_only: dict[tuple[int, Ctx], bool] = {}
        self._plain: dict[str, bool] = {}  # outside names by whether no offload table matches them
        off = catalogue.offloads  # (one table for that question: a new name's globs tried once, not five times)
        self._offload_calls = PatternTable.any_of(
            (off.enqueue_calls, off.background, off.threads, off.pool_submits, off.pool_waits))
        self.receivers = ReceiverReuse(self)
        self.passed = PassedValues(self)  # what a callee does with a call site's arguments

    # -- functions ----------------------------------------------------------------------------

    def callee_effects(self, callee: Callee, bound: bool = False) -> tuple[Effect, ...]:
        """The work a project function or bound method reaches."""
        receiver = callee.receiver if isinstance(callee, MethodRef) else None
        return self.function_effects(callee.module, callee.qualname, receiver, bound)

    def function_effects(self, mi: int, qualname: str, receiver: Optional[ClassKey] = None,
                         bound: bool = False) -> tuple[Effect, ...]:
        """The work a function reaches; `receiver` is the class of `self` when the method is
        inherited, so that `self.hook()` finds the subclass's override. Its conditions on its own
        parameters are kept only for a call site that binds them (`bound`: pathconds.resolve)."""
        if self.p.function(mi, qualname) is None:
            return ()
        if receiver is not None and self.receivers.own_class_walk(mi, qualname, receiver):
            receiver = None  # nothing it reads through `self` differs on that class (receivers.py)
        found = self._walk.result((mi, qualname, receiver))
        return found if bound or not any(e.conds for e in found) else tuple(cleared(found))

    def _body_effects(self, key: FunctionKey) -> tuple[Effect, ...]:
        """The work reached from a function's own call sites (the walk memoises it)."""
        mi, qualname, receiver = key
        if (fn := self.p.function(mi, qualname)) is None:
            return ()
        effects: list[Effect] = []
        ctx = Ctx(mi, qualname, receiver)
        skipped = fallbacks(fn.scope.calls) if any(cs.guards for cs in fn.scope.calls) else frozenset()
        for i, cs in enumerate(fn.scope.calls):
            if i not in skipped:  # (`except TypeError:` repeating a call with fewer arguments: fallbacks.py)
                effects.extend(self.call_effects(cs, ctx))
        return tuple(best_effects(effects))

    def _walk_order(self, key: FunctionKey) -> tuple[object, ...]:
        """Functions by file and name, not by module index (which follows the order files were read)."""
        mi, qualname, receiver = key
        owner = (self.p.mods[receiver[0]].path, receiver[1]) if receiver is not None else ("", "")
        return (self.p.mods[mi].path, qualname, owner)

    # -- call sites ---------------------------------------------------------------------------

    def call_effects(self, cs: CallSite, ctx: Ctx) -> list[Effect]:
        hop = call_hop(self.p.mods[ctx.module].path, cs.line, cs.col, cs.text)
        out: list[Effect] = []
        for target in self.ev.eval(cs.func, ctx):
            out.extend(self.target_effects(target, cs, ctx, hop))
            rows = self.loops.volume.row_effects(target, hop)  # (by name: a builder is looked for only then)
            if rows and not (isinstance(target, External) and self.builds_only(cs, ctx)):
                out.extend(rows)
            out.extend(self.cascades.effects(target, cs, ctx, hop))
        out.extend(self.hooks.implicit_effects(cs, ctx, hop))
        out.extend(self.signal_effects(cs, ctx, hop))
        out.extend(self.walks.at_call(cs, ctx, hop))
        return self.judged(out, cs, ctx)

    def judged(self, out: list[Effect], cs: CallSite, ctx: Ctx) -> list[Effect]:
        """The work a call site reaches, as its loops, guards and conditions make it."""
        if not out:  # most call sites reach nothing: no loop, guard or condition to judge
            return out
        if self.amplify:
            out = self.loops.amplify(out, cs.loops, ctx)
        out = self.trivial.apply(out, cs, ctx)  # bounded by one item: low confidence outside a loop
        if cs.guards:  # work under a create-if-missing, debug-flag or retry guard: low confidence
            out = self.guards.apply(out, cs, ctx)
        out = self.conds.own(out, cs, ctx)
        return [e for e in out if len(e.chain) <= self.max_depth]

    def target_effects(self, target: Value, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        if isinstance(target, External):
            return self.external_effects(target, cs, ctx, hop)
        if isinstance(target, (FunctionRef, MethodRef)):
            return self.project_call_effects(target, cs, ctx, hop)
        if isinstance(target, (ClassRef, Instance)):
            # Calling a class runs its __init__; calling an instance, its __call__.
            method = "__init__" if isinstance(target, ClassRef) else "__call__"
            found = self.ev.classes.attr(target.module, target.qualname, method, True)
            return [e for v in found if isinstance(v, MethodRef)
                    for e in self.prefixed(hop, self.conds.resolve(list(self.callee_effects(v, True)), v, cs, ctx))]
        if isinstance(target, Candidates):
            return [e for t in target.values for e in self.target_effects(t, cs, ctx, hop)]
        return []  # fattr (task.delay: queued), modules, lookups

    def project_call_effects(self, target: Callee, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        mi, qualname = target.module, target.qualname
        if (fn := self.p.function(mi, qualname)) is None:
            return []
        if self.ev.decorated_by(mi, fn, self.off.once_per_process):
            return []  # @lru_cache: the body runs once per process and argument, not in every request
        # (with what the callee does with this call's arguments: a function, a class or an object passed in)
        effects = [*self.callee_effects(target, True), *self.passed.effects(target, fn, cs, ctx)]
        effects = self.conds.resolve(effects, target, cs, ctx)
        effects = self.cascades.at_call(effects, target, cs, ctx)  # a deleted parameter: this argument decides
        effects = list(self.prefixed(hop, guessed(self.ev, target, cs, ctx, effects)))
        if self.ev.decorated_by(mi, fn, self.off.threads):  # @sync_to_async: runs in a thread
            effects = [self.carried(replace(e, on_loop=False), "thread-offload", cs.text) if e.weight == "heavy"
                       else replace(e, on_loop=False) for e in effects]
        queue = self.ev.task_queue(mi, fn)
        if queue is not None:
            if queue.direct_call_enqueues:
                return []  # calling a Huey task queues it
            return [self.carried(e, "task-called-directly", cs.text) for e in effects]
        return effects

    def external_effects(self, target: External, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        name = target.name
        plain = self._plain.get(name)
        if plain is None:  # (most names are no offload: one lookup instead of a table each)
            plain = self._plain[name] = self._offload_calls.match(name) is None
        if not plain:
            offloaded = self.offloaded(target, cs, ctx, hop)
            if offloaded is not None:
                return offloaded
        if cs.tail in _CONTEXT_METHODS:
            return []  # entering `requests.Session()` sends nothing: only project managers are followed
        if name in _CONSUMERS and cs.args:
            # list(queryset): consuming a lazy collection of a project model runs its query.
            return [Effect(e.family, e.code, e.weight, e.scope, f"{v.name}.__iter__", (hop,))
                    for v in self.ev.eval_arg(cs.args[0], ctx) if isinstance(v, External) and v.subject is not None
                    for e in [self.cat.work.match(f"{v.name}.__iter__")] if e is not None]
        if cs.tail == "__iter__" and target.subject is None:
            return []  # iterating an outside result (rows already fetched) is no new work
        entry = self.cat.work.match(name)
        if entry is None or (target.subject is None and self.results.on_result(name)) or self.builds_only(cs, ctx):
            return []
        strings = self.ev.strings(cs.args, ctx) if entry.upgrades else ()
        upgraded = self.cat.work.upgrade(entry, strings, self.cat.family_code)
        detail = ""
        if upgraded is not entry:
            words = {w.rsplit("/", 1)[-1] for s in strings for w in s.split()}
            detail = next((u for up in entry.upgrades for u in sorted(up.words) if u in words), "")
        weight = upgraded.weight
        if weight == "heavy" and entry.timeout is not None and self.loops.counters.seconds_at_most(
                arg_value(cs.args, cs.kwargs, entry.timeout), ctx, BOUNDED_WAIT):
            weight = "blocking"  # `res.get(5)`: a wait of a few seconds, not the whole job
        return [Effect(upgraded.family, upgraded.code, weight, upgraded.scope, name, (hop,), detail,
                       awaited=upgraded.awaited)]

    def offloaded(self, target: External, cs: CallSite, ctx: Ctx, hop: Hop) -> Optional[list[Effect]]:
        """What a call of a queue, a background task, a thread or a pool carries (None: the call
        is none of these here, and is judged as any other outside call)."""
        name, off = target.name, self.off
        if off.enqueue_calls.match(name) is not None:
            return []  # the work goes to a queue: the remedy
        # The callable's loops over its parameters are judged by the arguments handed after it
        # (`add_task(announce, pid, [URL])`: one URL), before deciding what is heavy (loops.at_call).
        spec = off.background.match(name)
        if spec is not None:
            return [self.carried(e, "in-process-background", cs.text)
                    for e in self.loops.at_call(self.callable_effects(arg_value(cs.args, cs.kwargs, spec), ctx, hop), ctx)
                    if e.weight == "heavy"]
        spec = off.threads.match(name)
        if spec is not None:
            inner = self.loops.at_call(self.callable_effects(arg_value(cs.args, cs.kwargs, spec), ctx, hop), ctx)
            return [self.carried(replace(e, on_loop=False), "thread-offload", cs.text) if e.weight == "heavy"
                    else replace(e, on_loop=False) for e in inner]
        spec = off.pool_submits.match(name)
        if spec is not None:
            inner = self.callable_effects(arg_value(cs.args, cs.kwargs, spec), ctx, hop)
            mapped = cs.args[spec.iterable] if spec.iterable is not None and spec.iterable < len(cs.args) else None
            if isinstance(mapped, Star) and self.amplify:  # pool.map(fn, *columns): not known to be small
                inner = [amplified(e, Loop(cs.line, "map", None, "<expr>")) for e in inner]
            elif mapped is not None and not isinstance(mapped, Star) and self.amplify and not self.loops.bounded(mapped, ctx):
                inner = [amplified(e, Loop(cs.line, "map", mapped, dotted(mapped))) for e in inner]
            if ctx.function is not None and self.pools.waits(ctx.module, ctx.function):
                return [self.carried(replace(e, on_loop=False), "waited-pool", cs.text) for e in inner]
            return [self.carried(e, "in-process-background", cs.text) for e in inner if e.weight == "heavy"]
        if off.pool_waits.match(name) and ctx.function is not None and self.pools.submits(ctx.module, ctx.function):
            return []  # waiting on the pool this function fed: reported once, at the submit (GAL204)
        return None

    def builds_only(self, cs: CallSite, ctx: Ctx) -> bool:
        """A query builder (`.exists()`, builders.py) the catalogue does not take for a query
        itself, or a link of a chain it ends: the chain runs nothing of its own."""
        # Asked twice per outside target (its work, its per-row work); call sites live as long
        # as the project, so their identity is a stable key.
        key = (id(cs), ctx)
        found = self._builds_only.get(key)
        if found is None:
            builder = cs if cs.tail in self.builders.builders else self.builders.builder_of(cs, ctx)
            found = self._builds_only[key] = builder is not None and not any(
                isinstance(v, External) and self.cat.work.match(v.name) is not None
                and not (v.subject is None and self.results.on_result(v.name)) for v in self.ev.eval(builder.func, ctx))
        return found

    def callable_effects(self, expr: Optional[Expr], ctx: Ctx, hop: Hop) -> list[Effect]:
        """Effects of a function handed over as a value (to a thread, a pool, a background task)."""
        if expr is None:
            return []
        out: list[Effect] = []
        for value in self.ev.eval(expr, ctx):
            if isinstance(value, (FunctionRef, MethodRef)):
                out.extend(self.prefixed(hop, self.callee_effects(value)))
            elif isinstance(value, External):
                entry = self.cat.work.match(value.name)
                if entry is not None:
                    out.append(Effect(entry.family, entry.code, entry.weight, entry.scope, value.name, (hop,)))
                # `sync_to_async(report.save)`: the save still sends its signals.
                sender = set(self.ev.classes.mro(*value.subject)[0]) if value.subject is not None else None
                for rmi, rq, line in self.signals.triggered_by([value.name], sender):
                    receiver = Hop(self.p.mods[rmi].path, line, 1, rq)
                    out.extend(self.prefixed(hop, self.prefixed(receiver, self.function_effects(rmi, rq))))
        return out

    def signal_effects(self, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        out: list[Effect] = []
        triggered = self.signals.triggered(cs, ctx)
        rows = self.signals.per_row(cs, ctx, self.loops.volume) if triggered and self.amplify else None
        for rmi, rq, line in triggered:
            receiver = Hop(self.p.mods[rmi].path, line, 1, rq)
            found = self.prefixed(hop, self.prefixed(receiver, self.function_effects(rmi, rq)))
            # queryset.delete(): the receivers run once per row deleted (signals.py per_row)
            out.extend(self.loops.amplify(found, (rows,), ctx) if rows is not None else found)
        return out

    # -- helpers ------------------------------------------------------------------------------

    def prefixed(self, hop: Hop, effects: Iterable[Effect]) -> list[Effect]:
        return [with_hop(e, hop) for e in effects if len(e.chain) < self.max_depth]

    @staticmethod
    def carried(effect: Effect, via: str, call: str) -> Effect:
        return effect if effect.via else replace(effect, via=via, via_call=call)
