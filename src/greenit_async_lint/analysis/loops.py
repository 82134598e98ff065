"""Loops that amplify work: a blocking call repeated over a collection the code does not make small
is heavy work (one query per row of an unbounded queryset).

What does not amplify (the loop policy): a loop over a literal or a small `range`, with its bound
read through module and class constants (`range(MAX_RETRIES)`, `range(self.MAX_TRIES)`); a loop
the code leaves right after the call (`kind == "once"`, summarize.py via loopshape.py: retries that
return or break on success, searches whose block from the call on can only leave the loop; `kind ==
"retry"`: the failure path of a retry loop that gives up by raising); a `while` whose test counts up to a small number or waits for a
deadline; a loop over the entries of one file or one reply (volume.yaml `entries`); a loop over one
parent's own parts (a query of `ChallengeFiles` by `challenge_id`, parts.py). A deadline
loop still turns a poll into polling: waiting for a job until a deadline is waiting.

A loop over a parameter (`def create_pdf(sources): for s in sources: render(s)`) is judged by
the caller's argument, as volume.py judges per-row work: the work is amplified in the callee with
the weight it had before (`Effect.before`) and the parameter (`Effect.rows`), and the call site
that binds the parameter undoes the loop when it passes a small literal (`create_pdf([html])`, a
tuple or a name bound to one) or a one-item display inside its own loop (`for h in hooks:
create_pdf([h.html])`: that loop multiplies the call), passes the question on when it hands over a
parameter of its own or a comprehension over one (`[h.url for h in hooks]`), and keeps the loop
otherwise. Not when the callee adds to the parameter (`sources.append(...)`)
nor when another loop there multiplies the work too; a display the caller fills is no literal
(`bounded`: `urls = [a]` then `urls.append(...)`).
"""
from __future__ import annotations

from typing import Optional

from ..catalogue import Catalogue
from .effects import Effect, replace
from .evaluate import Evaluator
from .ir import Attr, Call, CallSite, Const, DictItems, Element, Expr, Function, Items, Loop, Name, Star, Subscript
from .parameters import arg_value, bind
from .project import BoundExpr, Ctx, Project
from .values import Candidates, External, FunctionRef, MethodRef
from .volume import DataVolume, names_read
from .whilebounds import SMALL, WhileBounds

_NO_SIZE = frozenset({"typing.Any"})  # a candidate value that says nothing of a collection's size
_DEFERRED = frozenset({"blocking", "poll", "heavy"})  # what a loop over a parameter amplifies for its caller to judge


def amplified(effect: Effect, loop: Loop) -> Effect:
    """The effect as run once per element of an unbounded loop."""
    if effect.scope != "any":
        return effect  # a query per row is slow, but the event-loop rule already covers it
    if loop.kind == "deadline" and effect.weight != "poll":
        return effect  # a bounded wait: only polling inside it is waiting for work
    if effect.weight in ("blocking", "poll"):
        return replace(effect, weight="heavy", loop=effect.loop or loop.text)
    return effect if effect.loop else replace(effect, loop=loop.text)


