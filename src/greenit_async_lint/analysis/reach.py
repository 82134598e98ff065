"""Follow calls from a function into the project and collect the long or blocking work it reaches.

The effects of a function (the catalogued calls it reaches, each with the chain of calls that
leads there) do not depend on which handler reached it, so they are computed once per function
and memoised. The context of a call site transforms them on the way up: a loop with no small
bound amplifies blocking work to heavy; a thread wrapper takes it off the event loop; a queue
takes it out of the request. Cycles are cut; chains longer than `max_depth` are dropped.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from typing import Iterable, Optional

from ..catalogue import Catalogue
from .evaluate import Evaluator, arg_value
from .ir import CallSite, Expr, Function, Loop
from .sourcetext import dotted
from .project import Ctx, Project
from .signals import SignalIndex

_SMALL = 16  # a loop over at most this many known items is bounded
_CONTEXT_METHODS = frozenset({"__enter__", "__exit__", "__aenter__", "__aexit__"})
_CONSUMERS = frozenset(f"builtins.{n}" for n in ("list", "tuple", "set", "sorted", "len", "sum", "min", "max", "any", "all", "dict"))


@dataclass(frozen=True)
class Hop:
    path: str
    line: int
    col: int
    call: str


@dataclass(frozen=True)
class Effect:
    family: str
    code: str
    weight: str  # heavy, blocking, poll
    scope: str  # any, async
    leaf: str  # qualified name of the catalogued call
    chain: tuple  # of Hop, from the call site in the function down to the catalogued call
    detail: str = ""  # the program a command line runs, for messages
    on_loop: bool = True  # False once a thread wrapper or pool runs it
    loop: str = ""  # the unbounded loop that amplified it
    via: str = ""  # a fake-offload family that carries it (task called directly, thread wrapper...)
    via_call: str = ""
    in_thread: bool = False  # runs in a sync worker thread the user waits for (a sync dependency)

    def key(self) -> tuple:
        first = self.chain[0] if self.chain else None
        site = (first.path, first.line, first.col) if first else None
        return (site, self.code, self.via, self.weight, self.scope, self.on_loop, self.leaf, bool(self.loop))


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
        self._effects: dict[tuple, tuple] = {}
        self._busy: set[tuple] = set()
        self._stack: list[tuple] = []
        self._cut = False  # the current walk met the depth bound
        self._waits: dict[tuple, bool] = {}
        self._bounded: dict = {}
        self.implicit = [rule for fw in catalogue.frameworks for rule in fw.implicit_calls]

    # -- functions ----------------------------------------------------------------------------

    def function_effects(self, mi: int, qualname: str, *receiver: tuple) -> tuple:
        """The work a function reaches; `receiver` is the class of `self` when the method is
        inherited, so that `self.hook()` finds the subclass's override."""
        key = (mi, qualname, *receiver)
        found = self._effects.get(key)
        if found is not None:
            return found
        # The walk is bounded by max-depth before it recurses (a chain of 300 helpers must not
        # overflow Python's stack): effects deeper than the budget would be dropped anyway. A
        # result cut short by the budget is complete only for that budget, so it is memoised
        # under it; a result that never met the bound is memoised for every caller.
        budget = self.max_depth - len(self._stack)
        found = self._effects.get((*key, "budget", budget))
        if found is not None:
            return found
        if key in self._busy:
            return ()  # a cycle: the work is counted where the cycle was entered
        if budget <= 0:
            self._cut = True
            return ()
        fn = self.p.function(mi, qualname)
        if fn is None:
            return ()
        self._busy.add(key)
        self._stack.append(key)
        outer_cut, self._cut = self._cut, False
        try:
            effects: list[Effect] = []
            for cs in fn.scope.calls:
                effects.extend(self.call_effects(cs, key, fn))
        finally:
            self._busy.discard(key)
            self._stack.pop()
            cut, self._cut = self._cut, outer_cut or self._cut
        result = tuple(best_effects(effects))
        self._effects[(*key, "budget", budget) if cut else key] = result
        return result

    def waits(self, mi: int, qualname: str) -> bool:
        """Does this function wait for pooled work (a future's result, a thread's join)?"""
        key = (mi, qualname)
        if key not in self._waits:
            fn = self.p.function(mi, qualname)
            self._waits[key] = fn is not None and any(
                self.off.pool_waits.match(v[1]) for cs in fn.scope.calls
                for v in self.ev.eval(cs.func, key) if v[0] == "ext")
        return self._waits[key]

    def submits(self, mi: int, qualname: str) -> bool:
        """Does this function hand work to a pool or thread?"""
        key = (mi, qualname, "submits")
        if key not in self._waits:
            fn = self.p.function(mi, qualname)
            self._waits[key] = fn is not None and any(
                self.off.pool_submits.match(v[1]) for cs in fn.scope.calls
                for v in self.ev.eval(cs.func, (mi, qualname)) if v[0] == "ext")
        return self._waits[key]

    # -- call sites ---------------------------------------------------------------------------

    def call_effects(self, cs: CallSite, ctx: Ctx, fn: Optional[Function]) -> list[Effect]:
        hop = Hop(self.p.mods[ctx[0]].path, cs.line, cs.col, cs.text)
        out: list[Effect] = []
        for target in self.ev.eval(cs.func, ctx):
            out.extend(self.target_effects(target, cs, ctx, hop))
        out.extend(self.implicit_effects(cs, ctx, hop))
        out.extend(self.signal_effects(cs, ctx, hop))
        loop = self.unbounded_loop(cs.loops, ctx)
        if loop is not None and self.amplify:
            out = [self.amplified(e, loop) for e in out]
        return [e for e in out if len(e.chain) <= self.max_depth]

    def amplified(self, effect: Effect, loop: Loop) -> Effect:
        if effect.scope != "any":
            return effect  # a query per row is slow, but the event-loop rule already covers it
        if effect.weight in ("blocking", "poll"):
            return replace(effect, weight="heavy", loop=effect.loop or loop.text)
        return effect if effect.loop else replace(effect, loop=loop.text)

    def target_effects(self, target: tuple, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        kind = target[0]
        if kind == "ext":
            return self.external_effects(target, cs, ctx, hop)
        if kind in ("fn", "meth"):
            return self.project_call_effects(target, cs, ctx, hop)
        if kind == "cls":
            init = self.ev.class_attr(target[1], target[2], "__init__", True)
            return [e for v in init if v[0] == "meth" for e in self.prefixed(hop, self.function_effects(*v[1:]))]
        if kind == "inst":
            call = self.ev.class_attr(target[1], target[2], "__call__", True)
            return [e for v in call if v[0] == "meth" for e in self.prefixed(hop, self.function_effects(*v[1:]))]
        if kind == "cands":
            return [e for t in target[1] for e in self.target_effects(t, cs, ctx, hop)]
        return []  # fattr (task.delay: queued), modules, lookups

    def project_call_effects(self, target: tuple, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        mi, qualname = target[1], target[2]
        fn = self.p.function(mi, qualname)
        if fn is None:
            return []
        if self.ev.decorated_by(mi, fn, self.off.once_per_process):
            return []  # @lru_cache: the body runs once per process and argument, not in every request
        effects = list(self.prefixed(hop, self.function_effects(mi, qualname, *target[3:])))
        effects.extend(self.passed_callable_effects(target, fn, cs, ctx, hop))
        if self.ev.decorated_by(mi, fn, self.off.threads):  # @sync_to_async: runs in a thread
            effects = [self.carried(replace(e, on_loop=False), "thread-offload", cs.text) if e.weight == "heavy"
                       else replace(e, on_loop=False) for e in effects]
        queue = self.ev.task_queue(mi, fn)
        if queue is not None:
            if queue.direct_call_enqueues:
                return []  # calling a Huey task queues it
            return [self.carried(e, "task-called-directly", cs.text) for e in effects]
        return effects

    def passed_callable_effects(self, target: tuple, fn: Function, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        """Functions passed as arguments run where the callee calls that parameter."""
        called = {c.func[1]: c for c in fn.scope.calls if c.func[0] == "n"}
        if not called:
            return []
        params = [p for p in fn.params if p.kind in ("pos", "kwonly")]
        offset = 1 if target[0] == "meth" and fn.kind != "staticmethod" else 0
        bound: list[tuple[str, Expr]] = []
        for i, arg in enumerate(cs.args):
            if arg[0] != "*" and i + offset < len(params):
                bound.append((params[i + offset].name, arg))
        bound.extend((name, value) for name, value in cs.kwargs if name)
        out: list[Effect] = []
        for name, arg in bound:
            inner = called.get(name)
            if inner is None:
                continue
            inner_hop = Hop(self.p.mods[target[1]].path, inner.line, inner.col, inner.text)
            for value in self.ev.eval(arg, ctx):
                if value[0] in ("fn", "meth"):
                    nested = self.function_effects(*value[1:])
                    out.extend(self.prefixed(hop, self.prefixed(inner_hop, nested)))
        return out

    def external_effects(self, target: tuple, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        name = target[1]
        off = self.off
        if off.enqueue_calls.match(name) is not None:
            return []  # the work goes to a queue: the remedy
        spec = off.background.match(name)
        if spec is not None:
            return [self.carried(e, "in-process-background", cs.text)
                    for e in self.callable_effects(arg_value(cs.args, cs.kwargs, spec), ctx, hop)
                    if e.weight == "heavy"]
        spec = off.threads.match(name)
        if spec is not None:
            inner = self.callable_effects(arg_value(cs.args, cs.kwargs, spec), ctx, hop)
            return [self.carried(replace(e, on_loop=False), "thread-offload", cs.text) if e.weight == "heavy"
                    else replace(e, on_loop=False) for e in inner]
        spec = off.pool_submits.match(name)
        if spec is not None:
            inner = self.callable_effects(arg_value(cs.args, cs.kwargs, spec), ctx, hop)
            mapped = cs.args[spec.iterable] if spec.iterable is not None and spec.iterable < len(cs.args) else None
            if mapped is not None and self.amplify and not self.bounded(mapped, ctx):
                inner = [self.amplified(e, Loop(cs.line, "map", mapped, dotted(mapped))) for e in inner]
            if ctx[1] is not None and self.waits(ctx[0], ctx[1]):
                return [self.carried(replace(e, on_loop=False), "waited-pool", cs.text) for e in inner]
            return [self.carried(e, "in-process-background", cs.text) for e in inner if e.weight == "heavy"]
        if off.pool_waits.match(name) and ctx[1] is not None and self.submits(ctx[0], ctx[1]):
            return []  # waiting on the pool this function fed: reported once, at the submit (GAL204)
        if cs.tail in _CONTEXT_METHODS:
            return []  # entering `requests.Session()` sends nothing: only project managers are followed
        if name in _CONSUMERS and cs.args:
            # list(queryset): consuming a lazy collection of a project model runs its query.
            return [Effect(e.family, e.code, e.weight, e.scope, f"{v[1]}.__iter__", (hop,))
                    for v in self.ev.eval(cs.args[0], ctx) if v[0] == "ext" and len(v) > 2
                    for e in [self.cat.work.match(f"{v[1]}.__iter__")] if e is not None]
        if cs.tail == "__iter__" and (len(target) < 3):
            return []  # iterating an outside result (rows already fetched) is no new work
        entry = self.cat.work.match(name)
        if entry is None:
            return []
        strings = self.ev.strings(cs.args, ctx) if entry.upgrades else ()
        upgraded = self.cat.work.upgrade(entry, strings, self.cat.family_code)
        detail = ""
        if upgraded is not entry:
            words = {w.rsplit("/", 1)[-1] for s in strings for w in s.split()}
            detail = next((u for up in entry.upgrades for u in sorted(up.words) if u in words), "")
        return [Effect(upgraded.family, upgraded.code, upgraded.weight, upgraded.scope, name, (hop,), detail)]

    def callable_effects(self, expr: Optional[Expr], ctx: Ctx, hop: Hop) -> list[Effect]:
        """Effects of a function handed over as a value (to a thread, a pool, a background task)."""
        if expr is None:
            return []
        out: list[Effect] = []
        for value in self.ev.eval(expr, ctx):
            if value[0] in ("fn", "meth"):
                out.extend(self.prefixed(hop, self.function_effects(*value[1:])))
            elif value[0] == "ext":
                entry = self.cat.work.match(value[1])
                if entry is not None:
                    out.append(Effect(entry.family, entry.code, entry.weight, entry.scope, value[1], (hop,)))
                # `sync_to_async(report.save)`: the save still sends its signals.
                sender = set(self.ev.mro(*value[2])[0]) if len(value) > 2 else None
                for rmi, rq, line in self.signals.triggered_by([value[1]], sender):
                    receiver = Hop(self.p.mods[rmi].path, line, 1, rq)
                    out.extend(self.prefixed(hop, self.prefixed(receiver, self.function_effects(rmi, rq))))
        return out

    def hook_effects(self, classes: list, patterns: tuple, hop: Hop) -> list[Effect]:
        """Effects of the project methods matching `patterns` in these classes, as hooks."""
        out: list[Effect] = []
        for cmi, cq in classes:
            cls = self.p.klass(cmi, cq)
            if cls is None:
                continue
            for name, mq in cls.methods.items():
                if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                    fn = self.p.function(cmi, mq)
                    hook = Hop(self.p.mods[cmi].path, fn.line if fn else cls.line, 1, f"{cq}.{name}")
                    out.extend(self.prefixed(hop, self.prefixed(hook, self.function_effects(cmi, mq))))
        return out

    def implicit_effects(self, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        """Framework hooks a call runs: `form.is_valid()` runs the form's `clean_*` methods,
        `Photo.objects.create()` runs Photo's `save()` override."""
        if not self.implicit or cs.func[0] != "a":
            return []
        attr = cs.func[2]
        out: list[Effect] = []
        for target in self.ev.eval(cs.func, ctx):
            if target[0] == "ext" and len(target) > 2:
                for rule in self.implicit:
                    if rule.names.match(target[1]):
                        out.extend(self.hook_effects(self.ev.mro(*target[2])[0], rule.calls, hop))
        for base in self.ev.eval(cs.func[1], ctx):
            if base[0] in ("inst", "cls"):
                out.extend(self.inherited_call_effects(base, attr, hop))
        return out

    def inherited_call_effects(self, base: tuple, attr: str, hop: Hop) -> list[Effect]:
        """What calling an outside-defined method `attr` on a project instance runs: the hooks
        the framework calls from it, and for a model form's save, the model's save and signals."""
        if any(v[0] != "ext" for v in self.ev.class_attr(base[1], base[2], attr, True)):
            return []  # the project defines it: followed as an ordinary call
        classes, external = self.ev.mro(base[1], base[2])
        out: list[Effect] = []
        for rule in self.implicit:
            if attr not in rule.methods or not any(rule.on.match(e) for e in external):
                continue
            out.extend(self.hook_effects(classes, rule.calls, hop))
            for model in self.attribute_path(base, rule.model):
                model_classes = self.ev.mro(model[1], model[2])[0]
                methods = tuple(name.rsplit(".", 1)[-1] for name in rule.model_calls)
                out.extend(self.hook_effects(model_classes, methods, hop))
                for rmi, rq, line in self.signals.triggered_by(list(rule.model_calls), set(model_classes)):
                    receiver = Hop(self.p.mods[rmi].path, line, 1, rq)
                    out.extend(self.prefixed(hop, self.prefixed(receiver, self.function_effects(rmi, rq))))
        return out

    def attribute_path(self, base: tuple, path: str) -> list[tuple]:
        """The project classes at a dotted class-attribute path (`Meta.model` of a model form)."""
        if not path:
            return []
        values = [("cls", base[1], base[2])]
        for part in path.split("."):
            values = [v for c in values if c[0] == "cls" for v in self.ev.class_attr(c[1], c[2], part, False)]
        return [v for v in values if v[0] == "cls"]

    def signal_effects(self, cs: CallSite, ctx: Ctx, hop: Hop) -> list[Effect]:
        out: list[Effect] = []
        for rmi, rq, line in self.signals.triggered(cs, ctx):
            receiver = Hop(self.p.mods[rmi].path, line, 1, rq)
            out.extend(self.prefixed(hop, self.prefixed(receiver, self.function_effects(rmi, rq))))
        return out

    # -- helpers ------------------------------------------------------------------------------

    def prefixed(self, hop: Hop, effects: Iterable[Effect]) -> list[Effect]:
        return [replace(e, chain=(hop, *e.chain)) for e in effects if len(e.chain) < self.max_depth]

    @staticmethod
    def carried(effect: Effect, via: str, call: str) -> Effect:
        return effect if effect.via else replace(effect, via=via, via_call=call)

    def unbounded_loop(self, loops: tuple, ctx: Ctx) -> Optional[Loop]:
        for loop in reversed(loops):
            if loop.kind == "while" or not self.bounded(loop.iter, ctx):
                return loop
        return None

    def bounded(self, expr: Optional[Expr], ctx: Ctx, depth: int = 0) -> bool:
        """Does the code make this iterable small (a literal, range(8), a constant tuple)?"""
        if expr is None or depth > 3:
            return False
        kind = expr[0]
        if kind in ("t", "d"):
            return len(expr[1]) <= _SMALL
        if kind == "k":
            return True
        if kind == "n":
            bindings = self.p.bindings(expr[1], ctx)
            return bool(bindings) and all(k == "expr" and d[0] in ("t", "d", "k") and self.bounded(d, c, depth + 1)
                                          for k, d, c in bindings)
        if kind == "c":
            names = {v[1] for v in self.ev.eval(expr[1], ctx) if v[0] == "ext"}
            if "builtins.range" in names:
                return all(a[0] == "k" and isinstance(a[1], int) and a[1] <= _SMALL for a in expr[2])
            if names & {"builtins.enumerate", "builtins.zip", "builtins.sorted", "builtins.reversed",
                        "builtins.list", "builtins.tuple", "builtins.set"}:
                return bool(expr[2]) and all(self.bounded(a, ctx, depth + 1) for a in expr[2])
            if expr[1][0] == "a" and expr[1][2] in ("items", "keys", "values"):
                return self.bounded(expr[1][1], ctx, depth + 1)
        return False


def best_effects(effects: Iterable[Effect]) -> list[Effect]:
    """One effect per call site and kind of work reached, with the shortest chain."""
    best: dict[tuple, Effect] = {}
    for effect in effects:
        key = effect.key()
        current = best.get(key)
        if current is None or len(effect.chain) < len(current.chain):
            best[key] = effect
    return list(best.values())
