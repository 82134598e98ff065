"""What a callee does with what its caller hands it: a function passed in and called (`run(job)`
in `def each(items, run)`), a class passed in and built (`form_class(data)`), a method called on
a parameter that holds nothing of its own (`def export(writer): writer.write_all()`, with no
annotation, default or construction to say what `writer` is).

Such a call reaches nothing from the callee alone, so its work is found at each call site that
reaches the callee, from that site's argument (one level of context): `export(PdfWriter())` runs
PdfWriter.write_all, `export(CsvWriter())` CsvWriter's, and neither is charged to the other's
caller. The work is judged where the callee makes the call (its loops, guards and conditions), then
handed to the caller like the callee's own work; a parameter passed on again (`def a(w): export(w)`)
is not followed further.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence

from .effects import Effect, Hop
from .ir import Attr, Call, CallSite, Element, Expr, Function, Name
from .parameters import bind, passed_names
from .project import Ctx
from .values import Callee, MethodRef, Value

if TYPE_CHECKING:
    from .reach import Reach

# Values of one argument followed: a caller passing one of many classes (a registry's `.get(kind)`)
# hands over a few of them; past this many, the rest are left, as an unknown argument is.
MAX_VALUES = 6

# How the callee gets from the parameter to the receiver of its call: the parameter itself (""),
# what calling it returns ("call": `renderer = renderer_class()`), one of its attributes ("attr",
# `job.sink.write()`), or each element of one ("each": `for s in alert.subscriptions: s.notify()`).
Step = tuple[str, str]
# The callee's call that uses the parameter, the method it calls (None: the parameter itself), the step.
Use = tuple[CallSite, Optional[str], Step]
_ITSELF: Step = ("", "")


class PassedValues:
    def __init__(self, reach: Reach) -> None:
        self.r = reach
        self._uses: dict[tuple[int, str, object], dict[str, list[Use]]] = {}

    def effects(self, target: Callee, fn: Function, cs: CallSite, ctx: Ctx) -> list[Effect]:
        """The work the callee `target` does with what call site `cs` (in `ctx`) passes it, in the
        callee's terms: each chain starts at the callee's own call."""
        inner_ctx = Ctx(target.module, target.qualname, target.receiver if isinstance(target, MethodRef) else None)
        uses = self.uses(fn, inner_ctx)
        if not uses:
            return []
        r = self.r
        path = r.p.mods[target.module].path
        out: list[Effect] = []
        for name, arg in bind(fn, isinstance(target, MethodRef), cs.args, cs.kwargs).items():
            sites = uses.get(name)
            if not sites:
                continue
            values = r.ev.eval(arg, ctx)[:MAX_VALUES]
            for inner, method, step in sites if values else ():
                hop = Hop(path, inner.line, inner.col, inner.text)
                found: list[Effect] = []
                receivers = self.stepped(values, step)[:MAX_VALUES]
                for called in (receivers if method is None else [c for v in receivers for c in r.ev.attr(v, method)]):
                    found.extend(r.target_effects(called, inner, inner_ctx, hop))
                out.extend(r.judged(found, inner, inner_ctx))
        return out

    def stepped(self, values: Sequence[Value], step: Step) -> list[Value]:
        kind, attr = step
        ev = self.r.ev
        if kind == "call":
            return [v for value in values for v in ev.returns(value)]
        if kind in ("attr", "each"):
            found = [v for value in values for v in ev.attr(value, attr)]
            return ev.relations.elements_of(found) if kind == "each" else found
        return list(values)

    def uses(self, fn: Function, ctx: Ctx) -> dict[str, list[Use]]:
        """The callee's calls of a parameter, and of a method on a parameter that holds nothing
        of its own (a typed one is followed by its type, in the callee's own walk)."""
        key = (ctx.module, fn.qualname, ctx.receiver)
        found = self._uses.get(key)
        if found is None:
            names = passed_names(fn)
            found = {}
            for cs in fn.scope.calls if names else ():
                func = cs.func
                if isinstance(func, Name) and func.id in names:
                    found.setdefault(func.id, []).append((cs, None, _ITSELF))
                elif isinstance(func, Attr) and not self.r.ev.eval(func.base, ctx):
                    reached = _reached(fn, func.base, names)
                    if reached is not None:
                        found.setdefault(reached[0], []).append((cs, func.attr, reached[1]))
            self._uses[key] = found
        return found


def _reached(fn: Function, receiver: Expr, params: set[str]) -> Optional[tuple[str, Step]]:
    """The parameter a call's receiver comes from, and how: the parameter, `param.attr`, or a local
    only ever bound one way from it (`renderer = renderer_class()`, `for s in alert.subscriptions`)."""
    if isinstance(receiver, Name) and receiver.id in params:
        return receiver.id, _ITSELF
    if isinstance(receiver, Attr) and isinstance(receiver.base, Name) and receiver.base.id in params:
        return receiver.base.id, ("attr", receiver.attr)
    if not isinstance(receiver, Name) or receiver.id in params:
        return None
    ways = {_way(b, params) for b in fn.scope.names.get(receiver.id, ())}
    return ways.pop() if len(ways) == 1 else None


def _way(binding: object, params: set[str]) -> Optional[tuple[str, Step]]:
    if isinstance(binding, Call) and isinstance(binding.func, Name) and binding.func.id in params:
        return binding.func.id, ("call", "")
    if isinstance(binding, Element) and isinstance(binding.iterable, Attr) and isinstance(binding.iterable.base, Name) \
            and binding.iterable.base.id in params:
        return binding.iterable.base.id, ("each", binding.iterable.attr)
    return None