class LoopBounds:
    def __init__(self, project: Project, evaluator: Evaluator, catalogue: Catalogue) -> None:
        self.p = project
        self.ev = evaluator
        self.rules = catalogue.volume
        self.volume = DataVolume(project, evaluator, catalogue)
        self.counters = WhileBounds(project, evaluator, catalogue.volume)  # `while` loops, small constants
        self.offloads = catalogue.offloads
        self._sites: dict[tuple[int, str], dict[tuple[int, int, str], CallSite]] = {}  # call sites by hop
        self._bounded: dict[tuple[Expr, Ctx, int], bool] = {}

    def amplify(self, effects: list[Effect], loops: tuple[Loop, ...], ctx: Ctx) -> list[Effect]:
        """The effects of a call site as its loops run them: per-row work over an unbounded
        collection, then blocking work in any loop the code does not bound. A loop over a
        parameter alone leaves the last word to the caller (`Effect.before`, `at_call`)."""
        if not effects:
            return effects
        effects = self.volume.amplify(self.at_call(effects, ctx), loops, ctx)
        loop = self.unbounded_loop(loops, ctx)
        if loop is None:
            return effects
        param = self._caller_decides(loop, loops, ctx)
        out: list[Effect] = []
        for effect in effects:
            grown = amplified(effect, loop)
            if effect.before:  # a callee's loop over its parameter, and this loop too: settled
                grown = replace(grown, before="", rows="")
            elif param and grown is not effect and not effect.loop and not effect.rows and effect.weight in _DEFERRED:
                grown = replace(grown, before=effect.weight, rows=param)
            out.append(grown)
        return out

    def _caller_decides(self, loop: Loop, loops: tuple[Loop, ...], ctx: Ctx) -> str:
        """The parameter `loop` iterates when it is the only loop here that multiplies work and
        the function does not add to that parameter (`sources.append(...)`): the caller's
        argument then says how many times the work runs, or ''."""
        if loop.kind not in ("for", "comprehension") or self.volume.unbounded(loop.iter, ctx):
            return ""  # a request's rows, a whole table: whatever the caller passes
        param = self.volume.row_parameter(loop.iter, ctx)
        # The parameter itself, or one wrapper of it alone (`enumerate(sources)`), not a list
        # filled from it nor a chain of it and something else.
        wrapped = self.volume.wrapped(loop.iter, ctx) if isinstance(loop.iter, Call) else [loop.iter]
        if not param or wrapped != [Name("n", param)] or self.volume.filled(param, ctx):
            return ""
        others = tuple(other for other in loops if other is not loop)
        return param if self.unbounded_loop(others, ctx) is None else ""

    def at_call(self, effects: list[Effect], ctx: Ctx) -> list[Effect]:
        """Per-row work of a callee's loop over one of its parameters (`Effect.rows`), as the
        argument of the call site that reached it makes it (volume.py `at_call`)."""
        if ctx.function is None or not any(e.rows and e.chain for e in effects):
            return effects
        sites = self._sites.get((ctx.module, ctx.function))
        if sites is None:
            fn = self.p.function(ctx.module, ctx.function)
            sites = {(cs.line, cs.col, cs.text): cs for cs in (fn.scope.calls if fn is not None else ())}
            self._sites[(ctx.module, ctx.function)] = sites
        out: list[Effect] = []
        for effect in effects:
            hop = effect.chain[0] if effect.rows and effect.chain else None
            site = sites.get((hop.line, hop.col, hop.call)) if hop is not None else None
            callee = self._callee(site, effect.rows, ctx) if site is not None else None
            if site is None or callee is None:
                out.append(replace(effect, rows="", before="") if effect.rows else effect)
            elif effect.before:
                target, method, handed = callee
                out.append(self._undo(effect, bind(target, method, handed.args, handed.kwargs).get(effect.rows), ctx,
                                      site.loops))
            else:
                out.extend(self.volume.at_call(*callee, ctx, [effect], self.bounded))
        return out

    def _undo(self, effect: Effect, arg: Optional[Expr], ctx: Ctx, loops: tuple[Loop, ...] = ()) -> Effect:
        """Work a callee's loop over its parameter amplified, as this call site's argument makes
        it: a small literal (`create_pdf(event, [html], css)`) runs it a few times, as if there
        were no loop; a parameter of the caller, or a comprehension over one (`[h.url for h in
        hooks]`), passes the question on; anything else keeps it. `loops`: the call site's own."""
        if arg is not None and (self.bounded(arg, ctx) or self._one_a_turn(arg, ctx, loops)):
            # (and the low confidence the loop took back)
            return replace(effect, weight=effect.before, loop="", rows="", before="", guard=effect.held or effect.guard,
                           held="")
        if isinstance(arg, Name) and self.volume.row_parameter(arg, ctx) == arg.id and not self.volume.filled(arg.id, ctx):
            return replace(effect, rows=arg.id)
        param = self._comprehension_parameter(arg, ctx, loops)
        if param:
            return replace(effect, rows=param)
        if effect.held and arg is not None and self.volume.unbounded(arg, ctx):
            return replace(effect, before="")  # `rows` kept: one item's work per row of a table (trivial.py)
        return replace(effect, rows="", before="")

    def _element_iterables(self, arg: Optional[Expr], ctx: Ctx) -> set[Expr]:
        """What the loop variables a one-item display's element reads iterate (`[hook["url"]]`,
        `[h.url for h in hooks]`: `hooks`); empty for anything else."""
        if not isinstance(arg, Items) or len(arg.items) != 1:
            return set()
        return {b.binding.iterable for name in names_read(arg.items[0]) for b in self.p.bindings(name, ctx)
                if isinstance(b, BoundExpr) and isinstance(b.binding, Element)}

    def _one_a_turn(self, arg: Expr, ctx: Ctx, loops: tuple[Loop, ...]) -> bool:
        """A one-item display of the element of a loop the call site itself is in (`for hook in
        hooks: fetch_all([hook["url"]])`): one item a turn; that loop multiplies the call, not this one."""
        iterables = self._element_iterables(arg, ctx)
        return bool(iterables) and iterables <= {loop.iter for loop in loops}

    def _comprehension_parameter(self, arg: Optional[Expr], ctx: Ctx, loops: tuple[Loop, ...]) -> str:
        """The caller's parameter a comprehension argument iterates (`[h.url for h in hooks]`: as
        many items as `hooks`), or ''. (A comprehension reads as a one-item display of its element,
        whose names are bound by the loop; a display inside the call site's own loop over that
        parameter, `for h in hooks: f([h.url])`, is one item a turn, and that loop is the caller's.)"""
        iterables = self._element_iterables(arg, ctx)
        if len(iterables) != 1:
            return ""
        (iterable,) = iterables
        if not isinstance(iterable, Name) or any(loop.iter == iterable for loop in loops):
            return ""
        if self.volume.row_parameter(iterable, ctx) != iterable.id or self.volume.filled(iterable.id, ctx):
            return ""
        return iterable.id

    def _callee(self, cs: CallSite, param: str, ctx: Ctx) -> Optional[tuple[Function, bool, CallSite]]:
        """The project function a call site calls that has a parameter `param`, whether it is a
        method, and the call site as that function receives its arguments: a function handed to a
        background task or a thread (`background.add_task(announce, pid, [URL])`, `to_thread(f, x)`;
        offloads.yaml `background`, `threads`) gets the arguments after it."""
        values: list[object] = list(self.ev.eval(cs.func, ctx))
        for value in values:
            if isinstance(value, External):
                spec = self.offloads.background.match(value.name) or self.offloads.threads.match(value.name)
                fn_arg = arg_value(cs.args, cs.kwargs, spec) if spec is not None else None
                if spec is not None and fn_arg is not None:
                    # the callable's own arguments: the ones after it (keywords go to it as well)
                    handed = replace(cs, func=fn_arg, args=cs.args[spec.arg + 1:] if spec.arg is not None else ())
                    found = self._callee(handed, param, ctx)
                    return found if found is None or found[2] is handed else None
        for value in values:
            if isinstance(value, Candidates):
                values.extend(value.values)
            elif isinstance(value, (FunctionRef, MethodRef)):
                fn = self.p.function(value.module, value.qualname)
                if fn is not None and any(p.name == param for p in fn.params):
                    return fn, isinstance(value, MethodRef), cs
        return None

    def unbounded_loop(self, loops: tuple[Loop, ...], ctx: Ctx) -> Optional[Loop]:
        """The innermost loop that multiplies a call site's work (a deadline loop is returned with
        kind "deadline": it multiplies polls only)."""
        deadline: Optional[Loop] = None
        for loop in reversed(loops):
            if loop.kind in ("once", "retry"):
                continue
            if loop.kind == "while":
                bound = self.counters.while_bound(loop.iter, ctx)
                if bound == "deadline":
                    deadline = deadline or replace(loop, kind="deadline")
                elif bound != "counter":
                    return loop
            elif not self.bounded(loop.iter, ctx) and not self.entries(loop.iter, ctx):
                return loop
        return deadline

    def entries(self, expr: Optional[Expr], ctx: Ctx) -> bool:
        """A loop over the entries of one file or one reply (volume.yaml `entries`): a call
        (`reply.iter_content()`), or a value read from one reply's body (`data.get("links")`
        with `data = requests.get(url).json()`). An `Any` among the candidates (a declared
        `dict[str, Any]`) says nothing of the size: the others decide."""
        if not len(self.rules.entries):
            return False
        if isinstance(expr, Call):
            names = [v.name for v in self.ev.eval(expr.func, ctx) if isinstance(v, External)]
            if names and all(n in self.rules.entries for n in names):
                return True
        while isinstance(expr, Subscript):  # reply.json()["links"]: a part of that one body
            expr = expr.base
        if not isinstance(expr, (Call, Attr, Name)):
            return False
        names = [v.name for v in self.ev.eval(expr, ctx) if isinstance(v, External) and v.name not in _NO_SIZE]
        return bool(names) and all(n in self.rules.entries for n in names)

    def _element_bounded(self, element: Expr, ctx: Ctx, depth: int) -> bool:
        """False when the element reads a loop variable of a collection the code does not bound."""
        return all(self.bounded(b.binding.iterable, b.ctx, depth + 1)
                   for name in names_read(element) for b in self.p.bindings(name, ctx)
                   if isinstance(b, BoundExpr) and isinstance(b.binding, Element))

    def bounded(self, expr: Optional[Expr], ctx: Ctx, depth: int = 0) -> bool:
        """Does the code make this iterable small (a literal, range(8), a constant tuple, one
        parent's own parts)? Memoised: every call site in a loop asks it of the loop."""
        if expr is None or depth > 3:
            return False
        key = (expr, ctx, depth)
        found = self._bounded.get(key)
        if found is None:
            found = self._bounded[key] = self._bounded_now(expr, ctx, depth)
        return found

    def _bounded_now(self, expr: Expr, ctx: Ctx, depth: int) -> bool:
        if isinstance(expr, (Name, Call)):
            # The literal's tests first: one parent's own parts (`ChallengeFiles` of one
            # challenge: a few rows) follows the query chain, the costly test.
            return self._small_literal(expr, ctx, depth) or self.volume.own_parts(expr, ctx)
        if isinstance(expr, Items):
            # A comprehension reads as a one-item display of its element: it is as small as what
            # the element's loop variable iterates (`[h.url for h in hooks]`).
            if len(expr.items) == 1 and not self._element_bounded(expr.items[0], ctx, depth):
                return False
            return len(expr.items) <= SMALL
        if isinstance(expr, DictItems):
            return len(expr.keys) <= SMALL
        return isinstance(expr, Const)

    def _small_setting(self, binding: object, ctx: Ctx, depth: int) -> bool:
        """A setting read from the environment with a small default (`SIZES = env.list("SIZES",
        [400, 1200])`, offloads.yaml `env_reads`): the operator sets it once for every request, as
        a constant; it does not grow with the data."""
        if not isinstance(binding, Call):
            return False
        for target in self.ev.eval(binding.func, ctx):
            spec = self.offloads.env_reads.match(target.name) if isinstance(target, External) else None
            if spec is not None:
                return self.bounded(arg_value(binding.args, binding.kwargs, spec), ctx, depth + 1)
        return False

    def _small_literal(self, expr: Name | Call, ctx: Ctx, depth: int) -> bool:
        """A name bound to small literals only, a small `range`, a wrapper of bounded iterables."""
        if isinstance(expr, Name):
            if self.volume.filled(expr.id, ctx):
                return False  # `urls = []` then `urls.append(...)`: as long as what filled it
            bindings = self.p.through_imports(self.p.bindings(expr.id, ctx))
            return bool(bindings) and all(
                isinstance(b, BoundExpr) and (isinstance(b.binding, (Items, DictItems, Const))
                                              and self.bounded(b.binding, b.ctx, depth + 1)
                                              or self._small_setting(b.binding, b.ctx, depth))
                for b in bindings)
        if isinstance(expr, Call):
            names = {v.name for v in self.ev.eval(expr.func, ctx) if isinstance(v, External)}
            if "builtins.range" in names:
                return bool(expr.args) and all(not isinstance(a, Star) and self.counters.small_int(a, ctx) for a in expr.args)
            if names & {"builtins.enumerate", "builtins.zip", "builtins.sorted", "builtins.reversed",
                        "builtins.list", "builtins.tuple", "builtins.set"}:
                return bool(expr.args) and all(not isinstance(a, Star) and self.bounded(a, ctx, depth + 1)
                                               for a in expr.args)
            if isinstance(expr.func, Attr) and expr.func.attr in ("items", "keys", "values"):
                return self.bounded(expr.func.base, ctx, depth + 1)
        return False
